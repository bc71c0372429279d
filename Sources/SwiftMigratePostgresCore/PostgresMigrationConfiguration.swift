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
    /// How runs exclude each other (`x-lock-strategy`): nil chooses when connecting (see ``LockStrategy``).
    public var lockStrategy: LockStrategy?
    /// The table of the ``LockStrategy/table`` lock (`x-lock-table`), beside the version table; golang-migrate's
    /// pgx driver's default, `schema_lock`.
    public var lockTable: String
    /// How long a ``LockStrategy/table`` lock outlives its holder (`x-lock-ttl`, milliseconds): the holder renews
    /// it every third of this from a second connection, so a live run keeps it however long a migration takes,
    /// and a run killed while holding it blocks the next one at most this long. At least 1 second; default 60.
    public var lockTTL: Duration
    /// `search_path` to set in each transaction (`SET LOCAL`), for a connection through a pooler that refused it
    /// as a startup parameter; nil when the connection already has it.
    package var localSearchPath: String?

    /// How two runs on one database exclude each other.
    public enum LockStrategy: String, Sendable, Hashable, CaseIterable {
        /// golang-migrate's session-level advisory lock (and a second one keyed on `current_database()`): released
        /// by the server when the session ends, however the run ended. Wrong through a transaction pooler
        /// (PgBouncer's `pool_mode = transaction`), where the session is not the client's.
        case advisory
        /// A row per key in ``PostgresMigrationConfiguration/lockTable`` with an owner and an expiry
        /// (golang-migrate's pgx `x-lock-strategy=table`, whose rows it shares): correct through a pooler, as
        /// every step is one transaction. A crashed holder's row expires after
        /// ``PostgresMigrationConfiguration/lockTTL``; a live holder's never does. Chosen automatically when
        /// the connection goes through a pooler or proxy; timeouts and `search_path` are then set with
        /// `SET LOCAL` in each transaction, never on the pooled session.
        case table
    }

    public init(
        migrationsTable: String = "schema_migrations", migrationsSchema: String? = nil,
        statementTimeout: Duration? = nil, lockTimeout: Duration? = nil, advisoryLockDatabaseName: String? = nil,
        lockStrategy: LockStrategy? = nil, lockTable: String = "schema_lock", lockTTL: Duration = .seconds(60)
    ) {
        self.migrationsTable = migrationsTable
        self.migrationsSchema = migrationsSchema
        self.statementTimeout = statementTimeout
        self.lockTimeout = lockTimeout
        self.advisoryLockDatabaseName = advisoryLockDatabaseName
        self.lockStrategy = lockStrategy
        self.lockTable = lockTable
        self.lockTTL = lockTTL
    }

    /// The shortest ``lockTTL``: the holder renews every third of it, over a new connection each time.
    package static let shortestLockTTL = Duration.seconds(1)

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
        if lockTTL < Self.shortestLockTTL || lockTTL > Self.longestTimeout {
            throw refuse("lockTTL", "x-lock-ttl", "\(lockTTL) is not between 1000 and \(Int32.max) ms")
        }
        if lockTable.isEmpty || lockTable.utf8.count > Self.longestIdentifier || lockTable.utf8.contains(0) {
            throw refuse(
                "lockTable", "x-lock-table",
                "\"\(ControlCharacters.escaped(lockTable))\" is not a table name of 1 to \(Self.longestIdentifier) bytes without NUL"
            )
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
