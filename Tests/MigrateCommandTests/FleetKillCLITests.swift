import Foundation
import TestSupport
import Testing

/// Issue 15: `kill -9` of a fleet run at random moments. After each kill, every target is at a clean version
/// with exactly the log rows of the migrations up to it (each once); after a rerun, every target is at the final
/// version, still with each migration's row once.
///
/// The fleet per trial is smaller than the scale test's, to keep the suite's time modest: 3 databases (one per
/// cluster), 3 tenant schemas and 2 SQLite files, 4 at a time, 20 migrations each. $MIGRATE_FLEET_KILL_TRIALS
/// trials (20 by default) that really killed the run; moments drawn from a seeded generator
/// ($MIGRATE_KILL_SEED) over the time a whole run takes on this machine (measured once, and shortened whenever a
/// run finishes before its kill).
@Suite(.serialized) struct FleetKillCLITests {
    static var trials: Int { Int(ProcessInfo.processInfo.environment["MIGRATE_FLEET_KILL_TRIALS"] ?? "") ?? 20 }
    static var seed: UInt64 { UInt64(ProcessInfo.processInfo.environment["MIGRATE_KILL_SEED"] ?? "") ?? 20_261_115 }

    @Test func killNineAtRandomMomentsThenRerun() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(FleetCLIFixture.migrations())
        var random = SplitMix64(seed: Self.seed)
        var killed = 0, finishedFirst = 0, trial = 0
        var fullRun: Double?
        var versionsSeen: Set<String> = []
        while killed < Self.trials && trial < Self.trials * 3 {
            defer { trial += 1 }
            let databases = try FleetCLIFixture.databases("kill", count: 3)
            let (tenantDatabase, tenants) = try FleetCLIFixture.tenantDatabase("kill", schemas: 3)
            try? FileManager.default.removeItem(at: dir.url.appendingPathComponent("fleet"))
            let (glob, files) = try FleetCLIFixture.sqliteFiles(in: dir, count: 2)
            let targets = databases + tenants + files
            try databases.map(\.url).joined(separator: "\n").write(toFile: dir.path("targets.txt"), atomically: true, encoding: .utf8)
            let command = [
                "-path", migrations, "-database", tenantDatabase, "-schemas", "tenant_*", "-database", glob,
                "-targets", dir.path("targets.txt"), "-parallel", "4", "up",
            ]
            guard let full = fullRun else {
                // Calibrate on the first fresh fleet: how long a whole run takes here, start-up included.
                let start = Date()
                let result = try CLI.run(command)
                fullRun = Date().timeIntervalSince(start)
                try #require(result.status == 0, "\(result)")
                continue
            }
            let delay = full * Double(random.next() % 1000) / 1000
            let running = try RunningCLI(command)
            Thread.sleep(forTimeInterval: delay)
            let result = running.kill9()
            if running.process.terminationReason == .exit && result.status == 0 {
                finishedFirst += 1
                // The calibration ran slower than the runs do now (other suites were busy then): aim earlier.
                fullRun = full * 0.7
            } else {
                killed += 1
            }
            let context = "trial \(trial) (kill after \(Int(delay * 1000)) ms)"
            // The killed run's server sessions may still finish their statement: wait until they are gone.
            for database in Set(databases.map(\.client) + [tenants[0].client]) { try Self.waitForOtherSessions(database) }
            for target in targets {
                let version = try target.version()
                let applied = version.flatMap(Int.init) ?? 0
                #expect(version.map { Int($0) != nil } ?? true, "\(context): \(target.url) is at \(version ?? "")")
                #expect(try (target.log() ?? []) == Array(Array(0...applied).dropFirst()), "\(context): \(target.url) at \(version ?? "none")")
                versionsSeen.insert(version ?? "none")
            }
            let rerun = try CLI.run(command)
            #expect(rerun.status == 0, "\(context): \(rerun)")
            for target in targets {
                #expect(try target.version() == "20", "\(context): \(target.url)")
                #expect(try target.log() == Array(1...20), "\(context): \(target.url)")
            }
        }
        print("fleet-kill-trials: kill-window=\(Int((fullRun ?? 0) * 1000))ms seed=\(Self.seed) killed=\(killed) finished-before-kill=\(finishedFirst) versions-seen=\(versionsSeen.count)")
        #expect(killed == Self.trials)
        // The kills landed at different places, not all before the first migration or after the last.
        #expect(versionsSeen.count >= 3, "\(versionsSeen.sorted())")
    }

    static func waitForOtherSessions(_ database: String) throws {
        for _ in 0..<600 {
            let others = try PostgresScratch.psql(
                database, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if others == "0" { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("sessions of the killed run still open on \(database) after 30 s")
    }
}
