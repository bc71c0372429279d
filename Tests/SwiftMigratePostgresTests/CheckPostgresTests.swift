import Foundation
import PostgresNIO
import SwiftMigrate
import Testing

@testable import SwiftMigratePostgres

/// Drift, table-lock timeouts with retries, and scratch databases on a real PostgreSQL server.
@Suite struct CheckPostgresTests {
    static let files: [String: String] = [
        "1_accounts.up.sql": "CREATE TABLE accounts (id bigserial PRIMARY KEY);\n",
        "1_accounts.down.sql": "DROP TABLE accounts;\n",
        "3_trades.up.sql": "CREATE TABLE trades (id bigserial PRIMARY KEY);\n",
        "3_trades.down.sql": "DROP TABLE trades;\n",
    ]

    static func migrator(_ driver: PostgresDriver, _ files: [String: String], _ configuration: Migrator.Configuration = .init()) -> Migrator {
        Migrator(source: InMemorySource(files: files), driver: driver, configuration: configuration, logger: TestEnvironment.logger)
    }

    @Test func driftAndOutOfOrderOnPostgres() async throws {
        try await TestDatabase.with { (db) async throws in
            try await withDriver(try await db.open()) { (driver) async throws in
                try await Self.migrator(driver, Self.files).up()
                var files = Self.files
                // CRLF and trailing blanks are no change; a new column is.
                files["1_accounts.up.sql"] = "CREATE TABLE accounts (id bigserial PRIMARY KEY);   \r\n\r\n"
                #expect(try await Self.migrator(driver, files).validate() == [])
                files["1_accounts.up.sql"] = "CREATE TABLE accounts (id bigserial PRIMARY KEY, name text);\n"
                files["2_late.up.sql"] = "CREATE TABLE late (id int);\n"
                files["2_late.down.sql"] = "DROP TABLE late;\n"
                let problems = try await Self.migrator(driver, files).validate()
                #expect(problems.map(\.kind) == [.modified, .outOfOrder])
                #expect(problems.map(\.path) == ["memory/1_accounts.up.sql", "memory/2_late.up.sql"])
                let status = try await Self.migrator(driver, files).status()
                #expect(status.entries.map(\.state) == [.modified, .outOfOrder, .applied])

                let before = try await db.rows("SELECT version::text, dirty::text FROM schema_migrations")
                let error = await migrateError { try await Self.migrator(driver, files).up() }
                #expect(error?.code == .modifiedMigration)
                #expect(error?.location?.file == "memory/1_accounts.up.sql")
                #expect(try await db.rows("SELECT version::text, dirty::text FROM schema_migrations") == before)
                #expect(before == [["3", "false"]])
                // Allowed, up still refuses: 2 lies below the current version and never ran (golang-migrate would
                // skip it for ever); allowed out of order too, it runs and the version stays.
                let late = await migrateError { try await Self.migrator(driver, files, .init(allowModified: true)).up() }
                #expect(late?.code == .outOfOrder)
                #expect(try await db.rows("SELECT count(*)::text FROM pg_tables WHERE tablename = 'late'") == [["0"]])
                let both = Migrator.Configuration(allowModified: true, allowOutOfOrder: true)
                #expect(try await Self.migrator(driver, files, both).up().map(\.version) == [2])
                #expect(try await db.rows("SELECT count(*)::text FROM pg_tables WHERE tablename = 'late'") == [["1"]])
                #expect(try await db.rows("SELECT version::text, dirty::text FROM schema_migrations") == before)
            }
        }
    }

    /// Nothing to do is answered from one unlocked read: a no-op `up` returns at once while another session
    /// holds the migration lock; with a migration pending it waits for the lock, and a modified file or a
    /// dirty database is still reported (under the lock).
    @Test func nothingToDoIsAnsweredWithoutTheLock() async throws {
        try await TestDatabase.with { (db) async throws in
            try await withDriver(try await db.open()) { (holder) async throws in
                try await withDriver(try await db.open()) { (driver) async throws in
                    let quick = Migrator.Configuration(lockTimeout: .milliseconds(200))
                    try await Self.migrator(driver, Self.files).up()
                    try await holder.lock(timeout: .seconds(5))
                    #expect(try await Self.migrator(driver, Self.files, quick).up().isEmpty)
                    #expect(try await Self.migrator(driver, Self.files, quick).goto(3).isEmpty)

                    var files = Self.files
                    files["4_more.up.sql"] = "CREATE TABLE more (id int);\n"
                    let pending = await migrateError { try await Self.migrator(driver, files, quick).up() }
                    #expect(pending?.code == .lockTimeout)
                    files = Self.files
                    files["3_trades.up.sql"] = "CREATE TABLE trades (id bigserial PRIMARY KEY, price numeric);\n"
                    let modified = await migrateError { try await Self.migrator(driver, files, quick).up() }
                    #expect(modified?.code == .lockTimeout)
                    try await db.execute("UPDATE schema_migrations SET dirty = true")
                    let dirty = await migrateError { try await Self.migrator(driver, Self.files, quick).up() }
                    #expect(dirty?.code == .lockTimeout)
                    try await holder.unlock()
                    let dirtyUnlocked = await migrateError { try await Self.migrator(driver, Self.files, quick).up() }
                    #expect(dirtyUnlocked?.code == .dirty)
                    #expect(try await db.rows("SELECT version::text, dirty::text FROM schema_migrations") == [["3", "true"]])
                }
            }
        }
    }

    static let lockFiles = ["1_add_c.up.sql": "ALTER TABLE t ADD COLUMN c int;\n", "1_add_c.down.sql": "ALTER TABLE t DROP COLUMN c;\n"]

    /// A second session that holds `LOCK TABLE t IN ACCESS EXCLUSIVE MODE` in an open transaction until closed.
    static func lockTable(_ db: TestDatabase) async throws -> PostgresConnection {
        try await db.execute("CREATE TABLE t (id int)")
        let locker = try await TestEnvironment.adminConnection(database: db.name)
        try await locker.query("BEGIN", logger: TestEnvironment.logger)
        try await locker.query("LOCK TABLE t IN ACCESS EXCLUSIVE MODE", logger: TestEnvironment.logger)
        return locker
    }

    @Test func aTableLockTimeoutFailsWith55P03AndChangesNothing() async throws {
        try await TestDatabase.with { (db) async throws in
            let locker = try await Self.lockTable(db)
            do {
                try await withDriver(try await db.open("x-lock-timeout=100")) { (driver) async throws in
                    let migrator = Self.migrator(driver, Self.lockFiles, .init(lockRetries: 1))
                    let error = await migrateError { try await migrator.up() }
                    #expect(error?.code == .tableLockTimeout)
                    #expect(error?.sqlState == "55P03")
                    #expect(error?.message == "canceling statement due to lock timeout")
                    #expect(error?.location?.file == "memory/1_add_c.up.sql")
                    #expect(try await migrator.version() == DatabaseVersion(version: nil, dirty: false))
                }
                #expect(try await db.rows("SELECT count(*)::text FROM schema_migrations") == [["0"]])
                #expect(try await db.rows("SELECT count(*)::text FROM schema_migrations_history") == [["0"]])
            } catch {
                try? await locker.close()
                throw error
            }
            try await locker.close()
            #expect(try await db.rows("SELECT count(*)::text FROM information_schema.columns WHERE table_name = 't' AND column_name = 'c'") == [["0"]])
        }
    }

    @Test func aRetryAfterTheLockIsReleasedSucceeds() async throws {
        try await TestDatabase.with { (db) async throws in
            let locker = try await Self.lockTable(db)
            let release = Task {
                try await Task.sleep(for: .milliseconds(500))
                try await locker.close()
            }
            try await withDriver(try await db.open("x-lock-timeout=100")) { (driver) async throws in
                let migrator = Self.migrator(driver, Self.lockFiles, .init(lockRetries: 3))
                let applied = try await migrator.up()
                #expect(applied.map(\.version) == [1])
                #expect(try await migrator.version() == DatabaseVersion(version: 1, dirty: false))
            }
            try await release.value
            #expect(try await db.rows("SELECT count(*)::text FROM information_schema.columns WHERE table_name = 't' AND column_name = 'c'") == [["1"]])
            #expect(try await db.rows("SELECT version::text, direction FROM schema_migrations_history") == [["1", "up"]])
        }
    }

    /// Collects the scratch database's name from the `created` callback.
    final class Names: @unchecked Sendable {
        private let lock = NSLock()
        private var names: [String] = []
        func append(_ name: String) { lock.lock(); names.append(name); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return names }
    }

    struct BodyFailed: Error {}

    @Test func scratchDatabasesAreDroppedAfterwardsEvenWhenTheBodyThrows() async throws {
        try await TestDatabase.with { (db) async throws in
            let url = try db.url()
            let names = Names()
            let seen = try await PostgresDriver.withScratchDatabase(like: url, logger: TestEnvironment.logger, created: names.append) { scratch in
                try await scratch.execute("CREATE TABLE inside (id int)")
                return try await db.rows("SELECT datname FROM pg_database WHERE datname LIKE 'swift\\_migrate\\_verify\\_%' AND datname = '\(names.all.first ?? "")'")
            }
            let first = try #require(names.all.first)
            #expect(first.hasPrefix("swift_migrate_verify_"))
            #expect(seen == [[first]])
            #expect(try await db.rows("SELECT count(*)::text FROM pg_database WHERE datname = '\(first)'") == [["0"]])
            // The database the URL names was not touched.
            #expect(try await db.rows("SELECT count(*)::text FROM pg_tables WHERE tablename = 'inside'") == [["0"]])

            await #expect(throws: BodyFailed.self) {
                try await PostgresDriver.withScratchDatabase(like: url, logger: TestEnvironment.logger, created: names.append) { _ in
                    throw BodyFailed()
                }
            }
            #expect(names.all.count == 2)
            let second = names.all[1]
            #expect(second != first)
            #expect(try await db.rows("SELECT count(*)::text FROM pg_database WHERE datname IN ('\(first)', '\(second)')") == [["0"]])
        }
    }
}
