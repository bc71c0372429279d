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

    // MARK: Tables

    public func prepare() async throws {
        // Like golang-migrate, look before creating, so a user without CREATE can still use an existing table.
        // One query for both tables: this runs before every command.
        var found: Set<String> = []
        var deletable = true
        let lookup: PostgresQuery = """
            SELECT table_name::text, has_table_privilege(format('%I.%I', table_schema, table_name), 'DELETE')
            FROM information_schema.tables
            WHERE table_schema = \(versionTable.schema) AND table_name IN (\(versionTable.name), \(historyTable.name))
            """
        try await query(lookup) { rows in
            for try await (name, canDelete) in rows.decode((String, Bool).self) {
                found.insert(name)
                if name == versionTable.name { deletable = canDelete }
            }
        }
        state.withLock { $0.versionDeletable = deletable }
        if !found.contains(versionTable.name) {
            try await run(
                PostgresQuery(
                    unsafeSQL: "CREATE TABLE IF NOT EXISTS \(versionTable) (version bigint not null primary key, dirty boolean not null)"
                ),
                what: "create \(versionTable)"
            )
        }
        guard !found.contains(historyTable.name) else { return }
        do {
            try await run(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE TABLE IF NOT EXISTS \(historyTable) (id bigserial primary key, version bigint not null, \
                        direction text not null, name text not null, checksum text, applied_at timestamptz not null, \
                        duration_ms double precision not null, applied_by text not null)
                        """
                ),
                what: "create \(historyTable)"
            )
        } catch let error as MigrateError where error.sqlState == "42501" {
            // golang-migrate works for a user who may write the version table but not create tables; so do we.
            state.withLock { $0.historyAvailable = false }
            logger.warning(
                "cannot create the history table; migrations run without history",
                metadata: ["db.table": "\(historyTable)", "db.error": "\(error.message)"]
            )
        }
    }

    public func readVersion() async throws -> DatabaseVersion {
        do {
            var result = DatabaseVersion.none
            try await query(PostgresQuery(unsafeSQL: "SELECT version, dirty FROM \(versionTable) LIMIT 1")) { rows in
                for try await (version, dirty) in rows.decode((Int64, Bool).self) {
                    // golang-migrate writes -1 (NilVersion) for "no version, dirty".
                    result = DatabaseVersion(version: version < 0 ? nil : version, dirty: dirty)
                }
            }
            return result
        } catch let error as MigrateError where error.sqlState == "42P01" {
            return .none
        }
    }

    public func writeVersion(_ state: DatabaseVersion) async throws {
        try await writeVersion(state, recording: [])
    }

    /// One statement, so one round trip and atomic without a transaction of its own: rows of other versions
    /// are deleted (golang-migrate truncates; a DELETE leaves concurrent `version` readers unblocked), the row is
    /// inserted or its dirty flag updated, and the history rows are appended, all in data-modifying CTEs.
    public func writeVersion(_ state: DatabaseVersion, recording records: [HistoryRecord]) async throws {
        guard try await versionDeletable() else {
            // golang-migrate's way, for a role that may TRUNCATE and INSERT but not DELETE.
            try await inTransaction {
                try await run(PostgresQuery(unsafeSQL: "TRUNCATE \(versionTable)"), what: "write the version")
                if state.version != nil || state.dirty {
                    try await run(
                        "INSERT INTO \(unescaped: versionTable.description) (version, dirty) VALUES (\(state.version ?? -1), \(state.dirty))",
                        what: "write the version"
                    )
                }
                for record in records { try await appendHistory(record) }
            }
            return
        }
        let history = self.state.withLock { $0.historyAvailable } ? records : []
        // Bind parameters are limited to 65,535 per statement: very long single-transaction runs append the
        // history in chunks first.
        let chunkSize = 5000
        var remaining = history[...]
        while remaining.count > chunkSize {
            var query = PostgresQuery(unsafeSQL: "")
            Self.appendHistoryInsert(to: &query, table: historyTable, records: remaining.prefix(chunkSize))
            try await run(query, what: "append to \(historyTable)")
            remaining = remaining.dropFirst(chunkSize)
        }
        var bindings = PostgresBindings()
        // golang-migrate keeps a row for "no version but dirty" (a failed first down migration) as -1.
        let keep: Int64? = state.version != nil || state.dirty ? (state.version ?? -1) : nil
        // Reading `cleared` makes the DELETE finish before the INSERT, so even the same version (dirty -> clean)
        // is replaced without a unique violation.
        var sql = "WITH cleared AS (DELETE FROM \(versionTable) RETURNING 1)"
        if !remaining.isEmpty {
            var insert = PostgresQuery(unsafeSQL: "")
            insert.binds = bindings
            Self.appendHistoryInsert(to: &insert, table: historyTable, records: remaining)
            sql += ", logged AS (\(insert.sql))"
            bindings = insert.binds
        }
        if let keep {
            bindings.append(keep)
            let versionPlaceholder = bindings.count
            bindings.append(state.dirty)
            sql += " INSERT INTO \(versionTable) (version, dirty) SELECT $\(versionPlaceholder), $\(bindings.count) "
                + "FROM (SELECT count(*) FROM cleared) AS done"
        } else {
            sql += " SELECT count(*) FROM cleared"
        }
        var query = PostgresQuery(unsafeSQL: sql)
        query.binds = bindings
        try await run(query, what: "write the version")
    }

    /// Whether the one-statement version write may be used (known after ``prepare()``, else asked once).
    func versionDeletable() async throws -> Bool {
        if let known = state.withLock({ $0.versionDeletable }) { return known }
        let sql: PostgresQuery = "SELECT COALESCE(has_table_privilege(to_regclass(\(versionTable.description)), 'DELETE'), true)"
        let deletable = try await single(sql, as: Bool.self, what: "check privileges on \(versionTable)") ?? true
        state.withLock { $0.versionDeletable = deletable }
        return deletable
    }

    /// Runs `body` in the open transaction, or in a transaction of its own when none is open.
    func inTransaction(_ body: () async throws -> Void) async throws {
        if state.withLock({ $0.inTransaction }) {
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

    /// `INSERT INTO history (...) VALUES ($n, ...), ...` with the records bound after `query`'s existing binds.
    static func appendHistoryInsert(to query: inout PostgresQuery, table: QualifiedName, records: ArraySlice<HistoryRecord>) {
        var sql = "INSERT INTO \(table) (version, direction, name, checksum, applied_at, duration_ms, applied_by) VALUES "
        var first = true
        for record in records {
            var placeholders: [String] = []
            func bind<T: PostgresDynamicTypeEncodable>(_ value: T) {
                query.binds.append(value)
                placeholders.append("$\(query.binds.count)")
            }
            bind(record.version)
            bind(record.direction.rawValue)
            bind(record.name)
            query.binds.append(record.checksum)
            placeholders.append("$\(query.binds.count)")
            bind(record.appliedAt)
            bind(record.durationMs)
            bind(record.appliedBy)
            sql += (first ? "" : ", ") + "(" + placeholders.joined(separator: ", ") + ")"
            first = false
        }
        query.sql = sql
    }

    public func readHistory() async throws -> [HistoryRecord] {
        guard state.withLock({ $0.historyAvailable }) else { return [] }
        var records: [HistoryRecord] = []
        do {
            let sql = """
                SELECT version, direction, name, checksum, applied_at, duration_ms, applied_by FROM \(historyTable) ORDER BY id
                """
            try await query(PostgresQuery(unsafeSQL: sql)) { rows in
                let decoded = rows.decode((Int64, String, String, String?, Date, Double, String).self)
                for try await (version, direction, name, checksum, appliedAt, duration, appliedBy) in decoded {
                    records.append(
                        HistoryRecord(
                            version: version, direction: Direction(rawValue: direction) ?? .up, name: name,
                            checksum: checksum, appliedAt: appliedAt, durationMs: duration, appliedBy: appliedBy
                        )
                    )
                }
            }
        } catch let error as MigrateError where error.sqlState == "42P01" {
            return []
        }
        return records
    }

    public func appendHistory(_ record: HistoryRecord) async throws {
        guard state.withLock({ $0.historyAvailable }) else { return }
        try await run(
            """
            INSERT INTO \(unescaped: historyTable.description) \
            (version, direction, name, checksum, applied_at, duration_ms, applied_by) \
            VALUES (\(record.version), \(record.direction.rawValue), \(record.name), \(record.checksum), \
            \(record.appliedAt), \(record.durationMs), \(record.appliedBy))
            """,
            what: "append to \(historyTable)"
        )
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
