import Logging
import SwiftMigrate
import Synchronization

/// How a PostgreSQL driver keeps its state and sets up the session, apart from how it connects: the settings a
/// database URL carries as golang-migrate's `x-` parameters, for an app that brings its own connection. Both
/// PostgreSQL drivers take it (`PostgresDriver.Configuration`, `LibPQDriver.Configuration`).
    ///
    /// ```swift
    /// var configuration = PostgresDriver.Configuration()
    /// configuration.migrationsTable = "schema_migrations"      // golang-migrate's default
    /// configuration.lockTimeout = .seconds(5)                  // each statement waits at most 5 s for a table lock
    /// try await PostgresDriver.withDriver(client: client, configuration: configuration, logger: logger) { driver in
    ///     try await Migrator(source: source, driver: driver, logger: logger).up()
    /// }
    /// ```
public struct PostgresMigrationConfiguration: Sendable, Hashable {
    /// golang-migrate's version table (`x-migrations-table`); the history table is this name plus `_history`.
    /// Default `schema_migrations`.
    public var migrationsTable: String
    /// The schema of the version and history tables (`x-migrations-table-quoted` with `"schema"."table"`);
    /// nil means the session's `current_schema()`, as golang-migrate does.
    public var migrationsSchema: String?
    /// PostgreSQL's `statement_timeout` for the session (`x-statement-timeout`): how long any statement may
    /// run. Nil leaves the server's setting.
    public var statementTimeout: Duration?
    /// PostgreSQL's `lock_timeout` for the session (`x-lock-timeout`): how long a statement may wait for a
    /// table lock before its migration gives up, is rolled back and retried
    /// (``Migrator/Configuration/lockRetries``). Nil leaves the server's setting.
    public var lockTimeout: Duration?
    /// The database name in golang-migrate's advisory-lock key. golang-migrate takes the URL's path (`/app`
    /// for `postgres://host/app`), so nil means `/` followed by `current_database()`: a run on the app's
    /// connection and `migrate` (or golang-migrate) with the usual URL take the same lock.
    public var advisoryLockDatabaseName: String?
    /// golang-migrate's key for a URL without a path: `current_database()` without the slash.
    package var advisoryLockUsesBareDatabaseName = false

    public init(
        migrationsTable: String = "schema_migrations", migrationsSchema: String? = nil,
        statementTimeout: Duration? = nil, lockTimeout: Duration? = nil, advisoryLockDatabaseName: String? = nil
    ) {
        self.migrationsTable = migrationsTable
        self.migrationsSchema = migrationsSchema
        self.statementTimeout = statementTimeout
        self.lockTimeout = lockTimeout
        self.advisoryLockDatabaseName = advisoryLockDatabaseName
    }

    /// A duration as whole milliseconds for `SET`, at least 1 (PostgreSQL reads 0 as "no limit").
    package static func milliseconds(_ duration: Duration) -> Int64 {
        max(1, duration.saturatingMilliseconds)
    }

    /// The longest `statement_timeout` and `lock_timeout` PostgreSQL accepts: an `int` of milliseconds.
    package static let longestTimeout = Duration.milliseconds(Int32.max)
    /// PostgreSQL cuts longer identifiers to this many bytes (NAMEDATALEN - 1), with only a NOTICE.
    package static let longestIdentifier = 63

    /// Refuses, before any statement runs, what PostgreSQL would refuse only later and less clearly, or
    /// silently take for something else.
    ///
    /// - Parameters:
    ///   - url: the URL the configuration came from, to name in messages.
    ///   - owner: the configuration's name in the app's code, for messages (`PostgresDriver.Configuration`).
    /// - Throws: ``MigrateError/Code/invalidArgument`` naming the setting (``MigrateError/Code/invalidURL``
    ///   naming the parameter, for a configuration from `url`).
    package func validate(url: DatabaseURL? = nil, owner: String = "PostgresDriver.Configuration") throws(MigrateError) {
        func refuse(_ setting: String, _ parameter: String, _ problem: String) -> MigrateError {
            if let url {
                return MigrateError(.invalidURL, "invalid \(parameter) in database URL \(url.redacted): \(problem)")
            }
            return MigrateError(.invalidArgument, "invalid \(owner).\(setting) (\(parameter)): \(problem)")
        }
        for (setting, parameter, value) in [
            ("statementTimeout", "x-statement-timeout", statementTimeout), ("lockTimeout", "x-lock-timeout", lockTimeout),
        ] {
            guard let value, value < .zero || value > Self.longestTimeout else { continue }
            throw refuse(setting, parameter, "\(value) is not between 0 and \(Int32.max) ms")
        }
        guard !migrationsTable.isEmpty else {
            throw refuse("migrationsTable", "x-migrations-table", "the table name is empty")
        }
        // PostgreSQL reads a query as a C string: a NUL cut it short and the server dropped the connection
        // ("insufficient data left in message").
        for (setting, parameter, name) in [
            ("migrationsTable", "x-migrations-table", migrationsTable), ("migrationsSchema", "x-migrations-table-quoted", migrationsSchema ?? ""),
        ] where name.utf8.contains(0) {
            throw refuse(setting, parameter, "\"\(ControlCharacters.escaped(name))\" contains a NUL byte, which PostgreSQL names cannot")
        }
        // The history table's name is the longer one. Cut to 63 bytes, `NAME_history` of a 63-byte NAME is NAME
        // itself: every migration then failed writing its history row into the version table.
        let history = migrationsTable + "_history"
        if history.utf8.count > Self.longestIdentifier {
            throw refuse(
                "migrationsTable", "x-migrations-table",
                "\"\(migrationsTable)\" is \(migrationsTable.utf8.count) bytes, so its history table \(history) would be "
                    + "\(history.utf8.count); PostgreSQL cuts names to \(Self.longestIdentifier) bytes: use at most "
                    + "\(Self.longestIdentifier - "_history".utf8.count) bytes"
            )
        }
        if let schema = migrationsSchema, schema.utf8.count > Self.longestIdentifier || schema.isEmpty {
            throw refuse(
                "migrationsSchema", "x-migrations-table-quoted",
                "the schema name \"\(schema)\" is \(schema.utf8.count) bytes; PostgreSQL takes 1 to \(Self.longestIdentifier)"
            )
        }
    }
}
