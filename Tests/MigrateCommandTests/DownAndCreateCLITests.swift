import Foundation
import Testing

/// Issue 18, items 5, 7 and 8: down files that undo nothing, versions without a down file, and where `create`
/// writes.
@Suite struct DownAndCreateCLITests {
    /// Item 5: `create`'s down file, an empty one and a comment-only one are reported by lint and validate, and
    /// `down` over them says that nothing was undone; only `-- migrate:irreversible` makes it intentional.
    @Test func emptyDownFilesAreReportedAndDownSaysNothingWasUndone() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = dir.path("migrations")
        let created = try CLI.run(["create", "-dir", migrations, "-seq", "-digits", "3", "add_a"])
        #expect(created.status == 0, "\(created)")
        let template = try String(contentsOfFile: "\(migrations)/001_add_a.down.sql", encoding: .utf8)
        #expect(template.hasPrefix("-- Write the SQL that undoes 001_add_a.up.sql"), "\(template)")
        #expect(template.contains("-- migrate:irreversible"))
        try dir.write([
            "001_add_a.up.sql": "CREATE TABLE a (id int);\n",
            "002_add_b.up.sql": "CREATE TABLE b (id int);\n", "002_add_b.down.sql": "  \n\n",
            "003_add_c.up.sql": "CREATE TABLE c (id int);\n", "003_add_c.down.sql": "-- irreversible\n",
        ])
        let lint = try CLI.run(["-path", migrations, "lint", "-dialect", "sqlite"])
        #expect(lint.status == 0, "warnings only: \(lint)")
        for file in ["001_add_a", "002_add_b", "003_add_c"] {
            #expect(lint.stdout.contains("\(migrations)/\(file).down.sql:1:1: warning[empty-down]: the down file of migration"), "\(lint)")
        }
        #expect(try CLI.run(["-path", migrations, "lint", "-dialect", "sqlite", "--strict"]).status == 1)
        let validate = try CLI.run(["-path", migrations, "validate", "-dialect", "sqlite"])
        #expect(validate.status == 1, "\(validate)")
        #expect(validate.stdout.split(separator: "\n").map(String.init) == (1...3).map { n in
            "\(migrations)/00\(n)_add_\(["a", "b", "c"][n - 1]).down.sql: error[empty-down]: the down file has no statements, so `down` would undo nothing; write the SQL that undoes the up file, or mark the migration irreversible with a `-- migrate:irreversible` line"
        })

        let db = "sqlite://\(dir.path("app.db"))"
        #expect(try CLI.run(["-path", migrations, "-database", db, "up"]).status == 0)
        let down = try CLI.run(["-path", migrations, "-database", db, "down", "1"])
        #expect(down.status == 0, "\(down)")
        #expect(down.stderr.contains("3/d add_c ("), "\(down)")
        #expect(down.stderr.contains(
            "warning: 3/d add_c: nothing was undone, only the version moved (to 2): \(migrations)/003_add_c.down.sql has no statements (write the SQL that undoes the up file, or a `-- migrate:irreversible` line)"
        ), "\(down)")
        // The table is still there: the warning is the truth.
        #expect(try SQLite3.query(dir.path("app.db"), "SELECT count(*) FROM sqlite_master WHERE name = 'c'") == "1")

        // The marker: lint and validate are satisfied, and `down` still says what it did.
        try dir.write(["002_add_b.down.sql": "-- migrate:irreversible: the rows of b cannot be rebuilt\n"])
        #expect(!(try CLI.run(["-path", migrations, "lint", "-dialect", "sqlite"]).stdout.contains("002_add_b.down.sql")))
        #expect(!(try CLI.run(["-path", migrations, "validate", "-dialect", "sqlite"]).stdout.contains("002_add_b")))
        let marked = try CLI.run(["-path", migrations, "-database", db, "down", "1"])
        #expect(marked.stderr.contains(
            "warning: 2/d add_b: nothing was undone, only the version moved (to 1): \(migrations)/002_add_b.down.sql marks the migration irreversible"
        ), "\(marked)")
    }

    /// Item 7: a version without a down file only moves the version, and the progress line says so, as `plan`.
    @Test func downWithoutADownFileSaysOnlyTheVersionMoved() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "1_a.up.sql": "CREATE TABLE a (id int);\n", "1_a.down.sql": "DROP TABLE a;\n",
            "2_b.up.sql": "CREATE TABLE b (id int);\n",
        ])
        let base = ["-path", migrations, "-database", "sqlite://\(dir.path("app.db"))"]
        #expect(try CLI.run(base + ["up"]).status == 0)
        let plan = try CLI.run(base + ["plan", "down", "1"])
        #expect(plan.stdout.contains("2/d b  (no file: only the version moves)"), "\(plan)")
        let down = try CLI.run(base + ["down", "2"])
        #expect(down.status == 0, "\(down)")
        let lines = down.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("2/d b (no down file: only the version moved) (") }, "\(down)")
        #expect(lines.contains { $0.hasPrefix("1/d a (") && !$0.contains("only the version") }, "\(down)")
    }

    /// Item 8: `create` without -dir writes where the other commands read, ./migrations (or -path), and numbers
    /// from the files there.
    @Test func createDefaultsToTheMigrationsDirectory() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write(["001_a.up.sql": "CREATE TABLE a (id int);\n", "001_a.down.sql": "DROP TABLE a;\n"])
        let created = try CLI.run(["create", "-seq", "-digits", "3", "add_b"], in: dir.url)
        #expect(created.status == 0, "\(created)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path("migrations")).sorted()
        #expect(names == ["001_a.down.sql", "001_a.up.sql", "002_add_b.down.sql", "002_add_b.up.sql"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["migrations"])
        // -path (golang-migrate's global option) and -source choose the directory as for every other command.
        #expect(try CLI.run(["-path", "db", "create", "-seq", "add_c"], in: dir.url).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.path("db/000001_add_c.up.sql")))
        #expect(try CLI.run(["create", "-source", "file://other", "-seq", "add_d"], in: dir.url).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.path("other/000001_add_d.down.sql")))
        // The Makefile passes MIGRATIONS as -dir, which still wins.
        #expect(try CLI.run(["-path", "db", "create", "-dir", "explicit", "-seq", "add_e"], in: dir.url).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.path("explicit/000001_add_e.up.sql")))
    }
}
