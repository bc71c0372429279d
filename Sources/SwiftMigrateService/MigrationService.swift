import Logging
import PostgresNIO
import ServiceLifecycle
import SwiftMigrate
import SwiftMigratePostgres
import Synchronization

/// Migrates the app's database when its `ServiceGroup` starts, on the app's own `PostgresClient`: no URL, no
/// second connection pool, no second event loop group.
///
/// Put it in the same service group as the client, and let the server wait for it before accepting requests:
///
/// ```swift
/// let client = PostgresClient(configuration: postgres, backgroundLogger: logger)
/// let migrations = MigrationService(
///     client: client, source: BundleSource(bundle: .module, subdirectory: "migrations"), logger: logger
/// )
/// var app = Application(router: router, services: [client, migrations], logger: logger)
/// app.beforeServerStarts { try await migrations.waitUntilMigrated() }
/// try await app.runService()
/// ```
///
/// The service leases one connection from the client for the whole run (the migration lock is per session),
/// takes golang-migrate's advisory lock, so app replicas starting together apply each migration once, and
/// returns the connection as it came. Each applied migration is logged at `info` with `migration.version`,
/// `migration.name`, `migration.direction` and `migration.duration_ms` metadata.
///
/// Shutdown behaves as the `migrate` command on SIGTERM: a graceful shutdown during the run lets the running
/// migration finish (or roll back) and starts no other; cancelling the task also cancels the running
/// statement, which rolls back a transactional migration. The lock is released either way. After migrating,
/// the service waits for the group's shutdown, so that the group keeps running.
public final class MigrationService: Service {
    /// How the service migrates.
    public struct Configuration: Sendable {
        /// The migrator's settings: lock timeout, retries, drift policy.
        public var migrator: Migrator.Configuration
        /// The driver's settings: migrations table, schema, statement and lock timeouts.
        public var driver: PostgresDriver.Configuration

        public init(migrator: Migrator.Configuration = Migrator.Configuration(), driver: PostgresDriver.Configuration = PostgresDriver.Configuration()) {
            self.migrator = migrator
            self.driver = driver
        }
    }

    let client: PostgresClient
    let source: any MigrationSource
    let configuration: Configuration
    let logger: Logger

    private enum Outcome {
        case running(waiters: [CheckedContinuation<Result<[AppliedMigration], any Error>, Never>])
        case finished(Result<[AppliedMigration], any Error>)
    }
    private let outcome = Mutex(Outcome.running(waiters: []))

    /// - parameters:
    ///   - client: the app's client; it must run in the same service group (or otherwise be running).
    ///   - source: the migrations, typically ``BundleSource`` over the app's resources.
    public init(client: PostgresClient, source: any MigrationSource, configuration: Configuration = Configuration(), logger: Logger) {
        self.client = client
        self.source = source
        self.configuration = configuration
        self.logger = logger
    }

    /// Applies the pending migrations, then waits for graceful shutdown.
    ///
    /// - throws: the migration's error (``MigrateError``), which makes the service group shut down: an app does
    ///   not serve on a schema it could not migrate. A migration run stopped by a graceful shutdown is not an
    ///   error.
    public func run() async throws {
        let stop = StopRequest()
        let result = await withTaskCancellationOrGracefulShutdownHandler { () async -> Result<[AppliedMigration], any Error> in
            do {
                return .success(try await migrate(stop: stop))
            } catch {
                return .failure(error)
            }
        } onCancelOrGracefulShutdown: { [logger] in
            logger.notice("shutdown requested: finishing the running migration, starting no other")
            stop.request()
        }
        finish(result)
        switch result {
        case .success(let applied):
            logger.info(
                applied.isEmpty ? "database schema up to date" : "database migrated",
                metadata: ["migration.count": "\(applied.count)"]
            )
        case .failure(let error as MigrateError) where error.code == .cancelled:
            logger.notice("migrations stopped by shutdown", metadata: ["error": "\(error)"])
            return
        case .failure(let error):
            logger.error("migrations failed", metadata: ["error": "\(error)"])
            throw error
        }
        // Returning would end the service group; wait for its shutdown instead.
        try? await gracefulShutdown()
    }

    /// Suspends until the migrations ran, and returns what was applied (empty: nothing was pending).
    ///
    /// - throws: the migration's error, or ``MigrateError/Code/cancelled`` when shutdown stopped the run.
    @discardableResult
    public func waitUntilMigrated() async throws -> [AppliedMigration] {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[AppliedMigration], any Error>, Never>) in
            let done: Result<[AppliedMigration], any Error>? = outcome.withLock { state in
                switch state {
                case .running(var waiters):
                    waiters.append(continuation)
                    state = .running(waiters: waiters)
                    return nil
                case .finished(let result):
                    return result
                }
            }
            if let done { continuation.resume(returning: done) }
        }
        return try result.get()
    }

    private func migrate(stop: StopRequest) async throws -> [AppliedMigration] {
        let logger = logger
        return try await PostgresDriver.withDriver(client: client, configuration: configuration.driver, logger: logger) { driver in
            let migrator = Migrator(
                source: source, driver: driver, configuration: configuration.migrator, logger: logger,
                observer: { event in
                    guard case .finished(let step, let duration) = event else { return }
                    logger.info("applied migration", metadata: [
                        "migration.version": "\(step.migration.version)", "migration.name": "\(step.migration.name)",
                        "migration.direction": "\(step.direction.rawValue)",
                        "migration.duration_ms": "\(duration.fractionalMilliseconds)",
                    ])
                },
                stopRequest: stop
            )
            return try await migrator.up()
        }
    }

    private func finish(_ result: Result<[AppliedMigration], any Error>) {
        let waiters = outcome.withLock { state in
            guard case .running(let waiters) = state else { return [CheckedContinuation<Result<[AppliedMigration], any Error>, Never>]() }
            state = .finished(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }
}
