import Foundation

/// The version row of golang-migrate's `schema_migrations` table.
public struct DatabaseVersion: Sendable, Hashable, Codable {
    /// The current version, or `nil` when no migration is applied (golang-migrate's `NilVersion`, -1).
    public var version: Int64?
    /// True while a non-transactional migration runs, and after it failed half-way.
    public var dirty: Bool

    public init(version: Int64?, dirty: Bool) {
        self.version = version
        self.dirty = dirty
    }

    /// No migration applied, clean.
    public static let none = DatabaseVersion(version: nil, dirty: false)
}

/// One row of swift-migrate's history table: a migration applied or reverted.
public struct HistoryRecord: Sendable, Hashable, Codable {
    public var version: Int64
    public var direction: Direction
    /// The migration's description (`create_users`).
    public var name: String
    /// ``MigrationScript/checksum`` of the script that ran, if it had one.
    public var checksum: String?
    /// When the migration finished.
    public var appliedAt: Date
    /// How long it ran, in milliseconds.
    public var durationMs: Double
    /// Who ran it (database user and OS user, for example `postgres (os: deploy)`).
    public var appliedBy: String

    public init(
        version: Int64, direction: Direction, name: String, checksum: String?, appliedAt: Date,
        durationMs: Double, appliedBy: String
    ) {
        self.version = version
        self.direction = direction
        self.name = name
        self.checksum = checksum
        self.appliedAt = appliedAt
        self.durationMs = durationMs
        self.appliedBy = appliedBy
    }
}

extension DatabaseDriver {
    public var lockIsRemote: Bool { false }
    public var preferredExecutor: (any TaskExecutor)? { nil }
    public var noTransactionWrap: String? { nil }

    public func writeVersion(_ state: DatabaseVersion, recording records: [HistoryRecord]) async throws {
        try await writeVersion(state)
        for record in records { try await appendHistory(record) }
    }
}

/// A statement failed in the database. Drivers throw this from ``DatabaseDriver/execute(_:)``; the runner maps
/// the position back to the migration file and rethrows a ``MigrateError``.
public struct DatabaseFailure: Error, Sendable, CustomStringConvertible {
    /// Where in the statement text the database located the error.
    public enum Position: Sendable, Hashable {
        /// 1-based character (Unicode scalar) index, as PostgreSQL reports it.
        case character(Int)
        /// 0-based UTF-8 byte offset, as SQLite's `sqlite3_error_offset` reports it.
        case utf8Offset(Int)
    }

    public var message: String
    /// PostgreSQL SQLSTATE, or the SQLite result code name (`SQLITE_ERROR`).
    public var sqlState: String?
    public var detail: String?
    public var hint: String?
    public var position: Position?
    /// True when the statement gave up waiting for a lock (PostgreSQL's `lock_timeout`): the transaction
    /// changed nothing, and running the migration again later may succeed.
    public var isLockTimeout = false

    public init(message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil, position: Position? = nil) {
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.position = position
    }

    public var description: String {
        sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message
    }
}

/// The only code that knows a database. As small as golang-migrate's driver: open (by a factory), lock,
/// run a statement, transactions, read and write the version, plus swift-migrate's history.
///
/// Drivers are used by one task at a time (the runner); implementations serialise access themselves.
public protocol DatabaseDriver: AnyObject, Sendable {
    /// The SQL dialect the lexer uses to split this database's scripts.
    var dialect: SQLDialect { get }
    /// The database URL with its password redacted, safe to print.
    var displayURL: String { get }

    /// Creates the version table and the history table when they are missing.
    func prepare() async throws
    /// Takes the migration lock, waiting at most `timeout`. Throws ``MigrateError/Code/lockTimeout`` with
    /// golang-migrate's message `timeout: can't acquire database lock`.
    func lock(timeout: Duration) async throws
    /// Releases the migration lock.
    func unlock() async throws
    /// Whether taking and releasing the lock costs round trips to a server (PostgreSQL's advisory lock), not a
    /// local call (SQLite's flock). When it does, the migrator answers a run with nothing to do from one unlocked
    /// read of the version. Defaults to false.
    var lockIsRemote: Bool { get }
    /// Where the migrator should run while it works with this driver: the thread that talks to the database
    /// (PostgreSQL's event loop, SQLite's queue), so each of the thousands of calls of a long run resumes without
    /// a hop to another thread. Defaults to nil (no preference).
    var preferredExecutor: (any TaskExecutor)? { get }
    /// When set, every migration runs outside a transaction of the runner's, statement by statement with the
    /// dirty flag around it (as a `-- +migrate notransaction` script does), and this says why: the URL asked for
    /// it (golang-migrate's SQLite `x-no-tx-wrap`), so the scripts manage their own transactions. Defaults to nil.
    var noTransactionWrap: String? { get }

    /// Reads the version row; ``DatabaseVersion/none`` when the table is empty or missing.
    func readVersion() async throws -> DatabaseVersion
    /// Writes the version row as golang-migrate does: remove every row, then insert `(version, dirty)`, unless
    /// the version is nil and clean. Runs inside the open transaction if there is one, else in its own.
    func writeVersion(_ state: DatabaseVersion) async throws
    /// Every history row, oldest first.
    func readHistory() async throws -> [HistoryRecord]
    /// Adds a history row (inside the open transaction if there is one).
    func appendHistory(_ record: HistoryRecord) async throws
    /// Writes the version row and appends history rows at once, as one atomic step: what the runner does at
    /// the end of every migration. The default calls ``writeVersion(_:)`` then ``appendHistory(_:)`` (so call it
    /// in a transaction); a driver for a server overrides it to save round trips (PostgreSQL: one statement).
    func writeVersion(_ state: DatabaseVersion, recording records: [HistoryRecord]) async throws

    /// Runs one SQL statement. Throws ``DatabaseFailure`` when the database rejects it.
    func execute(_ sql: String) async throws
    func beginTransaction() async throws
    func commitTransaction() async throws
    func rollbackTransaction() async throws

    /// Reads the schema from the database's catalog: every object the migrations made, with a canonical
    /// definition, in a stable order, without OIDs or times, and without the version and history tables.
    /// Equal schemas give equal snapshots, so `verify` compares the snapshots taken before an up and after
    /// its down, and `migrate schema` prints one for review. Changes nothing in the database.
    func schemaSnapshot() async throws -> SchemaSnapshot

    /// Drops every table (and, where the database has them, views, types and functions) of the current
    /// schema, the version and history tables included.
    func drop() async throws
    /// Closes the connection. The driver is unusable afterwards.
    func close() async throws
}
