import Foundation
import Logging
import PostgresNIO
import SwiftMigrate
import Synchronization

/// The PostgreSQL driver, on one PostgresNIO connection, compatible with golang-migrate's `postgres` driver: the
/// same URL parameters, the same `schema_migrations` table written the same way, the same advisory lock key.
///
/// An app that has a `PostgresClient` migrates on a connection leased from it, with no URL and no second event
/// loop group (``withDriver(client:configuration:logger:_:)``); the `migrate` command opens its own connection
/// from a URL (``open(url:logger:)``).
///
/// ```swift
/// // In an app, on its own client (which must be running: `client.run()` in a task or a ServiceGroup):
/// let applied = try await PostgresDriver.withDriver(client: client, logger: logger) { driver in
///     try await Migrator(source: BundleSource(bundle: .module, subdirectory: "migrations"), driver: driver, logger: logger).up()
/// }
///
/// // From a URL; the driver is closed when the body returns or throws:
/// try await PostgresDriver.withDriver(url: DatabaseURL("postgres://app@localhost:5432/app"), logger: logger) { driver in
///     print(try await driver.readVersion())
/// }
/// ```
///
/// One connection serves everything, so the session-level advisory lock, `SET` statements and transactions all
/// apply to the statements the runner executes. The advisory lock is per session, so one leased connection for
/// the whole run is right.
public final class PostgresDriver: OpenableDriver, ScratchDatabaseProviding, SchemaReading {
    /// The URL schemes this driver opens (golang-migrate registers the same two).
    public static let schemes = ["postgres", "postgresql"]
    /// PostgreSQL's dialect.
    public static let dialect = SQLDialect.postgres

    public var dialect: SQLDialect { .postgres }
    /// A remote advisory lock, the connection's event loop as executor, and whether `lock_timeout` is set.
    public var traits: DriverTraits {
        DriverTraits(lockIsRemote: true, setsLockTimeout: configuration.lockTimeout != nil, executor: executor)
    }
    /// The database URL with its password redacted; for a lent connection, `postgres://USER@HOST:PORT/DB` from
    /// the session.
    public let displayURL: String
    /// The settings the session was set up with.
    public let configuration: Configuration

    let executor: EventLoopTaskExecutor
    /// The URL the connection was opened from; nil for a lent connection.
    let url: DatabaseURL?
    let connection: PostgresConnection
    let ownership: Ownership
    let logger: Logger
    /// The version table, schema resolved.
    let versionTable: QualifiedName
    let historyTable: QualifiedName
    /// golang-migrate's key: from the URL's path (or the database name), so the two tools exclude each other.
    let lockKey: AdvisoryLockKey
    /// A second key from `current_database()` itself: two runs that name one database two ways
    /// (`postgres://host/db` and `postgres://host?dbname=db`) get different golang-migrate keys, but this one is
    /// the same, so they still exclude each other.
    let databaseLockKey: AdvisoryLockKey
    let backendPID: Int32
    /// The session's `statement_timeout` and `lock_timeout` before the driver set them, restored on ``close()``
    /// of a lent connection.
    let previousSettings: [(name: String, value: String)]

    /// Who closes the connection.
    enum Ownership: Sendable {
        /// Opened from a URL: ``close()`` closes it, and a cancel request connects again with this configuration.
        case owned(PostgresConnection.Configuration)
        /// Lent by the app: ``close()`` hands it back as it came (no lock, no transaction, its own timeouts).
        /// `cancel` asks the server, from another connection, to cancel the statement of a backend.
        case lent(cancel: (@Sendable (Int32) async -> Bool)?)
    }

    struct State {
        var inTransaction = false
        /// A statement failed inside the open transaction: PostgreSQL would turn COMMIT into ROLLBACK silently.
        var transactionFailed = false
        var lockHeld = false
        /// False when the user may not create the history table: golang-migrate's table alone is kept.
        var historyAvailable = true
        /// Whether the user may DELETE from the version table, which the one-statement version write needs
        /// (golang-migrate needs only TRUNCATE and INSERT); nil until known.
        var versionDeletable: Bool?
        var cancelTask: Task<Void, Never>?
        var closed = false
    }
    let state = Mutex(State())

    /// Sets up the session on `connection` (timeouts), reads what the driver needs from it (database, schema,
    /// backend), and computes golang-migrate's lock key.
    init(
        connection: PostgresConnection, configuration: Configuration, ownership: Ownership, url: DatabaseURL?,
        logger: Logger
    ) async throws {
        // Every way to a driver passes here (a URL, the app's client, a lent connection): check before any query.
        try configuration.validate()
        self.connection = connection
        self.configuration = configuration
        self.ownership = ownership
        self.url = url
        self.logger = logger
        self.executor = EventLoopTaskExecutor(connection.eventLoop)
        let origin = url?.redacted ?? "the app's connection"
        let session = try await Self.readSession(connection, origin: origin, logger: logger)
        if let url {
            displayURL = url.redacted
        } else {
            let host = session.host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "localhost"
            displayURL = "postgres://\(session.user)@\(host)\(session.port.map { ":\($0)" } ?? "")/\(session.database)"
        }
        var previous: [(name: String, value: String)] = []
        for (name, value, before) in [
            ("statement_timeout", configuration.statementTimeout, session.statementTimeout),
            ("lock_timeout", configuration.lockTimeout, session.lockTimeout),
        ] {
            guard let value else { continue }
            do {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "SET \(name) = \(Configuration.milliseconds(value))"), logger: logger
                )
            } catch {
                throw MigrateError(.connection, "cannot set \(name) on \(origin)", underlying: error)
            }
            previous.append((name, before))
        }
        previousSettings = previous
        let schema: String
        if let given = configuration.migrationsSchema {
            schema = given
        } else if let current = session.schema {
            schema = current
        } else {
            throw MigrateError(
                .connection,
                "cannot connect to \(origin): no schema: the search_path names no existing schema",
                hint: "create the schema, or fix search_path in the URL or the role's settings"
            )
        }
        versionTable = QualifiedName(schema: schema, name: configuration.migrationsTable)
        historyTable = QualifiedName(schema: schema, name: configuration.migrationsTable + "_history")
        let lockName = configuration.advisoryLockDatabaseName
            ?? (configuration.advisoryLockUsesBareDatabaseName ? session.database : "/" + session.database)
        lockKey = AdvisoryLockKey(databaseName: lockName, schema: schema, table: configuration.migrationsTable)
        databaseLockKey = AdvisoryLockKey(
            databaseName: session.database, additionalNames: [schema, configuration.migrationsTable, "swift-migrate"]
        )
        backendPID = session.pid
        logger.debug("connected", metadata: ["db.pid": "\(session.pid)", "db.lock_key": "\(lockKey)"])
    }

    /// What the driver reads from the session once: the database, the schema, the backend, who and where.
    struct Session {
        var database: String
        var schema: String?
        var pid: Int32
        var user: String
        var host: String?
        var port: Int32?
        var statementTimeout: String
        var lockTimeout: String
    }

    static func readSession(_ connection: PostgresConnection, origin: String, logger: Logger) async throws -> Session {
        var session: Session?
        do {
            let rows = try await connection.query(
                """
                SELECT current_database(), current_schema(), pg_backend_pid(), current_user::text, \
                host(inet_server_addr()), inet_server_port(), current_setting('statement_timeout'), \
                current_setting('lock_timeout')
                """,
                logger: logger
            )
            for try await row in rows.decode((String, String?, Int32, String, String?, Int32?, String, String).self) {
                session = Session(
                    database: row.0, schema: row.1, pid: row.2, user: row.3, host: row.4, port: row.5,
                    statementTimeout: row.6, lockTimeout: row.7
                )
            }
        } catch let error as MigrateError {
            throw error
        } catch {
            throw MigrateError(.connection, "cannot read the session of \(origin)", underlying: error)
        }
        guard let session else { throw MigrateError(.driver, "no session information from \(origin)") }
        return session
    }

    /// Migrates on a connection the app owns (leased from its `PostgresClient`, or made by
    /// `PostgresConnection.connect`). The driver sets the configuration's timeouts on the session and
    /// ``close()`` puts them back, releases the lock if held and rolls back an open transaction; it never closes
    /// the connection. Keep the connection for the driver's whole use: the migration lock belongs to it.
    ///
    /// Without a client, a cancelled statement cannot be interrupted (the server is asked to cancel it from
    /// another connection, which ``withDriver(client:configuration:logger:_:)`` leases from the client).
    public convenience init(connection: PostgresConnection, configuration: Configuration = Configuration(), logger: Logger) async throws {
        try await self.init(connection: connection, configuration: configuration, ownership: .lent(cancel: nil), url: nil, logger: logger)
    }

    /// Leases one connection from the app's `client` for the whole of `body` (the migration lock is per
    /// session), runs `body` with a driver on it, and hands the connection back as it came, whatever `body`
    /// did. The client must be running (`client.run()`, or the client in a `ServiceGroup`).
    ///
    /// ```swift
    /// let applied = try await PostgresDriver.withDriver(client: client, logger: logger) { driver in
    ///     try await Migrator(source: source, driver: driver, logger: logger).up()
    /// }
    /// ```
    public static func withDriver<T: Sendable>(
        client: PostgresClient, configuration: Configuration = Configuration(), logger: Logger,
        _ body: (PostgresDriver) async throws -> T
    ) async throws -> T {
        let cancel: @Sendable (Int32) async -> Bool = { pid in
            do {
                let rows = try await client.query("SELECT pg_cancel_backend(\(pid))", logger: logger)
                for try await cancelled in rows.decode(Bool.self) { return cancelled }
            } catch {
                logger.debug("cancel request failed", metadata: ["db.error": "\(DatabaseURL.redact(String(reflecting: error)))"])
            }
            return false
        }
        return try await client.withConnection { connection in
            let driver = try await PostgresDriver(
                connection: connection, configuration: configuration, ownership: .lent(cancel: cancel), url: nil, logger: logger
            )
            let result: T
            do {
                result = try await body(driver)
            } catch {
                try? await driver.close()
                throw error
            }
            try await driver.close()
            return result
        }
    }

    /// Connects to the database a `postgres://` or `postgresql://` URL names. Close the driver when done (or
    /// use ``withDriver(url:logger:_:)``): PostgresNIO asserts that a connection is closed before it is freed.
    ///
    /// Parameters: `sslmode` (disable, allow, prefer (default), require, verify-ca, verify-full), `sslrootcert`,
    /// `sslcert`, `sslkey`, `connect_timeout` (seconds, default 10), `search_path`, `application_name`, `options`,
    /// `host` (a directory means a Unix socket), `port`, `user`, `password`, `dbname`; and golang-migrate's
    /// `x-migrations-table`, `x-migrations-table-quoted`, `x-statement-timeout` (milliseconds),
    /// `x-multi-statement` and `x-multi-statement-max-size` (accepted, ignored: scripts are always split), and
    /// swift-migrate's `x-lock-timeout` (milliseconds).
    ///
    /// - throws: ``MigrateError`` with ``MigrateError/Code/invalidURL`` for a bad or unknown parameter, and
    ///   ``MigrateError/Code/connection`` (`cannot connect to URL: reason`) when the server cannot be reached or
    ///   refuses the login. Messages never contain the password.
    public static func open(url: DatabaseURL, logger: Logger) async throws -> PostgresDriver {
        guard schemes.contains(url.scheme) else {
            throw MigrateError(
                .unsupportedScheme, "the PostgreSQL driver cannot open \(url.redacted): scheme must be postgres or postgresql"
            )
        }
        let options = try Options(url: url)
        // Checked again by init, but a refused setting should not cost a connection attempt.
        try options.driverConfiguration.validate(url: url)
        let connectionConfiguration = try connectionConfiguration(options, url: url)
        var logger = logger
        logger[metadataKey: "db.url"] = "\(url.redacted)"
        let connection = try await connect(connectionConfiguration, options: options, url: url, logger: logger)
        do {
            return try await PostgresDriver(
                connection: connection, configuration: options.driverConfiguration,
                ownership: .owned(connectionConfiguration), url: url, logger: logger
            )
        } catch {
            try? await connection.close()
            if let error = error as? MigrateError { throw error }
            throw connectionError(error, options: options, url: url)
        }
    }

    /// Hides a password of the URL's, in any form, from a message.
    func scrub(_ text: String) -> String {
        url?.scrub(text) ?? DatabaseURL.redact(text)
    }

    // MARK: Lock

    /// Takes golang-migrate's session-level advisory lock and the second one keyed on `current_database()`
    /// (``databaseLockKey``), both or neither in one query, polling with a short backoff (2 ms doubling to 50 ms)
    /// so that the timeout is honoured without holding a query open. Never waiting while holding one of the two,
    /// two runners cannot deadlock.
    public func lock(timeout: Duration) async throws {
        guard !state.withLock({ $0.lockHeld }) else {
            throw MigrateError(.driver, "can't acquire lock: this connection already holds it")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var delay = Duration.milliseconds(2)
        while true {
            // CASE evaluates in order: the second lock is tried only after the first was taken, and the first is
            // given back when the second is busy.
            let acquired = try await single(
                PostgresQuery(unsafeSQL: """
                    SELECT CASE WHEN pg_try_advisory_lock(\(lockKey.value)) THEN \
                    CASE WHEN pg_try_advisory_lock(\(databaseLockKey.value)) THEN true \
                    ELSE NOT pg_advisory_unlock(\(lockKey.value)) END ELSE false END
                    """),
                as: Bool.self, what: "try lock"
            )
            if acquired == true {
                state.withLock { $0.lockHeld = true }
                return
            }
            let now = clock.now
            guard now < deadline else { throw MigrateError(.lockTimeout, "timeout: can't acquire database lock") }
            do {
                try await Task.sleep(for: min(delay, deadline - now))
            } catch {
                throw MigrateError(.cancelled, "cancelled while waiting for the database lock")
            }
            delay = min(delay * 2, .milliseconds(50))
        }
    }

    public func unlock() async throws {
        guard state.withLock({ $0.lockHeld }) else {
            throw MigrateError(.driver, "can't unlock, as not currently locked")
        }
        var released = false
        let sql = "SELECT pg_advisory_unlock(\(databaseLockKey.value)), pg_advisory_unlock(\(lockKey.value))"
        try await query(PostgresQuery(unsafeSQL: sql), what: "unlock") { rows in
            for try await (second, first) in rows.decode((Bool, Bool).self) { released = first && second }
        }
        state.withLock { $0.lockHeld = false }
        if !released {
            logger.warning("the migration lock was not held by this session when releasing it", metadata: ["db.lock_key": "\(lockKey)"])
        }
    }

    // MARK: Transactions

    public func beginTransaction() async throws {
        guard !state.withLock({ $0.inTransaction }) else {
            throw MigrateError(.driver, "cannot begin a transaction: one is already open")
        }
        try await run("BEGIN", what: "begin a transaction")
        state.withLock {
            $0.inTransaction = true
            $0.transactionFailed = false
        }
    }

    public func commitTransaction() async throws {
        let (open, failed) = state.withLock { ($0.inTransaction, $0.transactionFailed) }
        guard open else { throw MigrateError(.driver, "cannot commit: no transaction is open") }
        if failed {
            // COMMIT of an aborted transaction "succeeds" as a ROLLBACK; say what really happened.
            try await rollbackTransaction()
            throw MigrateError(.driver, "cannot commit: a statement failed in the transaction, which was rolled back")
        }
        defer { state.withLock { $0.inTransaction = false } }
        try await run("COMMIT", what: "commit")
    }

    /// Rolls back the open transaction; does nothing when none is open, so error paths may always call it.
    public func rollbackTransaction() async throws {
        guard state.withLock({ $0.inTransaction }) else { return }
        defer { state.withLock { $0.inTransaction = false } }
        try await run("ROLLBACK", what: "roll back")
    }

    /// Closes a connection the driver opened. A lent connection is handed back as it came: an open transaction
    /// is rolled back, the lock released, the timeouts the driver set put back; it stays open.
    public func close() async throws {
        let alreadyClosed = state.withLock { state in
            defer { state.closed = true }
            return state.closed
        }
        guard !alreadyClosed else { return }
        switch ownership {
        case .owned:
            do {
                try await connection.close()
            } catch {
                throw MigrateError(.connection, "cannot close the connection to \(displayURL): \(scrub(String(reflecting: error)))")
            }
        case .lent:
            guard !connection.isClosed else { return }
            try await rollbackTransaction()
            if state.withLock({ $0.lockHeld }) { try await unlock() }
            for (name, value) in previousSettings {
                try await run("SELECT set_config(\(name), \(value), false)", what: "restore \(name)")
            }
        }
    }
}

/// A schema-qualified name; its description is the quoted SQL form, safe to splice into a statement.
struct QualifiedName: Sendable, Hashable, CustomStringConvertible {
    var schema: String
    var name: String

    var description: String { "\(quoteIdentifier(schema)).\(quoteIdentifier(name))" }
}

/// A PostgreSQL identifier in double quotes, inner quotes doubled: no value can break out of it.
func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
