import Foundation
import Logging
import SwiftMigrate
import SwiftMigrateLibPQ
@testable import SwiftMigratePostgres
import SwiftMigrateSQLite
import Synchronization
import TestSupport
import Testing

/// MigrationFleet on real databases: a mixed fleet of PostgreSQL databases, tenant schemas and SQLite files.
@Suite(.serialized) struct MigrationFleetTests {
    @Test func upMigratesAMixedFleetOnceEachAndReportsEveryTarget() async throws {
        let fixture = try FleetFixture(postgres: 2, tenants: 3, sqlite: 2)
        defer { fixture.remove() }
        let events = Mutex<[String]>([])
        var fleet = MigrationFleet(
            targets: fixture.fleetTargets(), source: FleetFixture.migrations(6), configuration: .init(parallel: 3),
            logger: fleetLogger
        )
        fleet.observer = { event in
            switch event {
            case .started(let index, _): events.withLock { $0.append("start \(index)") }
            case .finished(let report): events.withLock { $0.append("end \(report.index)") }
            default: break
            }
        }
        let report = try await fleet.up()
        #expect(report.succeeded)
        #expect(report.halt == nil)
        #expect(report.targets.map(\.index) == Array(0..<7))
        for (target, result) in zip(fixture.targets, report.targets) {
            #expect(result.outcome == .succeeded, "\(result.name): \(String(describing: result.error))")
            #expect(result.versionBefore == DatabaseVersion.none)
            #expect(result.versionAfter == DatabaseVersion(version: 6, dirty: false))
            #expect(result.applied.map(\.version) == [1, 2, 3, 4, 5, 6])
            #expect(try target.version() == "6|0")
            let log = try #require(try target.log())
            #expect(log.rows == 6 && log.distinct == 6, "\(result.name): \(log)")
        }
        // The tenants' tables are in their schemas; the database's own schema and the unmatched one are empty.
        let tenants = try #require(fixture.tenantDatabaseURL)
        #expect(try psql(tenants, "SELECT count(*) FROM pg_tables WHERE schemaname IN ('public', 'other')") == "0")
        #expect(try psql(tenants, "SELECT count(*) FROM pg_tables WHERE schemaname LIKE 'tenant_%' AND tablename = 'schema_migrations'") == "3")
        let seen = events.withLock { $0 }
        #expect(seen.filter { $0.hasPrefix("start") }.count == 7)
        #expect(seen.filter { $0.hasPrefix("end") }.count == 7)
        // Again: nothing to do anywhere, nothing applied twice.
        let again = try await fleet.up()
        #expect(again.succeeded)
        #expect(again.targets.allSatisfy { $0.applied.isEmpty && $0.versionAfter?.version == 6 })
        for target in fixture.targets { #expect(try target.log()?.rows == 6) }
    }

    @Test func neverMoreTargetsOpenThanParallel() async throws {
        let fixture = try FleetFixture(postgres: 2, tenants: 4, sqlite: 4)
        defer { fixture.remove() }
        let open = Mutex((now: 0, most: 0))
        // Each target counts itself open for as long as its driver is.
        let counted = fixture.targets.map { target in
            FleetTarget(name: target.url.redacted) { logger, body in
                open.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                defer { open.withLock { $0.now -= 1 } }
                try await registry.withDriver(url: target.url, logger: logger) { try await body($0) }
            }
        }
        let fleet = MigrationFleet(
            targets: counted, source: FleetFixture.migrations(4), configuration: .init(parallel: 3), logger: fleetLogger
        )
        let report = try await fleet.up()
        #expect(report.succeeded)
        let most = open.withLock { $0.most }
        #expect(most <= 3 && most >= 1, "\(most) targets were open at once")
        #expect(open.withLock { $0.now } == 0)
    }

    @Test func aFailureStopsStartingTargetsUnlessContinueOnError() async throws {
        let fixture = try FleetFixture(postgres: 1, tenants: 2, sqlite: 3)
        defer { fixture.remove() }
        let bad = fixture.targets[2]
        try fixture.breakGuard(bad)
        // One at a time, so that "not started" is exactly the targets after the failure.
        let stopping = MigrationFleet(
            targets: fixture.fleetTargets(), source: FleetFixture.migrations(5), configuration: .init(parallel: 1),
            logger: fleetLogger
        )
        let first = try await stopping.up()
        #expect(!first.succeeded)
        #expect(first.halt == .targetFailed)
        #expect(first.targets.map(\.outcome) == [.succeeded, .succeeded, .failed, .notStarted, .notStarted, .notStarted])
        let failure = first.targets[2]
        #expect(failure.error?.code == .statementFailed)
        #expect(failure.error?.version == 3)
        #expect(failure.error?.location?.file == "memory/003_step_3.up.sql")
        // Migrations 1 and 2 committed, 3 rolled back: the exact state.
        #expect(failure.applied.map(\.version) == [1, 2])
        #expect(failure.versionAfter == DatabaseVersion(version: 2, dirty: false))
        #expect(try bad.log()?.rows == 2)
        for untouched in fixture.targets[3...] { #expect(try untouched.version() == nil, "\(untouched.url) was touched") }

        let continuing = MigrationFleet(
            targets: fixture.fleetTargets(), source: FleetFixture.migrations(5),
            configuration: .init(parallel: 1, failurePolicy: .continueOnError), logger: fleetLogger
        )
        let second = try await continuing.up()
        #expect(second.halt == nil)
        #expect(second.targets.map(\.outcome) == [.succeeded, .succeeded, .failed, .succeeded, .succeeded, .succeeded])
        #expect(second.failedTargets.map(\.index) == [2])
        // The rerun after the data is fixed does only what the failed target lacks.
        try fixture.fixGuard(bad)
        let third = try await continuing.up()
        #expect(third.succeeded)
        #expect(third.targets.map { $0.applied.map(\.version) } == [[], [], [3, 4, 5], [], [], []])
        for target in fixture.targets {
            let log = try #require(try target.log())
            #expect(log.rows == 5 && log.distinct == 5)
        }
    }

    @Test func aFailingCanaryLeavesEveryOtherTargetUntouched() async throws {
        let fixture = try FleetFixture(postgres: 1, tenants: 2, sqlite: 3)
        defer { fixture.remove() }
        try fixture.breakGuard(fixture.targets[1])
        // -continue-on-error does not override the canary; with 4 at a time the two canaries run together.
        let fleet = MigrationFleet(
            targets: fixture.fleetTargets(), source: FleetFixture.migrations(4),
            configuration: .init(parallel: 4, canary: 2, failurePolicy: .continueOnError), logger: fleetLogger
        )
        let report = try await fleet.up()
        #expect(report.halt == .canaryFailed)
        #expect(report.targets.map(\.outcome) == [.succeeded, .failed, .notStarted, .notStarted, .notStarted, .notStarted])
        #expect(report.targets.map(\.isCanary) == [true, true, false, false, false, false])
        // SQLite files not touched are not even created (checked first: the sqlite3 shell would create them).
        #expect(fixture.targets[3...].allSatisfy { !FileManager.default.fileExists(atPath: $0.client) })
        for target in fixture.targets[2...] {
            #expect(try target.version() == nil, "\(target.url) was touched")
        }
    }

    @Test func aStopRequestStartsNoFurtherTarget() async throws {
        let fixture = try FleetFixture(sqlite: 4)
        defer { fixture.remove() }
        var fleet = MigrationFleet(
            targets: fixture.fleetTargets(), source: FleetFixture.migrations(2), configuration: .init(parallel: 1),
            logger: fleetLogger
        )
        let stop = fleet.stopRequest
        fleet.observer = { event in if case .finished = event { stop.request() } }
        let report = try await fleet.up()
        #expect(report.halt == .stopped)
        #expect(report.targets.map(\.outcome) == [.succeeded, .notStarted, .notStarted, .notStarted])
    }

    @Test func readOnlyRequestsVisitEveryTargetDespiteAnUnreachableOne() async throws {
        let fixture = try FleetFixture(postgres: 1, tenants: 1, sqlite: 1)
        defer { fixture.remove() }
        let source = FleetFixture.migrations(3)
        _ = try await MigrationFleet(targets: fixture.fleetTargets(), source: source, logger: fleetLogger).up(2)
        // A closed port on loopback: refused at once.
        let unreachable = FleetTarget(url: try DatabaseURL("postgres://nobody@127.0.0.1:1/none?sslmode=disable"), registry: registry)
        let fleet = MigrationFleet(
            targets: [unreachable] + fixture.fleetTargets(), source: source, configuration: .init(parallel: 1), logger: fleetLogger
        )
        let status = try await fleet.status()
        #expect(status.halt == nil)
        #expect(status.targets.map(\.outcome) == [.failed, .succeeded, .succeeded, .succeeded])
        #expect(status.targets[0].error?.code == .connection)
        #expect(status.targets.dropFirst().allSatisfy { $0.status?.pendingCount == 1 && $0.status?.current.version == 2 })
        #expect(status.targets.dropFirst().allSatisfy { $0.status?.lastApplied?.version == 2 })
        let plan = try await fleet.run(.plan(.upAll))
        #expect(plan.targets.dropFirst().allSatisfy { $0.preview?.steps.map(\.step.migration.version) == [3] })
        let versions = try await fleet.run(.version)
        #expect(versions.targets.dropFirst().allSatisfy { $0.versionAfter == DatabaseVersion(version: 2, dirty: false) })
        let validation = try await fleet.run(.validate)
        #expect(validation.targets.dropFirst().allSatisfy { $0.problems == [] })
        // `up 5` with one pending: the plan says the run would end short, and that target fails.
        let short = try await fleet.run(.plan(.up(5)))
        #expect(short.targets.dropFirst().allSatisfy { $0.outcome == .failed && $0.error?.code == .shortLimit })
        // Nothing changed.
        for target in fixture.targets { #expect(try target.log()?.rows == 2) }
    }

    @Test func aTenantSchemaTakesGolangMigratesLockForItsDatabaseAndSchema() async throws {
        let fixture = try FleetFixture(tenants: 2)
        defer { fixture.remove() }
        let base = try DatabaseURL(try #require(fixture.tenantDatabaseURL))
        let urls = try await registry.tenantSchemaURLs(of: base, matching: try GlobPattern("tenant_*"), logger: fleetLogger)
        #expect(urls.map { $0.queryValue("search_path") } == ["tenant_000", "tenant_001"])
        for kind in ["libpq", "nio"] {
            let driver: any DatabaseDriver = kind == "libpq"
                ? try await LibPQDriver.open(url: urls[1], logger: fleetLogger)
                : try await PostgresDriver.open(url: urls[1], logger: fleetLogger)
            try await driver.lock(timeout: .seconds(5))
            let held = try psql(
                try #require(fixture.tenantDatabaseURL),
                "SELECT ((classid::bigint << 32) | objid::bigint)::text FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ).split(separator: "\n").map(String.init)
            let golang = AdvisoryLockKey(databaseName: base.path, schema: "tenant_001", table: "schema_migrations")
            #expect(held.contains(String(golang.value)), "\(kind): \(held) lacks \(golang)")
            try await driver.unlock()
            try await driver.close()
        }
        // A URL that pins the version table to one schema would give every tenant the same one: refused.
        let pinned = try base.addingQueryItems([("x-migrations-table", "\"ops\".\"schema_migrations\""), ("x-migrations-table-quoted", "true")])
        let error = await #expect(throws: MigrateError.self) {
            _ = try await registry.tenantSchemaURLs(of: pinned, matching: try GlobPattern("tenant_*"), logger: fleetLogger)
        }
        #expect(error?.code == .invalidURL)
        let none = await #expect(throws: MigrateError.self) {
            _ = try await registry.tenantSchemaURLs(of: base, matching: try GlobPattern("customer_*"), logger: fleetLogger)
        }
        #expect(none?.message.contains("no schema of") == true && none?.message.contains("matches \"customer_*\"") == true)
    }

    @Test func schemaNamesThatNeedQuotingAreMigratedWhereTheyAre() async throws {
        #expect(PostgresURLParameters.searchPathValue("tenant_1") == "tenant_1")
        #expect(PostgresURLParameters.searchPathValue("Tenant One") == "\"Tenant One\"")
        #expect(PostgresURLParameters.searchPathValue("a\"b") == "\"a\"\"b\"")
        #expect(PostgresURLParameters.searchPathValue("1st") == "\"1st\"")
        let fixture = try FleetFixture(tenants: 1)
        defer { fixture.remove() }
        let database = try #require(fixture.tenantDatabaseURL)
        _ = try psql(database, #"CREATE SCHEMA "Tenant One"; CREATE SCHEMA "tenant, b""#)
        let urls = try await registry.tenantSchemaURLs(of: try DatabaseURL(database), matching: try GlobPattern("[Tt]enant*"), logger: fleetLogger)
        #expect(urls.count == 3)
        let report = try await MigrationFleet(
            targets: urls.map { FleetTarget(url: $0, registry: registry) }, source: FleetFixture.migrations(2), logger: fleetLogger
        ).up()
        #expect(report.succeeded, "\(report.failedTargets.map { String(describing: $0.error) })")
        let tables = try psql(database, "SELECT schemaname || ':' || count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') GROUP BY schemaname ORDER BY 1")
        #expect(tables == "Tenant One:6\ntenant, b:6\ntenant_000:6", "\(tables)")
    }
}

