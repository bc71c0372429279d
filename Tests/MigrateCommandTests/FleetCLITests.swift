import Foundation
import TestSupport
import Testing

/// Issue 15: fleets. PostgreSQL databases on three clusters, tenant schemas of one database and SQLite files,
/// migrated by one command; every check reads the databases back with psql or the sqlite3 shell.
@Suite(.serialized) struct FleetCLITests {
    /// 60 databases across 3 clusters (a -targets file whose password comes from the environment), 300 tenant
    /// schemas of one database (-schemas) and 30 SQLite files (a glob): `up` of 20 migrations on all 390, 8 at a
    /// time. Every target ends at 20 with each migration's log row written once; a second `up` changes nothing;
    /// `status` shows the matrix.
    @Test func upMigratesThreeHundredNinetyTargetsOnceEach() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(FleetCLIFixture.migrations())
        let databases = try FleetCLIFixture.databases("scale", count: 60)
        let (tenantDatabase, tenants) = try FleetCLIFixture.tenantDatabase("scale", schemas: 300)
        let (glob, files) = try FleetCLIFixture.sqliteFiles(in: dir, count: 30)
        let list = ["# sixty shops on three clusters; the password comes from the environment", ""]
            + databases.map { $0.url.replacingOccurrences(of: CLI.sentinelPassword, with: "${FLEET_TEST_PASSWORD}") }
        try list.joined(separator: "\n").write(toFile: dir.path("targets.txt"), atomically: true, encoding: .utf8)
        let command = [
            "-path", migrations, "-targets", dir.path("targets.txt"), "-database", tenantDatabase, "-schemas", "tenant_*",
            "-database", glob, "-parallel", "8",
        ]
        let environment = ["FLEET_TEST_PASSWORD": CLI.sentinelPassword]
        let result = try CLI.run(command + ["up", "--json"], environment: environment)
        #expect(result.status == 0, "\(result.stderr.suffix(3000))")
        let report = try FleetCLIFixture.report(result)
        #expect(report["ok"] as? Bool == true)
        let targets = FleetCLIFixture.targets(report)
        try #require(targets.count == 390, "\(targets.count) targets")
        // The order given: the tenants (-database with -schemas), the files (-database), then the file's lines.
        let names = targets.compactMap { $0["target"] as? String }
        #expect(names[0].hasSuffix("search_path=tenant_000") && names[299].hasSuffix("search_path=tenant_299"))
        #expect(names[300].hasSuffix("/fleet/shop_00.db") && names[330].contains("/fleet_scale_0?"), "\(names[300]) \(names[330])")
        #expect(!names.contains { $0.contains("search_path=other") })
        for target in targets {
            #expect(target["result"] as? String == "ok", "\(target)")
            #expect((target["versionAfter"] as? [String: Any])?["version"] as? Int == 20, "\(target)")
            #expect((target["applied"] as? [Any])?.count == 20, "\(target)")
        }
        // Each migration exactly once per target, read back from every database, schema and file.
        for target in databases + files {
            #expect(try target.log() == Array(1...20), "\(target.url)")
            #expect(try target.version() == "20", "\(target.url)")
        }
        let perTenant = try PostgresScratch.psql(
            tenants[0].client,
            tenants.map { "SELECT '\($0.schema!)', count(*), count(DISTINCT version) FROM \($0.schema!).fleet_log" }.joined(separator: " UNION ALL ")
        ).split(separator: "\n")
        #expect(perTenant.count == 300)
        #expect(perTenant.allSatisfy { $0.hasSuffix("|20|20") }, "\(perTenant.filter { !$0.hasSuffix("|20|20") })")
        #expect(try PostgresScratch.psql(tenants[0].client, "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'other')") == "0")
        // The per-target lines and the summary went to standard error; no password anywhere (CLIResult checks).
        #expect(result.stderr.contains("up on 390 targets, 8 at a time"), "\(result.stderr.prefix(500))")
        #expect(result.stderr.contains("up: 390 targets: 390 ok"))

        let again = try CLI.run(command + ["up"], environment: environment)
        #expect(again.status == 0, "\(again.stderr.suffix(2000))")
        #expect(again.stderr.components(separatedBy: "(no change, ").count - 1 == 390)
        let status = try CLI.run(command + ["status"], environment: environment)
        #expect(status.status == 0)
        #expect(status.stdout.hasPrefix("TARGET"))
        #expect(status.stdout.contains("390 of 390 targets read: 390 up to date, 0 behind"), "\(status.stdout.suffix(300))")
    }

    /// One unreachable target and one tenant whose data makes migration 7 fail: by default the targets running
    /// (those two) finish and no other starts; with -continue-on-error every other target reaches 20. Either way the
    /// report names exactly those two, with their errors. After the data is fixed, a rerun completes only the
    /// failed tenant.
    @Test func anUnreachableTargetAndAFailingTenant() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(FleetCLIFixture.migrations())
        let databases = try FleetCLIFixture.databases("failures", count: 3)
        let (_, tenants) = try FleetCLIFixture.tenantDatabase("failures", schemas: 6)
        let (_, files) = try FleetCLIFixture.sqliteFiles(in: dir, count: 3)
        let bad = tenants[2]
        try bad.breakGuard()
        // The two failing targets first: with 2 at a time both start before either fails.
        let unreachable = "postgres://migrate_pw:${FLEET_TEST_PASSWORD}@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=5"
        let others = databases + tenants.filter { $0.schema != bad.schema } + files
        let lines = [unreachable] + ([bad] + others).map { $0.url.replacingOccurrences(of: CLI.sentinelPassword, with: "${FLEET_TEST_PASSWORD}") }
        try lines.joined(separator: "\n").write(toFile: dir.path("targets.txt"), atomically: true, encoding: .utf8)
        let command = ["-path", migrations, "-targets", dir.path("targets.txt"), "-parallel", "2"]
        let environment = ["FLEET_TEST_PASSWORD": CLI.sentinelPassword]

        let stopped = try CLI.run(command + ["up", "--json"], environment: environment)
        #expect(stopped.status == 1, "\(stopped)")
        let first = FleetCLIFixture.targets(try FleetCLIFixture.report(stopped))
        try #require(first.count == 13)
        Self.expectTheTwoFailures(first, applied: 6, context: "default policy")
        #expect(first.dropFirst(2).allSatisfy { $0["result"] as? String == "not-started" })
        for target in others { #expect(try target.version() == nil, "\(target.url) was touched") }
        #expect(try bad.log() == Array(1...6), "migrations 1-6 committed, 7 rolled back")
        #expect(stopped.stderr.contains("stopped starting targets after a failure"), "\(stopped.stderr)")

        let continued = try CLI.run(command + ["-continue-on-error", "up", "--json"], environment: environment)
        #expect(continued.status == 1)
        let second = FleetCLIFixture.targets(try FleetCLIFixture.report(continued))
        Self.expectTheTwoFailures(second, applied: 0, context: "-continue-on-error")
        #expect(second.dropFirst(2).allSatisfy { $0["result"] as? String == "ok" })
        for target in others { #expect(try target.log() == Array(1...20), "\(target.url)") }

        try bad.fixGuard()
        let rerun = try CLI.run(command + ["-continue-on-error", "up", "--json"], environment: environment)
        #expect(rerun.status == 1, "the unreachable target is still unreachable")
        let third = FleetCLIFixture.targets(try FleetCLIFixture.report(rerun))
        #expect((third[1]["applied"] as? [[String: Any]])?.compactMap { $0["version"] as? Int } == Array(7...20))
        #expect(third[1]["result"] as? String == "ok")
        #expect(third.dropFirst(2).allSatisfy { ($0["applied"] as? [Any])?.isEmpty == true }, "only the failed tenant ran")
        #expect(try bad.log() == Array(1...20))
        // `status` shows who lags: the unreachable target as an error row, everyone else up to date.
        let status = try CLI.run(command + ["status"], environment: environment)
        #expect(status.status == 1)
        #expect(status.stdout.contains("12 of 13 targets read: 12 up to date, 0 behind"), "\(status)")
        #expect(status.stderr.contains("127.0.0.1:1/nowhere"), "\(status)")
    }

    /// Exactly the unreachable target and the tenant failed, each with its error; the tenant stopped at 6 after
    /// applying `applied` migrations in this run.
    static func expectTheTwoFailures(_ targets: [[String: Any]], applied: Int, context: String) {
        let failed = targets.enumerated().filter { $0.element["result"] as? String == "failed" }.map(\.offset)
        #expect(failed == [0, 1], "\(context): \(failed)")
        let unreachable = targets[0]["error"] as? [String: Any]
        #expect(unreachable?["code"] as? String == "connection", "\(context): \(targets[0])")
        #expect((unreachable?["message"] as? String)?.contains("migrate_pw:***@127.0.0.1:1/nowhere") == true)
        let tenant = targets[1]["error"] as? [String: Any]
        #expect(tenant?["code"] as? String == "statementFailed", "\(context): \(targets[1])")
        #expect(tenant?["version"] as? Int == 7)
        #expect((tenant?["file"] as? String)?.hasSuffix("007_step_7.up.sql") == true)
        #expect(tenant?["sqlState"] as? String == "23505")
        #expect((targets[1]["versionAfter"] as? [String: Any])?["version"] as? Int == 6, "\(context): the exact state")
        #expect((targets[1]["applied"] as? [Any])?.count == applied, "\(context)")
    }

    /// -canary 2 with a failing second canary: the first canary is migrated, no other target is touched, even
    /// with -continue-on-error.
    @Test func aFailingCanaryTouchesNoOtherTarget() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(FleetCLIFixture.migrations())
        let databases = try FleetCLIFixture.databases("canary", count: 3)
        let (tenantDatabase, tenants) = try FleetCLIFixture.tenantDatabase("canary", schemas: 4)
        let (glob, files) = try FleetCLIFixture.sqliteFiles(in: dir, count: 2)
        try tenants[1].breakGuard()
        // -schemas expands every PostgreSQL -database: the plain databases come from a file.
        try databases.map(\.url).joined(separator: "\n").write(toFile: dir.path("targets.txt"), atomically: true, encoding: .utf8)
        let result = try CLI.run([
            "-path", migrations, "-database", tenantDatabase, "-schemas", "tenant_*", "-database", glob,
            "-targets", dir.path("targets.txt"), "-canary", "2", "-continue-on-error", "up",
        ])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("up on 9 targets, 4 at a time, the first 2 as canaries"), "\(result)")
        #expect(result.stderr.contains("A canary failed: no other target is started."), "\(result)")
        #expect(result.stderr.contains("a canary failed, so no other target was touched"), "\(result)")
        #expect(try tenants[0].log() == Array(1...20))
        #expect(try tenants[1].log() == Array(1...6))
        for file in files {
            let size = try FileManager.default.attributesOfItem(atPath: file.client)[.size] as? Int
            #expect(size == 0, "\(file.client) was written")
        }
        for target in Array(tenants[2...]) + databases { #expect(try target.version() == nil, "\(target.url) was touched") }
        #expect(result.stdout.components(separatedBy: "not-started").count - 1 == 7, "\(result.stdout)")
    }

    /// A single-target `up` started while a fleet run holds that database's lock waits for it, then finds nothing
    /// to do: each migration ran once. The fleet is paused (SIGSTOP) while it holds the lock, and resumed once the
    /// single run has tried the lock, so the single run cannot have run first.
    @Test func aSingleUpDuringAFleetRunWaitsAndAppliesNothingTwice() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(FleetCLIFixture.migrations(sleep: 0.05))
        let databases = try FleetCLIFixture.databases("overlap", count: 3)
        let watched = databases[1]
        let fleet = try RunningCLI(["-path", migrations] + databases.flatMap { ["-database", $0.url] } + ["-parallel", "3", "up"])
        let lockHeld = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        var held = false
        while fleet.process.isRunning, !held {
            held = (try? watched.query(lockHeld)).flatMap(Int.init).map { $0 > 0 } ?? false
            if !held { Thread.sleep(forTimeInterval: 0.005) }
        }
        try #require(held, "the fleet run never held the lock of \(watched.url)")
        fleet.pause()
        let single = try RunningCLI(["-path", migrations, "-database", watched.url, "-lock-timeout", "120", "up"])
        let tried = """
            SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND query LIKE '%pg_try_advisory_lock%' AND pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory')
            """
        var waiting = false
        while single.process.isRunning, !waiting {
            waiting = (try? watched.query(tried)) == "1"
            if !waiting { Thread.sleep(forTimeInterval: 0.005) }
        }
        fleet.resume()
        let fleetResult = fleet.finish(timeout: 300)
        let singleResult = single.finish(timeout: 300)
        #expect(waiting, "the single run never tried the lock: \(singleResult)")
        #expect(fleetResult.status == 0, "\(fleetResult)")
        #expect(singleResult.status == 0, "\(singleResult)")
        #expect(singleResult.afterMigratingLine == "no change\n", "\(singleResult)")
        for target in databases { #expect(try target.log() == Array(1...20), "\(target.url)") }
    }

    /// SIGINT during a fleet run: the running target's migration is cancelled and rolled back, no other target
    /// starts, and the run exits 130 naming the stop.
    @Test func aSignalStopsTheFleet() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(FleetCLIFixture.migrations(sleep: 0.2))
        let databases = try FleetCLIFixture.databases("signal", count: 3)
        let running = try RunningCLI(["-path", migrations] + databases.flatMap { ["-database", $0.url] } + ["-parallel", "1", "up"])
        while running.process.isRunning, (try? databases[0].log())??.isEmpty ?? true { Thread.sleep(forTimeInterval: 0.01) }
        running.signal(SIGINT)
        let result = running.finish(timeout: 120)
        #expect(result.status == 130, "\(result)")
        #expect(result.stderr.contains("Stopped: no other target starts."), "\(result)")
        #expect(result.stderr.contains("up: 3 targets: 0 ok, 1 failed, 2 not started"), "\(result)")
        let log = try #require(try databases[0].log())
        #expect(try databases[0].version() == String(log.count) && log == Array(1...log.count), "committed ones only: \(log)")
        #expect(try databases[1].version() == nil && databases[2].version() == nil)
    }
}
