import Foundation
import Testing

/// The `migrate` command on SQLite files: every command, exit codes, prompts and messages.
@Suite struct SQLiteCLITests {
    static let threeMigrations: [String: String] = [
        "001_create_users.up.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n",
        "001_create_users.down.sql": "DROP TABLE users;\n",
        "002_create_posts.up.sql": "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id));\nCREATE INDEX idx_posts_user ON posts(user_id);\n",
        "002_create_posts.down.sql": "DROP INDEX idx_posts_user;\nDROP TABLE posts;\n",
        "003_add_notes.up.sql": "ALTER TABLE posts ADD COLUMN notes TEXT;\n",
        "003_add_notes.down.sql": "ALTER TABLE posts DROP COLUMN notes;\n",
    ]

    func tables(_ db: String) throws -> String {
        try SQLite3.query(db, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name)")
    }

    @Test func upAppliesEachMigrationAndPrintsGolangMigrateLines() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.threeMigrations)
        let db = dir.path("app.db")
        let result = try CLI.run(["-path", migrations, "-database", "sqlite://\(db)", "up"])
        #expect(result.status == 0, "\(result)")
        let lines = result.afterMigratingLine.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("1/u create_users ("))
        #expect(lines[1].hasPrefix("2/u create_posts ("))
        #expect(lines[2].hasPrefix("3/u add_notes ("))
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "3|0")
        #expect(try tables(db) == "posts,schema_migrations,schema_migrations_history,users")
        #expect(try SQLite3.query(db, "SELECT group_concat(version || direction, ',') FROM schema_migrations_history") == "1up,2up,3up")

        let again = try CLI.run(["-path", migrations, "-database", "sqlite://\(db)", "up"])
        #expect(again.status == 0)
        #expect(again.afterMigratingLine == "no change\n")
    }

    @Test func versionStatusAndJSON() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.threeMigrations)
        let url = "sqlite://\(dir.path("app.db"))"
        let none = try CLI.run(["-path", migrations, "-database", url, "version"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("error: no migration"))
        #expect(try CLI.run(["-path", migrations, "-database", url, "up", "2"]).status == 0)
        let version = try CLI.run(["-path", migrations, "-database", url, "version"])
        #expect(version.status == 0)
        #expect(version.stdout == "2\n")
        let json = try CLI.run(["version", "--json", "-path", migrations, "-database", url])
        #expect(json.stdout == "{\"version\":2,\"dirty\":false}\n")

        let status = try CLI.run(["-path", migrations, "-database", url, "status"])
        #expect(status.status == 0, "\(status)")
        let rows = status.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(rows[0].first == "VERSION")
        #expect(rows[1].prefix(3) == ["1", "create_users", "applied"])
        #expect(rows[2].prefix(3) == ["2", "create_posts", "applied"])
        #expect(rows[3].prefix(3) == ["3", "add_notes", "pending"])
        #expect(status.stdout.contains("version 2, 1 pending"))

        let statusJSON = try CLI.run(["status", "--json", "-path", migrations, "-database", url])
        let decoded = try JSONSerialization.jsonObject(with: Data(statusJSON.stdout.utf8)) as? [String: Any]
        let entries = decoded?["entries"] as? [[String: Any]]
        #expect(entries?.map { $0["state"] as? String } == ["applied", "applied", "pending"])
        #expect(entries?[0]["appliedAt"] != nil)
    }

    @Test func downStepsGotoForceAndDownAll() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.threeMigrations)
        let db = dir.path("app.db")
        let base = ["-path", migrations, "-database", "sqlite://\(db)"]
        #expect(try CLI.run(base + ["up"]).status == 0)
        let down = try CLI.run(base + ["down", "1"])
        #expect(down.status == 0)
        #expect(down.stderr.hasPrefix("3/d add_notes ("))
        #expect(try SQLite3.query(db, "SELECT version FROM schema_migrations") == "2")

        let gotoOne = try CLI.run(base + ["goto", "1"])
        #expect(gotoOne.stderr.hasPrefix("2/d create_posts ("))
        #expect(try tables(db) == "schema_migrations,schema_migrations_history,users")
        #expect(try CLI.run(base + ["goto", "1"]).stderr == "no change\n")
        let gotoMissing = try CLI.run(base + ["goto", "7"])
        #expect(gotoMissing.status == 1)
        #expect(gotoMissing.stderr.contains("no migration found for version 7"))

        let short = try CLI.run(base + ["down", "3"])
        #expect(short.status == 1)
        #expect(short.stderr.contains("1/d create_users"))
        #expect(short.stderr.contains("error: limit 2 short"))
        #expect(try SQLite3.query(db, "SELECT count(*) FROM schema_migrations") == "0")

        #expect(try CLI.run(base + ["force", "2"]).status == 0)
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "2|0")
        #expect(try CLI.run(base + ["force", "-1"]).status == 0)
        #expect(try SQLite3.query(db, "SELECT count(*) FROM schema_migrations") == "0")
        let badForce = try CLI.run(base + ["force", "-2"])
        #expect(badForce.status == 2)
        #expect(badForce.stderr.contains("argument V must be >= -1"))

        #expect(try CLI.run(base + ["up"]).status == 0)
        let all = try CLI.run(base + ["down", "-all"])
        #expect(all.status == 0)
        #expect(all.stderr.split(separator: "\n").count == 3)
        #expect(try tables(db) == "schema_migrations,schema_migrations_history")
    }

    @Test func downWithoutArgumentsAsksFirst() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.threeMigrations)
        let db = dir.path("app.db")
        let base = ["-path", migrations, "-database", "sqlite://\(db)"]
        #expect(try CLI.run(base + ["up"]).status == 0)
        let refused = try CLI.run(base + ["down"], input: "n\n")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("Are you sure you want to apply all down migrations? [y/N]"))
        #expect(refused.stderr.contains("Not applying all down migrations"))
        #expect(try SQLite3.query(db, "SELECT version FROM schema_migrations") == "3")
        let accepted = try CLI.run(base + ["down"], input: "y\n")
        #expect(accepted.status == 0, "\(accepted)")
        #expect(accepted.stderr.contains("Applying all down migrations"))
        #expect(try SQLite3.query(db, "SELECT count(*) FROM schema_migrations") == "0")
    }

    @Test func failingMigrationIsRolledBackNotDirtyAndPointsAtTheFile() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var files = Self.threeMigrations
        files["002_create_posts.up.sql"] = "CREATE TABLE posts (id INTEGER PRIMARY KEY);\nINSERT INTO posts VALUES (1);\nCREATE TABL broken (x);\n"
        let migrations = try dir.write(files)
        let db = dir.path("app.db")
        let result = try CLI.run(["-path", migrations, "-database", "sqlite://\(db)", "up"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("1/u create_users"))
        #expect(result.stderr.contains("migrations/002_create_posts.up.sql:3:8: error: near \"TABL\": syntax error"), "\(result)")
        #expect(result.stderr.contains("    3 | CREATE TABL broken (x);\n      |        ^"))
        // Rolled back: version 1, clean; no posts table from the failed file.
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "1|0")
        #expect(try tables(db) == "schema_migrations,schema_migrations_history,users")
    }

    @Test func dirtyDatabaseIsRefusedUntilForced() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.threeMigrations)
        let db = dir.path("app.db")
        let base = ["-path", migrations, "-database", "sqlite://\(db)"]
        #expect(try CLI.run(base + ["up", "1"]).status == 0)
        _ = try SQLite3.query(db, "UPDATE schema_migrations SET version = 2, dirty = 1")
        let refused = try CLI.run(base + ["up"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("error: Dirty database version 2. Fix and force version."))
        #expect(try CLI.run(base + ["version"]).stdout == "2 (dirty)\n")
        #expect(try CLI.run(base + ["status"]).stdout.contains("dirty"))
        #expect(try CLI.run(base + ["force", "1"]).status == 0)
        #expect(try CLI.run(base + ["up"]).status == 0)
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "3|0")
    }

    @Test func optionsAfterTheCommandDoubleDashesAndEqualsForms() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.threeMigrations)
        let db = dir.path("app.db")
        #expect(try CLI.run(["up", "1", "--path", migrations, "--database=sqlite://\(db)"]).status == 0)
        #expect(try CLI.run(["-path=\(migrations)", "--database", "sqlite://\(db)", "up", "1"]).status == 0)
        #expect(try SQLite3.query(db, "SELECT version FROM schema_migrations") == "2")
    }

    @Test func databaseAndPathFallBackToEnvironmentAndDefaultDirectory() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write(Self.threeMigrations)  // ./migrations
        let fromDatabaseURL = try CLI.run(["up", "1"], in: dir.url, environment: ["DATABASE_URL": "sqlite://a.db"])
        #expect(fromDatabaseURL.status == 0, "\(fromDatabaseURL)")
        #expect(try SQLite3.query(dir.path("a.db"), "SELECT version FROM schema_migrations") == "1")
        let fromDSN = try CLI.run(["up", "1"], in: dir.url, environment: ["POSTGRES_DSN": "sqlite://b.db"])
        #expect(fromDSN.status == 0)
        #expect(try SQLite3.query(dir.path("b.db"), "SELECT version FROM schema_migrations") == "1")
        let none = try CLI.run(["up"], in: dir.url)
        #expect(none.status == 2)
        #expect(none.stderr.contains("no database: pass -database URL"))
    }

    @Test func missingOrEmptyDirectoryAndUnknownSchemeAreClearErrors() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let missing = try CLI.run(["-path", dir.path("nope"), "-database", "sqlite://\(dir.path("x.db"))", "up"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no migrations found in \(dir.path("nope"))"))
        let empty = try dir.write([:], in: "empty")
        let emptyResult = try CLI.run(["-path", empty, "-database", "sqlite://\(dir.path("x.db"))", "up"])
        #expect(emptyResult.status == 1)
        #expect(emptyResult.stderr.contains("no migrations found in \(empty)"))
        let scheme = try CLI.run(["-path", empty, "-database", "mysql://root:hunter2@localhost/db", "up"])
        #expect(scheme.status == 1)
        #expect(scheme.stderr.contains("unknown database scheme \"mysql\""))
        #expect(!scheme.all.contains("hunter2"))
        let malformed = try CLI.run(["-path", empty, "-database", "not a url", "up"])
        #expect(malformed.status == 1)
        #expect(malformed.stderr.contains("malformed database URL"))
    }

    @Test func usageErrorsExitTwoAndHelpTeaches() throws {
        let noArguments = try CLI.run([])
        #expect(noArguments.status == 2)
        #expect(noArguments.stderr.contains("USAGE"))
        let unknown = try CLI.run(["frobnicate"])
        #expect(unknown.status == 2)
        let badLimit = try CLI.run(["up", "two", "-database", "sqlite://x.db"])
        #expect(badLimit.status == 2)
        let help = try CLI.run(["-help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("golang-migrate"))
        #expect(help.stdout.contains("status"))
        let upHelp = try CLI.run(["up", "--help"])
        #expect(upHelp.status == 0)
        #expect(upHelp.stdout.contains("limit"))
        let version = try CLI.run(["-version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test func dropAsksUnlessForced() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.threeMigrations)
        let db = dir.path("app.db")
        let base = ["-path", migrations, "-database", "sqlite://\(db)"]
        #expect(try CLI.run(base + ["up"]).status == 0)
        let refused = try CLI.run(base + ["drop"], input: "\n")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("Aborted dropping the entire database schema"))
        #expect(try tables(db).contains("users"))
        let forced = try CLI.run(base + ["drop", "-f"])
        #expect(forced.status == 0, "\(forced)")
        #expect(try tables(db) == "")
    }

    @Test func createSequentialTakesTheNumericMaximumAndNeverOverwrites() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["9_nine.up.sql": "", "10_ten.up.sql": "", "notes.txt": ""])
        let created = try CLI.run(["create", "-ext", "sql", "-dir", migrations, "-seq", "-digits", "3", "add_x"])
        #expect(created.status == 0, "\(created)")
        #expect(FileManager.default.fileExists(atPath: migrations + "/011_add_x.up.sql"))
        #expect(FileManager.default.fileExists(atPath: migrations + "/011_add_x.down.sql"))
        #expect(created.stderr.contains("011_add_x.up.sql"))
        let stamped = try CLI.run(["create", "-dir", migrations, "-format", "unix", "stamp"])
        #expect(stamped.status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: migrations)
        #expect(names.filter { $0.hasSuffix("_stamp.up.sql") }.count == 1)
        let tooMany = try CLI.run(["create", "-dir", migrations, "-seq", "-digits", "1", "x"])
        #expect(tooMany.status == 1)
        #expect(tooMany.stderr.contains("too large"))
        let mutuallyExclusive = try CLI.run(["create", "-dir", migrations, "-seq", "-format", "unix", "x"])
        #expect(mutuallyExclusive.status == 2)
    }

    @Test func quickstartExampleUpDownUp() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = CLI.packageRoot.appendingPathComponent("examples/quickstart/migrations").path
        let base = ["-path", migrations, "-database", "sqlite://\(dir.path("quickstart.db"))"]
        let up = try CLI.run(base + ["up"])
        #expect(up.status == 0, "\(up)")
        #expect(up.stderr.contains("4/u add_tags"))
        #expect(try CLI.run(base + ["down", "-all"]).status == 0)
        #expect(try tables(dir.path("quickstart.db")) == "schema_migrations,schema_migrations_history")
        #expect(try CLI.run(base + ["up"]).status == 0)
        #expect(try CLI.run(base + ["version"]).stdout == "4\n")
    }
}
