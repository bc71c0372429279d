import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 18, items 6, 9 and 10: ignored files fail the checks, lint's new rules, validate's exit code for an
/// unreachable database, `plan --json`, `models --json`, `status --all`, and who applied a migration.
@Suite struct ChecksEdgesCLITests {
    /// Item 6: the guide's own example name, without `-- +migrate` markers, is ignored by `up` (with a warning)
    /// and fails `validate` and `lint`.
    @Test func anIgnoredMigrationLookingFileFailsValidateAndLint() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "20250105120000_add_notifications.up.sql": "CREATE TABLE notifications (id bigint);\n",
            "20250105120000_add_notifications.down.sql": "DROP TABLE notifications;\n",
            "20250105130000_add_user_preferences.sql": "CREATE TABLE user_preferences (id bigint);\n",
        ])
        let file = "\(migrations)/20250105130000_add_user_preferences.sql"
        let validate = try CLI.run(["-path", migrations, "validate"])
        #expect(validate.status == 1, "\(validate)")
        #expect(validate.stdout == "\(file): error[ignored-file]: has a version but no '-- +migrate Up' directive, so it is neither VERSION_NAME.up.EXT / .down.EXT nor an annotated migration; ignored, so no command runs it: fix its name or contents, or move it out of \(migrations) if it is not a migration\n")
        let json = try CLI.run(["-path", migrations, "validate", "--json"])
        #expect(json.stdout.contains("\"kind\" : \"ignored-file\""), "\(json)")
        let lint = try CLI.run(["-path", migrations, "lint"])
        #expect(lint.status == 1, "\(lint)")
        #expect(lint.stdout.hasPrefix("\(file):1:1: error[ignored-file]: 20250105130000_add_user_preferences.sql has a version but no '-- +migrate Up' directive"), "\(lint)")
        // `up` keeps its warning, applies the rest, and validate with the database still fails.
        let db = "sqlite://\(dir.path("app.db"))"
        let up = try CLI.run(["-path", migrations, "-database", db, "up"])
        #expect(up.status == 0, "\(up)")
        #expect(up.stderr.contains("warning: \(file): has a version but no '-- +migrate Up' directive"), "\(up)")
        let withDatabase = try CLI.run(["-path", migrations, "-database", db, "validate"])
        #expect(withDatabase.status == 1 && withDatabase.stdout.contains("error[ignored-file]"), "\(withDatabase)")
        #expect(try CLI.run(["-path", migrations, "-database", db, "lint"]).status == 1)
    }

    /// Item 9: the two rules squawk's comparison asked for, from the command line.
    @Test func lintReportsRequiredColumnsAndConcurrentlyBesideOtherStatements() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "001_plan.up.sql": "SET lock_timeout = '5s';\nALTER TABLE accounts ADD COLUMN plan text NOT NULL;\n",
            "001_plan.down.sql": "ALTER TABLE accounts DROP COLUMN plan;\n",
            "002_index.up.sql": "CREATE INDEX CONCURRENTLY accounts_plan_idx ON accounts (plan);\nUPDATE accounts SET plan = 'free';\n",
            "002_index.down.sql": "DROP INDEX CONCURRENTLY IF EXISTS accounts_plan_idx;\n",
        ])
        let lint = try CLI.run(["-path", migrations, "lint", "--format", "json"])
        #expect(lint.status == 0, "warnings only: \(lint)")
        struct Report: Decodable {
            struct Finding: Decodable { var rule: String; var file: String; var line: Int; var column: Int }
            var findings: [Finding]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(lint.stdout.utf8))
        let found = report.findings.map { "\($0.file.split(separator: "/").last!):\($0.line):\($0.column) \($0.rule)" }
        #expect(found.contains("001_plan.up.sql:2:43 not-null-without-default"), "\(found)")
        #expect(found.contains("002_index.up.sql:1:14 concurrently-with-other-statements"), "\(found)")
        let text = try CLI.run(["-path", migrations, "lint"])
        #expect(text.stdout.contains("help: one statement per file"), "\(text)")
    }

    /// Item 10: "could not check" is exit 2, "problems found" exit 1.
    @Test func validateExitsTwoWhenTheDatabaseCannotBeReached() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_a.up.sql": "CREATE TABLE a (id int);\n", "1_a.down.sql": "DROP TABLE a;\n"])
        // Port 1 on loopback: refused at once.
        let refused = try CLI.run(["-path", migrations, "-database", "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=5", "validate"])
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.contains("error: cannot connect to postgres://postgres@127.0.0.1:1/none"), "\(refused)")
        let unknown = try CLI.run(["-path", migrations, "-database", "mysql://localhost/db", "validate"])
        #expect(unknown.status == 2, "\(unknown)")
        // Problems found are still 1.
        try dir.write(["2_b.up.sql": "CREATE TABLE b (id int);\n"])
        #expect(try CLI.run(["-path", migrations, "-database", "sqlite://\(dir.path("app.db"))", "validate"]).status == 1)
    }

    static let twoMigrations: [String: String] = [
        "1_a.up.sql": "CREATE TABLE a (id int);\n", "1_a.down.sql": "DROP TABLE a;\n",
        "2_b.up.sql": "CREATE TABLE b (id int);\nCREATE INDEX b_id ON b (id);\n", "2_b.down.sql": "DROP TABLE b;\n",
    ]

    /// Item 10: `plan --json`.
    @Test func planPrintsJSON() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.twoMigrations)
        let plan = try CLI.run(["-path", migrations, "-database", "sqlite://\(dir.path("app.db"))", "plan", "--json"])
        #expect(plan.status == 0, "\(plan)")
        struct Plan: Decodable {
            struct Step: Decodable {
                var version: Int64; var direction: String; var label: String; var path: String?
                var transaction: Bool; var statements: Int; var targetVersion: Int64?
            }
            struct Version: Decodable { var version: Int64?; var dirty: Bool }
            var database: String; var current: Version; var finalVersion: Int64?; var steps: [Step]
        }
        let decoded = try JSONDecoder().decode(Plan.self, from: Data(plan.stdout.utf8))
        #expect(decoded.database == "sqlite://\(dir.path("app.db"))")
        #expect(decoded.current.version == nil && decoded.finalVersion == 2)
        #expect(decoded.steps.map(\.label) == ["1/u a", "2/u b"])
        #expect(decoded.steps.map(\.statements) == [1, 2])
        #expect(decoded.steps.map(\.transaction) == [true, true])
        #expect(decoded.steps.map(\.path) == ["\(migrations)/1_a.up.sql", "\(migrations)/2_b.up.sql"])
        // Nothing was created or applied.
        #expect(try SQLite3.query(dir.path("app.db"), "SELECT count(*) FROM sqlite_master") == "0")
    }

    /// Item 10: `models --json`, for writing and for -check (SQLite: no server needed).
    @Test func modelsPrintJSON() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.twoMigrations)
        let db = "sqlite://\(dir.path("app.db"))"
        #expect(try CLI.run(["-path", migrations, "-database", db, "up"]).status == 0)
        let models = dir.path("Models")
        struct Report: Decodable {
            struct Change: Decodable, Equatable { var change: String; var file: String }
            var directory: String; var check: Bool; var upToDate: Bool; var changes: [Change]
        }
        let missing = try CLI.run(["models", "-database", db, "-dir", models, "-check", "--json"])
        #expect(missing.status == 1, "\(missing)")
        let differs = try JSONDecoder().decode(Report.self, from: Data(missing.stdout.utf8))
        #expect(differs.check && !differs.upToDate && differs.directory == models)
        #expect(differs.changes.contains(.init(change: "created", file: "AModel.generated.swift")), "\(missing)")
        let written = try CLI.run(["models", "-database", db, "-dir", models, "--json"])
        #expect(written.status == 0, "\(written)")
        let report = try JSONDecoder().decode(Report.self, from: Data(written.stdout.utf8))
        #expect(!report.check && report.changes.contains(.init(change: "created", file: "BModel.swift")), "\(written)")
        let clean = try CLI.run(["models", "-database", db, "-dir", models, "-check", "--json"])
        #expect(clean.status == 0, "\(clean)")
        #expect(try JSONDecoder().decode(Report.self, from: Data(clean.stdout.utf8)).upToDate)
    }

    /// Item 10: `status --all` lists every history row, the rollback included.
    @Test func statusAllListsRollbacks() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let base = ["-path", try dir.write(Self.twoMigrations), "-database", "sqlite://\(dir.path("app.db"))"]
        #expect(try CLI.run(base + ["up"]).status == 0)
        #expect(try CLI.run(base + ["down", "1"]).status == 0)
        #expect(try CLI.run(base + ["up"]).status == 0)
        let status = try CLI.run(base + ["status", "--all"])
        #expect(status.status == 0, "\(status)")
        let history = status.stdout.components(separatedBy: "History, oldest first (every up and down this tool ran):\n")
        #expect(history.count == 2, "\(status)")
        let rows = history.last!.split(separator: "\n").map { $0.split(separator: " ").prefix(3).joined(separator: " ") }
        #expect(rows == ["VERSION DIRECTION DESCRIPTION", "1 up a", "2 up b", "2 down b", "2 up b"], "\(status)")
        #expect(!(try CLI.run(base + ["status"]).stdout.contains("History")))
        let json = try CLI.run(base + ["status", "--all", "--json"])
        struct Status: Decodable {
            struct Record: Decodable { var version: Int64; var direction: String }
            var history: [Record]?
        }
        let records = try JSONDecoder().decode(Status.self, from: Data(json.stdout.utf8)).history ?? []
        #expect(records.map { "\($0.version)\($0.direction)" } == ["1up", "2up", "2down", "2up"])
    }

    /// Item 10: with neither $USER nor $LOGNAME (containers, service managers), the history names the OS user
    /// from the password database, not `unknown`.
    @Test func appliedByFallsBackToTheOSUser() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let base = ["-path", try dir.write(Self.twoMigrations), "-database", "sqlite://\(dir.path("app.db"))"]
        let up = try CLI.run(base + ["up"], unsetting: ["USER", "LOGNAME"])
        #expect(up.status == 0, "\(up)")
        let osUser = try #require(getpwuid(geteuid())?.pointee.pw_name.map { String(cString: $0) })
        #expect(try SQLite3.query(dir.path("app.db"), "SELECT DISTINCT applied_by FROM schema_migrations_history") == osUser)
    }
}
