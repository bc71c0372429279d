import Foundation
import Logging
import PostgresNIO
import SwiftMigrate
// The configuration and the lock key are shared with the libpq driver: an app that imports this module uses
// them without importing the shared one.
@_exported import SwiftMigratePostgresCore
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
public final class PostgresDriver: OpenableDriver, ScratchDatabaseProviding, SchemaReading, CatalogReading, ReplicaWaiting, InvalidObjectReporting {
    /// How the driver keeps its state and sets up the session (`x-` parameters of a URL).
    public typealias Configuration = PostgresMigrationConfiguration

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
    public var displayURL: String { engine.displayURL }
    /// The settings the session was set up with.
    public var configuration: Configuration { engine.configuration }

    /// Everything both PostgreSQL drivers do the same way.
    let engine: PostgresEngine
    let executor: EventLoopTaskExecutor
    /// The URL the connection was opened from; nil for a lent connection.
    let url: DatabaseURL?
    let connection: PostgresConnection
    let ownership: Ownership
    let logger: Logger

    var lockKey: AdvisoryLockKey { engine.lockKey }
    var databaseLockKey: AdvisoryLockKey { engine.databaseLockKey }
    var backendPID: Int32 { engine.backendPID }

    /// Who closes the connection.
    enum Ownership: Sendable {
        /// Opened from a URL: ``close()`` closes it, and a cancel request connects again with this configuration.
        case owned(PostgresConnection.Configuration)
        /// Lent by the app: ``close()`` hands it back as it came (no lock, no transaction, its own timeouts).
        /// `cancel` asks the server, from another connection, to cancel the statement of a backend.
        case lent(cancel: (@Sendable (Int32) async -> Bool)?)
    }

    struct State {
        var cancelTask: Task<Void, Never>?
        var closed = false
    }
    let state = Mutex(State())

    /// Sets up the session on `connection` through the shared engine.
    init(
        connection: PostgresConnection, configuration: Configuration, ownership: Ownership, url: DatabaseURL?,
        connectedPort: Int? = nil, poolerDetected: Bool = false, sideConnection: PostgresEngine.SideConnector? = nil,
        logger: Logger
    ) async throws {
        self.connection = connection
        self.ownership = ownership
        self.url = url
        self.logger = logger
        self.executor = EventLoopTaskExecutor(connection.eventLoop)
        let session = NIOSession(connection: connection, logger: logger, origin: url?.redacted ?? "the app's connection")
        engine = try await PostgresEngine(
            session: session, configuration: configuration, url: url, owner: "PostgresDriver.Configuration",
            connectedPort: connectedPort, poolerDetected: poolerDetected, sideConnection: sideConnection, logger: logger
        )
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
            // The table lock's renewals lease a connection of their own from the client.
            let side: PostgresEngine.SideConnector = {
                (ClientSession(client: client, logger: logger), {})
            }
            let driver = try await PostgresDriver(
                connection: connection, configuration: configuration, ownership: .lent(cancel: cancel), url: nil,
                sideConnection: side, logger: logger
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
    /// swift-migrate's `x-lock-timeout` (milliseconds), and the lock's `x-lock-strategy` (`advisory`, `table`, `auto`),
    /// `x-lock-table` and `x-lock-ttl` (milliseconds).
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
        var options = try Options(url: url)
        var driverConfiguration = options.driverConfiguration
        // Checked again by init, but a refused setting should not cost a connection attempt.
        try driverConfiguration.validate(url: url)
        var connectionConfiguration = try connectionConfiguration(options, url: url)
        var logger = logger
        logger[metadataKey: "db.url"] = "\(url.redacted)"
        let connection: PostgresConnection
        var poolerDetected = false
        do {
            connection = try await connect(connectionConfiguration, options: options, url: url, logger: logger)
        } catch let error as MigrateError where error.message.contains("unsupported startup parameter: search_path") {
            // PgBouncer (1.18, as Debian ships it) refuses search_path in the startup message: a pooler, where the
            // search_path belongs in each transaction anyway (`SET LOCAL`, as the libpq driver does).
            guard let index = options.startupParameters.firstIndex(where: { $0.name == "search_path" }) else { throw error }
            driverConfiguration.localSearchPath = options.startupParameters.remove(at: index).value
            connectionConfiguration = try Self.connectionConfiguration(options, url: url)
            poolerDetected = true
            connection = try await connect(connectionConfiguration, options: options, url: url, logger: logger)
        }
        do {
            let port: Int? = switch options.endpoint {
            case .tcp(_, let port): port
            case .unixSocket(let path): path.split(separator: ".").last.flatMap { Int($0) }
            }
            let side: PostgresEngine.SideConnector = { [logger, options, connectionConfiguration] in
                let connection = try await connect(connectionConfiguration, options: options, url: url, logger: logger)
                return (NIOSession(connection: connection, logger: logger, origin: url.redacted), { try? await connection.close() })
            }
            return try await PostgresDriver(
                connection: connection, configuration: driverConfiguration, ownership: .owned(connectionConfiguration),
                url: url, connectedPort: port, poolerDetected: poolerDetected, sideConnection: side, logger: logger
            )
        } catch {
            try? await connection.close()
            if let error = error as? MigrateError { throw error }
            throw connectionError(error, options: options, url: url)
        }
    }

    /// Hides a password of the URL's, in any form, from a message.
    func scrub(_ text: String) -> String {
        engine.scrub(text)
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
    /// Empties the current schema (see the engine's `drop()`), the version and history tables included.
    public func drop() async throws { try await engine.drop() }
    /// Reads the schema of every non-system schema from `pg_catalog`, in one read-only repeatable-read
    /// transaction, without the version and history tables.
    public func schemaSnapshot() async throws -> SchemaSnapshot { try await engine.schemaSnapshot() }
    /// Reads the tables, views, materialized views and enums of `schema` for model generation.
    public func catalog(schema: String?) async throws -> DatabaseCatalog { try await engine.catalog(schema: schema) }
    /// Waits until every standby streaming from the server has replayed everything committed so far.
    public func waitForReplicas(timeout: Duration) async throws -> [ReplicaStatus] {
        try await engine.waitForReplicas(timeout: timeout)
    }
    /// The INVALID indexes of the current schema (a failed `CREATE INDEX CONCURRENTLY`), each with its DROP.
    public func invalidObjects() async throws -> [InvalidObject] { try await engine.invalidObjects() }

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
            try await engine.restoreSession()
        }
    }
}

extension PostgresDriver {
    /// Creates an empty database on the server `url` points at (`swift_migrate_verify_`, the Unix time and random
    /// hex; the URL's parameters apply to it too), runs `body` with a driver connected to it, and drops it again,
    /// whatever `body` did: `verify` proves the down files there, never in the database the URL names. The role
    /// needs the CREATEDB privilege. Scratch databases of killed runs, older than ten minutes and without a
    /// connection, are dropped first.
    ///
    /// - parameter created: called with the scratch database's name once it exists.
    public static func withScratchDatabase<T: Sendable>(
        like url: DatabaseURL, logger: Logger, created: ((String) -> Void)? = nil,
        _ body: (PostgresDriver) async throws -> T
    ) async throws -> T {
        try await PostgresScratchDatabase.with(
            like: url, logger: logger, created: created, open: { try await open(url: $0, logger: logger) }, engine: \.engine, body
        )
    }
}

extension PostgresDriver: TenantSchemaProviding {
    /// The database's own schemas (all but `information_schema` and the `pg_` ones), sorted.
    public func schemaNames() async throws -> [String] { try await engine.schemaNames() }

    /// `url` with `search_path` set to `schema` alone: the schema's own version table, lock key and objects.
    public static func url(_ url: DatabaseURL, tenantSchema schema: String) throws(MigrateError) -> DatabaseURL {
        try PostgresURLParameters.tenantSchemaURL(url, schema: schema)
    }
}
