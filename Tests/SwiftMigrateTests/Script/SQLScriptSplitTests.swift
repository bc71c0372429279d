import SwiftMigrate
import Testing

@Suite("SQLScript splitting")
struct SQLScriptSplitTests {
    typealias F = SQLScriptFixture

    @Test func splitsOnSemicolonsAndKeepsALastStatementWithoutOne() throws {
        #expect(try F.texts("CREATE TABLE a (id int);\nINSERT INTO a VALUES (1) ;\n\nSELECT 1") == [
            "CREATE TABLE a (id int)", "INSERT INTO a VALUES (1)", "SELECT 1",
        ])
    }

    @Test func emptyWhitespaceAndCommentOnlyScriptsHaveNoStatements() throws {
        for sql in ["", "   \n\t\n", "-- only a comment\n", "/* block */\n-- line", ";;\n ; -- nothing", "\u{FEFF}"] {
            #expect(try F.script(sql).statements.isEmpty, "\(sql.debugDescription)")
            #expect(try F.script(sql, .sqlite).statements.isEmpty, "\(sql.debugDescription)")
            #expect(try F.script(sql).executionMode == .transaction)
        }
    }

    @Test func textStartsAtTheFirstTokenAndKeepsInnerComments() throws {
        let script = try F.script("-- lead\n/* c; */ SELECT /* in; */ 1 -- tail;\n;\n-- trailing comment\n")
        #expect(script.statements.map(\.text) == ["SELECT /* in; */ 1 -- tail;"])
        #expect(script.statements[0].utf8Offset == 17)
    }

    @Test func dollarQuotedBodiesKeepTheirSemicolons() throws {
        let sql = """
            CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; SELECT 2; $$ LANGUAGE sql;
            DO $body$ BEGIN EXECUTE $$SELECT ';'$$; PERFORM 1; END $body$;
            SELECT $_x$ a; $x$ b; $_x$, $é$;$é$;
            SELECT 3
            """
        #expect(try F.texts(sql) == [
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; SELECT 2; $$ LANGUAGE sql",
            "DO $body$ BEGIN EXECUTE $$SELECT ';'$$; PERFORM 1; END $body$",
            "SELECT $_x$ a; $x$ b; $_x$, $é$;$é$",
            "SELECT 3",
        ])
    }

    @Test func parametersAndIdentifiersWithDollarsAreNotTags() throws {
        // $1 is a parameter, a$$b an identifier: neither opens a dollar quote.
        #expect(try F.texts("PREPARE p AS SELECT $1;SELECT a$$b FROM t;SELECT $1$2; SELECT 4") == [
            "PREPARE p AS SELECT $1", "SELECT a$$b FROM t", "SELECT $1$2", "SELECT 4",
        ])
    }

    @Test func blockCommentsNestInPostgresButNotInSQLite() throws {
        #expect(try F.texts("/* outer /* inner; */ still; */ SELECT 1; SELECT 2") == ["SELECT 1", "SELECT 2"])
        #expect(try F.texts("/* a /* b; */ SELECT 1; SELECT 2", .sqlite) == ["SELECT 1", "SELECT 2"])
    }

    @Test func stringsHideSemicolons() throws {
        #expect(try F.texts("INSERT INTO t VALUES ('it''s; ok');SELECT ';'") == [
            "INSERT INTO t VALUES ('it''s; ok')", "SELECT ';'",
        ])
        // E'' strings take backslash escapes in PostgreSQL; plain strings do not.
        #expect(try F.texts(#"SELECT E'it\'s; fine', e'\\';SELECT 'a\';SELECT 2"#) == [
            #"SELECT E'it\'s; fine', e'\\'"#, #"SELECT 'a\'"#, "SELECT 2",
        ])
        #expect(try F.texts(#"SELECT B'0101', X'1F;', U&'d\0061t;a', N'x;y';SELECT 2"#) == [
            #"SELECT B'0101', X'1F;', U&'d\0061t;a', N'x;y'"#, "SELECT 2",
        ])
        // SQLite has no E'' strings: the backslash is an ordinary character.
        #expect(try F.texts(#"SELECT E'a\';SELECT 2"#, .sqlite) == [#"SELECT E'a\'"#, "SELECT 2"])
    }

    @Test func quotedIdentifiersHideSemicolons() throws {
        #expect(try F.texts(#"CREATE TABLE "a;b" ("c""; d" int);SELECT 1"#) == [
            #"CREATE TABLE "a;b" ("c""; d" int)"#, "SELECT 1",
        ])
        #expect(try F.texts("CREATE TABLE [a;b] (`c;d` INT, \"e;\" TEXT, `x``;` INT);SELECT 1", .sqlite) == [
            "CREATE TABLE [a;b] (`c;d` INT, \"e;\" TEXT, `x``;` INT)", "SELECT 1",
        ])
        // In PostgreSQL [ is an array subscript, not a quote.
        #expect(try F.texts("SELECT a[1];SELECT 2") == ["SELECT a[1]", "SELECT 2"])
    }

    @Test func beginAtomicBodiesAreOneStatement() throws {
        let function = """
            CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC
              SELECT CASE WHEN a > 0 THEN a + b ELSE b END;
              SELECT (CASE a WHEN 1 THEN 2 END);
            END
            """
        let procedure = "create or replace procedure p() language sql begin atomic insert into t values (1); end"
        let script = try F.script("\(function);\n\(procedure);\nSELECT 2;")
        #expect(script.statements.map(\.text) == [function, procedure, "SELECT 2"])
        #expect(script.statements.map(\.kind) == [.regular, .regular, .regular])
    }

    @Test func beginOutsideAtomicBodiesStillSplits() throws {
        // A function named "begin" opens no body; BEGIN at top level is a transaction.
        #expect(try F.texts("CREATE FUNCTION begin() RETURNS int AS 'select 1' LANGUAGE sql; SELECT 2") == [
            "CREATE FUNCTION begin() RETURNS int AS 'select 1' LANGUAGE sql", "SELECT 2",
        ])
        #expect(try F.texts("BEGIN; SELECT 1; END; SELECT 2") == ["BEGIN", "SELECT 1", "END", "SELECT 2"])
    }

    @Test func postgresDoesNotSplitInsideParentheses() throws {
        let rule = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2))"
        #expect(try F.texts("\(rule); SELECT 1") == [rule, "SELECT 1"])
    }

    @Test func sqliteTriggerBodiesAreOneStatement() throws {
        let trigger = """
            CREATE TRIGGER trg AFTER INSERT ON t WHEN CASE WHEN new.y > 0 THEN 1 END
            BEGIN
              UPDATE t SET x = CASE WHEN new.y > 0 THEN 1 ELSE 0 END;
              INSERT INTO log VALUES (new.id, 'end; begin');
            END
            """
        let temporary = "CREATE TEMP TRIGGER t2 BEFORE DELETE ON t BEGIN SELECT RAISE(ABORT, 'no'); END"
        let script = try F.script("\(trigger);\n\(temporary);\nSELECT 1;", .sqlite)
        #expect(script.statements.map(\.text) == [trigger, temporary, "SELECT 1"])
        #expect(script.executionMode == .transaction)
    }

    @Test func statementBeginEndEnclosesOneStatement() throws {
        let sql = """
            CREATE TABLE a (id int);
            -- +migrate StatementBegin
            -- leading comment
            CREATE FUNCTION f() RETURNS trigger AS '
            BEGIN
              RETURN NEW;
            END;
            ' LANGUAGE plpgsql;
            -- +migrate StatementEnd
              --   +MIGRATE   statementbegin   
            SELECT 1; SELECT 2;  -- done
              -- +migrate statementEnd\r
            SELECT 3;
            """
        let script = try F.script(sql)
        #expect(script.statements.map(\.text) == [
            "CREATE TABLE a (id int)",
            "CREATE FUNCTION f() RETURNS trigger AS '\nBEGIN\n  RETURN NEW;\nEND;\n' LANGUAGE plpgsql",
            "SELECT 1; SELECT 2",
            "SELECT 3",
        ])
        #expect(script.statements.map(\.line) == [1, 4, 11, 13])
    }

    @Test func statementBeginEndsAStatementLeftWithoutSemicolon() throws {
        let sql = "SELECT 1\n-- +migrate StatementBegin\nSELECT 2; SELECT 3\n-- +migrate StatementEnd\nSELECT 4"
        #expect(try F.texts(sql, .sqlite) == ["SELECT 1", "SELECT 2; SELECT 3", "SELECT 4"])
    }

    @Test func emptyStatementBlockIsDropped() throws {
        #expect(try F.texts("-- +migrate StatementBegin\n-- nothing\n;\n-- +migrate StatementEnd\nSELECT 1") == [
            "SELECT 1",
        ])
    }

    @Test func directiveLookalikesAreOrdinaryComments() throws {
        // Not at the start of a line, or another word: plain comments, so splitting goes on as usual.
        let sql = "SELECT 1; -- +migrate StatementBegin\nSELECT 2;\n-- +migrate StatementBeginning\nSELECT 3;"
        #expect(try F.texts(sql) == ["SELECT 1", "SELECT 2", "SELECT 3"])
    }
}
