/// The only code that knows a database: golang-migrate's driver interface plus what a runner that wraps each
/// migration in a transaction needs.
///
/// The required members, and what each is in golang-migrate's `database.Driver`:
///
/// | member | golang-migrate |
/// |---|---|
/// | ``dialect``, ``displayURL`` | (none: its lexer-free runner needs no dialect; messages print the URL) |
/// | ``prepare()`` | `ensureVersionTable`, called by `Open` |
/// | ``lock(timeout:)``, ``unlock()`` | `Lock`, `Unlock` |
/// | ``execute(_:)`` | `Run` |
/// | ``readVersion()`` | `Version` |
/// | ``writeVersion(_:replacing:recording:)`` | `SetVersion`, as a compare-and-set, plus the history rows |
/// | ``readHistory()`` | (none: swift-migrate's history table) |
/// | ``beginTransaction()``, ``commitTransaction()``, ``rollbackTransaction()`` | (none: `Run` runs a whole file) |
/// | ``drop()`` | `Drop` |
/// | ``close()`` | `Close` |
///
/// Opening is not a member: a driver type that can be opened from a URL also conforms to ``OpenableDriver``,
/// and the ``DriverRegistry`` picks it by scheme. Everything else is opt-in: ``DriverTraits`` (how the runner
/// should treat the driver, with defaults), ``SchemaReading`` (`verify` and `schema`), ``CatalogReading``
/// (`models`) and ``ScratchDatabaseProviding`` (`verify`'s scratch database).
///
/// Drivers are used by one task at a time (the runner); implementations serialise access themselves.
///
/// ## Topics
///
/// ### State
/// - ``prepare()``
/// - ``readVersion()``
/// - ``writeVersion(_:replacing:recording:)``
/// - ``readHistory()``
///
/// ### Running statements
/// - ``execute(_:)``
/// - ``beginTransaction()``
/// - ``commitTransaction()``
/// - ``rollbackTransaction()``
///
/// ### Locking
/// - ``lock(timeout:)``
/// - ``unlock()``
public protocol DatabaseDriver: AnyObject, Sendable {
    /// The SQL dialect the lexer uses to split this database's scripts.
    var dialect: SQLDialect { get }
    /// The database URL with its password redacted, safe to print.
    var displayURL: String { get }
    /// How the runner should treat this driver. Optional: the default is `DriverTraits()`.
    var traits: DriverTraits { get }

    /// Creates the version table and the history table when they are missing.
    func prepare() async throws
    /// Takes the migration lock, waiting at most `timeout`. Throws ``MigrateError/Code/lockTimeout`` with
    /// golang-migrate's message `timeout: can't acquire database lock`.
    func lock(timeout: Duration) async throws
    /// Releases the migration lock.
    func unlock() async throws

    /// Reads the version row; ``DatabaseVersion/none`` when the table is empty or missing.
    func readVersion() async throws -> DatabaseVersion
    /// Writes the version row as golang-migrate does (remove every row, then insert `(version, dirty)` unless
    /// the version is nil and clean) and appends `records` to the history, as one atomic step: inside the open
    /// transaction if there is one, else in its own. The runner calls it at the end of every migration.
    ///
    /// With `expected`, the write is a compare-and-set: it replaces that version row (the one the runner read or
    /// last wrote) or changes nothing and throws ``MigrateError/Code/versionChanged``, so that two runners that
    /// do not exclude each other (the lock bypassed, or the database named two ways) can never both apply a
    /// migration. Nil writes unconditionally (`force`).
    func writeVersion(_ state: DatabaseVersion, replacing expected: DatabaseVersion?, recording records: [HistoryRecord]) async throws
    /// Every history row, oldest first; empty when the table is missing.
    func readHistory() async throws -> [HistoryRecord]

    /// Runs one SQL statement. Throws ``DatabaseFailure`` when the database rejects it.
    func execute(_ sql: String) async throws
    func beginTransaction() async throws
    func commitTransaction() async throws
    /// Rolls back the open transaction; does nothing when none is open, so error paths may always call it.
    func rollbackTransaction() async throws

    /// Drops every table (and, where the database has them, views, types and functions) of the current
    /// schema, the version and history tables included.
    func drop() async throws
    /// Ends the driver's use of the connection: closes a connection the driver opened, hands back one it was
    /// lent. The driver is unusable afterwards.
    func close() async throws
}

extension DatabaseDriver {
    public var traits: DriverTraits { DriverTraits() }

    /// Writes the version row unconditionally, without history rows (`force`).
    public func writeVersion(_ state: DatabaseVersion) async throws {
        try await writeVersion(state, replacing: nil, recording: [])
    }

    /// Writes the version row unconditionally and appends `records`.
    public func writeVersion(_ state: DatabaseVersion, recording records: [HistoryRecord]) async throws {
        try await writeVersion(state, replacing: nil, recording: records)
    }
}

/// How the runner should treat a driver: one typed value in place of separate hints.
public struct DriverTraits: Sendable {
    /// Whether the runner wraps each migration in a transaction.
    public enum TransactionPolicy: Sendable, Hashable {
        /// Each migration that can run in a transaction runs in one, with its version update (the default).
        case perMigration
        /// No migration is wrapped in a transaction: each runs statement by statement with the dirty flag around
        /// it (as a `-- +migrate notransaction` script does), because the connection's settings ask the scripts
        /// to manage their own transactions. `setting` names that setting for messages
        /// (`x-no-tx-wrap in the database URL`).
        case scriptsManageTransactions(setting: String)
    }

    /// Whether the runner wraps each migration in a transaction.
    public var transactionPolicy: TransactionPolicy
    /// Whether taking and releasing the lock costs round trips to a server (PostgreSQL's advisory lock), not a
    /// local call (SQLite's flock). When it does, the migrator answers a run with nothing to do from one unlocked
    /// read of the version.
    public var lockIsRemote: Bool
    /// Whether the driver sets a lock timeout on the statements of every migration (PostgreSQL's `lock_timeout`,
    /// from `x-lock-timeout`), so that a migration gives up waiting for a table lock instead of queueing every
    /// query behind it: lint's `missing-lock-timeout` is then silent.
    public var setsLockTimeout: Bool
    /// Where the migrator should run while it works with this driver: the thread that talks to the database
    /// (PostgreSQL's event loop, SQLite's queue), so each of the thousands of calls of a long run resumes without
    /// a hop to another thread. Nothing blocking runs there: the migrator reads its source before it moves.
    public var executor: (any TaskExecutor)?

    public init(
        transactionPolicy: TransactionPolicy = .perMigration, lockIsRemote: Bool = false, setsLockTimeout: Bool = false,
        executor: (any TaskExecutor)? = nil
    ) {
        self.transactionPolicy = transactionPolicy
        self.lockIsRemote = lockIsRemote
        self.setsLockTimeout = setsLockTimeout
        self.executor = executor
    }

    /// Why no migration is wrapped, for ``SQLScript``; nil under ``TransactionPolicy/perMigration``.
    var noTransactionReason: String? {
        if case .scriptsManageTransactions(let setting) = transactionPolicy { return setting }
        return nil
    }
}
