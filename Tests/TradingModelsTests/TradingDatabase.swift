import Foundation
import Logging
import PostgresNIO
import SwiftMigrate
import SwiftMigratePostgres
import Testing

struct SetupError: Error, CustomStringConvertible {
    let description: String
}

/// A new database with the trading example migrated into it (through the library), and a PostgresNIO
/// connection for the generated models; dropped afterwards.
struct TradingDatabase {
    static let logger = Logger(label: "swift-migrate.trading-models-tests")
    static let migrations = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/trading/migrations").path

    let connection: PostgresConnection

    static func with(_ body: (TradingDatabase) async throws -> Void) async throws {
        guard let text = ProcessInfo.processInfo.environment["MIGRATE_TEST_POSTGRES_URL"], !text.isEmpty else {
            throw SetupError(description: "MIGRATE_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh")
        }
        let server = try DatabaseURL(text)
        let name = "sm_models_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let maintenance = try await connect(server, database: server.path.isEmpty ? "postgres" : String(server.path.dropFirst()))
        try await maintenance.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        var failure: (any Error)?
        do {
            let url = try DatabaseURL(replacingDatabase(in: text, with: String(name)))
            let driver = try await PostgresDriver.open(url: url, logger: logger)
            do {
                _ = try await Migrator(source: DirectorySource(path: migrations), driver: driver, logger: logger).up()
            } catch {
                try? await driver.close()
                throw error
            }
            try await driver.close()
            let connection = try await connect(server, database: String(name))
            do {
                try await body(TradingDatabase(connection: connection))
            } catch {
                failure = error
            }
            try? await connection.close()
        } catch {
            failure = error
        }
        try await maintenance.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        try await maintenance.close()
        if let failure { throw failure }
    }

    static func connect(_ server: DatabaseURL, database: String) async throws -> PostgresConnection {
        let configuration = PostgresConnection.Configuration(
            host: server.host ?? "localhost", port: server.port ?? 5432, username: server.user ?? "postgres",
            password: server.password, database: database, tls: .disable
        )
        return try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
    }

    static func replacingDatabase(in url: String, with database: String) -> String {
        let query = url.firstIndex(of: "?").map { String(url[$0...]) } ?? ""
        let base = url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
        let authorityEnd = base.range(of: "://")!.upperBound
        let slash = base[authorityEnd...].firstIndex(of: "/") ?? base.endIndex
        return String(base[..<slash]) + "/" + database + query
    }

    /// One value as text, read with SQL of the test's own (not through the models).
    func text(_ sql: String) async throws -> String? {
        var result: String?
        for try await value in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger).decode(String?.self) {
            result = value
        }
        return result
    }
}
