import Foundation
import TestSupport
import Testing

/// verify, validate, drift in status and up, plan and --dry-run, renumber, and the PostgreSQL timeout flags, as
/// a user runs them.
@Suite struct ChecksSQLiteCLITests {
    static let quickstart = CLI.packageRoot.appendingPathComponent("examples/quickstart/migrations").path

    /// Version 1 creates `a`; version 2 is `up` / `down`.
    static func twoMigrations(up: String, down: String) -> [String: String] {
        [
            "1_a.up.sql": "CREATE TABLE a (id int, name text);\n", "1_a.down.sql": "DROP TABLE a;\n",
            "2_x.up.sql": up, "2_x.down.sql": down,
        ]
    }

    static let three: [String: String] = [
        "1_a.up.sql": "CREATE TABLE a (id int);\n", "1_a.down.sql": "DROP TABLE a;\n",
        "3_c.up.sql": "CREATE TABLE c (id int);\nCREATE INDEX c_id ON c (id);\n", "3_c.down.sql": "DROP TABLE c;\n",
    ]

    @Test func statusTableShowsTimesInUTCAndDurations() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "1_first.up.sql": "CREATE TABLE a (id int);\n", "1_first.down.sql": "DROP TABLE a;\n",
            "2_second_one.up.sql": "CREATE TABLE b (id int);\n", "2_second_one.down.sql": "DROP TABLE b;\n",
            "10_third.up.sql": "CREATE TABLE c (id int);\n",
        ])
        let db = dir.path("status.db")
        #expect(try CLI.run(["-path", migrations, "-database", "sqlite://\(db)", "up", "2"]).status == 0)
        // Known times and durations: a leap day just before midnight, and a time before 1970.
        _ = try SQLite3.query(db, """
            UPDATE schema_migrations_history SET applied_at = '2024-02-29T23:59:59.999Z', duration_ms = 43.1 WHERE version = 1;
            UPDATE schema_migrations_history SET applied_at = '1969-12-31T23:59:58.500Z', duration_ms = 1200 WHERE version = 2;
            """)
        let status = try CLI.run(["-path", migrations, "-database", "sqlite://\(db)", "status"])
        #expect(status.status == 0, "\(status)")
        #expect(status.stdout == """
            VERSION  DESCRIPTION  STATE              APPLIED AT (UTC)     DURATION
            1        first        applied            2024-02-29 23:59:59  43.1ms
            2        second_one   applied            1969-12-31 23:59:58  1.2s
            10       third        pending (no down)  -                    -

            sqlite://\(db): version 2, 1 pending

            """)
    }

    @Test func verifyPassesOnTheQuickstartWithoutTouchingTheDatabaseFile() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = dir.path("app.db")
        let result = try CLI.run(["-path", Self.quickstart, "-database", "sqlite://\(db)", "verify"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.split(separator: "\n").map(String.init) == [
            "ok    1 create_users", "ok    2 create_posts", "ok    3 add_posts_published_at", "ok    4 add_tags",
            "verify: 4 migrations proved: every down restores the schema and every up re-applies",
        ])
        #expect(result.stderr.hasPrefix("verify: scratch database /"))
        #expect(!FileManager.default.fileExists(atPath: db))
        // The scratch file's directory is gone too.
        let scratch = try #require(result.stderr.split(separator: "\n").first?.split(separator: " ").dropFirst(3).first)
        #expect(!FileManager.default.fileExists(atPath: String(scratch)))
    }

    @Test(arguments: [
        ("CREATE INDEX idx_x ON a (id);\n", "index idx_x still exists after 2 down"),
        ("ALTER TABLE a ADD COLUMN c int;\n", "column a.c still exists after 2 down"),
    ])
    func verifyFailsNamingWhatTheDownForgot(up: String, message: String) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.twoMigrations(up: up, down: "SELECT 1;\n"))
        let result = try CLI.run(["-path", migrations, "-database", "sqlite://\(dir.path("app.db"))", "verify"])
        #expect(result.status == 1, "\(result)")
        let lines = result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.prefix(2) == ["ok    1 a", "FAIL  2 x"])
        #expect(lines.contains(message), "\(result)")
        #expect(result.stderr.contains("\(migrations)/2_x.down.sql:1:1: error: version 2 (x): the down does not restore the schema the up started from"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("app.db")))
    }

    @Test func validateStatusAndUpReportDrift() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.three)
        let base = ["-path", migrations, "-database", "sqlite://\(dir.path("app.db"))"]
        #expect(try CLI.run(base + ["up"]).status == 0)
        let clean = try CLI.run(base + ["validate"])
        #expect(clean.status == 0, "\(clean)")
        #expect(clean.stderr == "validate: 2 migrations ok (the files and the database)\n")

        try dir.write([
            "1_a.up.sql": "CREATE TABLE a (id int, extra text);\n",
            "2_b.up.sql": "CREATE TABLE b (id int);\n", "2_b.down.sql": "DROP TABLE b;\n",
        ])
        let text = try CLI.run(base + ["validate"])
        #expect(text.status == 1)
        let problems = text.stdout.split(separator: "\n").map(String.init)
        #expect(problems.count == 2)
        #expect(problems[0].hasPrefix("\(migrations)/1_a.up.sql: error[modified]: changed after it was applied (recorded checksum "))
        #expect(problems[1] == "\(migrations)/2_b.up.sql: error[out-of-order]: version 2 was never applied but the database is already at version 3, so `up` refuses to run; move it after the last version with `migrate renumber`, or apply it where it stands with -allow-out-of-order")
        #expect(text.stderr == "validate: 2 problems in the files and the database\n")

        let json = try CLI.run(base + ["validate", "--json"])
        #expect(json.status == 1)
        struct Report: Decodable {
            struct Problem: Decodable { var kind: String; var version: Int64?; var path: String? }
            var problems: [Problem]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(json.stdout.utf8))
        #expect(report.problems.map(\.kind) == ["modified", "out-of-order"])
        #expect(report.problems.map(\.version) == [1, 2])
        #expect(report.problems.map(\.path) == ["\(migrations)/1_a.up.sql", "\(migrations)/2_b.up.sql"])

        let status = try CLI.run(base + ["status"])
        #expect(status.status == 0, "\(status)")
        let rows = status.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows[1].prefix(3) == ["1", "a", "modified"])
        #expect(rows[2].prefix(4) == ["2", "b", "out-of-order", "-"])
        #expect(rows[3].prefix(3) == ["3", "c", "applied"])

        // A new pending migration: up refuses because 1 changed, and names the way out.
        try dir.write(["4_d.up.sql": "CREATE TABLE d (id int);\n", "4_d.down.sql": "DROP TABLE d;\n"])
        let refused = try CLI.run(base + ["up"])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.afterMigratingLine.hasPrefix("\(migrations)/1_a.up.sql:1:1: error: applied migration 1 (a) was changed after it ran"))
        #expect(refused.stderr.contains("to migrate anyway, pass -allow-modified"))
        #expect(try SQLite3.query(dir.path("app.db"), "SELECT version, dirty FROM schema_migrations") == "3|0")
        // Past the changed file, `up` still refuses (issue 18): 2 was never applied and would be skipped.
        let outOfOrder = try CLI.run(base + ["up", "-allow-modified"])
        #expect(outOfOrder.status == 1 && outOfOrder.stderr.contains("2_b.up.sql (version 2) was never applied"), "\(outOfOrder)")
        // golang-migrate's position (before the command) and after it.
        let allowed = try CLI.run([
            "-path", migrations, "-database", "sqlite://\(dir.path("app.db"))", "-allow-out-of-order", "up", "-allow-modified",
        ])
        #expect(allowed.status == 0, "\(allowed)")
        #expect(allowed.afterMigratingLine.hasPrefix("2/u b ("))
        #expect(allowed.stderr.contains("\n4/u d ("))
        #expect(try SQLite3.query(dir.path("app.db"), "SELECT version, dirty FROM schema_migrations") == "4|0")
        #expect(try CLI.run(base + ["down", "1"]).status == 0)
        #expect(try CLI.run(base + ["up", "-allow-modified"]).status == 0)
    }

    @Test func validateWithoutADatabaseChecksTheFiles() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "1_a.up.sql": "SELECT 1;\n", "003_x.up.sql": "SELECT 'open;\n", "003_x.down.sql": "SELECT 3;\n",
            "003_y.up.sql": "SELECT 3;\n",
        ])
        let result = try CLI.run(["-path", migrations, "validate"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.split(separator: "\n").map(String.init) == [
            "\(migrations)/1_a.up.sql: error[missing-down]: no down file: version 1 cannot be reverted; add \(migrations)/1_a.down.sql",
            "\(migrations)/003_y.up.sql: error[duplicate-version]: version 3 is claimed by more than one migration: \(migrations)/003_x.up.sql and \(migrations)/003_y.up.sql; give the newer one the next free version with `migrate renumber`",
            "\(migrations)/003_x.up.sql:1:8: error[invalid-script]: unterminated quoted string (opened here)",
        ])
        #expect(result.stderr == "validate: 3 problems in the files; no database given\n")
    }

    @Test func planAndDryRunPrintTheStepsAndChangeNothing() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = dir.path("app.db")
        let base = ["-path", Self.quickstart, "-database", "sqlite://\(db)"]
        #expect(try CLI.run(base + ["up", "2"]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))

        let plan = try CLI.run(base + ["plan"])
        #expect(plan.status == 0, "\(plan)")
        #expect(plan.stdout == """
            sqlite://\(db): version 2 -> version 4, 2 migrations would run:
              3/u add_posts_published_at  \(Self.quickstart)/003_add_posts_published_at.up.sql  transaction  2 statements
              4/u add_tags                \(Self.quickstart)/004_add_tags.sql                   transaction  3 statements
            Nothing was changed (dry run).

            """)
        let upDry = try CLI.run(base + ["up", "--dry-run", "1"])
        #expect(upDry.status == 0, "\(upDry)")
        #expect(upDry.stdout.split(separator: "\n").map(String.init) == [
            "sqlite://\(db): version 2 -> version 3, 1 migration would run:",
            "  3/u add_posts_published_at  \(Self.quickstart)/003_add_posts_published_at.up.sql  transaction  2 statements",
            "Nothing was changed (dry run).",
        ])
        let downDry = try CLI.run(base + ["down", "--dry-run", "1"])
        #expect(downDry.stdout.contains("  2/d create_posts  \(Self.quickstart)/002_create_posts.down.sql  transaction  2 statements\n"))
        let gotoDry = try CLI.run(base + ["goto", "--dry-run", "4"])
        #expect(gotoDry.stdout.hasPrefix("sqlite://\(db): version 2 -> version 4, 2 migrations would run:\n"))
        let short = try CLI.run(base + ["plan", "down", "5"])
        #expect(short.status == 1, "\(short)")
        #expect(short.stdout.hasSuffix("Nothing was changed (dry run).\n"))
        #expect(short.stderr.contains("error: limit 3 short: the run would stop with this error after the steps above\n"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "2|0")
    }

    @Test func timeoutFlagsAreUsageErrorsOnSQLiteAndWhenMalformed() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.three)
        let db = "sqlite://\(dir.path("app.db"))"
        for arguments in [["-db-lock-timeout", "5s", "up"], ["up", "-db-lock-timeout", "5s"]] {
            let result = try CLI.run(["-path", migrations, "-database", db] + arguments)
            #expect(result.status == 2, "\(result)")
            #expect(result.stderr.hasPrefix("Error: -db-lock-timeout and -db-statement-timeout apply to PostgreSQL only, not to \(db)\n"))
        }
        let postgres = "postgres://u:pw@127.0.0.1:1/db?sslmode=disable"
        let malformed = try CLI.run(["-path", migrations, "-database", postgres, "-db-lock-timeout", "abc", "up"])
        #expect(malformed.status == 2, "\(malformed)")
        #expect(malformed.stderr.hasPrefix("Error: invalid -db-lock-timeout \"abc\": expected a duration such as 500ms, 5s or 2m\n"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("app.db")))
    }

    // MARK: renumber

    /// Runs git in `directory` with a fixed committer date (seconds since 1970), so commit order never needs a sleep.
    @discardableResult
    static func git(_ arguments: [String], in directory: URL, time: Int = 1_700_000_000) throws -> String {
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = directory
        let date = "@\(time) +0000"
        process.environment = ProcessInfo.processInfo.environment.merging([
            "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1", "HOME": directory.path,
        ]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw CLIFailure(description: "git \(arguments): \(text)") }
        return text
    }

    struct CLIFailure: Error, CustomStringConvertible { var description: String }

    @Test func renumberMovesTheLaterCommittedMigrationWithGitMv() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try Self.git(["init", "-q", "."], in: dir.url)
        let migrations = try dir.write(["001_init.up.sql": "SELECT 1;\n", "003_a.up.sql": "SELECT 3;\n", "003_a.down.sql": "SELECT 3;\n"])
        try Self.git(["add", "-A"], in: dir.url)
        try Self.git(["commit", "-qm", "a"], in: dir.url, time: 1_700_000_000)
        try dir.write(["003_b.up.sql": "SELECT 33;\n", "003_b.down.sql": "SELECT 33;\n"])
        try Self.git(["add", "-A"], in: dir.url)
        try Self.git(["commit", "-qm", "b"], in: dir.url, time: 1_700_000_100)
        // Committed first beats the file name: 005_z stays, 005_y moves.
        try dir.write(["005_z.up.sql": "SELECT 5;\n"])
        try Self.git(["add", "-A"], in: dir.url)
        try Self.git(["commit", "-qm", "z"], in: dir.url, time: 1_700_000_200)
        try dir.write(["005_y.up.sql": "SELECT 55;\n"])
        try Self.git(["add", "-A"], in: dir.url)
        try Self.git(["commit", "-qm", "y"], in: dir.url, time: 1_700_000_300)

        let dry = try CLI.run(["-path", migrations, "renumber", "--dry-run"], in: dir.url)
        #expect(dry.status == 0, "\(dry)")
        #expect(dry.stdout.split(separator: "\n").map(String.init) == [
            "would rename \(migrations)/003_b.down.sql -> \(migrations)/006_b.down.sql  (version 3 is also used by 003_a.down.sql)",
            "would rename \(migrations)/003_b.up.sql -> \(migrations)/006_b.up.sql  (version 3 is also used by 003_a.down.sql)",
            "would rename \(migrations)/005_y.up.sql -> \(migrations)/007_y.up.sql  (version 5 is also used by 005_z.up.sql)",
        ])
        #expect(dry.stderr == "Nothing was moved (dry run).\n")
        #expect(try Self.git(["status", "--porcelain"], in: dir.url) == "")

        let moved = try CLI.run(["-path", migrations, "renumber"], in: dir.url)
        #expect(moved.status == 0, "\(moved)")
        #expect(moved.stdout.hasPrefix("git mv \(migrations)/003_b.down.sql -> \(migrations)/006_b.down.sql  (version 3 is also used by 003_a.down.sql)\n"))
        let porcelain = try Self.git(["status", "--porcelain"], in: dir.url).split(separator: "\n").map(String.init).sorted()
        #expect(porcelain == [
            "R  migrations/003_b.down.sql -> migrations/006_b.down.sql", "R  migrations/003_b.up.sql -> migrations/006_b.up.sql",
            "R  migrations/005_y.up.sql -> migrations/007_y.up.sql",
        ])
        let again = try CLI.run(["-path", migrations, "renumber"], in: dir.url)
        #expect(again.status == 0)
        #expect(again.stderr == "renumber: nothing to move: no conflicting migrations\n")
    }

    @Test func renumberWithADatabaseMovesOutOfOrderFiles() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.three)
        let base = ["-path", migrations, "-database", "sqlite://\(dir.path("app.db"))"]
        #expect(try CLI.run(base + ["up"]).status == 0)
        try dir.write(["2_b.up.sql": "CREATE TABLE b (id int);\n", "2_b.down.sql": "DROP TABLE b;\n"])
        // Without the database nothing is known to be out of order.
        #expect(try CLI.run(["-path", migrations, "renumber"]).stderr == "renumber: nothing to move: no conflicting migrations\n")
        let moved = try CLI.run(base + ["renumber"])
        #expect(moved.status == 0, "\(moved)")
        #expect(moved.stdout.split(separator: "\n").map(String.init) == [
            "renamed \(migrations)/2_b.down.sql -> \(migrations)/4_b.down.sql  (never applied, but the database is already at version 3)",
            "renamed \(migrations)/2_b.up.sql -> \(migrations)/4_b.up.sql  (never applied, but the database is already at version 3)",
        ])
        let up = try CLI.run(base + ["up"])
        #expect(up.status == 0, "\(up)")
        #expect(up.afterMigratingLine.hasPrefix("4/u b ("))
        #expect(try CLI.run(base + ["validate"]).status == 0)
    }
}

@Suite(.serialized) struct ChecksPostgresCLITests {
    static let trading = CLI.packageRoot.appendingPathComponent("examples/trading/migrations").path

    /// The scratch database's name from verify's first line.
    static func scratchName(_ result: CLIResult) -> String? {
        result.stderr.split(separator: "\n").first { $0.hasPrefix("verify: scratch database ") }?
            .split(separator: " ").dropFirst(3).first.map(String.init)
    }

    @Test func verifyPassesOnTheTradingExampleAndDropsItsScratchDatabase() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let result = try CLI.run(["-path", Self.trading, "-database", db.url, "verify"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasSuffix("verify: 5 migrations proved: every down restores the schema and every up re-applies\n"))
        #expect(result.stdout.contains("ok    4 optimize_position_indexes\n"))
        let name = try #require(Self.scratchName(result))
        #expect(name.hasPrefix("swift_migrate_verify_"))
        #expect(try PostgresScratch.psql(db.adminURL, "SELECT count(*) FROM pg_database WHERE datname = '\(name)'") == "0")
        // The database -database names is untouched: not even the version table.
        #expect(try db.query("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'") == "0")
    }

    @Test(arguments: [
        ("CREATE INDEX idx_x ON a (id);\n", "SELECT 1;\n", "index public.idx_x still exists after 2 down"),
        ("ALTER TABLE a ADD COLUMN c int;\n", "SELECT 1;\n", "column public.a.c still exists after 2 down"),
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n", "SELECT 1;\n", "function public.f() still exists after 2 down"),
        ("CREATE TYPE mood AS ENUM ('happy');\nALTER TYPE mood ADD VALUE 'sad';\n", "DROP TYPE mood;\n", nil),
    ])
    func verifyFailsNamingWhatTheDownForgot(up: String, down: String, message: String?) throws {
        // verify never touches the database -database names, so the server's maintenance database will do.
        let server = try #require(ProcessInfo.processInfo.environment["MIGRATE_TEST_POSTGRES_URL"])
        let dir = try TempDir()
        defer { dir.remove() }
        var files = ChecksSQLiteCLITests.twoMigrations(up: up, down: down)
        var expected = message ?? ""
        var failing = 2
        if message == nil {
            // The enum value: 2 creates the type, 3 adds a value and its down does nothing.
            files["2_x.up.sql"] = "CREATE TYPE mood AS ENUM ('happy');\n"
            files["3_y.up.sql"] = "ALTER TYPE mood ADD VALUE 'sad';\n"
            files["3_y.down.sql"] = "SELECT 1;\n"
            expected = "type public.mood differs: expected `ENUM ('happy')`, found `ENUM ('happy', 'sad')` after 3 down"
            failing = 3
        }
        let migrations = try dir.write(files)
        let result = try CLI.run(["-path", migrations, "-database", server, "verify"])
        #expect(result.status == 1, "\(result)")
        let lines = result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains("FAIL  \(failing) \(failing == 2 ? "x" : "y")"), "\(result)")
        #expect(lines.contains(expected), "\(result)")
        #expect(result.stderr.contains("error: version \(failing) ("))
        let name = try #require(Self.scratchName(result))
        #expect(try PostgresScratch.psql(server, "SELECT count(*) FROM pg_database WHERE datname = '\(name)'") == "0")
    }

    @Test func validateStatusAndUpReportDriftOnPostgres() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(ChecksSQLiteCLITests.three)
        let base = ["-path", migrations, "-database", db.url]
        #expect(try CLI.run(base + ["up"]).status == 0)
        #expect(try CLI.run(base + ["validate"]).stderr == "validate: 2 migrations ok (the files and the database)\n")
        try dir.write([
            "3_c.up.sql": "CREATE TABLE c (id int);\r\nCREATE INDEX c_id ON c (id);   \r\n\r\n",  // CRLF: no change
            "2_b.up.sql": "CREATE TABLE b (id int);\n", "2_b.down.sql": "DROP TABLE b;\n",
        ])
        let text = try CLI.run(base + ["validate"])
        #expect(text.status == 1, "\(text)")
        #expect(text.stdout == "\(migrations)/2_b.up.sql: error[out-of-order]: version 2 was never applied but the database is already at version 3, so `up` refuses to run; move it after the last version with `migrate renumber`, or apply it where it stands with -allow-out-of-order\n")
        try dir.write(["1_a.up.sql": "CREATE TABLE a (id bigint);\n"])
        let json = try CLI.run(base + ["validate", "--json"])
        #expect(json.status == 1)
        #expect(json.stdout.contains("\"kind\" : \"modified\""))
        #expect(json.stdout.contains("\"kind\" : \"out-of-order\""))
        let status = try CLI.run(base + ["status"])
        let rows = status.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows[1].prefix(3) == ["1", "a", "modified"])
        #expect(rows[2].prefix(3) == ["2", "b", "out-of-order"])
        #expect(rows[3].prefix(3) == ["3", "c", "applied"])

        try dir.write(["4_d.up.sql": "CREATE TABLE d (id int);\n"])
        let refused = try CLI.run(base + ["up"])
        #expect(refused.status == 1)
        #expect(refused.afterMigratingLine.hasPrefix("\(migrations)/1_a.up.sql:1:1: error: applied migration 1 (a) was changed after it ran"))
        #expect(refused.stderr.contains("-allow-modified"))
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "3|f")
        // Issue 18: 2 was never applied, so `up` also needs -allow-out-of-order (which applies it first).
        #expect(try CLI.run(base + ["up", "-allow-modified"]).stderr.contains("2_b.up.sql (version 2) was never applied"))
        let allowed = try CLI.run(base + ["up", "-allow-modified", "-allow-out-of-order"])
        #expect(allowed.status == 0, "\(allowed)")
        #expect(allowed.afterMigratingLine.hasPrefix("2/u b ("), "\(allowed)")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "4|f")
    }

    @Test func dbLockTimeoutReachesTheServer() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "1_show.up.sql": "CREATE TABLE settings AS SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement;\n",
            "1_show.down.sql": "DROP TABLE settings;\n",
        ])
        let result = try CLI.run(["-path", migrations, "-database", db.url, "-db-lock-timeout", "1500ms", "-db-statement-timeout", "2m", "-lock-retries", "0", "up"])
        #expect(result.status == 0, "\(result)")
        #expect(try db.query("SELECT lock || ' ' || statement FROM settings") == "1500ms 2min")
    }

    /// `plan` lints the files that would run as `lint` does: when the runner sets lock_timeout itself, a file
    /// without its own `SET lock_timeout` is not a finding.
    @Test func planKnowsWhenTheRunnerSetsTheLockTimeout() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "1_items.up.sql": "CREATE TABLE items (id bigint PRIMARY KEY);\n",
            "1_items.down.sql": "DROP TABLE items;\n",
            "2_note.up.sql": "ALTER TABLE items ADD COLUMN note text;\n",
            "2_note.down.sql": "ALTER TABLE items DROP COLUMN note;\n",
        ])
        #expect(try CLI.run(["-path", migrations, "-database", db.url, "up", "1"]).status == 0)
        let plain = try CLI.run(["-path", migrations, "-database", db.url, "plan"])
        #expect(plain.status == 0, "\(plain)")
        #expect(plain.stdout.contains("warning[missing-lock-timeout]"), "\(plain)")
        let separator = db.url.contains("?") ? "&" : "?"
        for options in [["-database", db.url, "-db-lock-timeout", "5s"], ["-database", db.url + separator + "x-lock-timeout=5000"]] {
            let withTimeout = try CLI.run(["-path", migrations] + options + ["plan"])
            #expect(withTimeout.status == 0, "\(withTimeout)")
            #expect(withTimeout.stdout.contains("2/u note"), "\(withTimeout)")
            #expect(!withTimeout.stdout.contains("missing-lock-timeout"), "\(withTimeout)")
        }
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "1|f")
    }
}
