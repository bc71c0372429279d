import Foundation
import Logging
import SwiftMigrate
import SwiftMigrateSQLite
import TestSupport

/// A fresh directory under the system's temporary directory, removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("swift-migrate-sqlite-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

let testLogger = Logger(label: "swift-migrate.sqlite.tests")

/// Opens a driver on a URL string.
func openDriver(_ url: String) async throws -> SQLiteDriver {
    try await SQLiteDriver.open(url: DatabaseURL(url), logger: testLogger)
}

/// Opens `sqlite://PATH` in `directory`.
func openDriver(in directory: String, file: String = "test.db", query: String = "") async throws -> SQLiteDriver {
    try await openDriver("sqlite://\(directory)/\(file)\(query.isEmpty ? "" : "?" + query)")
}

/// Runs the `sqlite3` command-line shell on a database file: an independent reader of what the driver wrote.
/// Returns its standard output without the final newline; throws with its standard error when it fails.
@discardableResult
func sqlite3CLI(_ path: String, _ sql: String) throws -> String {
    let (status, output, error) = try runProcess("/usr/bin/env", ["sqlite3", path, sql])
    guard status == 0 else { throw CLIError(message: "sqlite3 exited \(status): \(error)") }
    return output.hasSuffix("\n") ? String(output.dropLast()) : output
}

struct CLIError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The names of the schema objects of a type (`table`, `index`, `view`, `trigger`), SQLite's own excluded.
func schemaNames(_ path: String, type: String = "table") throws -> [String] {
    let output = try sqlite3CLI(
        path, "SELECT name FROM sqlite_master WHERE type = '\(type)' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    )
    return output.isEmpty ? [] : output.split(separator: "\n").map(String.init)
}
