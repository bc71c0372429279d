import Foundation
import SwiftMigrate
import SwiftMigrateSQLite
import Testing

@Suite("SQLiteDriver: statements and transactions")
struct SQLiteDriverExecuteTests {
    @Test("execute runs every statement of a string, SELECTs included")
    func multiStatement() async throws {
        try await withTemporaryDirectory { directory in
            let driver = try await openDriver(in: directory)
            try await driver.execute(
                """
                -- leading comment
                CREATE TABLE a (x);
                INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);
                SELECT * FROM a;
                /* a block comment */ INSERT INTO a VALUES (3);
                ;;
                -- trailing comment, no statement
                """
            )
            try await driver.close()
            #expect(try sqlite3CLI("\(directory)/test.db", "SELECT group_concat(x) FROM a") == "1,2,3")
        }
    }

    @Test("a syntax error's position is the UTF-8 offset of the bad token in the whole string")
    func syntaxErrorOffset() async throws {
        try await withTemporaryDirectory { directory in
            let driver = try await openDriver(in: directory)
            let sql = "CREATE TABLE é (x);\nINSERT INTO é VALUES (1);\nSELEC 1;"
            let failure = await #expect(throws: DatabaseFailure.self) { try await driver.execute(sql) }
            #expect(failure?.message == "near \"SELEC\": syntax error")
            #expect(failure?.sqlState == "SQLITE_ERROR")
            #expect(failure?.position == .utf8Offset(utf8Offset(of: "SELEC", in: sql)))
            // The statements before the error ran.
            try await driver.close()
            #expect(try sqlite3CLI("\(directory)/test.db", "SELECT x FROM é") == "1")
        }
    }

    @Test("an unknown column points at the column name")
    func unknownColumnOffset() async throws {
        try await withTemporaryDirectory { directory in
            let driver = try await openDriver(in: directory)
            let sql = "CREATE TABLE t (x);\n  SELECT nope FROM t;"
            let failure = await #expect(throws: DatabaseFailure.self) { try await driver.execute(sql) }
            #expect(failure?.message == "no such column: nope")
            #expect(failure?.position == .utf8Offset(utf8Offset(of: "nope", in: sql)))
            try await driver.close()
        }
    }

    /// SQLite gives no offset for these (3.40): the position is the name its message names, found in the
    /// statement past comments and strings; the first use for a missing object, the last for a duplicate.
    @Test("a missing or duplicate name SQLite does not locate points at the name", arguments: [
        ("CREATE TABLE a (id INTEGER);\nINSERT INTO a (id)\n  SELECT id FROM nowhere", "no such table: nowhere", "nowhere", false),
        ("-- DROP TABLE gone\nDROP TABLE IF EXISTS other; DROP TABLE /* gone */ \"Gone\"", "no such table: Gone", "\"Gone\"", false),
        ("CREATE TABLE d (id INTEGER, note TEXT DEFAULT 'id', ID TEXT)", "duplicate column name: ID", "ID", true),
        ("DROP INDEX main.[gone_idx]", "no such index: main.gone_idx", "[gone_idx]", false),
    ])
    func unlocatedNameOffset(sql: String, message: String, name: String, last: Bool) async throws {
        try await withTemporaryDirectory { directory in
            let driver = try await openDriver(in: directory)
            let failure = await #expect(throws: DatabaseFailure.self) { try await driver.execute(sql) }
            #expect(failure?.message == message)
            #expect(failure?.position == .utf8Offset(utf8Offset(of: name, in: sql, last: last)))
            try await driver.close()
        }
    }

    @Test("a run-time error names the extended code and points at its statement")
    func runtimeErrorOffset() async throws {
        try await withTemporaryDirectory { directory in
            let driver = try await openDriver(in: directory)
            let sql = "CREATE TABLE t (x UNIQUE);\nINSERT INTO t VALUES (1);\n  /* again */ INSERT INTO t VALUES (1);"
            let failure = await #expect(throws: DatabaseFailure.self) { try await driver.execute(sql) }
            #expect(failure?.message == "UNIQUE constraint failed: t.x")
            #expect(failure?.sqlState == "SQLITE_CONSTRAINT_UNIQUE")
            #expect(failure?.position == .utf8Offset(utf8Offset(of: "INSERT", in: sql, last: true)))
            try await driver.close()
        }
    }

    @Test("rollback leaves no table; commit keeps it")
    func transactions() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/test.db"
            let driver = try await openDriver(in: directory)
            try await driver.beginTransaction()
            try await driver.execute("CREATE TABLE gone (x); INSERT INTO gone VALUES (1)")
            try await driver.rollbackTransaction()
            #expect(try schemaNames(path) == [])

            try await driver.beginTransaction()
            try await driver.execute("CREATE TABLE kept (x)")
            try await driver.commitTransaction()
            #expect(try schemaNames(path) == ["kept"])

            // Rolling back when SQLite already ended the transaction is not an error.
            try await driver.beginTransaction()
            try await driver.execute("ROLLBACK")
            try await driver.rollbackTransaction()
            try await driver.close()
        }
    }

    @Test("a failed statement inside a transaction is undone with the rest by rollback")
    func failureThenRollback() async throws {
        try await withTemporaryDirectory { directory in
            let driver = try await openDriver(in: directory)
            try await driver.beginTransaction()
            try await driver.execute("CREATE TABLE a (x)")
            await #expect(throws: DatabaseFailure.self) { try await driver.execute("INSERT INTO missing VALUES (1)") }
            try await driver.rollbackTransaction()
            try await driver.close()
            #expect(try schemaNames("\(directory)/test.db") == [])
        }
    }
}

/// The UTF-8 offset of the first (or last) occurrence of `needle` in `text`.
private func utf8Offset(of needle: String, in text: String, last: Bool = false) -> Int {
    let range = last ? text.range(of: needle, options: .backwards) : text.range(of: needle)
    return text.utf8.distance(from: text.startIndex, to: range!.lowerBound)
}
