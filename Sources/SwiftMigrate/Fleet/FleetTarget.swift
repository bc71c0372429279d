import Logging

/// One database (or one tenant schema of a database) of a ``MigrationFleet``: a name for reports and a way to open
/// a driver on it for the length of a body, in the `withDriver` style of ``OpenableDriver``.
///
/// ```swift
/// let registry = DriverRegistry([PostgresDriver.self, SQLiteDriver.self])
/// let targets = try urls.map { FleetTarget(url: try DatabaseURL($0), registry: registry) }
/// ```
///
/// A target the fleet has not started is never opened: the fleet opens at most
/// ``MigrationFleet/Configuration/parallel`` targets at once, each for as long as its run takes.
public struct FleetTarget: Sendable {
    /// Opens a driver, runs the body on it, and closes it whatever the body did.
    public typealias DriverScope = @Sendable (
        _ logger: Logger, _ body: (any DatabaseDriver) async throws -> Void
    ) async throws -> Void

    /// How the target is named in events, reports and messages: never holds a password.
    public var name: String
    /// Opens the target's driver around a body.
    public let withDriver: DriverScope

    /// A target opened by `withDriver`, e.g. on a connection an app lends.
    ///
    /// - Parameters:
    ///   - name: how reports name it; no password.
    ///   - withDriver: opens a driver, runs the body with it, and closes it whatever the body did.
    public init(name: String, withDriver: @escaping DriverScope) {
        self.name = name
        self.withDriver = withDriver
    }

    /// The database `url` names, opened with the driver `registry` has for its scheme. Named by the redacted URL
    /// unless `name` is given.
    public init(url: DatabaseURL, registry: DriverRegistry, name: String? = nil) {
        self.name = name ?? url.redacted
        self.withDriver = { logger, body in
            try await registry.withDriver(url: url, logger: logger) { try await body($0) }
        }
    }

    /// The database `url` names, opened with `driver`. Named by the redacted URL unless `name` is given.
    public init<Driver: OpenableDriver>(url: DatabaseURL, driver: Driver.Type, name: String? = nil) {
        self.name = name ?? url.redacted
        self.withDriver = { logger, body in
            try await Driver.withDriver(url: url, logger: logger) { try await body($0) }
        }
    }
}

/// A driver whose databases hold schemas that can each be migrated on their own, as the tenants of one database
/// (PostgreSQL): each schema then has its own version table and its own lock, as a team would set it up with
/// golang-migrate's `search_path` and `x-migrations-table`.
public protocol TenantSchemaProviding: OpenableDriver {
    /// The names of the database's own schemas (the system's excluded), sorted. Reads only.
    func schemaNames() async throws -> [String]

    /// The URL that migrates `schema` of the database `url` names as a target of its own: the same server,
    /// database and parameters, with the session's schema (and so the version and history tables, the lock key,
    /// and where unqualified names go) set to `schema`.
    ///
    /// - throws: ``MigrateError/Code/invalidURL`` when `url` pins the version table to one schema for all.
    static func url(_ url: DatabaseURL, tenantSchema schema: String) throws(MigrateError) -> DatabaseURL
}

extension DriverRegistry {
    /// The URLs of the schemas of the database `url` names whose names match `pattern`, sorted by name: one target
    /// each (``TenantSchemaProviding/url(_:tenantSchema:)``).
    ///
    /// - throws: ``MigrateError/Code/unsupportedScheme`` when the driver has no schemas (SQLite);
    ///   ``MigrateError/Code/invalidArgument`` when no schema matches, naming the pattern and the database; the
    ///   driver's errors when the database cannot be reached.
    public func tenantSchemaURLs(of url: DatabaseURL, matching pattern: GlobPattern, logger: Logger) async throws -> [DatabaseURL] {
        let type = try driverType(for: url)
        guard let tenants = type as? any TenantSchemaProviding.Type else {
            throw MigrateError(
                .unsupportedScheme, "\(url.redacted) has no schemas to migrate one by one: tenant schemas are PostgreSQL's"
            )
        }
        return try await Self.tenantSchemaURLs(tenants, url: url, pattern: pattern, logger: logger)
    }

    private static func tenantSchemaURLs<D: TenantSchemaProviding>(
        _ type: D.Type, url: DatabaseURL, pattern: GlobPattern, logger: Logger
    ) async throws -> [DatabaseURL] {
        // Checked before connecting: a URL that pins one version table for every schema is refused as it stands.
        _ = try D.url(url, tenantSchema: "probe")
        let names = try await D.withDriver(url: url, logger: logger) { try await $0.schemaNames() }
        let matching = names.filter(pattern.matches)
        guard !matching.isEmpty else {
            throw MigrateError(
                .invalidArgument, "no schema of \(url.redacted) matches \"\(pattern)\" (\(names.count) schemas there)",
                hint: "the pattern is a glob matched against whole schema names, case-sensitively: tenant_* or t_??"
            )
        }
        var urls: [DatabaseURL] = []
        for name in matching { urls.append(try D.url(url, tenantSchema: name)) }
        return urls
    }
}
