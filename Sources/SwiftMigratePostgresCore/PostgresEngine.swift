import Logging
import SwiftMigrate
import Synchronization

/// What both PostgreSQL drivers do the same way, on any ``PostgresSession``: golang-migrate's version table and
/// advisory-lock key, swift-migrate's history table and second lock, transactions, `drop`, the schema snapshot
/// and the catalog. A driver makes one when it connects and forwards ``DatabaseDriver``'s members to it; what
/// differs between the drivers (connecting, running a migration's statements, cancelling one) stays with them.
package final class PostgresEngine: Sendable {
    package let session: any PostgresSession
    package let configuration: PostgresMigrationConfiguration
    /// The database URL with its password redacted; for a lent connection, `postgres://USER@HOST:PORT/DB`.
    package let displayURL: String
    /// The version table, schema resolved.
    package let versionTable: QualifiedName
    package let historyTable: QualifiedName
    /// golang-migrate's key: from the URL's path (or the database name), so the two tools exclude each other.
    package let lockKey: AdvisoryLockKey
    /// A second key from `current_database()` itself: two runs that name one database two ways
    /// (`postgres://host/db` and `postgres://host?dbname=db`) get different golang-migrate keys, but this one is
    /// the same, so they still exclude each other.
    package let databaseLockKey: AdvisoryLockKey
    package let backendPID: Int32
    /// The server is a standby in recovery: it can be read, never migrated.
    package let isStandby: Bool
    /// The session's `current_schema()` when connecting (nil when the search_path names no existing schema):
    /// what `drop` empties.
    package let currentSchema: String?
    /// How runs exclude each other here: the configuration's, or the one chosen when connecting.
    package let lockStrategy: PostgresMigrationConfiguration.LockStrategy
    /// Why ``lockStrategy`` was chosen, for the log.
    package let lockStrategyReason: String
    /// The table of the ``PostgresMigrationConfiguration/LockStrategy/table`` lock, beside the version table.
    package let lockTable: QualifiedName
    /// Who holds a table lock taken by this engine: host, process and a random part, unique per run.
    package let lockOwner: String
    /// Opens a second connection to the same database (for renewing a table lock while a migration runs); nil
    /// when the driver has no way to.
    package let sideConnection: SideConnector?
    /// The timeouts and `search_path` each transaction sets with `SET LOCAL` through a pooler (the table lock).
    package let localSettings: [(name: String, value: String)]

    /// A second connection's session and how to close it.
    package typealias SideConnector = @Sendable () async throws -> (session: any PostgresSession, close: @Sendable () async -> Void)

    /// Where the driver connected, as the client sees it (`host:port`), for messages; nil when unknown.
    package let endpoint: String?
    /// The session's `statement_timeout` and `lock_timeout` before the engine set them, put back by
    /// ``restoreSession()`` when the connection was lent.
    package let previousSettings: [(name: String, value: String)]
    /// Hides the password of the URL the connection came from, in any form.
    package let scrub: @Sendable (String) -> String
    package let logger: Logger

    package struct State: Sendable {
        package var inTransaction = false
        /// A statement failed inside the open transaction: PostgreSQL would turn COMMIT into ROLLBACK silently.
        package var transactionFailed = false
        package var lockHeld = false
        /// False when the user may not create the history table: golang-migrate's table alone is kept.
        package var historyAvailable = true
        /// Whether the user may DELETE from the version table, which the one-statement version write needs
        /// (golang-migrate needs only TRUNCATE and INSERT); nil until known.
        package var versionDeletable: Bool?
        /// Renews a held table lock.
        package var heartbeat: Task<Void, Never>?
        /// The held table lock's rows were found gone or expired: another run may have taken it.
        package var lockLost = false
        /// The lock table exists with its owner and expiry columns.
        package var lockTableReady = false
    }
    package let state = Mutex(State())

    /// Sets up the session (timeouts), reads what the engine needs from it (database, schema, backend), and
    /// computes the lock keys.
    ///
    /// - Parameters:
    ///   - url: the URL the connection came from; nil for a connection the app lent.
    ///   - owner: the configuration's name for messages (`PostgresDriver.Configuration`).
    ///   - endpoint: where the driver connected (`host:port`), for messages.
    ///   - connectedPort: the port the driver connected to, when known: a different port than the server's own
    ///     means a pooler or proxy in between, which chooses the table lock when the configuration leaves it open.
    ///   - localPort: the local port of the driver's TCP socket, when known: when the server sees the connection
    ///     come from another port, it is not this socket's peer (a pooler on the server's own port, a proxy), which
    ///     chooses the table lock too.
    ///   - poolerDetected: the driver saw a pooler itself (it refused a startup parameter the server takes).
    ///   - sideConnection: opens a second connection, for renewing a table lock.
    package init(
        session: any PostgresSession, configuration: PostgresMigrationConfiguration, url: DatabaseURL?, owner: String,
        endpoint: String? = nil, connectedPort: Int? = nil, localPort: Int? = nil, poolerDetected: Bool = false,
        sessionSearchPath: String? = nil, sideConnection: SideConnector? = nil, logger: Logger
    ) async throws {
        // Every way to a driver passes here (a URL, the app's client, a lent connection): check before any query.
        try configuration.validate(owner: owner)
        self.session = session
        self.configuration = configuration
        self.logger = logger
        scrub = { text in url?.scrub(text) ?? DatabaseURL.redact(text) }
        let origin = url?.redacted ?? "the app's connection"
        let info = try await Self.readSession(
            session, origin: origin, searchPath: configuration.localSearchPath ?? sessionSearchPath,
            forTheSession: configuration.localSearchPath == nil
        )
        (lockStrategy, lockStrategyReason) = Self.chooseLockStrategy(
            configuration, connectedPort: connectedPort, serverPort: info.configuredPort,
            localPort: localPort, clientPort: info.clientPort, poolerDetected: poolerDetected
        )
        self.sideConnection = sideConnection
        currentSchema = info.schema
        if let url {
            displayURL = url.redacted
        } else {
            let host = info.host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "localhost"
            displayURL = "postgres://\(info.user)@\(host)\(info.port.map { ":\($0)" } ?? "")/\(info.database)"
        }
        var previous: [(name: String, value: String)] = []
        var local: [(name: String, value: String)] = []
        for (name, value, before) in [
            ("statement_timeout", configuration.statementTimeout, info.statementTimeout),
            ("lock_timeout", configuration.lockTimeout, info.lockTimeout),
        ] {
            guard let value else { continue }
            if lockStrategy == .table {
                local.append((name, String(PostgresMigrationConfiguration.milliseconds(value))))
                continue
            }
            do {
                _ = try await session.rows("SET \(name) = \(PostgresMigrationConfiguration.milliseconds(value))", [])
            } catch {
                throw MigrateError(.connection, "cannot set \(name) on \(origin)", underlying: error)
            }
            previous.append((name, before))
        }
        previousSettings = previous
        if let path = configuration.localSearchPath { local.append(("search_path", path)) }
        localSettings = local
        let schema: String
        if let given = configuration.migrationsSchema {
            schema = given
        } else if let current = info.schema {
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
            ?? (configuration.advisoryLockUsesBareDatabaseName ? info.database : "/" + info.database)
        lockKey = AdvisoryLockKey(databaseName: lockName, schema: schema, table: configuration.migrationsTable)
        databaseLockKey = AdvisoryLockKey(
            databaseName: info.database, additionalNames: [schema, configuration.migrationsTable, "swift-migrate"]
        )
        lockTable = QualifiedName(schema: schema, name: configuration.lockTable)
        lockOwner = Self.makeLockOwner()
        backendPID = info.pid
        isStandby = info.inRecovery
        self.endpoint = endpoint
        logger.debug(
            "connected",
            metadata: ["db.pid": "\(info.pid)", "db.lock_key": "\(lockKey)", "db.lock_strategy": "\(lockStrategy.rawValue): \(lockStrategyReason)"]
        )
    }

    /// What the engine reads from the session once: the database, the schema, the backend, who and where.
    struct SessionInfo {
        var database: String
        var schema: String?
        var pid: Int32
        var user: String
        var host: String?
        var port: Int32?
        var statementTimeout: String
        var lockTimeout: String
        var inRecovery: Bool
        /// The server's `port` setting: where it listens, whatever the client connected to.
        var configuredPort: Int?
        /// The port the server sees this session come from (`inet_client_port()`; nil over a Unix socket).
        var clientPort: Int?
    }

    /// - parameter searchPath: set first: for this one statement (a pooled connection without it), or with
    ///   `forTheSession` for the session (a connection another tenant schema used, in the same round trip).
    static func readSession(
        _ session: any PostgresSession, origin: String, searchPath: String?, forTheSession: Bool = false
    ) async throws -> SessionInfo {
        let rows: [PostgresTextRow]
        do {
            // The subquery's row is made (and the search_path set) before the outer list is evaluated.
            rows = try await session.rows(
                """
                SELECT current_database()::text, current_schema()::text, pg_backend_pid()::text, current_user::text, \
                host(inet_server_addr()), inet_server_port()::text, current_setting('statement_timeout'), \
                current_setting('lock_timeout'), pg_is_in_recovery()::text, current_setting('port'), \
                inet_client_port()::text
                """ + (searchPath == nil ? "" : " FROM (SELECT set_config('search_path', $1, \(!forTheSession)) OFFSET 0) AS path"),
                searchPath.map { [$0] } ?? []
            )
        } catch let error as MigrateError {
            throw error
        } catch {
            throw MigrateError(.connection, "cannot read the session of \(origin)", underlying: error)
        }
        guard let row = rows.first else { throw MigrateError(.driver, "no session information from \(origin)") }
        return SessionInfo(
            database: try row.text(0), schema: row.optionalText(1), pid: try row.int32(2), user: try row.text(3),
            host: row.optionalText(4), port: try row.optionalInt32(5), statementTimeout: try row.text(6),
            lockTimeout: try row.text(7), inRecovery: try row.bool(8), configuredPort: row.optionalText(9).flatMap { Int($0) },
            clientPort: row.optionalText(10).flatMap { Int($0) }
        )
    }

    // MARK: Queries of the engine's own

    /// Runs one of the engine's own statements; errors become ``MigrateError``s: `driver` with the server's
    /// message and SQLSTATE (`cannot WHAT: message`), or `connection`.
    package func rows(_ sql: String, _ parameters: [String?] = [], what: String) async throws -> [PostgresTextRow] {
        do {
            return try await session.rows(sql, parameters)
        } catch let error as PostgresServerError {
            noteFailure()
            throw MigrateError(
                .driver, "cannot \(what): \(scrub(error.message))", sqlState: error.sqlState,
                detail: error.detail.map(scrub), hint: error.hint.map(scrub), underlying: error.underlying
            )
        } catch {
            noteFailure()
            throw error
        }
    }

    /// Runs a statement for its effect.
    package func run(_ sql: String, _ parameters: [String?] = [], what: String) async throws {
        _ = try await rows(sql, parameters, what: what)
    }

    /// The first column of the first row; nil when there is no row or it is NULL.
    package func single(_ sql: String, _ parameters: [String?] = [], what: String) async throws -> String? {
        try await rows(sql, parameters, what: what).first?.optionalText(0)
    }

    /// Marks the open transaction as failed: PostgreSQL rejects everything but ROLLBACK after an error. The
    /// drivers call it when a migration's statement fails.
    package func noteFailure() {
        state.withLock { state in
            if state.inTransaction { state.transactionFailed = true }
        }
    }

    package var inTransaction: Bool { state.withLock { $0.inTransaction } }

    // MARK: Lock

    /// Takes golang-migrate's session-level advisory lock and the second one keyed on `current_database()`
    /// (``databaseLockKey``), both or neither in one query, polling with a short backoff (2 ms doubling to 50 ms)
    /// so that the timeout is honoured without holding a query open. Never waiting while holding one of the two,
    /// two runners cannot deadlock.
    package func lock(timeout: Duration) async throws {
        try refuseStandby()
        guard !state.withLock({ $0.lockHeld }) else {
            throw MigrateError(.driver, "can't acquire lock: this connection already holds it")
        }
        if lockStrategy == .table {
            try await lockTable(timeout: timeout)
            return
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var delay = Duration.milliseconds(2)
        // CASE evaluates in order: the second lock is tried only after the first was taken, and the first is given
        // back when the second is busy.
        // The second column: whether a lock table exists, whose live rows (a run through a pooler) count too.
        let tryBoth = """
            SELECT CASE WHEN pg_try_advisory_lock(\(lockKey.value)) THEN \
            CASE WHEN pg_try_advisory_lock(\(databaseLockKey.value)) THEN true \
            ELSE NOT pg_advisory_unlock(\(lockKey.value)) END ELSE false END::text, (to_regclass($1) IS NOT NULL)::text
            """
        while true {
            let row = try await rows(tryBoth, [lockTable.description], what: "try lock").first
            if row?.optionalText(0) == "true" {
                state.withLock { $0.lockHeld = true }
                guard row?.optionalText(1) == "true", try await tableLockIsHeld() else { return }
                try await unlock()
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

    package func unlock() async throws {
        guard state.withLock({ $0.lockHeld }) else {
            throw MigrateError(.driver, "can't unlock, as not currently locked")
        }
        if lockStrategy == .table {
            try await unlockTable()
            return
        }
        // Two columns, so both are evaluated (AND could skip the second).
        let sql = "SELECT pg_advisory_unlock(\(databaseLockKey.value))::text, pg_advisory_unlock(\(lockKey.value))::text"
        let row = try await rows(sql, what: "unlock").first
        let released = row?.optionalText(0) == "true" && row?.optionalText(1) == "true"
        state.withLock { $0.lockHeld = false }
        if !released {
            logger.warning("the migration lock was not held by this session when releasing it", metadata: ["db.lock_key": "\(lockKey)"])
        }
    }

    /// A migration, `force` or `drop` on a standby would fail half-way with `cannot execute ... in a read-only
    /// transaction`; say what the server is before anything runs.
    package func refuseStandby() throws(MigrateError) {
        guard isStandby else { return }
        let server = endpoint.map { "the server at \($0)" } ?? "the server"
        throw MigrateError(
            .connection,
            "\(server) (\(displayURL)) is a read-only standby in recovery: migrations run on the primary; nothing was changed",
            hint: "connect to the primary, or list every host with target_session_attrs=read-write so that libpq picks the primary (postgres://h1,h2/db?target_session_attrs=read-write)"
        )
    }

    // MARK: Transactions

    package func beginTransaction() async throws {
        guard !state.withLock({ $0.inTransaction }) else {
            throw MigrateError(.driver, "cannot begin a transaction: one is already open")
        }
        try checkLockKept()
        try await run("BEGIN", what: "begin a transaction")
        state.withLock {
            $0.inTransaction = true
            $0.transactionFailed = false
        }
        var parameters: [String?] = []
        if let sql = localSettingsStatement(value: { parameters.append($0); return "$\(parameters.count)" }) {
            try await run(sql, parameters, what: "set the transaction's timeouts and search_path")
        }
    }

    package func commitTransaction() async throws {
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

    /// `SELECT set_config(name, value, true), ...` (`SET LOCAL`) for ``localSettings``, each value put in by `value`
    /// (a `$n` parameter or a literal); nil when there is nothing to set.
    package func localSettingsStatement(value: (String) throws -> String) rethrows -> String? {
        guard !localSettings.isEmpty else { return nil }
        let calls = try localSettings.map { "set_config(\(try value($0.name)), \(try value($0.value)), true)" }
        return "SELECT " + calls.joined(separator: ", ")
    }

    /// Rolls back the open transaction; does nothing when none is open, so error paths may always call it.
    package func rollbackTransaction() async throws {
        guard state.withLock({ $0.inTransaction }) else { return }
        defer { state.withLock { $0.inTransaction = false } }
        try await run("ROLLBACK", what: "roll back")
    }

    /// Runs `body` in the open transaction, or in a transaction of its own when none is open.
    package func inTransaction(_ body: () async throws -> Void) async throws {
        if inTransaction {
            try await body()
            return
        }
        try await beginTransaction()
        do {
            try await body()
        } catch {
            try? await rollbackTransaction()
            throw error
        }
        try await commitTransaction()
    }

    /// Hands a lent connection back as it came: an open transaction rolled back, the lock released, the
    /// timeouts the engine set put back.
    package func restoreSession() async throws {
        try await rollbackTransaction()
        if state.withLock({ $0.lockHeld }) { try await unlock() }
        for (name, value) in previousSettings {
            try await run("SELECT set_config($1, $2, false)", [name, value], what: "restore \(name)")
        }
    }
}
