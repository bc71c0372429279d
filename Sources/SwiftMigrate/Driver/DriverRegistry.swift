import Logging

/// A driver type that opens from a database URL: what the ``DriverRegistry`` needs to pick it by scheme.
public protocol OpenableDriver: DatabaseDriver {
    /// The URL schemes this driver opens (`postgres`, `postgresql`).
    static var schemes: [String] { get }
    /// The SQL dialect of its databases, known before connecting (`lint` and `validate` use it).
    static var dialect: SQLDialect { get }
    /// Connects to the database `url` names. Messages never contain the password.
    static func open(url: DatabaseURL, logger: Logger) async throws -> Self
}

/// A driver type that can make a throwaway database beside the one a URL names: `verify` proves the down files
/// there.
public protocol ScratchDatabaseProviding: OpenableDriver {
    /// Creates an empty database next to `url` (same server, same parameters), runs `body` with a driver on it,
    /// and removes it again whatever `body` did. `created` receives the scratch database's name.
    static func withScratchDatabase<T: Sendable>(
        like url: DatabaseURL, logger: Logger, created: ((String) -> Void)?, _ body: (Self) async throws -> T
    ) async throws -> T
}

extension OpenableDriver {
    /// Opens the database `url` names, runs `body`, and closes the driver whatever `body` did.
    ///
    /// ```swift
    /// let applied = try await PostgresDriver.withDriver(url: DatabaseURL(text), logger: logger) { driver in
    ///     try await Migrator(source: source, driver: driver, logger: logger).up()
    /// }
    /// ```
    public static func withDriver<T: Sendable>(
        url: DatabaseURL, logger: Logger, _ body: (Self) async throws -> T
    ) async throws -> T {
        try await closing(try await open(url: url, logger: logger), body)
    }
}

/// Runs `body` with `driver`, then closes it whatever `body` did; the body's error wins over the close's.
func closing<Driver: DatabaseDriver, T: Sendable>(
    _ driver: Driver, _ body: (Driver) async throws -> T
) async throws -> T {
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

/// The drivers a program can open, by URL scheme. The `migrate` command lists its drivers here and asks the
/// registry for everything else: which driver a URL needs, its dialect, a scratch database.
///
/// ```swift
/// let registry = DriverRegistry([PostgresDriver.self, SQLiteDriver.self])
/// try await registry.withDriver(url: DatabaseURL(text), logger: logger) { driver in
///     try await Migrator(source: DirectorySource(path: "migrations"), driver: driver, logger: logger).up()
/// }
/// ```
public struct DriverRegistry: Sendable {
    /// The registered driver types, in the order given.
    public let drivers: [any OpenableDriver.Type]

    public init(_ drivers: [any OpenableDriver.Type]) {
        self.drivers = drivers
    }

    /// Every scheme with its `://`, for messages (`postgres://, postgresql://, sqlite://`).
    public var schemes: [String] { drivers.flatMap { $0.schemes.map { "\($0)://" } } }

    /// The driver type for `url`'s scheme.
    ///
    /// - throws: ``MigrateError/Code/unsupportedScheme`` naming the supported schemes.
    public func driverType(for url: DatabaseURL) throws(MigrateError) -> any OpenableDriver.Type {
        guard let type = drivers.first(where: { $0.schemes.contains(url.scheme) }) else {
            throw MigrateError(
                .unsupportedScheme,
                "unknown database scheme \"\(url.scheme)\" in \(url.redacted): supported are \(schemes.joined(separator: ", "))"
            )
        }
        return type
    }

    /// The dialect of `url`'s database, without connecting.
    public func dialect(for url: DatabaseURL) throws(MigrateError) -> SQLDialect {
        try driverType(for: url).dialect
    }

    /// Opens the database `url` names with the driver for its scheme. Close it when done, or use
    /// ``withDriver(url:logger:_:)``.
    public func open(url: DatabaseURL, logger: Logger) async throws -> any DatabaseDriver {
        try await driverType(for: url).open(url: url, logger: logger)
    }

    /// Opens the database `url` names, runs `body`, and closes the driver whatever `body` did.
    public func withDriver<T: Sendable>(
        url: DatabaseURL, logger: Logger, _ body: (any DatabaseDriver) async throws -> T
    ) async throws -> T {
        let type = try driverType(for: url)
        return try await Self.withDriver(type, url: url, logger: logger, body)
    }

    private static func withDriver<D: OpenableDriver, T: Sendable>(
        _ type: D.Type, url: DatabaseURL, logger: Logger, _ body: (any DatabaseDriver) async throws -> T
    ) async throws -> T {
        try await D.withDriver(url: url, logger: logger) { try await body($0) }
    }

    /// Runs `body` on a scratch database beside the one `url` names (see ``ScratchDatabaseProviding``).
    ///
    /// - throws: ``MigrateError/Code/unsupportedScheme`` when the driver cannot make one.
    public func withScratchDatabase<T: Sendable>(
        like url: DatabaseURL, logger: Logger, created: ((String) -> Void)? = nil,
        _ body: (any DatabaseDriver) async throws -> T
    ) async throws -> T {
        let type = try driverType(for: url)
        guard let scratch = type as? any ScratchDatabaseProviding.Type else {
            throw MigrateError(.unsupportedScheme, "the \(url.scheme) driver cannot make a scratch database (\(url.redacted))")
        }
        return try await Self.withScratch(scratch, url: url, logger: logger, created: created, body)
    }

    private static func withScratch<D: ScratchDatabaseProviding, T: Sendable>(
        _ type: D.Type, url: DatabaseURL, logger: Logger, created: ((String) -> Void)?,
        _ body: (any DatabaseDriver) async throws -> T
    ) async throws -> T {
        try await D.withScratchDatabase(like: url, logger: logger, created: created) { try await body($0) }
    }
}
