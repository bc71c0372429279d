import Foundation
import PostgresNIO
import SwiftMigrate
import Testing

@testable import SwiftMigratePostgres

@Suite struct PostgresDriverLockTests {
    @Test func lockExcludesASecondDriverAndTimesOut() async throws {
        try await TestDatabase.with { db in
            let first = try await db.open()
            let second = try await db.open()
            try await withDriver(first) { first in
                try await withDriver(second) { second in
                    try await first.lock(timeout: .seconds(1))
                    // golang-migrate's lock (a bigint advisory lock: classid 0, objid = key, objsubid 1), and the second
                    // one keyed on current_database() that keeps one database named two ways from running twice.
                    let held = try await db.rows(
                        "SELECT pid::text, classid::text, objid::text, objsubid::text FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY objid"
                    )
                    let keys = [first.lockKey.value, first.databaseLockKey.value].map { "\($0)" }.sorted()
                    #expect(held.sorted { ($0[2] ?? "") < ($1[2] ?? "") } == keys.map { ["\(first.backendPID)", "0", $0, "1"] })

                    let clock = ContinuousClock()
                    let start = clock.now
                    let error = await migrateError { try await second.lock(timeout: .milliseconds(300)) }
                    let waited = clock.now - start
                    #expect(error?.code == .lockTimeout)
                    #expect(error?.message == "timeout: can't acquire database lock")
                    // A lower bound (it waited) and a bound against hanging only: shared machines make tight timing flaky.
                    #expect(waited >= .milliseconds(300) && waited < .seconds(60))

                    try await first.unlock()
                    try await second.lock(timeout: .seconds(2))
                    let unlockTwice = await migrateError { try await first.unlock() }
                    #expect(unlockTwice?.message == "can't unlock, as not currently locked")
                    try await second.unlock()
                }
            }
        }
    }

    @Test func closingReleasesTheLock() async throws {
        try await TestDatabase.with { db in
            let first = try await db.open()
            try await first.lock(timeout: .seconds(1))
            try await first.close()
            try await withDriver(try await db.open()) { second in
                try await second.lock(timeout: .seconds(5))
                try await second.unlock()
            }
        }
    }

    @Test func aPlainSessionHoldingGolangMigratesKeyBlocksUs() async throws {
        try await TestDatabase.with { db in
            // What golang-migrate runs: SELECT pg_advisory_lock(GenerateAdvisoryLockId(path, schema, table)).
            let key = AdvisoryLockKey(databaseName: "/\(db.name)", additionalNames: ["public", "schema_migrations"])
            let other = try await TestEnvironment.adminConnection(database: db.name)
            do {
                try await other.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_lock(\(key.value))"), logger: TestEnvironment.logger)
                try await withDriver(try await db.open()) { driver in
                    let error = await migrateError { try await driver.lock(timeout: .milliseconds(200)) }
                    #expect(error?.message == "timeout: can't acquire database lock")
                    try await other.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock(\(key.value))"), logger: TestEnvironment.logger)
                    try await driver.lock(timeout: .seconds(2))
                    try await driver.unlock()
                }
            } catch {
                try? await other.close()
                throw error
            }
            try await other.close()
        }
    }

    @Test func keyUsesCurrentDatabaseWhenTheURLHasNoPath() async throws {
        try await TestDatabase.with { db in
            let server = try TestEnvironment.server()
            let url = try DatabaseURL("\(server.prefix)?dbname=\(db.name)&sslmode=disable")
            try await withDriver(try await PostgresDriver.open(url: url, logger: TestEnvironment.logger)) { driver in
                #expect(driver.lockKey == AdvisoryLockKey(databaseName: db.name, schema: "public", table: "schema_migrations"))
            }
        }
    }
}
