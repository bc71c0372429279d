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
        throw MigrateError(
            .unsupportedScheme,
            "unknown database scheme \"\(url.scheme)\" in \(url.redacted): supported are \(supported.joined(separator: ", "))"
        )
    }
}
