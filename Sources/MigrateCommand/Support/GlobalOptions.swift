import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SwiftMigrate
import SwiftMigrateLibPQ

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
        "Database URL: postgres://USER@HOST:PORT/DB?sslmode=disable (a password goes after USER: and is never printed) or sqlite://PATH. Default: $DATABASE_URL, else $POSTGRES_DSN (both set to different URLs is an error). Given more than once, or as sqlite://DIR/*.db, it names a fleet: see -targets.",
        valueName: "url"
    ))
    var databases: [String] = []

    @Option(name: .customLong("lock-timeout"), help: ArgumentHelp(
        "Seconds to wait for the migration lock held by another migrator.", valueName: "seconds"
    ))
    var lockTimeout: UInt = 15

    @Option(name: .customLong("db-lock-timeout"), help: ArgumentHelp(
        "PostgreSQL: how long each statement may wait for a table lock (lock_timeout) before the migration gives up and is retried (see -lock-retries), e.g. 5s or 500ms. Sets the URL's x-lock-timeout.",
        valueName: "duration"
    ))
    var dbLockTimeout: String?

    @Option(name: .customLong("db-statement-timeout"), help: ArgumentHelp(
        "PostgreSQL: how long each statement may run (statement_timeout), e.g. 10m. Sets the URL's x-statement-timeout.",
        valueName: "duration"
    ))
    var dbStatementTimeout: String?

    @Option(name: .customLong("wait-replicas"), help: ArgumentHelp(
        "PostgreSQL: after up, down or goto, wait at most this long (e.g. 30s) until every standby streaming from the server has replayed the run, printing each one's lag; exit 1 when one is still behind.",
        valueName: "duration"
    ))
    var waitReplicas: String?

    /// `-wait-replicas` as a duration; nil when not given.
    func replicaWait() throws -> Duration? {
        try waitReplicas.map { .milliseconds(Int64(try Self.milliseconds($0, flag: "-wait-replicas")) ?? 0) }
    }

    @Option(name: .customLong("lock-retries"), help: ArgumentHelp(
        "How often to retry a transactional migration that hit -db-lock-timeout, after a jittered pause of 1 s, 2 s, 4 s ... (at most 30 s).",
        valueName: "n"
    ))
    var lockRetries: UInt = 3

    @Flag(name: .customLong("allow-modified"), help: "Migrate although an applied migration's file changed since it ran (see `validate`).")
    var allowModified = false

    @Flag(name: .customLong("allow-out-of-order"), help: "Apply migrations below the current version that were never applied (added after later ones ran), before the pending ones, instead of refusing (see `renumber`).")
    var allowOutOfOrder = false

    @Option(name: .customLong("prefetch"), help: .hidden)
    var prefetch: UInt = 10

    @Flag(name: .customLong("verbose"), help: "Log each migration's mode (in a transaction or not) and the total time.")
    var verbose = false

    /// The largest -lock-timeout (seconds) and -lock-retries: 68 years, or as many retries, is more than any
    /// deploy waits, and the value then converts to a duration or a count without overflow.
    static let largestCount = UInt(Int32.max)

    func validate() throws {
        try Self.checkRange(lockTimeout, flag: "-lock-timeout", unit: "whole seconds")
        try Self.checkRange(lockRetries, flag: "-lock-retries", unit: "a number of retries")
    }

    /// A usage error (exit 2) naming the flag and the range, for a value the parser took as `UInt`.
    static func checkRange(_ value: UInt, flag: String, unit: String) throws {
        guard value <= largestCount else {
            throw ValidationError("invalid \(flag) \(value): expected \(unit) from 0 to \(largestCount)")
        }
    }

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

    /// Whether a database is given at all (-database, $DATABASE_URL or $POSTGRES_DSN).
    var hasDatabase: Bool {
        let environment = ProcessInfo.processInfo.environment
        return !databases.isEmpty || environment["DATABASE_URL"].nonEmpty != nil || environment["POSTGRES_DSN"].nonEmpty != nil
    }

    /// The database URL as given, and where it came from (`-database`, `DATABASE_URL` or `POSTGRES_DSN`, the
    /// guide's variable). Both variables set to different URLs is a usage error: which one wins is a guess that
    /// could migrate the wrong database.
    ///
    /// The commands that take one database call it: -database given more than once is a usage error there (the
    /// fleet commands check for a fleet first, ``FleetOptions``).
    func databaseText() throws -> (text: String, origin: String) {
        if databases.count > 1 {
            throw ValidationError(
                "-database was given \(databases.count) times, but this command takes one database: only up, down N, "
                    + "goto, version, status, plan and validate run on several (a fleet; see -targets)"
            )
        }
        if let database = databases.first { return (database, "-database") }
        let environment = ProcessInfo.processInfo.environment
        let fromDatabaseURL = environment["DATABASE_URL"].nonEmpty, fromDSN = environment["POSTGRES_DSN"].nonEmpty
        if let fromDatabaseURL, let fromDSN, fromDatabaseURL != fromDSN {
            let shown = { (text: String) in (try? DatabaseURL(text))?.redacted ?? DatabaseURL.redact(text) }
            throw ValidationError(
                "DATABASE_URL (\(shown(fromDatabaseURL))) and POSTGRES_DSN (\(shown(fromDSN))) are both set and name "
                    + "different databases: pass -database URL to choose, or unset one of them"
            )
        }
        if let fromDatabaseURL { return (fromDatabaseURL, "DATABASE_URL") }
        if let fromDSN { return (fromDSN, "POSTGRES_DSN") }
        throw ValidationError(
            "no database: pass -database URL (e.g. sqlite://app.db or postgres://user:pass@localhost:5432/db?sslmode=disable), or set DATABASE_URL or POSTGRES_DSN"
        )
    }

    /// The database URL: -database, else $DATABASE_URL or $POSTGRES_DSN (``databaseText()``).
    func databaseURL() throws -> DatabaseURL {
        let url = try DatabaseURL(try databaseText().text)
        if url.isFileGlob {
            throw ValidationError(
                "\(url.redacted) names every file its * matches, but this command takes one database: only up, down N, "
                    + "goto, version, status, plan and validate run on several"
            )
        }
        return try withTimeoutParameters(url)
    }

    /// `url` with -db-lock-timeout and -db-statement-timeout as its `x-` parameters.
    func withTimeoutParameters(_ url: DatabaseURL) throws -> DatabaseURL {
        var extra: [(String, String)] = []
        if let dbLockTimeout { extra.append(("x-lock-timeout", try Self.milliseconds(dbLockTimeout, flag: "-db-lock-timeout"))) }
        if let dbStatementTimeout {
            extra.append(("x-statement-timeout", try Self.milliseconds(dbStatementTimeout, flag: "-db-statement-timeout")))
        }
        guard !extra.isEmpty else { return url }
        guard LibPQDriver.schemes.contains(url.scheme) else {
            throw ValidationError("-db-lock-timeout and -db-statement-timeout apply to PostgreSQL only, not to \(url.redacted)")
        }
        return try url.addingQueryItems(extra)
    }

    /// `500ms`, `5s`, `2m`, `1h`, or a bare number of seconds, as whole milliseconds.
    static func milliseconds(_ text: String, flag: String) throws -> String {
        let units: [(suffix: String, factor: Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        var number = Substring(text)
        var factor = 1000.0
        for unit in units where text.hasSuffix(unit.suffix) {
            number = text.dropLast(unit.suffix.count)
            factor = unit.factor
            break
        }
        guard let value = Double(number), value >= 0, value.isFinite, value * factor < Double(Int32.max) else {
            throw ValidationError("invalid \(flag) \"\(text)\": expected a duration such as 500ms, 5s or 2m")
        }
        return String(Int((value * factor).rounded()))
    }
}

extension Optional where Wrapped == String {
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}
