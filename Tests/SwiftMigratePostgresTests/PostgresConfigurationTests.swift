import Foundation
import Logging
import PostgresNIO
import SwiftMigrate
import Testing

@testable import SwiftMigratePostgres

/// `PostgresDriver.Configuration` as an app sets it in code (no URL): what PostgreSQL would refuse late, or
/// silently misread, is refused when the driver is made, before any statement, on every path to a driver.
@Suite struct PostgresConfigurationTests {
    /// Runs `body` on a new connection to the test database (lent to drivers), and closes it.
    static func withConnection<T: Sendable>(_ db: TestDatabase, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await TestEnvironment.adminConnection(database: db.name)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The driver on a lent connection with `configuration`; the error it was refused with.
    static func refusal(_ db: TestDatabase, _ configuration: PostgresDriver.Configuration) async throws -> MigrateError? {
        try await withConnection(db) { connection in
            let error = await #expect(throws: MigrateError.self) {
                let driver = try await PostgresDriver(connection: connection, configuration: configuration, logger: TestEnvironment.logger)
                try await driver.close()
            }
            // Nothing was set or created on the way.
            let rows = try await connection.query(
                "SELECT current_setting('lock_timeout'), current_setting('statement_timeout')", logger: TestEnvironment.logger
            )
            for try await (lock, statement) in rows.decode((String, String).self) {
                #expect(lock == "0" && statement == "0")
            }
            #expect(try await db.rows("SELECT count(*)::text FROM pg_tables WHERE schemaname = 'public'") == [["0"]])
            return error
        }
    }

    /// `Configuration.milliseconds` once multiplied the seconds by 1000 and trapped.
    @Test("a timeout beyond PostgreSQL's int of milliseconds is an error naming the setting, not a trap")
    func timeoutsOutOfRange() async throws {
        try await TestDatabase.with { db in
            var configuration = PostgresDriver.Configuration()
            configuration.lockTimeout = .seconds(Int64.max)
            let lock = try await Self.refusal(db, configuration)
            #expect(lock?.code == .invalidArgument)
            #expect(lock?.message.hasPrefix("invalid PostgresDriver.Configuration.lockTimeout (x-lock-timeout): ") == true)
            #expect(lock?.message.hasSuffix("is not between 0 and 2147483647 ms") == true)

            configuration = PostgresDriver.Configuration()
            configuration.statementTimeout = .milliseconds(Int64(Int32.max) + 1)
            let statement = try await Self.refusal(db, configuration)
            #expect(statement?.message.hasPrefix("invalid PostgresDriver.Configuration.statementTimeout (x-statement-timeout)") == true)

            // The largest one is taken.
            configuration.statementTimeout = .milliseconds(Int32.max)
            let largest = configuration
            let set = try await Self.withConnection(db) { connection in
                let driver = try await PostgresDriver(connection: connection, configuration: largest, logger: TestEnvironment.logger)
                var value: String?
                let rows = try await connection.query("SELECT current_setting('statement_timeout')", logger: TestEnvironment.logger)
                for try await setting in rows.decode(String.self) { value = setting }
                try await driver.close()
                return value
            }
            #expect(set == "2147483647ms")
        }
    }

    /// PostgreSQL cuts identifiers to 63 bytes: with a 63-byte name, `NAME_history` became NAME itself and every
    /// migration failed writing its history row into the version table. Longer names than 55 bytes are refused,
    /// in bytes (`é` is two), on a lent connection and on the app's client.
    @Test("a migrations table whose history table would pass 63 bytes is refused naming it; 55 bytes work")
    func migrationsTableLength() async throws {
        try await TestDatabase.with { db in
            let long = String(repeating: "m", count: 63)
            let lent = try await Self.refusal(db, PostgresDriver.Configuration(migrationsTable: long))
            #expect(lent?.code == .invalidArgument)
            #expect(lent?.message == "invalid PostgresDriver.Configuration.migrationsTable (x-migrations-table): \"\(long)\" is 63 bytes, "
                + "so its history table \(long)_history would be 71; PostgreSQL cuts names to 63 bytes: use at most 55 bytes")
            let accented = String(repeating: "é", count: 28)  // 56 bytes
            let bytes = try await Self.refusal(db, PostgresDriver.Configuration(migrationsTable: accented))
            #expect(bytes?.message.contains("\"\(accented)\" is 56 bytes") == true)
            let schema = try await Self.refusal(db, PostgresDriver.Configuration(migrationsSchema: String(repeating: "s", count: 64)))
            #expect(schema?.message.hasPrefix("invalid PostgresDriver.Configuration.migrationsSchema") == true)

            try await PostgresClientDriverTests.withClient(db) { client in
                let error = await #expect(throws: MigrateError.self) {
                    try await PostgresDriver.withDriver(
                        client: client, configuration: PostgresDriver.Configuration(migrationsTable: long), logger: TestEnvironment.logger
                    ) { _ in }
                }
                #expect(error?.code == .invalidArgument)

                // The longest name that works: both tables under their full names.
                let longest = String(repeating: "v", count: 55)
                let applied = try await PostgresDriver.withDriver(
                    client: client, configuration: PostgresDriver.Configuration(migrationsTable: longest), logger: TestEnvironment.logger
                ) { driver in
                    try await Migrator(source: InMemorySource(files: PostgresClientDriverTests.files), driver: driver, logger: TestEnvironment.logger).up()
                }
                #expect(applied.map(\.version) == [1, 2])
                #expect(try await db.rows("SELECT tablename FROM pg_tables WHERE tablename LIKE 'vvv%' ORDER BY 1") == [[longest], [longest + "_history"]])
            }
        }
    }

    /// PostgreSQL reads a query as a C string: a NUL in the table name cut the query short and the server
    /// dropped the connection ("insufficient data left in message").
    @Test("a NUL in the table or schema name is refused naming the setting")
    func nulInNames() async throws {
        try await TestDatabase.with { db in
            let table = try await Self.refusal(db, PostgresDriver.Configuration(migrationsTable: "a\0b"))
            #expect(table?.message == "invalid PostgresDriver.Configuration.migrationsTable (x-migrations-table): \"a\\0b\" contains a NUL byte, which PostgreSQL names cannot")
            let schema = try await Self.refusal(db, PostgresDriver.Configuration(migrationsSchema: "public\0"))
            #expect(schema?.message.hasPrefix("invalid PostgresDriver.Configuration.migrationsSchema (x-migrations-table-quoted)") == true)
        }
    }

    @Test("a lock expiry under a second or a bad lock table is refused naming the setting; a bad x-lock-strategy names the URL")
    func lockSettings() async throws {
        try await TestDatabase.with { db in
            let short = try await Self.refusal(db, PostgresDriver.Configuration(lockTTL: .milliseconds(500)))
            #expect(short?.message == "invalid PostgresDriver.Configuration.lockTTL (x-lock-ttl): 0.5 seconds is not between 1000 and 2147483647 ms")
            let long = try await Self.refusal(db, PostgresDriver.Configuration(lockTable: String(repeating: "l", count: 64)))
            #expect(long?.message.hasPrefix("invalid PostgresDriver.Configuration.lockTable (x-lock-table)") == true)
            let bad = await migrateError { _ = try await db.open("x-lock-strategy=session") }
            #expect(bad?.code == .invalidURL)
            #expect(bad?.message.hasPrefix("invalid x-lock-strategy \"session\" in database URL postgres://") == true)
            let ttl = await migrateError { _ = try await db.open("x-lock-ttl=999") }
            #expect(ttl?.message.hasPrefix("invalid x-lock-ttl in database URL") == true)
        }
    }
}
