import Foundation
import Logging
import PostgresNIO
import Synchronization
import SwiftMigrate
import Testing

@testable import SwiftMigratePostgres

/// A failure of the test setup itself, with a message that says how to fix it.
struct TestSetupError: Error, CustomStringConvertible {
    let description: String
}

/// Environment of the PostgreSQL tests: `MIGRATE_TEST_POSTGRES_URL` (a superuser URL, e.g.
/// `postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable`) and `MIGRATE_TEST_POSTGRES_SOCKET_DIR`, both
/// printed by `scripts/postgres-start.sh`.
enum TestEnvironment {
    static let logger = Logger(label: "swift-migrate.postgres-tests")

    static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw TestSetupError(
                description: "\(name) is not set: the PostgreSQL driver tests need a running server. "
                    + "Start one with `eval \"$(scripts/postgres-start.sh)\"` and run the tests again."
            )
        }
        return value
    }

    /// The server URL split into the parts a test recombines: `scheme://authority`, the query string.
    static func server() throws -> (prefix: String, query: [String], parsed: DatabaseURL) {
        let text = try variable("MIGRATE_TEST_POSTGRES_URL")
        let parsed = try DatabaseURL(text)
        guard let schemeEnd = text.range(of: "://") else {
            throw TestSetupError(description: "MIGRATE_TEST_POSTGRES_URL is not a postgres:// URL")
        }
        let beforeQuery = text.split(separator: "?", maxSplits: 1).first.map(String.init) ?? text
        let afterScheme = beforeQuery[schemeEnd.upperBound...]
        let authority = afterScheme.prefix { $0 != "/" }
        let query = text.contains("?")
            ? text[text.index(after: text.firstIndex(of: "?")!)...].split(separator: "&").map(String.init) : []
        return ("\(parsed.scheme)://\(authority)", query, parsed)
    }

    /// A connection for the test's own checks, independent of the driver under test.
    static func adminConnection(database: String) async throws -> PostgresConnection {
        let server = try server().parsed
        let configuration = PostgresConnection.Configuration(
            host: server.host ?? "localhost", port: server.port ?? 5432, username: server.user ?? "postgres",
            password: server.password, database: database, tls: .disable
        )
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
    }
}

/// A fresh database for one test, dropped afterwards, with a connection for checking what the driver did.
struct TestDatabase: Sendable {
    let name: String
    let admin: PostgresConnection
    let prefix: String
    let baseQuery: [String]

    /// At most this many tests hold a database at once. Swift Testing starts every async test together, and each
    /// holds a checking connection and its driver's: unbounded, this target alone once took 190 of the server's
    /// connections while the CLI suites' 32 concurrent `migrate up` processes needed theirs ("too many clients").
    static let slots = TestSlots(8)

    /// Runs `body` against a new database created for it.
    static func with(_ body: (TestDatabase) async throws -> Void) async throws {
        await slots.acquire()
        defer { slots.release() }
        let server = try TestEnvironment.server()
        let name = "sm_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let maintenanceDatabase = server.parsed.path.isEmpty ? "postgres" : String(server.parsed.path.dropFirst())
        try await maintenance(maintenanceDatabase, "CREATE DATABASE \(name)")
        var failure: (any Error)?
        do {
            let admin = try await TestEnvironment.adminConnection(database: name)
            let database = TestDatabase(name: name, admin: admin, prefix: server.prefix, baseQuery: server.query)
            do {
                try await body(database)
            } catch {
                failure = error
            }
            try? await admin.close()
        } catch {
            failure = error
        }
        try await maintenance(maintenanceDatabase, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        if let failure { throw failure }
    }

    /// Runs one statement on a connection to the maintenance database that is closed straight after.
    private static func maintenance(_ database: String, _ sql: String) async throws {
        let connection = try await TestEnvironment.adminConnection(database: database)
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// The URL of this database as the server URL's user, with extra query parameters.
    func urlString(_ parameters: String...) -> String {
        let query = baseQuery + parameters
        return "\(prefix)/\(name)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    func url(_ parameters: String...) throws -> DatabaseURL {
        let query = baseQuery + parameters
        return try DatabaseURL("\(prefix)/\(name)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
    }

    /// Host and port of the server, for URLs with another user.
    func hostPort() throws -> String {
        let server = try TestEnvironment.server().parsed
        return "\(server.host ?? "localhost"):\(server.port ?? 5432)"
    }

    func open(_ parameters: String...) async throws -> PostgresDriver {
        let query = baseQuery + parameters
        let url = try DatabaseURL("\(prefix)/\(name)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
        return try await PostgresDriver.open(url: url, logger: TestEnvironment.logger)
    }

    /// Every row of `sql` with each column as text: write `::text` casts for non-text columns.
    func rows(_ sql: String) async throws -> [[String?]] {
        var result: [[String?]] = []
        let rows = try await admin.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
        for try await row in rows {
            result.append(try row.map { try $0.decode(String?.self) })
        }
        return result
    }

    func execute(_ sql: String) async throws {
        try await admin.query(PostgresQuery(unsafeSQL: sql), logger: TestEnvironment.logger)
    }
}

/// Runs `body` with a driver and always closes it.
func withDriver(_ driver: PostgresDriver, _ body: (PostgresDriver) async throws -> Void) async throws {
    do {
        try await body(driver)
    } catch {
        try? await driver.close()
        throw error
    }
    try await driver.close()
}

/// The MigrateError `body` throws, or a recorded failure.
func migrateError(_ body: () async throws -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation) async -> MigrateError? {
    do {
        try await body()
        Issue.record("expected a MigrateError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as MigrateError {
        return error
    } catch {
        Issue.record("expected a MigrateError, got \(String(reflecting: error))", sourceLocation: sourceLocation)
    }
    return nil
}

/// A counting semaphore for async tests: `acquire` waits (without blocking a thread) until a slot is free.
final class TestSlots: Sendable {
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    init(_ count: Int) { state = Mutex(State(free: count)) }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
