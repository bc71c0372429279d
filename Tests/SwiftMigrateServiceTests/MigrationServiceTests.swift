import Foundation
import Synchronization
import Logging
import PostgresNIO
import ServiceLifecycle
import SwiftMigrate
import SwiftMigratePostgres
import SwiftMigrateService
import Testing

/// MigrationService in a real ServiceGroup, beside a real PostgresClient on the test server.
@Suite struct MigrationServiceTests {
    static let logger = Logger(label: "swift-migrate.service-tests")

    /// A new database for the test, dropped afterwards, with a connection of the test's own for checks.
    static func withDatabase(_ body: (String, PostgresConnection) async throws -> Void) async throws {
        let name = "sm_service_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let maintenance = try await connect(database: "postgres")
        try await maintenance.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        let check = try await connect(database: name)
        var failure: (any Error)?
        do { try await body(name, check) } catch { failure = error }
        try? await check.close()
        _ = try? await maintenance.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        try? await maintenance.close()
        if let failure { throw failure }
    }

    static func server() throws -> DatabaseURL {
        guard let text = ProcessInfo.processInfo.environment["MIGRATE_TEST_POSTGRES_URL"] else {
            throw MigrateError(.invalidArgument, "MIGRATE_TEST_POSTGRES_URL is not set: run scripts/test.sh, which starts PostgreSQL")
        }
        return try DatabaseURL(text)
    }

    static func connect(database: String) async throws -> PostgresConnection {
        let server = try server()
        return try await PostgresConnection.connect(
            configuration: .init(
                host: server.host ?? "localhost", port: server.port ?? 5432, username: server.user ?? "postgres",
                password: server.password, database: database, tls: .disable
            ),
            id: 1, logger: logger
        )
    }

    static func client(database: String) throws -> PostgresClient {
        let server = try server()
        return PostgresClient(
            configuration: .init(
                host: server.host ?? "localhost", port: server.port ?? 5432, username: server.user ?? "postgres",
                password: server.password, database: database, tls: .disable
            ),
            backgroundLogger: logger
        )
    }

    static func rows(_ connection: PostgresConnection, _ sql: String) async throws -> [String] {
        var result: [String] = []
        for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).decode(String.self) {
            result.append(value)
        }
        return result
    }

    /// Polls `condition` every 20 ms for at most 120 s (a bound against hanging on a loaded machine).
    static func waitFor(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw MigrateError(.invalidArgument, "timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    static let files = [
        "1_a.up.sql": "CREATE TABLE a (id int);\n",
        "2_b.up.sql": "CREATE TABLE b (id int);\n",
    ]

    @Test("migrates when the group starts, waiters learn the result, and the group keeps running until shutdown")
    func migratesAtStartup() async throws {
        try await Self.withDatabase { name, check in
            let client = try Self.client(database: name)
            let service = MigrationService(client: client, source: InMemorySource(files: Self.files), logger: Self.logger)
            let group = ServiceGroup(services: [client, service], logger: Self.logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let applied = try await service.waitUntilMigrated()
                #expect(applied.map(\.version) == [1, 2])
                // A second waiter, after the fact, gets the same answer.
                #expect(try await service.waitUntilMigrated().map(\.version) == [1, 2])
                #expect(try await Self.rows(check, "SELECT version::text FROM schema_migrations") == ["2"])
                #expect(try await Self.rows(check, "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == ["0"])
                // Still running: finished migrating does not end the group.
                try await Task.sleep(for: .milliseconds(200))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    @Test("a graceful shutdown during a migration lets it finish, starts no other, and releases the lock")
    func shutdownDuringAMigration() async throws {
        try await Self.withDatabase { name, check in
            // Migration 2 waits for an advisory lock the test holds: it is running, for as long as the test likes.
            let files = [
                "1_a.up.sql": "CREATE TABLE a (id int);\n",
                "2_slow.up.sql": "CREATE TABLE slow (id int);\nSELECT pg_advisory_xact_lock(4242);\n",
                "3_c.up.sql": "CREATE TABLE c (id int);\n",
            ]
            _ = try await Self.rows(check, "SELECT pg_advisory_lock(4242)::text")
            let client = try Self.client(database: name)
            let messages = RecordedMessages()
            let serviceLogger = Logger(label: "service") { _ in RecordingLogHandler(messages: messages) }
            let service = MigrationService(client: client, source: InMemorySource(files: files), logger: serviceLogger)
            let group = ServiceGroup(services: [client, service], logger: Self.logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await Self.waitFor("migration 2 to run") {
                    try await Self.rows(check, "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242 AND NOT granted") == ["1"]
                }
                await group.triggerGracefulShutdown()
                // The group passes the shutdown on asynchronously: let migration 2 go only once the service has it.
                try await Self.waitFor("the service to hear of the shutdown") {
                    messages.contains("shutdown requested: finishing the running migration, starting no other")
                }
                _ = try await Self.rows(check, "SELECT pg_advisory_unlock(4242)::text")
                let error = await #expect(throws: MigrateError.self) { try await service.waitUntilMigrated() }
                #expect(error?.code == .cancelled)
                try await tasks.waitForAll()  // not an error: the shutdown asked for it
            }
            #expect(try await Self.rows(check, "SELECT version::text || ' ' || dirty::text FROM schema_migrations") == ["2 false"])
            #expect(try await Self.rows(check, "SELECT coalesce(to_regclass('c')::text, 'none')") == ["none"])
            #expect(try await Self.rows(check, "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == ["0"])
        }
    }

    @Test("a failed migration stops the service group with its error and leaves the database as it was")
    func failureStopsTheGroup() async throws {
        try await Self.withDatabase { name, check in
            let files = [
                "1_a.up.sql": "CREATE TABLE a (id int);\n",
                "2_bad.up.sql": "CREATE TABLE b (id int);\nINSERT INTO missing VALUES (1);\n",
            ]
            let client = try Self.client(database: name)
            let service = MigrationService(client: client, source: InMemorySource(files: files), logger: Self.logger)
            let group = ServiceGroup(services: [client, service], logger: Self.logger)
            await #expect(throws: (any Error).self) { try await group.run() }
            let error = await #expect(throws: MigrateError.self) { try await service.waitUntilMigrated() }
            #expect(error?.code == .statementFailed)
            #expect(error?.location?.file == "memory/2_bad.up.sql")
            #expect(try await Self.rows(check, "SELECT version::text || ' ' || dirty::text FROM schema_migrations") == ["1 false"])
            #expect(try await Self.rows(check, "SELECT coalesce(to_regclass('b')::text, 'none')") == ["none"])
        }
    }
}

/// The messages a logger was given, for tests that wait for one.
final class RecordedMessages: Sendable {
    private let messages = Mutex<[String]>([])

    func append(_ message: String) { messages.withLock { $0.append(message) } }
    func contains(_ message: String) -> Bool { messages.withLock { $0.contains(message) } }
}

struct RecordingLogHandler: LogHandler {
    let messages: RecordedMessages
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { messages.append("\(event.message)") }
}
