import CLibPQ
import Foundation
import Logging
import SwiftMigrate
// The configuration and the lock key are shared with the PostgresNIO driver: importing this module is enough.
@_exported import SwiftMigratePostgresCore
import Synchronization

/// The PostgreSQL driver on libpq, the C client psql itself uses: the `migrate` command's driver.
///
/// Compared with the PostgresNIO driver (`PostgresDriver`, for apps on their own `PostgresClient`):
/// - a migration that runs in a transaction goes to the server as one simple-protocol query (`BEGIN`, its
///   statements, the version and history writes, `COMMIT`): one round trip, where one per statement would wait
///   for the network each time; errors still point at the file, line and column;
/// - connecting is libpq's own: every URL parameter and environment variable libpq knows (`sslmode` with the
///   system's OpenSSL, `PGPASSFILE` and `.pgpass`, service files, several hosts with `target_session_attrs`),
///   with golang-migrate's `x-` parameters read here and removed, and `search_path` passed as an `options` setting;
/// - no event loops: every libpq call runs on the driver's own serial queue.
///
/// The state, locks, `drop`, schema snapshot and catalog are the same code as the PostgresNIO driver's
/// (`PostgresEngine`), so both keep golang-migrate's table and advisory-lock key the same way.
///
/// ```swift
/// try await LibPQDriver.withDriver(url: DatabaseURL("postgres://app@localhost/app"), logger: logger) { driver in
///     try await Migrator(source: DirectorySource(path: "migrations"), driver: driver, logger: logger).up()
/// }
/// ```
public final class LibPQDriver: OpenableDriver, ScratchDatabaseProviding, SchemaReading, CatalogReading, ReplicaWaiting, TransactionBatching,
    InvalidObjectReporting {
    /// How the driver keeps its state and sets up the session (`x-` parameters of a URL).
    public typealias Configuration = PostgresMigrationConfiguration

    /// The URL schemes this driver opens (golang-migrate registers the same two).
    public static let schemes = ["postgres", "postgresql"]
    /// PostgreSQL's dialect.
    public static let dialect = SQLDialect.postgres

    public var dialect: SQLDialect { .postgres }
    /// A remote advisory lock, the driver's queue as executor, and whether `lock_timeout` is set.
    public var traits: DriverTraits {
        DriverTraits(lockIsRemote: true, setsLockTimeout: configuration.lockTimeout != nil, executor: queue)
    }
    /// The database URL with its password redacted.
    public var displayURL: String { engine.displayURL }
    /// The settings the session was set up with.
    public var configuration: Configuration { engine.configuration }

    let engine: PostgresEngine
    let connection: LibPQConnection
    let queue: BlockingCallQueue
    let logger: Logger
    private let closed = Atomic<Bool>(false)

    /// Where ``close()`` puts the connection back for another tenant schema of the same database, instead of
    /// closing it (``withSharedConnections(_:)``); nil closes it.
    let sharedSlot: SharedConnections.Slot?

    private init(
        engine: PostgresEngine, connection: LibPQConnection, queue: BlockingCallQueue, logger: Logger,
        sharedSlot: SharedConnections.Slot? = nil
    ) {
        self.engine = engine
        self.connection = connection
        self.queue = queue
        self.logger = logger
        self.sharedSlot = sharedSlot
    }

    /// Connects to the database a `postgres://` or `postgresql://` URL names, through libpq. Close the driver
    /// when done, or use ``withDriver(url:logger:_:)``.
    ///
    /// The URL is libpq's (its parameters, its defaults and environment variables), except for golang-migrate's
    /// `x-migrations-table`, `x-migrations-table-quoted`, `x-statement-timeout`, `x-multi-statement` and
    /// `x-multi-statement-max-size`, swift-migrate's `x-lock-timeout`, the lock's `x-lock-strategy`, `x-lock-table`
    /// and `x-lock-ttl` (see `PostgresMigrationConfiguration.LockStrategy`), and `search_path` (which libpq does not
    /// know: it is set through `options`). `connect_timeout` defaults to 10 seconds (libpq waits for ever). A server
    /// with no free connection slot (SQLSTATE 53300: `max_connections` or the role's `CONNECTION LIMIT` reached) is
    /// tried again, for up to `connect_timeout` in all.
    ///
    /// Cancelling the task stops waiting for the connection at once (the attempt goes on in the background, up
    /// to `connect_timeout`, and is closed).
    ///
    /// - throws: ``MigrateError`` with ``MigrateError/Code/invalidURL`` for a bad `x-` parameter,
    ///   ``MigrateError/Code/connection`` (`cannot connect to URL: reason`, libpq's reason) when the server cannot
    ///   be reached or refuses the login. Messages never contain the password.
    public static func open(url: DatabaseURL, logger: Logger) async throws -> LibPQDriver {
        guard schemes.contains(url.scheme) else {
            throw MigrateError(.unsupportedScheme, "the PostgreSQL driver cannot open \(url.redacted): scheme must be postgres or postgresql")
        }
        var configuration = try PostgresURLParameters.configuration(url)
        try configuration.validate(url: url)
        // Checked before connecting; 0 is libpq's "for ever", which the wait for a free slot does not take.
        let connectTimeout = try PostgresURLParameters.connectTimeoutSeconds(url).flatMap { $0 > 0 ? $0 : nil }
            ?? defaultConnectTimeoutSeconds
        var (keywords, values) = connectionParameters(url)
        let origin = url.redacted
        let slot = SharedConnections.current.flatMap { $0.slot(for: url) }
        if let slot, let idle = slot.take() {
            // A connection another tenant schema of this database used: only the search_path differs, and it is
            // set in the same round trip as the session is read.
            do {
                return try await driver(
                    on: idle.connection, queue: idle.queue, keywords: keywords, values: values, configuration: configuration,
                    url: url, poolerDetected: false, sessionSearchPath: url.queryValue("search_path"), sharedSlot: slot,
                    logger: logger
                )
            } catch {
                try? await idle.queue.run { idle.connection.close() }
            }
        }
        let queue = BlockingCallQueue(label: "swift-migrate.libpq")
        let connection: LibPQConnection
        var poolerDetected = false
        do {
            connection = try await connectWhenASlotIsFree(
                keywords: keywords, values: values, origin: origin, url: url, queue: queue,
                window: .seconds(connectTimeout), logger: logger
            )
        } catch let error as MigrateError where error.message.contains("unsupported startup parameter") {
            guard url.queryValue("options") == nil, let path = url.queryValue("search_path"),
                let index = keywords.firstIndex(of: "options")
            else { throw error }
            // PgBouncer (1.18, as Debian ships it) refuses the `options` that carry search_path: a pooler, where the
            // search_path belongs in each transaction anyway.
            keywords.remove(at: index)
            values.remove(at: index)
            configuration.localSearchPath = path
            poolerDetected = true
            connection = try await connectWhenASlotIsFree(
                keywords: keywords, values: values, origin: origin, url: url, queue: queue,
                window: .seconds(connectTimeout), logger: logger
            )
        }
        do {
            return try await driver(
                on: connection, queue: queue, keywords: keywords, values: values, configuration: configuration, url: url,
                poolerDetected: poolerDetected, sharedSlot: poolerDetected ? nil : slot, logger: logger
            )
        } catch {
            try? await queue.run { connection.close() }
            throw error
        }
    }

    /// The driver on an open connection: the shared engine set up on it, with a way to open a second connection
    /// (the table lock's renewals) with the same parameters.
    private static func driver(
        on connection: LibPQConnection, queue: BlockingCallQueue, keywords: [String], values: [String],
        configuration: Configuration, url: DatabaseURL, poolerDetected: Bool, sessionSearchPath: String? = nil,
        sharedSlot: SharedConnections.Slot?, logger: Logger
    ) async throws -> LibPQDriver {
        let origin = url.redacted
        let session = LibPQSession(connection: connection, queue: queue)
        let (endpoint, port, localPort) = try await queue.run { (connection.endpoint, connection.port, connection.localPort) }
        let engine = try await PostgresEngine(
            session: session, configuration: configuration, url: url, owner: "LibPQDriver.Configuration",
            endpoint: endpoint, connectedPort: port, localPort: localPort, poolerDetected: poolerDetected,
            sessionSearchPath: sessionSearchPath,
            sideConnection: {
                let sideQueue = BlockingCallQueue(label: "swift-migrate.libpq.side")
                let side = try await sideQueue.run {
                    try LibPQConnection.connect(keywords: keywords, values: values, origin: origin, scrub: url.scrub)
                }
                return (LibPQSession(connection: side, queue: sideQueue), { try? await sideQueue.run { side.close() } })
            },
            logger: logger
        )
        return LibPQDriver(engine: engine, connection: connection, queue: queue, logger: logger, sharedSlot: sharedSlot)
    }

    /// libpq's keywords and values for `url`: `connect_timeout` 10 (before the URL, which may override it), the
    /// URL itself as `dbname` (libpq expands it) without the parameters libpq does not know, and `options`
    /// carrying `search_path`.
    static func connectionParameters(_ url: DatabaseURL) -> (keywords: [String], values: [String]) {
        let ours = Set(PostgresURLParameters.names + ["search_path", "options"])
        let kept = url.queryItems.filter { !ours.contains($0.name) }
        var text = "\(url.scheme)://\(url.opaquePath)"
        if !kept.isEmpty {
            text += "?" + kept.map { "\(DatabaseURL.percentEncode($0.name))=\(DatabaseURL.percentEncode($0.value))" }.joined(separator: "&")
        }
        var keywords = ["connect_timeout", "dbname"]
        var values = [String(defaultConnectTimeoutSeconds), text]
        var options = url.queryValue("options") ?? ""
        if let path = url.queryValue("search_path") {
            // In `options`, a space separates settings and a backslash escapes: `-c search_path=a,\ b`.
            let escaped = path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: " ", with: "\\ ")
            options += (options.isEmpty ? "" : " ") + "-c search_path=\(escaped)"
        }
        if !options.isEmpty {
            keywords.append("options")
            values.append(options)
        }
        return (keywords, values)
    }

    /// Connects on `queue` (libpq's connect blocks); a cancelled task stops waiting at once, and a connection
    /// that arrives after that is closed.
    static func connect(
        keywords: [String], values: [String], origin: String, url: DatabaseURL, queue: BlockingCallQueue
    ) async throws -> LibPQConnection {
        let waiter = ConnectWaiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<LibPQConnection, any Error>) in
                waiter.wait(with: continuation)
                Task {
                    let result: Result<LibPQConnection, any Error>
                    do {
                        result = .success(try await queue.run {
                            try LibPQConnection.connect(keywords: keywords, values: values, origin: origin, scrub: url.scrub)
                        })
                    } catch {
                        result = .failure(error)
                    }
                    if !waiter.resume(with: result), case .success(let late) = result {
                        try? await queue.run { late.close() }
                    }
                }
            }
        } onCancel: {
            _ = waiter.resume(with: .failure(MigrateError(.cancelled, "cancelled while connecting to \(origin)")))
        }
    }

    func scrub(_ text: String) -> String { engine.scrub(text) }

    // MARK: Statements of a migration

    /// Runs one statement of a migration with the simple query protocol. Cancelling the task sends libpq's cancel
    /// request: the statement fails with ``MigrateError/Code/cancelled``.
    ///
    /// - throws: ``DatabaseFailure`` (SQLSTATE, detail, hint, 1-based character position) when the server
    ///   rejects the statement; ``MigrateError`` with ``MigrateError/Code/connection`` when the connection is lost.
    public func execute(_ sql: String) async throws {
        if Task.isCancelled { throw MigrateError(.cancelled, "cancelled before the statement ran") }
        do {
            try await cancellable { try await self.queue.run { [connection] in _ = try connection.simpleQuery(sql) } }
        } catch let failure as BatchFailure {
            engine.noteFailure()
            throw failure.error.databaseFailure(scrub: scrub)
        } catch let interrupted as BatchInterrupted {
            engine.noteFailure()
            throw interrupted.error
        } catch {
            engine.noteFailure()
            throw error
        }
    }

    /// One query for the whole migration: `BEGIN`, the statements, the version write, `COMMIT`. A failure rolls
    /// back everything and names the statement; the version write's compare-and-set raises inside the same
    /// query. Returns false, running nothing, where the version table needs golang-migrate's TRUNCATE (no DELETE
    /// privilege): the Migrator then runs the migration statement by statement.
    public func runInTransaction(
        _ statements: [String], thenWrite state: DatabaseVersion, replacing expected: DatabaseVersion?,
        recording records: [HistoryRecord]
    ) async throws -> Bool {
        if Task.isCancelled { throw MigrateError(.cancelled, "cancelled before the migration ran") }
        let connection = connection
        // Both quoted by libpq (on its queue) in one trip: the version write and, through a pooler, the
        // transaction's own timeouts and search_path (SET LOCAL).
        let (write, leading) = try await queue.run { [engine] in
            (
                try engine.batchedVersionWrite(state, replacing: expected, recording: records, literal: connection.literal),
                try engine.localSettingsStatement(value: connection.literal).map { [$0] } ?? []
            )
        }
        // The version table needs golang-migrate's TRUNCATE (no DELETE privilege): the Migrator runs this one
        // statement by statement.
        guard let write else { return false }
        try engine.checkLockKept()
        // The script and where each statement starts in it, in characters (PostgreSQL's error positions).
        var script = "BEGIN;\n"
        var starts = [0]
        var characters = script.unicodeScalars.count
        for statement in leading + statements + [write, "COMMIT"] {
            starts.append(characters)
            script += statement + ";\n"
            characters += statement.unicodeScalars.count + 2
        }
        let (query, offsets) = (script, starts)
        // Index 0 is BEGIN, then the settings, the statements, the version write and COMMIT.
        let first = 1 + leading.count
        func statementIndex(_ index: Int) -> Int { min(max(index - first, 0), max(statements.count - 1, 0)) }
        do {
            try await withTaskCancellationHandler {
                try await self.queue.run { _ = try connection.simpleQuery(query, statementStarts: offsets) }
            } onCancel: {
                _ = connection.cancelRunningQuery()
            }
        } catch let interrupted as BatchInterrupted {
            engine.noteFailure()
            throw BatchedStatementFailure(index: statementIndex(interrupted.index), error: interrupted.error)
        } catch let failure as BatchFailure {
            // The server skipped the rest; the transaction is aborted (or never began): end it.
            try? await queue.run { _ = try connection.simpleQuery("ROLLBACK") }
            let index = failure.index - first
            if Task.isCancelled, failure.error.sqlState == "57014" {
                throw BatchedStatementFailure(
                    index: statementIndex(failure.index), error: MigrateError(.cancelled, "cancelled: the statement was interrupted")
                )
            }
            if index == statements.count, failure.error.message.contains(PostgresEngine.versionChangedMessage), let expected {
                throw MigrateError.versionChanged(
                    expected: expected, found: try await engine.readVersion(), writing: state,
                    table: engine.versionTable.description
                )
            }
            guard statements.indices.contains(index) else {
                throw MigrateError(
                    .driver,
                    "cannot \(index < 0 ? "begin with the transaction's settings" : "write the version"): \(scrub(failure.error.message))",
                    sqlState: failure.error.sqlState
                )
            }
            throw BatchedStatementFailure(index: index, error: failure.error.databaseFailure(scrub: scrub))
        }
        return true
    }

    /// Runs `body`, sending libpq's cancel request when the task is cancelled; a statement cancelled that way
    /// fails with ``MigrateError/Code/cancelled``.
    private func cancellable(_ body: @Sendable () async throws -> Void) async throws {
        do {
            try await withTaskCancellationHandler {
                try await body()
            } onCancel: { [connection] in
                _ = connection.cancelRunningQuery()
            }
        } catch let failure as BatchFailure where Task.isCancelled && failure.error.sqlState == "57014" {
            throw MigrateError(.cancelled, "cancelled: the statement was interrupted")
        }
    }

    // MARK: The engine's

    public func prepare() async throws { try await engine.prepare() }
    public func readVersion() async throws -> DatabaseVersion { try await engine.readVersion() }
    public func writeVersion(_ state: DatabaseVersion, replacing expected: DatabaseVersion?, recording records: [HistoryRecord]) async throws {
        try await engine.writeVersion(state, replacing: expected, recording: records)
    }
    public func readHistory() async throws -> [HistoryRecord] { try await engine.readHistory() }
    /// Takes golang-migrate's session-level advisory lock and a second one keyed on `current_database()`, both or
    /// neither, polling until `timeout`.
    public func lock(timeout: Duration) async throws { try await engine.lock(timeout: timeout) }
    public func unlock() async throws { try await engine.unlock() }
    public func beginTransaction() async throws { try await engine.beginTransaction() }
    public func commitTransaction() async throws { try await engine.commitTransaction() }
    /// Rolls back the open transaction; does nothing when none is open, so error paths may always call it.
    public func rollbackTransaction() async throws { try await engine.rollbackTransaction() }
    /// Empties the current schema, the version and history tables included.
    public func drop() async throws { try await engine.drop() }
    /// Reads the schema of every non-system schema from `pg_catalog`, without the version and history tables.
    public func schemaSnapshot() async throws -> SchemaSnapshot { try await engine.schemaSnapshot() }
    /// Reads the tables, views, materialized views and enums of `schema` for model generation.
    public func catalog(schema: String?) async throws -> DatabaseCatalog { try await engine.catalog(schema: schema) }
    /// Waits until every standby streaming from the server has replayed everything committed so far.
    public func waitForReplicas(timeout: Duration) async throws -> [ReplicaStatus] {
        try await engine.waitForReplicas(timeout: timeout)
    }
    /// The INVALID indexes of the current schema (a failed `CREATE INDEX CONCURRENTLY`), each with its DROP.
    public func invalidObjects() async throws -> [InvalidObject] { try await engine.invalidObjects() }

    /// Closes the connection. Calling it again does nothing.
    public func close() async throws {
        guard !closed.exchange(true, ordering: .sequentiallyConsistent) else { return }
        // Shared (a fleet's read-only request on tenant schemas): back for the next schema when it is idle and
        // sound; a transaction or lock left open, or a broken connection, closes it.
        if let sharedSlot, !engine.inTransaction, !engine.state.withLock({ $0.lockHeld }),
            try await queue.run({ [connection] in !connection.isBad })
        {
            sharedSlot.put(SharedConnections.Idle(connection: connection, queue: queue))
            return
        }
        try await queue.run { [connection] in connection.close() }
    }

    /// Creates an empty database beside the one `url` names, runs `body` with a driver on it, and drops it again
    /// (see the PostgresNIO driver's `withScratchDatabase`: the same code).
    public static func withScratchDatabase<T: Sendable>(
        like url: DatabaseURL, logger: Logger, created: ((String) -> Void)? = nil,
        _ body: (LibPQDriver) async throws -> T
    ) async throws -> T {
        try await PostgresScratchDatabase.with(
            like: url, logger: logger, created: created, open: { try await open(url: $0, logger: logger) }, engine: \.engine, body
        )
    }
}

/// The engine's session on libpq: each query on the driver's queue, with text parameters and text results.
struct LibPQSession: PostgresSession {
    let connection: LibPQConnection
    let queue: BlockingCallQueue

    func rows(_ sql: String, _ parameters: [String?]) async throws -> [PostgresTextRow] {
        try await queue.run { [connection] in try connection.rows(sql, parameters) }
    }
}

/// The one waiter of a connection attempt: resumed by the attempt or by a cancellation, whichever comes first.
private final class ConnectWaiter: Sendable {
    private let waiter = Mutex<CheckedContinuation<LibPQConnection, any Error>?>(nil)

    func wait(with continuation: CheckedContinuation<LibPQConnection, any Error>) {
        waiter.withLock { $0 = continuation }
    }

    /// Resumes the waiter with `result`; false when it was resumed already.
    func resume(with result: Result<LibPQConnection, any Error>) -> Bool {
        guard let continuation = waiter.withLock({ state in
            defer { state = nil }
            return state
        }) else { return false }
        continuation.resume(with: result)
        return true
    }
}

extension LibPQDriver: TenantSchemaProviding {
    /// The database's own schemas (all but `information_schema` and the `pg_` ones), sorted.
    public func schemaNames() async throws -> [String] { try await engine.schemaNames() }

    /// `url` with `search_path` set to `schema` alone: the schema's own version table, lock key and objects.
    public static func url(_ url: DatabaseURL, tenantSchema schema: String) throws(MigrateError) -> DatabaseURL {
        try PostgresURLParameters.tenantSchemaURL(url, schema: schema)
    }
}
