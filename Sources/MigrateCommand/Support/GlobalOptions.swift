import ArgumentParser
import Foundation
import SwiftMigrate

/// golang-migrate's global options. They may stand before or after the command, with one or two dashes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("path"), help: ArgumentHelp(
        "Directory of the migration files (shorthand for -source file://DIR). Default: ./migrations.",
        valueName: "dir"
    ))
    var path: String?

    @Option(name: .customLong("source"), help: ArgumentHelp("Location of the migrations: file://DIR.", valueName: "url"))
    var source: String?

    @Option(name: .customLong("database"), help: ArgumentHelp(
        "Database URL: postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=disable or sqlite://PATH. Default: $DATABASE_URL, then $POSTGRES_DSN.",
        valueName: "url"
    ))
    var database: String?

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp(
        "Seconds to wait for the migration lock held by another migrator.", valueName: "seconds"
    ))
    var lockTimeout: UInt = 15

    @Option(name: .customLong("prefetch"), help: .hidden)
    var prefetch: UInt = 10

    @Flag(name: .customLong("verbose"), help: "Print verbose logging: each statement's mode and timings.")
    var verbose = false

    /// The migrations directory: -path, else -source file://DIR, else ./migrations.
    func migrationsDirectory() throws -> String {
        if let path { return path }
        if let source {
            guard source.hasPrefix("file://") else {
                throw ValidationError("unsupported -source \(source): only file://DIR is supported (or use -path DIR)")
            }
            let directory = String(source.dropFirst("file://".count))
            return directory.isEmpty ? "." : directory
        }
        return "migrations"
    }

    /// The database URL: -database, else $DATABASE_URL, else $POSTGRES_DSN (the guide's variable).
    func databaseURL() throws -> DatabaseURL {
        let environment = ProcessInfo.processInfo.environment
        guard let text = database ?? environment["DATABASE_URL"].nonEmpty ?? environment["POSTGRES_DSN"].nonEmpty else {
            throw ValidationError(
                "no database: pass -database URL (e.g. sqlite://app.db or postgres://user:pass@localhost:5432/db?sslmode=disable), or set DATABASE_URL or POSTGRES_DSN"
            )
        }
        return try DatabaseURL(text)
    }
}

extension Optional where Wrapped == String {
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}
