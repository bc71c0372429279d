import Foundation
import Testing

/// `migrate lint` (exit codes, compiler-style lines, JSON, dialects, ignore comments) and
/// `up --single-transaction` (all or nothing, refusal of non-transactional files) on both databases.
@Suite struct LintAndSingleTransactionCLITests {
    static let unsafe: [String: String] = [
        "001_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
        "001_users.down.sql": "DROP TABLE users;\n",
        "002_email_not_null.up.sql": "SET lock_timeout = '5s';\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n",
        "002_email_not_null.down.sql": "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;\n",
    ]

    @Test func lintPrintsFindingsLikeACompilerAndFailsOnlyOnErrors() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.unsafe)
        let result = try CLI.run(["-path", migrations, "lint"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains(
            "\(migrations)/002_email_not_null.up.sql:2:38: warning[set-not-null]: SET NOT NULL on \"users\".\"email\" scans the table under an ACCESS EXCLUSIVE lock\n"
        ), "\(result)")
        #expect(result.stdout.hasSuffix("1 warning, 0 errors\n"), "\(result)")

        // --strict turns the warning into a failure; -disable silences the rule.
        #expect(try CLI.run(["-path", migrations, "lint", "--strict"]).status == 1)
        let disabled = try CLI.run(["-path", migrations, "lint", "--strict", "-disable", "set-not-null"])
        #expect(disabled.status == 0, "\(disabled)")
        #expect(disabled.stdout == "no problems found\n")

        // An error (CONCURRENTLY inside an explicit transaction) exits 1; the ignore comment above silences it.
        try "BEGIN;\nCREATE INDEX CONCURRENTLY users_email ON users (email);\nCOMMIT;\n"
            .write(toFile: "\(migrations)/003_index.up.sql", atomically: true, encoding: .utf8)
        try "DROP INDEX users_email;\n".write(toFile: "\(migrations)/003_index.down.sql", atomically: true, encoding: .utf8)
        let failing = try CLI.run(["-path", migrations, "lint", "-format", "json"])
        #expect(failing.status == 1, "\(failing)")
        let json = try JSONSerialization.jsonObject(with: Data(failing.stdout.utf8)) as? [String: Any]
        let findings = json?["findings"] as? [[String: Any]] ?? []
        #expect(findings.contains { $0["rule"] as? String == "concurrently-in-transaction" && $0["line"] as? Int == 2 })
        #expect(json?["errors"] as? Int == 1)
        try "BEGIN;\n-- migrate:lint-ignore concurrently-in-transaction index-not-concurrently\nCREATE INDEX CONCURRENTLY users_email ON users (email);\nCOMMIT;\n"
            .write(toFile: "\(migrations)/003_index.up.sql", atomically: true, encoding: .utf8)
        let ignored = try CLI.run(["-path", migrations, "lint"])
        #expect(ignored.status == 0, "\(ignored)")
        #expect(!ignored.stdout.contains("concurrently-in-transaction"))
    }

    @Test func lintDialectAndBadFlags() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "1_a.up.sql": "CREATE TABLE a (id INTEGER PRIMARY KEY, note TEXT);\n",
            "1_a.down.sql": "DROP TABLE a;\n",
            "2_b.up.sql": "ALTER TABLE a ALTER COLUMN note SET NOT NULL;\n",
            "2_b.down.sql": "SELECT 1;\n",
        ])
        // SQLite cannot ALTER COLUMN: an error under -dialect sqlite, and the dialect of a sqlite:// database.
        let sqlite = try CLI.run(["-path", migrations, "lint", "-dialect", "sqlite"])
        #expect(sqlite.status == 1, "\(sqlite)")
        #expect(sqlite.stdout.contains("2_b.up.sql:1:15: error[sqlite-unsupported-alter-table]"), "\(sqlite)")
        let viaDatabase = try CLI.run(["-path", migrations, "-database", "sqlite://\(dir.path("a.db"))", "lint"])
        #expect(viaDatabase.status == 1)
        #expect(viaDatabase.stdout.contains("error[sqlite-unsupported-alter-table]"))

        let badFormat = try CLI.run(["-path", migrations, "lint", "-format", "xml"])
        #expect(badFormat.status == 2)
        #expect(badFormat.stderr.contains("invalid -format \"xml\": expected text or json"))
        let badRule = try CLI.run(["-path", migrations, "lint", "-disable", "no-such-rule"])
        #expect(badRule.status == 2)
        #expect(badRule.stderr.contains("unknown rule \"no-such-rule\""))
    }

    @Test func lintWithADatabaseReportsAnEditedAppliedFile() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "001_users.up.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n",
            "001_users.down.sql": "DROP TABLE users;\n",
        ])
        let db = "sqlite://\(dir.path("app.db"))"
        #expect(try CLI.run(["-path", migrations, "-database", db, "up"]).status == 0)
        try "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT);\n"
            .write(toFile: "\(migrations)/001_users.up.sql", atomically: true, encoding: .utf8)
        let result = try CLI.run(["-path", migrations, "-database", db, "lint"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("\(migrations)/001_users.up.sql:1:1: error[modified-applied-migration]"), "\(result)")
    }

    @Test func singleTransactionIsAllOrNothingOnSQLite() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "1_a.up.sql": "CREATE TABLE a (id INTEGER);\n",
            "2_b.up.sql": "CREATE TABLE b (id INTEGER);\n",
            "3_c.up.sql": "CREATE TABLE c (id INTEGER);\nINSERT INTO missing VALUES (1);\n",
        ])
        let db = dir.path("app.db")
        let failed = try CLI.run(["-path", migrations, "-database", "sqlite://\(db)", "up", "--single-transaction"])
        #expect(failed.status == 1, "\(failed)")
        // SQLite reports no offset for an unknown table: the location is the table name's, found in the statement.
        #expect(failed.stderr.contains("3_c.up.sql:2:13: error: no such table: missing"), "\(failed)")
        #expect(failed.stderr.contains("all 3 migrations were rolled back, nothing was applied"))
        #expect(try SQLite3.query(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('a', 'b', 'c')") == "0")
        #expect(try SQLite3.query(db, "SELECT count(*) FROM schema_migrations") == "0")

        try "CREATE TABLE c (id INTEGER);\n".write(toFile: "\(migrations)/3_c.up.sql", atomically: true, encoding: .utf8)
        let passed = try CLI.run(["-path", migrations, "-database", "sqlite://\(db)", "up", "-single-transaction"])
        #expect(passed.status == 0, "\(passed)")
        #expect(passed.stderr.hasSuffix("3 migrations committed in one transaction\n"), "\(passed)")
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "3|0")
        #expect(try SQLite3.query(db, "SELECT group_concat(version, ',') FROM schema_migrations_history") == "1,2,3")
    }

    @Test func singleTransactionRefusesANonTransactionalMigrationOnPostgres() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let trading = PostgresCLITests.trading
        let refused = try CLI.run(["-path", trading, "-database", db.url, "up", "--single-transaction"])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains(
            "004_optimize_position_indexes.up.sql must run outside a transaction (CREATE INDEX CONCURRENTLY); nothing was applied"
        ), "\(refused)")
        #expect(try db.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0")

        // The three before it go in together; then the rest as usual.
        let three = try CLI.run(["-path", trading, "-database", db.url, "up", "3", "--single-transaction"])
        #expect(three.status == 0, "\(three)")
        #expect(try db.query("SELECT version::text || ' ' || dirty::text FROM schema_migrations") == "3 false")
        #expect(try db.query("SELECT string_agg(version::text, ',' ORDER BY id) FROM schema_migrations_history") == "1,2,3")
        #expect(try CLI.run(["-path", trading, "-database", db.url, "up"]).status == 0)
        #expect(try db.query("SELECT version::text FROM schema_migrations") == "5")
    }
}
