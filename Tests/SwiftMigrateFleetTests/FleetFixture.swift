import Foundation
import Logging
import SwiftMigrate
import SwiftMigrateLibPQ
import SwiftMigrateSQLite
import TestSupport
import Testing

let fleetLogger = Logger(label: "swift-migrate.fleet-tests")
let registry = DriverRegistry([LibPQDriver.self, SQLiteDriver.self])

/// One database of a test fleet, and how to read it with an independent client (psql, the sqlite3 shell).
struct TestTarget: Sendable {
    enum Kind: Sendable { case postgres, tenant(schema: String), sqlite }
    let kind: Kind
    /// The URL the fleet opens.
    let url: DatabaseURL
    /// psql's URL of the database, or the SQLite file.
    let client: String

    /// The schema's qualifier for SQL (`"tenant_1".`), empty for a database's own schema.
    var qualifier: String {
        if case .tenant(let schema) = kind { return "\"\(schema)\"." }
        return ""
    }

    func query(_ sql: String) throws -> String {
        if case .sqlite = kind { return try sqlite3(client, sql) }
        return try psql(client, sql)
    }

    /// The version row as `V|dirty`, or nil without the table.
    func version() throws -> String? {
        let table = "\(qualifier)schema_migrations"
        if case .sqlite = kind {
            let exists = try query("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'")
            return exists == "0" ? nil : try query("SELECT version || '|' || CASE WHEN dirty THEN 1 ELSE 0 END FROM \(table)")
        }
        guard try query("SELECT to_regclass('\(table)') IS NOT NULL") == "t" else { return nil }
        return try query("SELECT version || '|' || CASE WHEN dirty THEN 1 ELSE 0 END FROM \(table)")
    }

    /// (rows, distinct versions) of the log every test migration writes a row to; nil without the table.
    func log() throws -> (rows: Int, distinct: Int)? {
        let table = "\(qualifier)fleet_log"
        if case .sqlite = kind {
            guard try query("SELECT count(*) FROM sqlite_master WHERE name = 'fleet_log'") == "1" else { return nil }
        } else {
            guard try query("SELECT to_regclass('\(table)') IS NOT NULL") == "t" else { return nil }
        }
        let parts = try query("SELECT count(*) || '|' || count(DISTINCT version) FROM \(table)").split(separator: "|")
        return (Int(parts[0]) ?? -1, Int(parts[1]) ?? -1)
    }
}

/// A throwaway fleet: PostgreSQL databases, one database with tenant schemas, SQLite files; removed by `remove()`.
final class FleetFixture: @unchecked Sendable {
    let admin: String
    let directory: URL
    private(set) var databases: [String] = []
    private(set) var targets: [TestTarget] = []
    private(set) var tenantDatabaseURL: String?

    init(postgres: Int = 0, tenants: Int = 0, sqlite: Int = 0) throws {
        guard let admin = ProcessInfo.processInfo.environment["MIGRATE_TEST_POSTGRES_URL"] else {
            Issue.record("MIGRATE_TEST_POSTGRES_URL is not set: run scripts/test.sh, which starts PostgreSQL")
            throw CancellationError()
        }
        self.admin = admin
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swift-migrate-fleet-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let unique = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10)
        for index in 0..<postgres {
            let name = "fleet_\(unique)_\(index)"
            _ = try psql(admin, "CREATE DATABASE \(name)")
            databases.append(name)
            let url = replacingDatabase(in: admin, with: name)
            targets.append(TestTarget(kind: .postgres, url: try DatabaseURL(url), client: url))
        }
        if tenants > 0 {
            let name = "fleet_\(unique)_tenants"
            _ = try psql(admin, "CREATE DATABASE \(name)")
            databases.append(name)
            let url = replacingDatabase(in: admin, with: name)
            tenantDatabaseURL = url
            let schemas = (0..<tenants).map { String(format: "tenant_%03d", $0) }
            // Another schema that the pattern must leave alone.
            _ = try psql(url, (schemas + ["other"]).map { "CREATE SCHEMA \($0);" }.joined())
            for schema in schemas {
                let tenant = try LibPQDriver.url(try DatabaseURL(url), tenantSchema: schema)
                targets.append(TestTarget(kind: .tenant(schema: schema), url: tenant, client: url))
            }
        }
        for index in 0..<sqlite {
            let file = directory.appendingPathComponent(String(format: "tenant_%02d.db", index)).path
            targets.append(TestTarget(kind: .sqlite, url: try DatabaseURL("sqlite://\(file)"), client: file))
        }
    }

    func fleetTargets() -> [FleetTarget] { targets.map { FleetTarget(url: $0.url, registry: registry) } }

    func remove() {
        for name in databases { _ = try? psql(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        try? FileManager.default.removeItem(at: directory)
    }

    /// `count` migrations; each writes its version to fleet_log and makes a table. Migration `guardVersion`
    /// builds a unique index on `guard_rows(k)`, which migration 1 creates when missing: a target given
    /// duplicate rows there beforehand (``breakGuard(_:)``) fails at that migration and at no other.
    static func migrations(_ count: Int, guardVersion: Int = 3) -> InMemorySource {
        var files: [String: String] = [:]
        for version in 1...count {
            var sql = version == 1
                ? "CREATE TABLE IF NOT EXISTS fleet_log (version int NOT NULL);\nCREATE TABLE IF NOT EXISTS guard_rows (k int);\n"
                : ""
            sql += "INSERT INTO fleet_log (version) VALUES (\(version));\nCREATE TABLE t_\(version) (id int);\n"
            if version == guardVersion { sql += "CREATE UNIQUE INDEX guard_k ON guard_rows (k);\n" }
            files[String(format: "%03d_step_%d.up.sql", version, version)] = sql
            files[String(format: "%03d_step_%d.down.sql", version, version)] =
                "DELETE FROM fleet_log WHERE version = \(version);\nDROP TABLE t_\(version);\n"
                + (version == guardVersion ? "DROP INDEX guard_k;\n" : "")
        }
        return InMemorySource(files: files)
    }

    /// Duplicate rows in the target's guard_rows: the guard migration's unique index fails there.
    func breakGuard(_ target: TestTarget) throws {
        let table = "\(target.qualifier)guard_rows"
        _ = try target.query("CREATE TABLE IF NOT EXISTS \(table) (k int); INSERT INTO \(table) VALUES (1), (1);")
    }

    /// Removes the duplicate (the data fixed).
    func fixGuard(_ target: TestTarget) throws {
        _ = try target.query("DELETE FROM \(target.qualifier)guard_rows")
    }
}
