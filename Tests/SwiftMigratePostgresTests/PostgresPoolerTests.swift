import Foundation
import Logging
import PostgresNIO
import SwiftMigrate
import Testing

@testable import SwiftMigratePostgres

/// The PostgresNIO driver through PgBouncer in transaction pooling mode (started by scripts/test.sh): the table lock
/// and `SET LOCAL`, on the app's own `PostgresClient` and on a URL.
@Suite struct PostgresPoolerTests {
    static func poolerPort() throws -> Int {
        guard let port = Int(try TestEnvironment.variable("MIGRATE_TEST_PGBOUNCER_PORT")) else {
            throw TestSetupError(description: "MIGRATE_TEST_PGBOUNCER_PORT is not a port")
        }
        return port
    }

    /// Each migration fails unless its transaction has the configured lock_timeout.
    static let files = [
        "1_a.up.sql": "DO $$ BEGIN IF current_setting('lock_timeout') <> '2s' THEN RAISE EXCEPTION 'lock_timeout %', current_setting('lock_timeout'); END IF; END $$;\nCREATE TABLE pooled (id int);\n",
        "2_b.up.sql": "DO $$ BEGIN IF current_setting('lock_timeout') <> '2s' THEN RAISE EXCEPTION 'lock_timeout %', current_setting('lock_timeout'); END IF; END $$;\nINSERT INTO pooled VALUES (1);\n",
    ]

    @Test("on the app's PostgresClient through PgBouncer, lockStrategy .table migrates and leaves nothing on the pool")
    func clientThroughThePooler() async throws {
        let port = try Self.poolerPort()
        try await TestDatabase.with { db in
            let server = try TestEnvironment.server().parsed
            var clientConfiguration = PostgresClient.Configuration(
                host: server.host ?? "localhost", port: port, username: server.user ?? "postgres",
                password: server.password, database: db.name, tls: .disable
            )
            clientConfiguration.options.maximumConnections = 2
            let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: TestEnvironment.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                var configuration = PostgresDriver.Configuration()
                configuration.lockStrategy = .table
                configuration.lockTimeout = .seconds(2)
                let applied = try await PostgresDriver.withDriver(client: client, configuration: configuration, logger: TestEnvironment.logger) { driver in
                    #expect(driver.engine.lockStrategy == .table)
                    return try await Migrator(source: InMemorySource(files: Self.files), driver: driver, logger: TestEnvironment.logger).up().map(\.version)
                }
                #expect(applied == [1, 2])
                for _ in 0..<4 {
                    let rows = try await client.query("SELECT current_setting('lock_timeout')", logger: TestEnvironment.logger)
                    for try await value in rows.decode(String.self) { #expect(value == "0") }
                }
            }
            #expect(try await db.rows("SELECT version::text, dirty::text FROM schema_migrations") == [["2", "false"]])
            #expect(try await db.rows("SELECT count(*)::text FROM schema_lock") == [["0"]])
            #expect(
                try await db.rows("SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
                    == [["0"]]
            )
        }
    }

    @Test("a URL through PgBouncer chooses the table lock by itself; a direct one keeps the advisory lock")
    func urlChoosesTheTableLock() async throws {
        let port = try Self.poolerPort()
        try await TestDatabase.with { db in
            let server = try TestEnvironment.server().parsed
            let direct = try db.url()
            let pooledText = db.urlString("x-lock-timeout=2000").replacingOccurrences(of: ":\(server.port ?? 5432)/", with: ":\(port)/")
            let pooled = try await PostgresDriver.open(url: try DatabaseURL(pooledText), logger: TestEnvironment.logger)
            try await withDriver(pooled) { driver in
                #expect(driver.engine.lockStrategy == .table)
                #expect(driver.engine.lockStrategyReason.contains("connected to port \(port)"))
                _ = try await Migrator(source: InMemorySource(files: Self.files), driver: driver, logger: TestEnvironment.logger).up()
            }
            let plain = try await PostgresDriver.open(url: direct, logger: TestEnvironment.logger)
            try await withDriver(plain) { driver in #expect(driver.engine.lockStrategy == .advisory) }
            #expect(try await db.rows("SELECT version::text FROM schema_migrations") == [["2"]])
        }
    }

    @Test("a URL with search_path through PgBouncer, which refuses it at startup, migrates in that schema")
    func searchPathThroughThePooler() async throws {
        let port = try Self.poolerPort()
        try await TestDatabase.with { db in
            try await db.execute("CREATE SCHEMA tenant_a")
            let server = try TestEnvironment.server().parsed
            let text = db.urlString("x-lock-timeout=2000", "search_path=tenant_a")
                .replacingOccurrences(of: ":\(server.port ?? 5432)/", with: ":\(port)/")
            let driver = try await PostgresDriver.open(url: try DatabaseURL(text), logger: TestEnvironment.logger)
            try await withDriver(driver) { driver in
                #expect(driver.engine.lockStrategy == .table)
                _ = try await Migrator(source: InMemorySource(files: Self.files), driver: driver, logger: TestEnvironment.logger).up()
            }
            #expect(try await db.rows("SELECT version::text, dirty::text FROM tenant_a.schema_migrations") == [["2", "false"]])
            #expect(try await db.rows("SELECT count(*)::text FROM tenant_a.pooled") == [["1"]])
            #expect(try await db.rows("SELECT count(*)::text FROM pg_tables WHERE tablename = 'pooled' AND schemaname <> 'tenant_a'") == [["0"]])
        }
    }
}
