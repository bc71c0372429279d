import Foundation
import Logging
import PostgresNIO
import SwiftMigrate
import Testing

@testable import SwiftMigratePostgres

/// The app's own connection: a driver on a connection leased from a `PostgresClient`, or lent directly, with no
/// database URL anywhere.
@Suite struct PostgresClientDriverTests {
    static let files = [
        "1_accounts.up.sql": "CREATE TABLE accounts (id bigserial PRIMARY KEY, name text NOT NULL);\n",
        "1_accounts.down.sql": "DROP TABLE accounts;\n",
        "2_seed.up.sql": "INSERT INTO accounts (name) VALUES ('first');\n",
        "2_seed.down.sql": "DELETE FROM accounts;\n",
    ]

    /// A client on the test database, with at most `connections` connections, running while `body` runs.
    static func withClient(
        _ db: TestDatabase, connections: Int = 2, _ body: @Sendable (PostgresClient) async throws -> Void
    ) async throws {
        let server = try TestEnvironment.server().parsed
        var configuration = PostgresClient.Configuration(
            host: server.host ?? "localhost", port: server.port ?? 5432, username: server.user ?? "postgres",
            password: server.password, database: db.name, tls: .disable
        )
        configuration.options.maximumConnections = connections
        let client = PostgresClient(configuration: configuration, backgroundLogger: TestEnvironment.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await body(client)
        }
    }

    /// One text value from the client (a pooled connection).
    static func value(_ client: PostgresClient, _ sql: String) async throws -> String? {
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
        for try await value in rows.decode(String?.self) { return value }
        return nil
    }

    @Test("migrates on the app's PostgresClient without a URL, and hands the connection back as it came")
    func migratesOnTheClient() async throws {
        try await TestDatabase.with { db in
            // One connection, so that the session the driver borrows is the one checked before and after.
            try await Self.withClient(db, connections: 1) { client in
                _ = try await Self.value(client, "SELECT set_config('lock_timeout', '7s', false)")
                var configuration = PostgresDriver.Configuration()
                configuration.lockTimeout = .seconds(2)
                configuration.statementTimeout = .seconds(30)
                let (applied, display, during) = try await PostgresDriver.withDriver(
                    client: client, configuration: configuration, logger: TestEnvironment.logger
                ) { driver in
                    let migrator = Migrator(source: InMemorySource(files: Self.files), driver: driver, logger: TestEnvironment.logger)
                    let applied = try await migrator.up().map(\.version)
                    return (applied, driver.displayURL, driver.traits.setsLockTimeout)
                }
                #expect(applied == [1, 2])
                #expect(during)
                let server = try TestEnvironment.server().parsed
                #expect(display == "postgres://\(server.user ?? "postgres")@\(server.host ?? "localhost"):\(server.port ?? 5432)/\(db.name)")
                // The session is as it was: the app's own lock_timeout, no statement_timeout, no lock, no transaction.
                #expect(try await Self.value(client, "SELECT current_setting('lock_timeout')") == "7s")
                #expect(try await Self.value(client, "SELECT current_setting('statement_timeout')") == "0")
                #expect(try await Self.value(client, "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == "0")
                #expect(try await Self.value(client, "SELECT txid_current_if_assigned()::text") == nil)
            }
            #expect(try await db.rows("SELECT version::text, dirty::text FROM schema_migrations") == [["2", "false"]])
            #expect(try await db.rows("SELECT name FROM accounts") == [["first"]])
            #expect(try await db.rows("SELECT count(*)::text FROM schema_migrations_history") == [["2"]])
        }
    }

    @Test("the app's connection takes the advisory lock the migrate command takes for the same database")
    func sameLockAsTheURL() async throws {
        try await TestDatabase.with { db in
            let holder = try await db.open()
            try await withDriver(holder) { holder in
                try await holder.lock(timeout: .seconds(1))
                try await Self.withClient(db) { client in
                    let error = await migrateError {
                        try await PostgresDriver.withDriver(client: client, logger: TestEnvironment.logger) { driver in
                            let migrator = Migrator(
                                source: InMemorySource(files: Self.files), driver: driver,
                                configuration: .init(lockTimeout: .milliseconds(300)), logger: TestEnvironment.logger
                            )
                            _ = try await migrator.up()
                        }
                    }
                    #expect(error?.code == .lockTimeout)
                    #expect(try await db.rows("SELECT to_regclass('accounts')::text") == [[nil]])
                    try await holder.unlock()
                    let applied = try await PostgresDriver.withDriver(client: client, logger: TestEnvironment.logger) { driver in
                        try await Migrator(source: InMemorySource(files: Self.files), driver: driver, logger: TestEnvironment.logger).up()
                    }
                    #expect(applied.map(\.version) == [1, 2])
                }
            }
        }
    }

    @Test("a driver on a lent PostgresConnection leaves it open and usable")
    func lentConnection() async throws {
        try await TestDatabase.with { db in
            let connection = try await TestEnvironment.adminConnection(database: db.name)
            do {
                let driver = try await PostgresDriver(connection: connection, logger: TestEnvironment.logger)
                let migrator = Migrator(source: InMemorySource(files: Self.files), driver: driver, logger: TestEnvironment.logger)
                #expect(try await migrator.up().count == 2)
                try await driver.lock(timeout: .seconds(1))  // held when closed: released by close
                try await driver.close()
                #expect(!connection.isClosed)
                let rows = try await connection.query("SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", logger: TestEnvironment.logger)
                var held: [String] = []
                for try await value in rows.decode(String.self) { held.append(value) }
                #expect(held == ["0"])
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
        }
    }

    @Test("errors keep PostgresNIO's error, and neither description carries the password")
    func underlyingError() async throws {
        try await TestDatabase.with { db in
            try await Self.withClient(db) { client in
                let error = await migrateError {
                    try await PostgresDriver.withDriver(client: client, logger: TestEnvironment.logger) { driver in
                        let files = [
                            "1_bad.up.sql": "CREATE TABLE t (id int REFERENCES missing(id), note text DEFAULT 'postgres://app:S3cret@db/x');\n"
                        ]
                        _ = try await Migrator(source: InMemorySource(files: files), driver: driver, logger: TestEnvironment.logger).up()
                    }
                }
                #expect(error?.code == .statementFailed)
                #expect(error?.underlying is PSQLError)
                #expect(error?.description.contains("relation \"missing\" does not exist") == true)
                #expect(error?.debugDescription.contains("PSQLError") == true)
                #expect(error?.debugDescription.contains("S3cret") == false)
            }
        }
    }
}
