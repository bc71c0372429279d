import Foundation
import Testing

/// Issue 18, items 6 and 9: ignored files fail the checks, and lint's new rules.
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
}
