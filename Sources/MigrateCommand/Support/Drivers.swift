import Logging
import SwiftMigrate
import SwiftMigratePostgres
import SwiftMigrateSQLite

/// Opens the driver for a URL's scheme. The only place that knows every driver.
enum Drivers {
    static let supported = (PostgresDriver.schemes + SQLiteDriver.schemes).map { "\($0)://" }

    static func open(_ url: DatabaseURL, logger: Logger) async throws -> any DatabaseDriver {
        if PostgresDriver.schemes.contains(url.scheme) {
            return try await PostgresDriver.open(url: url, logger: logger)
        }
        if SQLiteDriver.schemes.contains(url.scheme) {
            return try await SQLiteDriver.open(url: url, logger: logger)
        }
        throw unsupported(url)
    }

    /// Runs `body` on a scratch database next to `url` (see ``PostgresDriver/withScratchDatabase(server:logger:created:_:)``
    /// and ``SQLiteDriver/withScratchDatabase(like:logger:created:_:)``), which is dropped afterwards.
    static func withScratch(
        _ url: DatabaseURL, logger: Logger, created: @escaping (String) -> Void,
        _ body: (any DatabaseDriver) async throws -> Void
    ) async throws {
        if PostgresDriver.schemes.contains(url.scheme) {
            return try await PostgresDriver.withScratchDatabase(server: url, logger: logger, created: created) { try await body($0) }
        }
        if SQLiteDriver.schemes.contains(url.scheme) {
            return try await SQLiteDriver.withScratchDatabase(like: url, logger: logger, created: created) { try await body($0) }
        }
        throw unsupported(url)
    }

    static func unsupported(_ url: DatabaseURL) -> MigrateError {
        MigrateError(
            .unsupportedScheme,
            "unknown database scheme \"\(url.scheme)\" in \(url.redacted): supported are \(supported.joined(separator: ", "))"
        )
    }
}
