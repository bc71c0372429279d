import Foundation
import Testing

/// Issue 18, item 6: ignored files fail the checks.
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
}
