import Foundation
import Logging
import PostgresNIO
import SwiftMigrate

/// The PostgreSQL driver, on one PostgresNIO connection, compatible with golang-migrate's `postgres` driver: the
/// same URL parameters, the same `schema_migrations` table written the same way, the same advisory lock key.
///
/// ```swift
/// let driver = try await PostgresDriver.open(
///     url: DatabaseURL("postgres://app@localhost:5432/app?sslmode=disable"), logger: logger
/// )
/// try await driver.lock(timeout: .seconds(15))
/// print(try await driver.readVersion())
/// try await driver.unlock()
/// try await driver.close()  // always: PostgresNIO asserts that a connection is closed before it is freed
/// ```
///
/// One connection serves everything, so the session-level advisory lock, `SET` statements and transactions all
/// apply to the statements the runner executes.
public final class PostgresDriver: DatabaseDriver {
    /// The URL schemes this driver opens (golang-migrate registers the same two).
    public static let schemes = ["postgres", "postgresql"]

    public let dialect: SQLDialect = .postgres
    /// The advisory lock is a query each way.
    public var lockIsRemote: Bool { true }
    /// The connection's event loop.
    public var preferredExecutor: (any TaskExecutor)? { executor }
    let executor: EventLoopTaskExecutor
    public let displayURL: String

    let url: DatabaseURL
    let connection: PostgresConnection
    /// Kept to open a second, short-lived connection that cancels a running statement.
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    /// The version table, schema resolved.
    let versionTable: QualifiedName
    let historyTable: QualifiedName
    let lockKey: AdvisoryLockKey
    let backendPID: Int32

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
    }
    let state = Locked(State())

    init(
        url: DatabaseURL, connection: PostgresConnection, configuration: PostgresConnection.Configuration,
        logger: Logger, versionTable: QualifiedName, lockKey: AdvisoryLockKey, backendPID: Int32
    ) {
        self.url = url
        self.displayURL = url.redacted
        self.connection = connection
        self.configuration = configuration
        self.logger = logger
        self.versionTable = versionTable
        self.historyTable = QualifiedName(schema: versionTable.schema, name: versionTable.name + "_history")
        self.lockKey = lockKey
        self.backendPID = backendPID
        self.executor = EventLoopTaskExecutor(connection.eventLoop)
    }

    /// Connects to the database a `postgres://` or `postgresql://` URL names.
    ///
    /// Parameters: `sslmode` (disable, allow, prefer (default), require, verify-ca, verify-full), `sslrootcert`,
    /// `sslcert`, `sslkey`, `connect_timeout` (seconds, default 10), `search_path`, `application_name`, `options`,
    /// `host` (a directory means a Unix socket), `port`, `user`, `password`, `dbname`; and golang-migrate's
    /// `x-migrations-table`, `x-migrations-table-quoted`, `x-statement-timeout` (milliseconds),
    /// `x-multi-statement` and `x-multi-statement-max-size` (accepted, ignored: scripts are always split).
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
        let configuration = try configuration(options, url: url)
        var logger = logger
        logger[metadataKey: "db.url"] = "\(url.redacted)"
        let connection = try await connect(configuration, options: options, url: url, logger: logger)
        do {
            if let milliseconds = options.statementTimeoutMilliseconds {
                try await connection.query(PostgresQuery(unsafeSQL: "SET statement_timeout = \(milliseconds)"), logger: logger)
            }
            if let milliseconds = options.lockTimeoutMilliseconds {
                try await connection.query(PostgresQuery(unsafeSQL: "SET lock_timeout = \(milliseconds)"), logger: logger)
            }
            var session: (database: String, schema: String?, pid: Int32)?
            let rows = try await connection.query("SELECT current_database(), current_schema(), pg_backend_pid()", logger: logger)
            for try await row in rows.decode((String, String?, Int32).self) { session = row }
            guard let session else { throw MigrateError(.driver, "no session information from \(url.redacted)") }
            let schema: String
            if let given = options.migrationsTable.schema {
                schema = given
            } else if let current = session.schema {
                schema = current
            } else {
                throw MigrateError(
                    .connection,
                    "cannot connect to \(url.redacted): no schema: the search_path names no existing schema",
                    hint: "create the schema, or fix search_path in the URL or the role's settings"
                )
            }
            let table = QualifiedName(schema: schema, name: options.migrationsTable.name)
            let key = AdvisoryLockKey(
                databaseName: options.lockDatabaseName ?? session.database, schema: table.schema, table: table.name
            )
            logger.debug("connected", metadata: ["db.pid": "\(session.pid)", "db.lock_key": "\(key)"])
            return PostgresDriver(
                url: url, connection: connection, configuration: configuration, logger: logger, versionTable: table,
                lockKey: key, backendPID: session.pid
            )
        } catch {
            try? await connection.close()
            if let error = error as? MigrateError { throw error }
            throw connectionError(error, options: options, url: url)
        }
    }

    // MARK: Lock

    /// Takes golang-migrate's session-level advisory lock, polling `pg_try_advisory_lock` with a short backoff
    /// (2 ms doubling to 50 ms) so that the timeout is honoured without holding a query open.
    public func lock(timeout: Duration) async throws {
        guard !state.withLock({ $0.lockHeld }) else {
            throw MigrateError(.driver, "can't acquire lock: this connection already holds it")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var delay = Duration.milliseconds(2)
        while true {
            let acquired = try await single(
                "SELECT pg_try_advisory_lock(\(lockKey.value))", as: Bool.self, what: "try lock"
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
        let released = try await single("SELECT pg_advisory_unlock(\(lockKey.value))", as: Bool.self, what: "unlock")
        state.withLock { $0.lockHeld = false }
        if released != true {
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

    public func close() async throws {
        do {
            try await connection.close()
        } catch {
            throw MigrateError(.connection, "cannot close the connection to \(displayURL): \(url.scrub(String(reflecting: error)))")
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
