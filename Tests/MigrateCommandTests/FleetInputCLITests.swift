import Foundation
import TestSupport
import Testing

/// Issue 15: what a fleet is made of, on the command line: repeated -database, -targets, -schemas and SQLite globs;
/// bad input refused before any database changes; the read-only commands' matrices; the terminal's status line.
@Suite struct FleetInputCLITests {
    /// Three SQLite files given as three -database, at three versions.
    struct ThreeFiles {
        let dir: TempDir
        let migrations: String
        let files: [String]
        var databases: [String] { files.flatMap { ["-database", "sqlite://\($0)"] } }

        init() throws {
            dir = try TempDir()
            migrations = try dir.write(FleetCLIFixture.migrations())
            files = ["a.db", "b.db", "c.db"].map(dir.path)
        }
    }

    @Test func repeatedDatabaseIsAFleetForFleetCommandsAndAUsageErrorForTheOthers() throws {
        let three = try ThreeFiles()
        defer { three.dir.remove() }
        for command in [["force", "1"], ["drop", "-f"], ["schema"], ["verify"], ["lint"], ["models", "-dir", three.dir.path("models")]] {
            let result = try CLI.run(["-path", three.migrations] + three.databases + command)
            #expect(result.status == 2, "\(command): \(result)")
            #expect(result.stderr.contains("-database was given 3 times, but this command takes one database"), "\(command): \(result)")
        }
        #expect(three.files.allSatisfy { !FileManager.default.fileExists(atPath: $0) }, "nothing was created")
        let glob = try CLI.run(["-path", three.migrations, "-database", "sqlite://\(three.dir.path("*.db"))", "force", "1"])
        #expect(glob.status == 2 && glob.stderr.contains("names every file its * matches, but this command takes one database"), "\(glob)")

        let up = try CLI.run(["-path", three.migrations] + three.databases + ["up"])
        #expect(up.status == 0, "\(up)")
        for file in three.files { #expect(try SQLite3.query(file, "SELECT count(*), count(DISTINCT version) FROM fleet_log") == "20|20") }
        #expect(up.stdout.hasPrefix("TARGET"), "the summary table: \(up)")
        #expect(!up.all.contains("\u{1B}"), "no terminal, no status line")
    }

    @Test func readOnlyCommandsShowEveryTarget() throws {
        let three = try ThreeFiles()
        defer { three.dir.remove() }
        let (a, b, c) = (three.files[0], three.files[1], three.files[2])
        #expect(try CLI.run(["-path", three.migrations, "-database", "sqlite://\(a)", "up"]).status == 0)
        #expect(try CLI.run(["-path", three.migrations, "-database", "sqlite://\(b)", "goto", "5"]).status == 0)
        _ = FileManager.default.createFile(atPath: c, contents: Data())
        let fleet = ["-path", three.migrations] + three.databases

        let status = try CLI.run(fleet + ["status"])
        #expect(status.status == 0, "\(status)")
        let rows = status.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows[0] == ["TARGET", "VERSION", "DIRTY", "PENDING", "LAST", "APPLIED", "(UTC)"])
        #expect(Array(rows[1].prefix(4)) == ["sqlite://\(a)", "20", "no", "0"] && rows[1].last == "step_20)", "\(status)")
        #expect(Array(rows[2].prefix(4)) == ["sqlite://\(b)", "5", "no", "15"] && rows[2].last == "step_5)", "\(status)")
        #expect(rows[3] == ["sqlite://\(c)", "none", "no", "20", "-"], "\(status)")
        #expect(status.stdout.hasSuffix("3 of 3 targets read: 1 up to date, 2 behind\n"), "\(status)")
        let json = try FleetCLIFixture.report(try CLI.run(fleet + ["status", "--json"]))
        let targets = FleetCLIFixture.targets(json)
        #expect(targets.map { $0["pending"] as? Int } == [0, 15, 20])
        #expect(targets.map { ($0["lastApplied"] as? [String: Any])?["version"] as? Int } == [20, 5, nil])

        let version = try CLI.run(fleet + ["version"])
        #expect(version.stdout == """
            TARGET\(String(repeating: " ", count: "sqlite://\(a)".count - 6))  VERSION
            sqlite://\(a)  20
            sqlite://\(b)  5
            sqlite://\(c)  none

            """, "\(version)")
        let plan = try CLI.run(fleet + ["plan"])
        #expect(plan.status == 0)
        // (The test migrations mix DDL and data: lint's findings are counted.)
        #expect(plan.stdout.contains("""
            sqlite://\(a): version 20, nothing to run
            sqlite://\(b): version 5 -> version 20, 15 migrations would run, 15 lint findings
            sqlite://\(c): no version -> version 20, 20 migrations would run, 19 lint findings

            """), "\(plan)")
        // An applied file that changed: each target that applied it reports it, prefixed with its name.
        try "INSERT INTO fleet_log (version) VALUES (3);\nCREATE TABLE step_3 (id int PRIMARY KEY, note text, extra int);\n"
            .write(toFile: three.migrations + "/003_step_3.up.sql", atomically: true, encoding: .utf8)
        let validate = try CLI.run(fleet + ["validate"])
        #expect(validate.status == 1, "\(validate)")
        let problems = validate.stdout.split(separator: "\n")
        #expect(problems.count == 2 && problems[0].hasPrefix("sqlite://\(a): ") && problems[1].hasPrefix("sqlite://\(b): "), "\(validate)")
        #expect(problems.allSatisfy { $0.contains("error[modified]") })
        // Nothing was changed by any of them.
        #expect(try SQLite3.query(b, "SELECT version FROM schema_migrations") == "5")
        #expect(try Data(contentsOf: URL(fileURLWithPath: c)).isEmpty)
    }

    @Test func gotoAndDownMoveEveryTarget() throws {
        let three = try ThreeFiles()
        defer { three.dir.remove() }
        #expect(try CLI.run(["-path", three.migrations, "-database", "sqlite://\(three.files[0])", "up"]).status == 0)
        let fleet = ["-path", three.migrations] + three.databases
        let goto = try CLI.run(fleet + ["goto", "3"])
        #expect(goto.status == 0, "\(goto)")
        for file in three.files { #expect(try SQLite3.query(file, "SELECT group_concat(version) FROM (SELECT version FROM fleet_log ORDER BY version)") == "1,2,3") }
        let down = try CLI.run(fleet + ["down", "1", "--json"])
        #expect(down.status == 0, "\(down)")
        let targets = FleetCLIFixture.targets(try FleetCLIFixture.report(down))
        #expect(targets.allSatisfy { ($0["applied"] as? [[String: Any]])?.first?["direction"] as? String == "down" })
        for file in three.files { #expect(try SQLite3.query(file, "SELECT version FROM schema_migrations") == "2") }
        let all = try CLI.run(fleet + ["down", "-all"])
        #expect(all.status == 2 && all.stderr.contains("a fleet takes `down N`"), "\(all)")
        let history = try CLI.run(fleet + ["status", "--all"])
        #expect(history.status == 2 && history.stderr.contains("--all lists one database's history"), "\(history)")
    }

    /// Bad input names the file, line, flag or pattern at fault, exits 2, and changes no database.
    @Test func badFleetInputChangesNothing() throws {
        let three = try ThreeFiles()
        defer { three.dir.remove() }
        let (a, b) = (three.files[0], three.files[1])
        _ = FileManager.default.createFile(atPath: a, contents: Data())
        try "sqlite://\(a)\n# then\npostgres://migrate_pw:${FLEET_NOT_SET}@127.0.0.1:1/x\n".write(toFile: three.dir.path("unset.txt"), atomically: true, encoding: .utf8)
        try "sqlite://\(a)\n".write(toFile: three.dir.path("dup.txt"), atomically: true, encoding: .utf8)
        let base = ["-path", three.migrations]
        let cases: [(arguments: [String], message: String)] = [
            (["-targets", three.dir.path("unset.txt"), "up"], "unset.txt:3: the environment variable FLEET_NOT_SET is not set (used as ${FLEET_NOT_SET})"),
            (["-targets", three.dir.path("missing.txt"), "up"], "cannot read the targets file \(three.dir.path("missing.txt"))"),
            (["-database", "sqlite://\(a)", "-targets", three.dir.path("dup.txt"), "up"], "sqlite://\(a) is in the fleet twice (-database and \(three.dir.path("dup.txt")):1)"),
            (["-database", "sqlite://\(a)", "-schemas", "tenant_*", "up"], "-schemas 'tenant_*' needs a PostgreSQL -database"),
            (["-database", "sqlite://\(a)", "-schemas", "tenant_[0-9", "up"], "invalid -schemas 'tenant_[0-9': invalid pattern \"tenant_[0-9\": a [ without its closing ]"),
            (["-database", "sqlite://\(three.dir.path("none-*.db"))", "up"], "sqlite://\(three.dir.path("none-*.db")) matches no file"),
            (["-database", "sqlite://\(a)", "-parallel", "0", "up"], "invalid -parallel 0: expected 1 to 1000 targets at once"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(base + arguments)
            #expect(result.status == 2, "\(arguments): \(result)")
            #expect(result.stderr.contains(message), "\(arguments): \(result)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)).isEmpty, "\(a) was written")
        #expect(!FileManager.default.fileExists(atPath: b))
    }

    @Test func schemasMatchingNothingIsRefusedNamingTheDatabase() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(FleetCLIFixture.migrations())
        let result = try CLI.run(["-path", migrations, "-database", db.url, "-schemas", "tenant_*", "up"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("no schema of postgres://migrate_pw:***@"), "\(result)")
        #expect(result.stderr.contains("matches \"tenant_*\""), "\(result)")
        #expect(try db.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0")
    }

    /// On a terminal, a status line below the per-target lines says done/total, failures and the time left, and is
    /// cleared at the end.
    @Test func aTerminalGetsAStatusLine() throws {
        let three = try ThreeFiles()
        defer { three.dir.remove() }
        let command = ([CLI.binary.path, "-path", three.migrations] + three.databases + ["-parallel", "1", "up"])
            .map { "'\($0)'" }.joined(separator: " ")
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qefc", command, "/dev/null"]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("\r\u{1B}[K[1/3] 0 running, 0 failed, about "), "\(text.debugDescription)")
        #expect(text.contains("\r\u{1B}[K[2/3] "), "\(text.debugDescription)")
        #expect(text.contains("\r\u{1B}[Kok          sqlite://"), "a target's line first clears the status line: \(text.debugDescription)")
    }
}
