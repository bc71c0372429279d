import CSQLite
import Dispatch
import Foundation
import Logging
import SwiftMigrate

/// The SQLite driver: a database file through the system's libsqlite3, with golang-migrate's
/// `schema_migrations` table so either tool can take over from the other.
///
/// ```swift
/// let driver = try await SQLiteDriver.open(url: DatabaseURL("sqlite://app.db"), logger: logger)
/// try await driver.lock(timeout: .seconds(15))
/// try await driver.prepare()
/// print(try await driver.readVersion())
/// try await driver.unlock()
/// try await driver.close()
/// ```
///
/// Every SQLite call is blocking, so each runs on a private serial `DispatchQueue`, off Swift's cooperative
/// thread pool; the serial queue also means one call at a time on the connection.
///
/// ## The migration lock
/// golang-migrate's SQLite lock lives in memory, so two processes could migrate one file at once. This
/// driver's ``lock(timeout:)`` takes `flock(LOCK_EX)` on a second descriptor of the database file itself:
/// - it is cross-process, and also separates two drivers in one process (flock belongs to the descriptor);
/// - it does not interfere with SQLite's own POSIX (`fcntl`) locks, on Linux and macOS alike, so other
///   readers and writers of the database are never blocked by it;
/// - the kernel drops it when the process dies, so a killed migrator never blocks the next one.
/// (On NFS, Linux emulates flock with POSIX locks, so the lock would also block SQLite there; SQLite's own
/// locking is unreliable on NFS anyway.)
/// The descriptor stays open until ``close()``, because closing any descriptor of a file drops the POSIX
/// locks that SQLite holds on it in the same process. In-memory and temporary databases take no lock.
public final class SQLiteDriver: OpenableDriver, ScratchDatabaseProviding, SchemaReading {
    /// The URL schemes this driver opens: `sqlite://` and golang-migrate's `sqlite3://`.
    public static let schemes = ["sqlite", "sqlite3"]
    /// SQLite's dialect.
    public static let dialect = SQLDialect.sqlite

    /// The database's SQL dialect.
    public var dialect: SQLDialect { .sqlite }
    /// The database URL with its password redacted.
    public let displayURL: String
    /// The settings the database was opened with.
    public let configuration: Configuration
    /// The driver's own queue as executor, where every SQLite call runs; with `x-no-tx-wrap=true`, the scripts
    /// manage their own transactions (for `PRAGMA foreign_keys = OFF`, which SQLite ignores inside one), so none
    /// is opened around them.
    public var traits: DriverTraits {
        DriverTraits(
            transactionPolicy: configuration.noTransactionWrap
                ? .scriptsManageTransactions(setting: "x-no-tx-wrap in the database URL") : .perMigration,
            executor: queue
        )
    }

    private let connection: SQLiteConnection
    private let queue: BlockingCallQueue
    private let logger: Logger

    private init(configuration: Configuration, connection: SQLiteConnection, queue: BlockingCallQueue, logger: Logger) {
        self.configuration = configuration
        self.displayURL = configuration.displayURL
        self.connection = connection
        self.queue = queue
        self.logger = logger
    }

    /// Opens the database a `sqlite://` or `sqlite3://` URL names (see ``Configuration/init(url:)`` for its
    /// parameters), creating the file when it is missing.
    ///
    /// - Throws: ``MigrateError/Code/invalidURL`` for a bad URL, ``MigrateError/Code/connection`` when the
    ///   file cannot be opened for writing (a directory, a missing directory, a read-only file).
    public static func open(url: DatabaseURL, logger: Logger) async throws -> SQLiteDriver {
        try await open(configuration: Configuration(url: url), logger: logger)
    }

    /// Opens the database a configuration names, creating the file when it is missing.
    public static func open(configuration: Configuration, logger: Logger) async throws -> SQLiteDriver {
        let queue = BlockingCallQueue(label: "swift-migrate.sqlite")
        let connection = try await queue.run { try SQLiteConnection.open(configuration) }
        logger.debug(
            "opened SQLite database",
            metadata: [
                "database.url": .string(configuration.displayURL),
                "database.file": .string(connection.lockPath ?? configuration.filename),
            ]
        )
        return SQLiteDriver(configuration: configuration, connection: connection, queue: queue, logger: logger)
    }

    // MARK: - State

    /// Creates golang-migrate's version table (and its `version_unique` index) and the history table.
    public func prepare() async throws {
        let table = Self.identifier(configuration.migrationsTable)
        let history = Self.identifier(configuration.historyTable)
        // The first two statements are golang-migrate's, byte for byte for the default table name.
        let sql = """
            CREATE TABLE IF NOT EXISTS \(table) (version uint64,dirty bool);
            CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON \(table) (version);
            CREATE TABLE IF NOT EXISTS \(history) (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, \
            direction TEXT NOT NULL, name TEXT NOT NULL, checksum TEXT, applied_at TEXT NOT NULL, \
            duration_ms REAL NOT NULL, applied_by TEXT NOT NULL);
            """
        try await perform("cannot create the tables \(table) and \(history)") { try $0.execute(sql) }
    }

    public func readVersion() async throws -> DatabaseVersion {
        let table = Self.identifier(configuration.migrationsTable)
        let sql = "SELECT version, dirty FROM \(table) LIMIT 1"
        return try await perform("cannot read the version from \(configuration.migrationsTable)") { connection in
            var state = DatabaseVersion.none
            do {
                try connection.query(sql) { row in
                    // golang-migrate writes -1 (NilVersion) for "no version, but dirty".
                    let version = row.isNull(0) ? nil : row.int64(0)
                    state = DatabaseVersion(version: version.flatMap { $0 < 0 ? nil : $0 }, dirty: row.int64(1) != 0)
                }
            } catch let failure as DatabaseFailure where failure.message.hasPrefix("no such table") {
                return .none
            } catch let failure as DatabaseFailure where failure.message.hasPrefix("no such column") {
                throw MigrateError.notAMigrationsTable(table, detail: failure.message)
            }
            return state
        }
    }

    /// Replaces the version row and appends `records` to the history, in the open transaction or in one of its own;
    /// with `expected`, only when the row is still that one (read in the same transaction, which SQLite's write
    /// lock serialises).
    public func writeVersion(_ state: DatabaseVersion, replacing expected: DatabaseVersion?, recording records: [HistoryRecord]) async throws {
        let table = Self.identifier(configuration.migrationsTable)
        let insertHistory = """
            INSERT INTO \(Self.identifier(configuration.historyTable)) \
            (version, direction, name, checksum, applied_at, duration_ms, applied_by) VALUES (?, ?, ?, ?, ?, ?, ?)
            """
        let begin = beginStatement
        try await perform("cannot write the version to \(configuration.migrationsTable)") { connection in
            let ownTransaction = !connection.inTransaction
            if ownTransaction { try connection.execute(begin) }
            do {
                if let expected {
                    var rows: [DatabaseVersion] = []
                    try connection.query("SELECT version, dirty FROM \(table)") { row in
                        let version = row.isNull(0) ? nil : row.int64(0)
                        rows.append(DatabaseVersion(version: version.flatMap { $0 < 0 ? nil : $0 }, dirty: row.int64(1) != 0))
                    }
                    let found = rows.first ?? .none
                    guard rows.count <= 1, found == expected else {
                        throw MigrateError.versionChanged(expected: expected, found: found, writing: state, table: table)
                    }
                }
                try connection.query("DELETE FROM \(table)")
                // Like golang-migrate, a nil but dirty version is kept as -1 so a failed first down migration
                // stays visible.
                if state.version != nil || state.dirty {
                    try connection.query(
                        "INSERT INTO \(table) (version, dirty) VALUES (?, ?)",
                        [.integer(state.version ?? -1), .integer(state.dirty ? 1 : 0)]
                    )
                }
                for record in records {
                    try connection.query(insertHistory, [
                        .integer(record.version), .text(record.direction.rawValue), .text(record.name),
                        record.checksum.map { .text($0) } ?? .null, .text(HistoryDate.format(record.appliedAt)),
                        .real(record.durationMs ?? 0), .text(record.appliedBy),
                    ])
                }
                if ownTransaction { try connection.execute("COMMIT") }
            } catch {
                if ownTransaction && connection.inTransaction { try? connection.execute("ROLLBACK") }
                throw error
            }
        }
    }

    public func readHistory() async throws -> [HistoryRecord] {
        let name = configuration.historyTable
        let sql = """
            SELECT version, direction, name, checksum, applied_at, duration_ms, applied_by \
            FROM \(Self.identifier(name)) ORDER BY id
            """
        return try await perform("cannot read the history from \(name)") { connection in
            var records: [HistoryRecord] = []
            do {
                try connection.query(sql) { row in
                    let directionText = row.text(1) ?? ""
                    let appliedAtText = row.text(4) ?? ""
                    guard let direction = Direction(rawValue: directionText) else {
                        throw MigrateError(.driver, "malformed row in \(name): direction \"\(directionText)\"")
                    }
                    guard let appliedAt = HistoryDate.parse(appliedAtText) else {
                        throw MigrateError(.driver, "malformed row in \(name): applied_at \"\(appliedAtText)\"")
                    }
                    records.append(
                        HistoryRecord(
                            // Escaped as names are since they are read from file names; older rows may hold raw ones.
                            version: row.int64(0), direction: direction, name: ControlCharacters.escaped(row.text(2) ?? ""),
                            checksum: row.text(3), appliedAt: appliedAt,
                            durationMs: Self.durationMs(row.value(5)),
                            appliedBy: row.text(6) ?? ""
                        )
                    )
                }
            } catch let failure as DatabaseFailure where failure.message.hasPrefix("no such table") {
                return []
            }
            return records
        }
    }

    /// `duration_ms` read defensively: a number that is a plausible duration, else nil (text, NULL, `1e999`).
    static func durationMs(_ value: SQLiteValue) -> Double? {
        switch value {
        case .integer(let number): HistoryRecord.plausibleDurationMs(Double(number))
        case .real(let number): HistoryRecord.plausibleDurationMs(number)
        default: nil
        }
    }

    // MARK: - Statements and transactions

    /// Runs every statement of `sql` (a whole script is fine) and steps through any rows they return.
    ///
    /// - Throws: ``DatabaseFailure`` with SQLite's message, the extended result code's name as `sqlState`, and
    ///   the UTF-8 offset in `sql` of the failing token (or of the failing statement for run-time errors).
    ///
    /// Cancelling the task interrupts the statement (`sqlite3_interrupt`): it fails with
    /// ``MigrateError/Code/cancelled``, and its transaction is rolled back. With ``Configuration/statementTimeout``
    /// a statement still running then is interrupted the same way and fails like PostgreSQL's
    /// `canceling statement due to statement timeout`.
    public func execute(_ sql: String) async throws {
        if Task.isCancelled { throw MigrateError(.cancelled, "cancelled before the statement ran") }
        let timeout = configuration.statementTimeout
        do {
            try await withTaskCancellationHandler {
                try await withConnection { connection in
                    let deadline = timeout.map { DispatchTime.now() + .nanoseconds(Int(Self.nanoseconds($0))) }
                    do {
                        try connection.run(until: deadline) { try connection.execute(sql) }
                    } catch var failure as DatabaseFailure where connection.deadlinePassed {
                        failure.message = "canceling statement due to statement timeout (x-statement-timeout)"
                        throw failure
                    }
                }
            } onCancel: { [connection] in
                connection.interrupt()
            }
        } catch let failure as DatabaseFailure where Task.isCancelled && failure.sqlState == "SQLITE_INTERRUPT" {
            throw MigrateError(.cancelled, "cancelled: the statement was interrupted")
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Begins a transaction with `BEGIN IMMEDIATE` (or as ``Configuration/transactionLock`` says).
    public func beginTransaction() async throws {
        let begin = beginStatement
        try await perform("cannot begin a transaction") { try $0.execute(begin) }
    }

    public func commitTransaction() async throws {
        try await perform("cannot commit the transaction") { try $0.execute("COMMIT") }
    }

    /// Rolls the open transaction back; nothing to do when SQLite already rolled it back after an error.
    public func rollbackTransaction() async throws {
        try await perform("cannot roll the transaction back") { connection in
            if connection.inTransaction { try connection.execute("ROLLBACK") }
        }
    }

    private var beginStatement: String { "BEGIN \(configuration.transactionLock.rawValue.uppercased())" }

    // MARK: - Lock

    /// Takes the cross-process migration lock (see the type's documentation), polling until `timeout`.
    ///
    /// - Throws: ``MigrateError/Code/lockTimeout`` with golang-migrate's message
    ///   `timeout: can't acquire database lock`.
    public func lock(timeout: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var pause = Duration.milliseconds(5)
        while true {
            if try await queue.run({ [connection] in try connection.tryLock() }) {
                logger.debug("acquired the migration lock", metadata: ["database.url": .string(displayURL)])
                return
            }
            let now = clock.now
            guard now < deadline else {
                throw MigrateError(
                    .lockTimeout, "timeout: can't acquire database lock",
                    hint: "another migration holds the lock on \(connection.lockPath ?? configuration.filename)"
                )
            }
            do {
                try await Task.sleep(for: min(pause, now.duration(to: deadline)))
            } catch {
                throw MigrateError(.cancelled, "cancelled while waiting for the database lock")
            }
            pause = min(pause * 2, .milliseconds(100))
        }
    }

    public func unlock() async throws {
        // Not through withConnection: releasing the lock must not wait on deferred settings.
        try await queue.run { [connection] in connection.unlock() }
        logger.debug("released the migration lock", metadata: ["database.url": .string(displayURL)])
    }

    // MARK: - Drop and close

    /// Drops every view and table of the main schema (triggers and indexes go with their tables), the version
    /// and history tables included, then runs `VACUUM` to give the space back.
    public func drop() async throws {
        try await perform("cannot drop the database") { connection in
            guard !connection.inTransaction else {
                throw MigrateError(.driver, "cannot drop the database inside an open transaction")
            }
            var foreignKeys = false
            try connection.query("PRAGMA foreign_keys") { foreignKeys = $0.int64(0) != 0 }
            // Dropping a parent table before its children would fail the foreign key checks.
            if foreignKeys { try connection.execute("PRAGMA foreign_keys = OFF") }
            defer { if foreignKeys { try? connection.execute("PRAGMA foreign_keys = ON") } }

            var drops: [String] = []
            // Virtual tables first: dropping one drops its shadow tables, hence IF EXISTS below.
            try connection.query(
                """
                SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                ORDER BY type = 'table', sql NOT LIKE 'CREATE VIRTUAL%'
                """
            ) { row in
                let kind = row.text(0) == "view" ? "VIEW" : "TABLE"
                drops.append("DROP \(kind) IF EXISTS \(Self.identifier(row.text(1) ?? ""))")
            }
            try connection.execute("BEGIN")
            do {
                for statement in drops { try connection.execute(statement) }
                var hasSequence = false
                try connection.query("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'") { _ in hasSequence = true }
                if hasSequence { try connection.execute("DELETE FROM sqlite_sequence") }
                try connection.execute("COMMIT")
            } catch {
                if connection.inTransaction { try? connection.execute("ROLLBACK") }
                throw error
            }
            try connection.execute("VACUUM")
        }
    }

    /// Closes the connection and releases the migration lock. Calling it again does nothing.
    public func close() async throws {
        try await queue.run { [connection] in connection.close() }
        logger.debug("closed SQLite database", metadata: ["database.url": .string(displayURL)])
    }

    // MARK: - Helpers

    /// Runs `body` on the driver's serial queue.
    private func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) throws -> T
    ) async throws -> T {
        try await queue.run { [connection] in
            try connection.applyDeferredSettings()
            return try body(connection)
        }
    }

    /// Runs `body` on the queue and turns a ``DatabaseFailure`` into a ``MigrateError`` saying what failed.
    func perform<T: Sendable>(
        _ what: String, _ body: @escaping @Sendable (SQLiteConnection) throws -> T
    ) async throws -> T {
        do {
            return try await withConnection(body)
        } catch let failure as DatabaseFailure {
            throw MigrateError(.driver, "\(what) in \(displayURL): \(failure.message)", sqlState: failure.sqlState)
        }
    }

    /// An identifier as SQL: bare when it is a plain name that is not a keyword (as golang-migrate writes
    /// it), otherwise double-quoted with inner quotes doubled, so no table name can inject SQL.
    static func identifier(_ name: String) -> String {
        func isLetter(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: "_") || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }
        let bytes = Array(name.utf8)
        let isPlain = bytes.first.map(isLetter) == true
            && bytes.allSatisfy { isLetter($0) || (0x30...0x39).contains($0) }
            && sqlite3_keyword_check(name, Int32(bytes.count)) == 0
        return isPlain ? name : "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
