import SwiftMigrate
import Testing

@Suite("SQLScript errors")
struct SQLScriptErrorTests {
    typealias F = SQLScriptFixture

    @Test func psqlMetaCommandAtTheStartOfAScriptIsRejected() throws {
        let error = try #require(F.error("\\set ON_ERROR_STOP on\nSELECT 1;"))
        #expect(error.code == .invalidScript)
        #expect(error.message == "psql meta-command \\set is not SQL; swift-migrate runs plain SQL statements")
        #expect(error.location == F.location(1, 1))
        #expect(error.sourceLine == "\\set ON_ERROR_STOP on")
        #expect(error.description == "migrations/001_test.up.sql:1:1: " + error.message)
    }

    @Test func psqlMetaCommandAfterCommentsIsRejectedWithItsLine() throws {
        let sql = "SELECT 1;\n  -- load the data\n  /* ... */ \\copy t FROM 'data.csv' CSV\n"
        let error = try #require(F.error(sql, firstLine: 5))
        #expect(error.message == "psql meta-command \\copy is not SQL; swift-migrate runs plain SQL statements")
        #expect(error.location == F.location(7, 13))
        let include = try #require(F.error("SELECT 1;\n\\i other.sql\n", .sqlite))
        #expect(include.message == "psql meta-command \\i is not SQL; swift-migrate runs plain SQL statements")
        #expect(include.location == F.location(2, 1))
        let connect = try #require(F.error("\\connect mydb;"))
        #expect(connect.message == "psql meta-command \\connect is not SQL; swift-migrate runs plain SQL statements")
    }

    @Test func copyFromStdinIsRejectedBeforeItsRows() throws {
        let sql = "CREATE TABLE t (a text);\nCOPY public.t (a) FROM stdin;\nit's\n\\.\n"
        let error = try #require(F.error(sql))
        #expect(error.message == "COPY ... FROM STDIN needs psql to send the rows after it; swift-migrate runs plain SQL "
            + "statements (use INSERT, or COPY FROM a file on the server)")
        #expect(error.location == F.location(2, 1))
        #expect(try F.texts("COPY t FROM '/data/t.csv' CSV; SELECT 1") == ["COPY t FROM '/data/t.csv' CSV", "SELECT 1"])
    }

    @Test(arguments: [
        ("SELECT 1;\nSELECT 'abc;\n", SQLDialect.postgres, "unterminated quoted string (opened here)", 2, 8),
        ("SELECT 1;\nSELECT 'abc;\n", .sqlite, "unterminated quoted string (opened here)", 2, 8),
        ("SELECT E'it\\'s;\n", .postgres, "unterminated escape string E' (opened here)", 1, 8),
        ("CREATE FUNCTION f() AS $body$\nSELECT 1;\n$$ LANGUAGE sql;", .postgres,
         "unterminated dollar-quoted string $body$ (opened here)", 1, 24),
        ("SELECT 1;\n  DO $$ BEGIN END $x$;", .postgres, "unterminated dollar-quoted string $$ (opened here)", 2, 6),
        ("SELECT 1 /* a /* b */ c;", .postgres, "unterminated block comment /* (opened here)", 1, 10),
        ("SELECT 1;\n/* forgot", .sqlite, "unterminated block comment /* (opened here)", 2, 1),
        ("CREATE TABLE \"a;\n(id int);", .postgres, "unterminated quoted identifier \" (opened here)", 1, 14),
        ("CREATE TABLE `a;\n(id int);", .sqlite, "unterminated quoted identifier ` (opened here)", 1, 14),
        ("CREATE TABLE [a;\n(id int);", .sqlite, "unterminated quoted identifier [ (opened here)", 1, 14),
        ("SELECT 1;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql\n  BEGIN ATOMIC SELECT 1;", .postgres,
         "unterminated BEGIN ATOMIC body: no matching END (opened here)", 3, 3),
        ("CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  SELECT CASE WHEN 1 THEN 2 END;\n", .sqlite,
         "unterminated trigger body: BEGIN has no matching END (opened here)", 1, 36),
        ("SELECT 1;\n  -- +migrate StatementBegin\nSELECT 2;\n", .postgres,
         "unterminated -- +migrate StatementBegin: no -- +migrate StatementEnd follows (opened here)", 2, 3),
    ])
    func unterminatedConstructsAreReportedWhereTheyOpen(
        sql: String, dialect: SQLDialect, message: String, line: Int, column: Int
    ) throws {
        let error = try #require(F.error(sql, dialect))
        #expect(error.code == .invalidScript)
        #expect(error.message == message)
        #expect(error.location == F.location(line, column))
    }

    @Test func quotesInsideAStatementBlockMustStillClose() throws {
        let error = try #require(F.error("-- +migrate StatementBegin\nSELECT 'x;\n-- +migrate StatementEnd\nSELECT ';'"))
        #expect(error.message == "unterminated quoted string (opened here)")
        #expect(error.location == F.location(2, 8))
    }

    @Test func errorLocationsCountCharactersAndSkipTheByteOrderMark() throws {
        let error = try #require(F.error("\u{FEFF}SELECT 'é', \"ü;\r\nx", firstLine: 3))
        #expect(error.message == "unterminated quoted identifier \" (opened here)")
        #expect(error.location == F.location(3, 13))
        #expect(error.sourceLine == "SELECT 'é', \"ü;")
    }
}
