import Foundation
import Testing

/// A fleet's read-only requests on tenant schemas hand each connection on to the next schema of the database
/// instead of opening one per schema (issue 15: `status` of a large fleet is otherwise mostly connection starts).
@Suite struct FleetSharedConnectionsCLITests {
    /// Sessions the server counted for `database` (pg_stat_database), once the count stops moving: a backend
    /// is counted as it ends, a moment after its client closed.
    static func sessions(_ admin: String, _ database: String) throws -> Int {
        var last = -1
        for _ in 0..<30 {
            let text = try PostgresScratch.psql(admin, "SELECT sessions FROM pg_stat_database WHERE datname = '\(database)'")
            let now = try #require(Int(text), "pg_stat_database.sessions of \(database): \(text)")
            if now == last { return now }
            last = now
            Thread.sleep(forTimeInterval: 0.2)
        }
        return last
    }

    @Test("status, version and plan on 24 tenant schemas use as many connections as run at once, each schema read as its own")
    func readOnlyRequestsShareConnections() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(FleetCLIFixture.migrations())
        let (url, tenants) = try FleetCLIFixture.tenantDatabase("sharing", schemas: 24)
        let admin = try FleetCLIFixture.clusters()[0]
        let base = ["-path", migrations, "-database", url, "-schemas", "tenant_*", "-parallel", "3"]
        let up = try CLI.run(base + ["up"])
        #expect(up.status == 0, "\(up)")
        // One schema behind and dirty, one never migrated: a shared connection must still read each one's own.
        _ = try tenants[7].query("UPDATE tenant_007.schema_migrations SET version = 3, dirty = true")
        _ = try tenants[11].query("DROP TABLE tenant_011.schema_migrations, tenant_011.schema_migrations_history")

        for command in [["status", "--json"], ["version", "--json"], ["plan", "--json"]] {
            let before = try Self.sessions(admin, "fleet_sharing_tenants")
            let result = try CLI.run(base + command)
            // plan refuses the dirty tenant (and so exits 1), reading every other one.
            #expect(result.status == (command[0] == "plan" ? 1 : 0), "\(result)")
            let after = try Self.sessions(admin, "fleet_sharing_tenants")
            // One to list the schemas, then at most -parallel for the 24 targets (one each before this change).
            #expect(after - before <= 4, "\(command[0]): \(after - before) sessions for 24 schemas at -parallel 3")
            let targets = FleetCLIFixture.targets(try FleetCLIFixture.report(result))
            try #require(targets.count == 24, "\(result)")
            for (index, target) in targets.enumerated() {
                let version = target["versionAfter"] as? [String: Any]
                switch index {
                case 7 where command[0] == "plan":
                    #expect((target["error"] as? [String: Any])?["message"] as? String != nil, "\(target)")
                case 7:
                    #expect(version?["version"] as? Int == 3 && version?["dirty"] as? Bool == true, "\(command[0]) \(target)")
                case 11:
                    #expect(version?["version"] == nil && version?["dirty"] as? Bool == false, "\(command[0]) \(target)")
                default:
                    #expect(version?["version"] as? Int == 20 && version?["dirty"] as? Bool == false, "\(command[0]) \(target)")
                }
            }
        }
        // Every shared connection was closed when the command ended.
        var open = ""
        for _ in 0..<30 {
            open = try PostgresScratch.psql(
                admin, "SELECT count(*) FROM pg_stat_activity WHERE datname = 'fleet_sharing_tenants' AND backend_type = 'client backend'"
            )
            if open == "0" { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(open == "0")
    }
}
