import Foundation
import Testing

/// Issue 18, item 1: the guide's merge conflict after a deploy. 1, 2 and 4 ran; `003_late` arrives. golang-migrate's
/// `up` says `no change` and skips it for ever; ours refuses, naming the file and the two ways out.
@Suite struct OutOfOrderCLITests {
    static let deployed: [String: String] = [
        "001_a.up.sql": "CREATE TABLE a (id int);\n", "001_a.down.sql": "DROP TABLE a;\n",
        "002_b.up.sql": "CREATE TABLE b (id int);\n", "002_b.down.sql": "DROP TABLE b;\n",
        "004_d.up.sql": "CREATE TABLE d (id int);\n", "004_d.down.sql": "DROP TABLE d;\n",
    ]
    static let late: [String: String] = [
        "003_late.up.sql": "CREATE TABLE late (id int);\n", "003_late.down.sql": "DROP TABLE late;\n",
    ]

    @Test func upPlanAndGotoRefuseNamingTheFileThenTheFlagAppliesIt() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.deployed)
        let db = dir.path("app.db")
        let base = ["-path", migrations, "-database", "sqlite://\(db)"]
        #expect(try CLI.run(base + ["up"]).status == 0)
        try dir.write(Self.late)

        for command in [["up"], ["up", "1"], ["up", "--dry-run"], ["plan"]] {
            let refused = try CLI.run(base + command)
            #expect(refused.status == 1, "\(command): \(refused)")
            #expect(refused.all.contains(
                "\(migrations)/003_late.up.sql:1:1: error: \(migrations)/003_late.up.sql (version 3) was never applied, but the database is already at version 4; nothing was applied"
            ), "\(command): \(refused)")
            #expect(refused.all.contains("`migrate renumber`") && refused.all.contains("-allow-out-of-order"), "\(refused)")
            #expect(!refused.all.contains("no change"), "\(refused)")
        }
        // `goto` upward too, once there is something above.
        try dir.write(["005_e.up.sql": "CREATE TABLE e (id int);\n", "005_e.down.sql": "DROP TABLE e;\n"])
        let gotoFive = try CLI.run(base + ["goto", "5"])
        #expect(gotoFive.status == 1 && gotoFive.stderr.contains("003_late.up.sql (version 3) was never applied"), "\(gotoFive)")
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "4|0")
        #expect(try SQLite3.query(db, "SELECT count(*) FROM sqlite_master WHERE name IN ('late', 'e')") == "0")

        let plan = try CLI.run(base + ["plan", "-allow-out-of-order"])
        #expect(plan.status == 0, "\(plan)")
        #expect(plan.stdout.contains("version 4 -> version 5, 2 migrations would run:"), "\(plan)")
        let applied = try CLI.run(base + ["up", "-allow-out-of-order"])
        #expect(applied.status == 0, "\(applied)")
        let progress = applied.stderr.split(separator: "\n").filter { $0.contains("/u ") }
        #expect(progress.map { $0.prefix(while: { $0 != "(" }) } == ["3/u late ", "5/u e "], "\(applied)")
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "5|0")
        #expect(try SQLite3.query(db, "SELECT group_concat(version || direction, ' ') FROM schema_migrations_history") == "1up 2up 4up 3up 5up")
        // Recorded, so a plain `up` has nothing to do and `validate` is clean.
        #expect(try CLI.run(base + ["up"]).stderr.contains("no change"))
        #expect(try CLI.run(base + ["validate"]).status == 0)
    }

    @Test func postgresRefusesAndAppliesTheSame() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.deployed)
        let base = ["-path", migrations, "-database", db.url]
        #expect(try CLI.run(base + ["up"]).status == 0)
        try dir.write(Self.late)
        let refused = try CLI.run(base + ["up"])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("\(migrations)/003_late.up.sql (version 3) was never applied"), "\(refused)")
        #expect(try db.query("SELECT to_regclass('late') IS NULL") == "t")
        let applied = try CLI.run(base + ["up", "--allow-out-of-order"])
        #expect(applied.status == 0 && applied.stderr.contains("3/u late ("), "\(applied)")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "4|f")
        #expect(try db.query("SELECT to_regclass('late') IS NOT NULL") == "t")
    }
}
