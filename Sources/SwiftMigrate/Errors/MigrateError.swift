/// The one error type of swift-migrate.
///
/// An error has a ``Code`` (what went wrong, for programs) and context (where, for people): the migration, the
/// file location, the statement, and what the database said. Context is attached where it is known and the
/// error is rethrown. `description` is safe to print: it never holds a password (URLs in it are redacted).
public struct MigrateError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is. Extensible: compare with the static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case noMigrations, invalidSource, duplicateMigration, invalidScript
            case invalidURL, unsupportedScheme, connection, lockTimeout, dirty, shortLimit
            case missingVersion, nothingToApply, statementFailed, driver, invalidArgument, cancelled
            case fileExists, io, modifiedMigration, validationFailed, verificationFailed, tableLockTimeout, versionChanged, replicasBehind
            case outOfOrder
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        public var description: String { base.rawValue }

        /// The source holds no migration at all.
        public static let noMigrations = Code(.noMigrations)
        /// A migration source could not be read or is malformed.
        public static let invalidSource = Code(.invalidSource)
        /// Two files claim the same version and direction.
        public static let duplicateMigration = Code(.duplicateMigration)
        /// A script cannot be split into statements (unterminated quote, psql meta-command, ...).
        public static let invalidScript = Code(.invalidScript)
        /// A database URL is malformed.
        public static let invalidURL = Code(.invalidURL)
        /// A database URL names a scheme no driver handles.
        public static let unsupportedScheme = Code(.unsupportedScheme)
        /// The database could not be reached or refused the login.
        public static let connection = Code(.connection)
        /// The migration lock was not acquired within the lock timeout.
        public static let lockTimeout = Code(.lockTimeout)
        /// The database is marked dirty by an interrupted non-transactional migration.
        public static let dirty = Code(.dirty)
        /// Fewer migrations than asked for were available (`limit N short`).
        public static let shortLimit = Code(.shortLimit)
        /// A version (current or target) has no file in the source.
        public static let missingVersion = Code(.missingVersion)
        /// `up N` / `down N` found nothing at all to apply.
        public static let nothingToApply = Code(.nothingToApply)
        /// A migration statement failed in the database.
        public static let statementFailed = Code(.statementFailed)
        /// A migration statement gave up waiting for a table lock (PostgreSQL's `lock_timeout`, SQLSTATE 55P03):
        /// its transaction changed nothing, and the migrator retries it (``Migrator/Configuration/lockRetries``).
        /// The error carries the statement's location like ``statementFailed``.
        public static let tableLockTimeout = Code(.tableLockTimeout)
        /// The version row was not the one the run read or last wrote: another migrator changed it without
        /// taking the same lock. The write changed nothing (``DatabaseDriver/writeVersion(_:replacing:recording:)``).
        public static let versionChanged = Code(.versionChanged)
        /// A standby had not replayed the migrations when the wait for replicas ran out
        /// (``Migrator/Configuration/replicaWait``). The migrations themselves were applied.
        public static let replicasBehind = Code(.replicasBehind)
        /// Any other failure reported by a database driver.
        public static let driver = Code(.driver)
        /// A caller passed an invalid argument.
        public static let invalidArgument = Code(.invalidArgument)
        /// Stopped by a signal or task cancellation between migrations.
        public static let cancelled = Code(.cancelled)
        /// A file to be created already exists.
        public static let fileExists = Code(.fileExists)
        /// Reading or writing a file failed.
        public static let io = Code(.io)
        /// An applied migration's file changed since it ran (drift); `up` refuses unless told otherwise.
        public static let modifiedMigration = Code(.modifiedMigration)
        /// Files below the database's version were never applied (added after later versions ran); `up` and
        /// `goto` refuse unless told to apply them out of order.
        public static let outOfOrder = Code(.outOfOrder)
        /// `validate` found problems in the source or in how it matches the database.
        public static let validationFailed = Code(.validationFailed)
        /// `verify` found a down migration that does not restore the schema, or an up that fails when re-applied.
        public static let verificationFailed = Code(.verificationFailed)
    }

    /// What went wrong.
    public var code: Code
    /// The main message, one line, without location.
    public var message: String
    /// The migration version the error belongs to, if any.
    public var version: Int64?
    /// The file, line and column at fault, if known.
    public var location: SourceLocation?
    /// The statement that failed, as written in the file.
    public var statement: String?
    /// The full line of the file at `location`, for rendering an excerpt with a caret.
    public var sourceLine: String?
    /// The database's error code (PostgreSQL SQLSTATE, SQLite extended result code name).
    public var sqlState: String?
    /// The database's DETAIL.
    public var detail: String?
    /// The database's HINT, or our own advice on how to recover.
    public var hint: String?
    /// The error this one reports, when it came from elsewhere (PostgresNIO's `PSQLError`, a file system
    /// error): for ``debugDescription`` and for callers that inspect it. Never part of ``description``.
    public var underlying: (any Error)?

    public init(
        _ code: Code, _ message: String, version: Int64? = nil, location: SourceLocation? = nil,
        statement: String? = nil, sourceLine: String? = nil, sqlState: String? = nil,
        detail: String? = nil, hint: String? = nil, underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.version = version
        self.location = location
        self.statement = statement
        self.sourceLine = sourceLine
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.underlying = underlying
    }

    /// True when the database was never reached (a malformed URL, a scheme no driver handles, no connection):
    /// a check that needed it did not run, which callers report apart from problems it found (`validate` and
    /// `models -check` exit 2, not 1).
    public var meansUnreachable: Bool {
        code == .connection || code == .invalidURL || code == .unsupportedScheme
    }

    /// One line: `FILE:LINE:COL: MESSAGE (SQLSTATE X)`, or just the message.
    public var description: String {
        var text = ""
        if let location { text += "\(location): " }
        text += message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        return text
    }

    /// Everything known, for logs and bug reports: the description, the statement, detail and hint, and the
    /// underlying error as its own debug description. Passwords in URLs are redacted here too.
    public var debugDescription: String {
        var lines = ["MigrateError(\(code)): \(description)"]
        if let version { lines.append("version: \(version)") }
        if let statement { lines.append("statement: \(statement)") }
        if let detail { lines.append("detail: \(detail)") }
        if let hint { lines.append("hint: \(hint)") }
        if let underlying { lines.append("underlying: \(String(reflecting: underlying))") }
        return DatabaseURL.redact(lines.joined(separator: "\n"))
    }
}
