import Foundation
import SwiftMigrate
@testable import SwiftMigrateLibPQ
import Testing

@testable import SwiftMigratePostgres

/// One suite, every driver: what ``DatabaseDriver`` promises, checked on a real database with an independent
/// client. The PostgreSQL drivers (PostgresNIO and libpq) must also agree with each other and with golang-migrate.
@Suite struct DriverConformanceTests {
    static let record = HistoryRecord(
        version: 1, direction: .up, name: "create_users", checksum: String(repeating: "ab", count: 32),
        appliedAt: Date(timeIntervalSince1970: 1_714_564_800.125), durationMs: 12.5, appliedBy: "deploy (os: ünï ✓)"
    )

    @Test("version and history: golang-migrate's rows, a compare-and-set, history read back as written", arguments: DriverUnderTest.allCases)
    func versionAndHistory(_ kind: DriverUnderTest) async throws {
        try await DriverFixture.with(kind) { db in
            try await db.withDriver { driver in
                #expect(try await driver.readVersion() == .none)  // no table yet
                #expect(try await driver.readHistory() == [])
                try await driver.prepare()
                try await driver.prepare()  // twice is fine
                try await driver.writeVersion(DatabaseVersion(version: 1, dirty: false), replacing: DatabaseVersion.none, recording: [Self.record])
                try await driver.writeVersion(DatabaseVersion(version: 2, dirty: true), replacing: DatabaseVersion(version: 1, dirty: false), recording: [])
                #expect(try await driver.readVersion() == DatabaseVersion(version: 2, dirty: true))
                // Another runner's write: the compare-and-set refuses and changes nothing.
                let error = await #expect(throws: MigrateError.self) {
                    try await driver.writeVersion(DatabaseVersion(version: 3, dirty: false), replacing: DatabaseVersion(version: 1, dirty: false), recording: [Self.record])
                }
                #expect(error?.code == .versionChanged)
                #expect(try await driver.readVersion() == DatabaseVersion(version: 2, dirty: true))
                let history = try await driver.readHistory()
                #expect(history.count == 1)
                #expect(history.first?.name == Self.record.name)
                #expect(history.first?.checksum == Self.record.checksum)
                #expect(history.first?.appliedBy == Self.record.appliedBy)
                #expect(history.first?.durationMs == 12.5)
                #expect(abs((history.first?.appliedAt.timeIntervalSince1970 ?? 0) - 1_714_564_800.125) < 0.001)
                // No version but dirty: golang-migrate's -1.
                try await driver.writeVersion(DatabaseVersion(version: nil, dirty: true))
                #expect(try await driver.readVersion() == DatabaseVersion(version: nil, dirty: true))
                try await driver.writeVersion(.none)
                #expect(try await driver.readVersion() == .none)
            }
            #expect(try db.query("SELECT count(*) FROM schema_migrations") == "0")
            #expect(try db.query("SELECT count(*) FROM schema_migrations_history") == "1")
        }
    }

    @Test("a rolled-back transaction leaves nothing; a committed one everything", arguments: DriverUnderTest.allCases)
    func transactions(_ kind: DriverUnderTest) async throws {
        try await DriverFixture.with(kind) { db in
            try await db.withDriver { driver in
                try await driver.prepare()
                try await driver.beginTransaction()
                try await driver.execute("CREATE TABLE gone (id int)")
                try await driver.writeVersion(DatabaseVersion(version: 1, dirty: false), recording: [Self.record])
                try await driver.rollbackTransaction()
                try await driver.rollbackTransaction()  // nothing open: nothing to do
                try await driver.beginTransaction()
                try await driver.execute("CREATE TABLE kept (id int)")
                try await driver.writeVersion(DatabaseVersion(version: 2, dirty: false), recording: [])
                try await driver.commitTransaction()
            }
            let tables = db.kind == .sqlite
                ? "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE name IN ('gone', 'kept') ORDER BY name)"
                : "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE tablename IN ('gone', 'kept')"
            #expect(try db.query(tables) == "kept")
            #expect(try db.query("SELECT count(*) FROM schema_migrations_history") == "0")
        }
    }

    @Test("a rejected statement is a DatabaseFailure with the database's code and where in the statement", arguments: DriverUnderTest.allCases)
    func statementFailure(_ kind: DriverUnderTest) async throws {
        try await DriverFixture.with(kind) { db in
            try await db.withDriver { driver in
                let error = await #expect(throws: DatabaseFailure.self) { try await driver.execute("SELECT 'ünï' AS x FRMO y") }
                #expect(error?.code == .statementFailed)
                if kind.isPostgres {
                    #expect(error?.sqlState == "42601")
                    #expect(error?.position == .character(19))  // FRMO, 1-based, in characters
                } else {
                    #expect(error?.position == .utf8Offset(20))  // FRMO, 0-based, in UTF-8 bytes
                }
            }
        }
    }

    @Test("the lock excludes a second driver with golang-migrate's message, and unlock lets it in", arguments: DriverUnderTest.allCases)
    func lock(_ kind: DriverUnderTest) async throws {
        try await DriverFixture.with(kind) { db in
            try await db.withDriver { first in
                try await db.withDriver { second in
                    try await first.lock(timeout: .seconds(1))
                    let error = await #expect(throws: MigrateError.self) { try await second.lock(timeout: .milliseconds(200)) }
                    #expect(error?.code == .lockTimeout)
                    #expect(error?.message == "timeout: can't acquire database lock")
                    try await first.unlock()
                    try await second.lock(timeout: .seconds(5))
                    try await second.unlock()
                }
            }
        }
    }

    static let migrations = [
        "1_users.up.sql": "CREATE TABLE users (id int PRIMARY KEY, name text);\nINSERT INTO users VALUES (1, 'a');\n",
        "1_users.down.sql": "DROP TABLE users;\n",
        "2_bad.up.sql": "INSERT INTO users VALUES (2, 'b');\n-- a comment\nINSERT INTO users VALUES (1, 'duplicate');\n",
        "2_bad.down.sql": "DELETE FROM users WHERE id = 2;\n",
    ]

    @Test("the migrator on each driver: a failing migration rolls back, located in its file; down and drop", arguments: DriverUnderTest.allCases)
    func migrator(_ kind: DriverUnderTest) async throws {
        try await DriverFixture.with(kind) { db in
            try await db.withDriver { driver in
                let migrator = Migrator(source: InMemorySource(files: Self.migrations), driver: driver, logger: conformanceLogger)
                let error = await #expect(throws: MigrateError.self) { try await migrator.up() }
                #expect(error?.code == .statementFailed)
                #expect(error?.location == SourceLocation(file: "memory/2_bad.up.sql", line: 3, column: 1))
                #expect(try await migrator.version() == DatabaseVersion(version: 1, dirty: false))
                #expect(try db.query("SELECT count(*) FROM users") == "1")
                #expect(try await migrator.down(1).map(\.version) == [1])
                #expect(try await migrator.up(1).map(\.version) == [1])
                try await migrator.drop()
            }
            let left = db.kind == .sqlite
                ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                : "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            #expect(try db.query(left) == "0")
        }
    }

    // MARK: The two PostgreSQL drivers agree

    @Test("both PostgreSQL drivers compute golang-migrate's advisory-lock key and the second key the same way")
    func sameLockKeys() async throws {
        try await DriverFixture.with(.libpq) { db in
            let nio = try await PostgresDriver.open(url: db.url, logger: conformanceLogger)
            let libpq = try await LibPQDriver.open(url: db.url, logger: conformanceLogger)
            #expect(nio.engine.lockKey == libpq.engine.lockKey)
            #expect(nio.engine.databaseLockKey == libpq.engine.databaseLockKey)
            // golang-migrate's: the URL's path, the schema and the table.
            #expect(nio.engine.lockKey == AdvisoryLockKey(databaseName: db.url.path, schema: "public", table: "schema_migrations"))
            try await nio.lock(timeout: .seconds(1))
            let error = await #expect(throws: MigrateError.self) { try await libpq.lock(timeout: .milliseconds(200)) }
            #expect(error?.code == .lockTimeout)
            try await nio.unlock()
            try await nio.close()
            try await libpq.close()
        }
    }

    @Test("both PostgreSQL drivers read the same schema snapshot and catalog of the trading schema")
    func sameSnapshots() async throws {
        let trading = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/trading/migrations").path
        try await DriverFixture.with(.libpq) { db in
            try await db.withDriver { driver in
                _ = try await Migrator(source: DirectorySource(path: trading), driver: driver, logger: conformanceLogger).up()
            }
            let nio = try await PostgresDriver.open(url: db.url, logger: conformanceLogger)
            let libpq = try await LibPQDriver.open(url: db.url, logger: conformanceLogger)
            let snapshot = try await nio.schemaSnapshot()
            #expect(snapshot.objects.count > 30)
            #expect(try await libpq.schemaSnapshot() == snapshot)
            #expect(try await libpq.catalog(schema: nil) == (try await nio.catalog(schema: nil)))
            try await nio.close()
            try await libpq.close()
        }
    }

    // MARK: libpq's one round trip per migration

    @Test("libpq: a migration sent as one query fails at the right file, line and column, and changes nothing")
    func batchedFailureIsLocated() async throws {
        try await DriverFixture.with(.libpq) { db in
            try await db.withDriver { driver in
                #expect(driver is any TransactionBatching)
                let files = [
                    "1_a.up.sql": "CREATE TABLE a (id int);\n\nINSERT INTO a VALUES (1);\nSELECT 'ünï', nope FROM a;\n",
                ]
                let error = await #expect(throws: MigrateError.self) {
                    try await Migrator(source: InMemorySource(files: files), driver: driver, logger: conformanceLogger).up()
                }
                #expect(error?.location == SourceLocation(file: "memory/1_a.up.sql", line: 4, column: 15))
                #expect(error?.sqlState == "42703")
            }
            #expect(try db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'a'") == "0")
            #expect(try db.query("SELECT count(*) FROM schema_migrations") == "0")
        }
    }

    @Test("libpq: the batched version write is a compare-and-set too: a version moved meanwhile stops the migration")
    func batchedCompareAndSet() async throws {
        try await DriverFixture.with(.libpq) { db in
            try await db.withDriver { driver in
                let batching = try #require(driver as? any TransactionBatching)
                try await driver.prepare()
                try await driver.writeVersion(DatabaseVersion(version: 5, dirty: false))
                let error = await #expect(throws: MigrateError.self) {
                    _ = try await batching.runInTransaction(
                        ["CREATE TABLE b (id int)"], thenWrite: DatabaseVersion(version: 2, dirty: false),
                        replacing: DatabaseVersion(version: 1, dirty: false), recording: [Self.record]
                    )
                }
                #expect(error?.code == .versionChanged)
                #expect(error?.message.contains("expected 1, found 5") == true)
                // Unconditional and expected writes go through, with the server's duration.
                #expect(try await batching.runInTransaction(
                    ["CREATE TABLE c (id int)"], thenWrite: DatabaseVersion(version: 6, dirty: false),
                    replacing: DatabaseVersion(version: 5, dirty: false), recording: [Self.record]
                ))
            }
            #expect(try db.query("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE tablename IN ('b', 'c')") == "c")
            #expect(try db.query("SELECT version FROM schema_migrations") == "6")
            #expect(try db.query("SELECT count(*) FROM schema_migrations_history WHERE duration_ms >= 0 AND applied_at > now() - interval '1 minute'") == "1")
        }
    }
}
