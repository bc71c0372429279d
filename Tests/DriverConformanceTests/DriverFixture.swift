import Foundation
import Logging
import SwiftMigrate
@testable import SwiftMigrateLibPQ
import SwiftMigrateSQLite
import TestSupport
import Testing

@testable import SwiftMigratePostgres

/// The drivers every conformance test runs against: a driver that passes the suite is correct.
enum DriverUnderTest: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case postgresNIO = "PostgresDriver (PostgresNIO)"
    case libpq = "LibPQDriver (libpq)"
    case sqlite = "SQLiteDriver"

    var testDescription: String { rawValue }
    var isPostgres: Bool { self != .sqlite }
}

let conformanceLogger = Logger(label: "swift-migrate.conformance")

/// A fresh database for one test and the driver under test on it; checks read it with an independent client
/// (psql, the sqlite3 shell).
struct DriverFixture: Sendable {
    let kind: DriverUnderTest
    let url: DatabaseURL
    /// For psql (PostgreSQL) or the file (SQLite).
    let target: String
    let cleanup: @Sendable () -> Void

    static func with(_ kind: DriverUnderTest, _ body: (DriverFixture) async throws -> Void) async throws {
        let fixture = try make(kind)
        defer { fixture.cleanup() }
        try await body(fixture)
    }

    static func make(_ kind: DriverUnderTest) throws -> DriverFixture {
        let unique = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        if kind == .sqlite {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swift-migrate-conformance-\(unique)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let file = directory.appendingPathComponent("test.db").path
            return DriverFixture(
                kind: kind, url: try DatabaseURL("sqlite://\(file)"), target: file,
                cleanup: { try? FileManager.default.removeItem(at: directory) }
            )
        }
        guard let admin = ProcessInfo.processInfo.environment["MIGRATE_TEST_POSTGRES_URL"] else {
            throw MigrateError(.invalidArgument, "MIGRATE_TEST_POSTGRES_URL is not set: run scripts/test.sh, which starts PostgreSQL")
        }
        let name = "conf_\(unique)"
        _ = try psql(admin, "CREATE DATABASE \(name)")
        let database = replacingDatabase(in: admin, with: name)
        return DriverFixture(
            kind: kind, url: try DatabaseURL(database), target: database,
            cleanup: { _ = try? psql(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        )
    }

    /// Opens the driver under test on the fixture's database (with extra URL parameters).
    func open(_ parameters: String = "") async throws -> any DatabaseDriver {
        let text = kind == .sqlite ? "sqlite://\(target)" : target
        let url = try DatabaseURL(parameters.isEmpty ? text : text + (text.contains("?") ? "&" : "?") + parameters)
        switch kind {
        case .postgresNIO: return try await PostgresDriver.open(url: url, logger: conformanceLogger)
        case .libpq: return try await LibPQDriver.open(url: url, logger: conformanceLogger)
        case .sqlite: return try await SQLiteDriver.open(url: url, logger: conformanceLogger)
        }
    }

    /// Runs `body` with the driver and closes it, whatever `body` did.
    func withDriver<T>(_ parameters: String = "", _ body: (any DatabaseDriver) async throws -> T) async throws -> T {
        let driver = try await open(parameters)
        do {
            let result = try await body(driver)
            try await driver.close()
            return result
        } catch {
            try? await driver.close()
            throw error
        }
    }

    /// The result of `sql` as the independent client prints it: rows on lines, columns joined by `|`.
    func query(_ sql: String) throws -> String {
        kind == .sqlite ? try sqlite3(target, sql) : try psql(target, sql)
    }
}
