import Foundation
import Logging

/// Applies migrations from a source to a database, with golang-migrate's semantics and state, and without
/// its dirty state wherever a transaction can prevent it.
///
/// ```swift
/// let driver = try await SQLiteDriver.open(url: DatabaseURL("sqlite://app.db"), logger: logger)
/// let migrator = Migrator(source: DirectorySource(path: "migrations"), driver: driver, logger: logger)
/// let applied = try await migrator.up()          // [] means "no change"
/// try await driver.close()
/// ```
///
/// Every command takes the database's migration lock first (PostgreSQL: golang-migrate's advisory lock, so the
/// two tools exclude each other), so many app replicas may migrate one database at the same moment.
public struct Migrator: Sendable {
    /// How a migrator behaves.
    public struct Configuration: Sendable {
        /// How long to wait for the migration lock (golang-migrate's `-lock-timeout`, default 15 s).
        public var lockTimeout: Duration
        /// Recorded in the history table; defaults to the OS user: `$USER`, `$LOGNAME`, else the password database.
        public var appliedBy: String
        /// Lets `up` and `goto` run although an applied migration's file changed since it ran (drift). Off by
        /// default: the change would never reach this database, which is almost always a mistake.
        public var allowModified: Bool
        /// How often to retry a transactional migration that gave up waiting for a table lock (PostgreSQL's
        /// `lock_timeout`, set with the URL's `x-lock-timeout`), with a jittered, growing pause.
        public var lockRetries: Int
        /// After `up`, `down` and `goto`, wait at most this long until every standby streaming from the server has
        /// replayed the run (``ReplicaWaiting``; `-wait-replicas`), so that instances reading from replicas see
        /// the new schema. Nil (the default) does not wait.
        public var replicaWait: Duration?
        /// Lets `up` and `goto` (upward) apply migrations below the current version that were never applied
        /// (``MigrationStatus/State/outOfOrder``, e.g. after a merge): they run first, in version order, each
        /// recorded in the history table while the version stays where it is (goose's `-allow-missing`). Off by
        /// default: `up` then refuses, naming the files, rather than skip them for ever as golang-migrate does.
        public var allowOutOfOrder: Bool

        public init(
            lockTimeout: Duration = .seconds(15), appliedBy: String? = nil, allowModified: Bool = false,
            lockRetries: Int = 0, replicaWait: Duration? = nil, allowOutOfOrder: Bool = false
        ) {
            self.lockTimeout = lockTimeout
            self.appliedBy = appliedBy ?? Self.defaultUser
            self.allowModified = allowModified
            self.lockRetries = lockRetries
            self.replicaWait = replicaWait
            self.allowOutOfOrder = allowOutOfOrder
        }

        /// `$USER`, else `$LOGNAME`, else the name of the process's user in the password database (containers
        /// and service managers often set neither variable), else `unknown`.
        static var defaultUser: String {
            let environment = ProcessInfo.processInfo.environment
            let name = environment["USER"].flatMap { $0.isEmpty ? nil : $0 }
                ?? environment["LOGNAME"].flatMap { $0.isEmpty ? nil : $0 } ?? systemUserName ?? "unknown"
            // Stored in the history table and shown by `status --json`: no raw control character from the environment.
            return ControlCharacters.escaped(name)
        }

        /// The effective user's name from the password database (getpwuid), or nil.
        static var systemUserName: String? {
            #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
                guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
                let text = String(cString: name)
                return text.isEmpty ? nil : text
            #else
                return nil
            #endif
        }
    }

    public let source: any MigrationSource
    public let driver: any DatabaseDriver
    public var configuration: Configuration
    public let logger: Logger
    /// Receives progress events, e.g. to print `1/u create_users (43.1ms)`.
    public var observer: (@Sendable (MigrationEvent) -> Void)?
    /// Set it (from a signal handler, a service's graceful shutdown) to stop after the running migration.
    /// Cancelling the task instead also cancels the running statement: a transactional migration rolls back.
    public var stopRequest: StopRequest

    public init(
        source: any MigrationSource, driver: any DatabaseDriver, configuration: Configuration = Configuration(),
        logger: Logger, observer: (@Sendable (MigrationEvent) -> Void)? = nil, stopRequest: StopRequest = StopRequest()
    ) {
        self.source = source
        self.driver = driver
        self.configuration = configuration
        self.logger = logger
        self.observer = observer
        self.stopRequest = stopRequest
    }

    // MARK: Commands

    /// Applies every pending migration. Returns what ran; empty means "no change".
    @discardableResult
    public func up() async throws -> [AppliedMigration] { try await run(.upAll) }

    /// Applies every pending migration in one transaction, all or nothing (Flyway's group mode): a failure, or a
    /// stop request, rolls back every one of them. Refuses, before touching the database, when a pending
    /// migration cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM, ...).
    @discardableResult
    public func upInOneTransaction() async throws -> [AppliedMigration] { try await run(.upAll, singleTransaction: true) }

    /// Applies at most `steps` migrations; throws `limit N short` after applying fewer.
    @discardableResult
    public func up(_ steps: Int) async throws -> [AppliedMigration] { try await run(.up(steps)) }

    /// Reverts at most `steps` migrations; throws `limit N short` after reverting fewer.
    @discardableResult
    public func down(_ steps: Int) async throws -> [AppliedMigration] { try await run(.down(steps)) }

    /// Reverts every applied migration.
    @discardableResult
    public func downAll() async throws -> [AppliedMigration] { try await run(.downAll) }

    /// Migrates up or down to `version`, which must exist in the source.
    @discardableResult
    public func goto(_ version: Int64) async throws -> [AppliedMigration] { try await run(.goto(version)) }

    /// Runs a request: lock, refuse a dirty database, plan, run each step, unlock.
    ///
    /// - throws: ``MigrateError`` with ``MigrateError/Code/dirty``, ``MigrateError/Code/lockTimeout``,
    ///   ``MigrateError/Code/statementFailed`` (with file, line, column and statement), and the planner's errors.
    ///
    /// With `singleTransaction`, every step runs in one transaction with one version write at the end (see
    /// ``upInOneTransaction()``).
    public func run(_ request: MigrationRequest, singleTransaction: Bool = false) async throws -> [AppliedMigration] {
        // The files are read first, off the driver's thread: nothing blocking runs on an event loop.
        let loaded = try await loadSource(for: request)
        // Every driver call resumes on the thread that made it: no thread hop per statement.
        let applied = try await withTaskExecutorPreference(driver.traits.executor) {
            try await run(request, migrations: loaded.migrations, singleTransaction: singleTransaction)
        }
        try await waitForReplicas()
        return applied
    }

    /// Waits for the standbys (``Configuration/replicaWait``), reporting each one's state to the observer.
    func waitForReplicas() async throws {
        guard let timeout = configuration.replicaWait, let waiting = driver as? any ReplicaWaiting else { return }
        for replica in try await waiting.waitForReplicas(timeout: timeout) {
            observer?(.replica(replica))
        }
    }

    private func run(_ request: MigrationRequest, migrations: [Migration], singleTransaction: Bool) async throws -> [AppliedMigration] {
        // Deploys and test suites mostly find nothing to do: on a server, say so from one unlocked read, without
        // taking and releasing the lock (two round trips). Anything else is decided again under the lock.
        if driver.traits.lockIsRemote, try await hasNothingToDo(request, migrations: migrations) { return [] }
        return try await withLock {
            // Read before creating anything: a refused or unsplittable run must leave a fresh database as it was.
            let current = try await driver.readVersion()
            let plan = try await checkedPlan(request, migrations: migrations, current: current)
            // Split every script before touching the database: a lexer error changes nothing.
            var scripts: [SQLScript?] = []
            scripts.reserveCapacity(plan.steps.count)
            for step in plan.steps {
                scripts.append(try step.script.map { script throws(MigrateError) in try split(script) })
            }
            if singleTransaction {
                if let index = scripts.firstIndex(where: { $0.map { $0.executionMode != .transaction } ?? false }),
                    case .noTransaction(let reason)? = scripts[index]?.executionMode
                {
                    if case .scriptsManageTransactions(let setting) = driver.traits.transactionPolicy {
                        // Not this file's doing: the URL rules out a transaction for every file.
                        throw MigrateError(
                            .invalidArgument,
                            "cannot run the migrations in one transaction: \(setting) asks that none be wrapped in a transaction; nothing was applied",
                            hint: "drop --single-transaction, or remove that setting from the database URL"
                        )
                    }
                    let path = plan.steps[index].script?.path ?? plan.steps[index].label
                    throw MigrateError(
                        .invalidArgument,
                        "cannot run the migrations in one transaction: \(path) must run outside a transaction (\(reason)); nothing was applied",
                        version: plan.steps[index].migration.version,
                        location: SourceLocation(file: path, line: 1, column: 1),
                        hint: index == 0
                            ? "apply it on its own first (`up 1`), then the rest with --single-transaction"
                            : "apply the migrations before it in one transaction (`up \(index)` with --single-transaction), then this one on its own"
                    )
                }
                try await driver.prepare()
                let applied = try await executeInOneTransaction(plan.steps, scripts: scripts, expected: current)
                if let error = plan.trailingError { throw error.error }
                return applied
            }
            // Tables are created only now, when something will run: a refused or empty run leaves no trace.
            if !plan.steps.isEmpty { try await driver.prepare() }
            var applied: [AppliedMigration] = []
            var expected = current
            for (step, script) in zip(plan.steps, scripts) {
                if stopRequest.isRequested || Task.isCancelled {
                    observer?(.stopping(after: applied.isEmpty ? nil : plan.steps[applied.count - 1]))
                    throw MigrateError(
                        .cancelled, "stopped before \(step.label): \(plan.steps.count - applied.count) migration(s) not run",
                        version: current.version
                    )
                }
                applied.append(
                    try await executeRetryingLockTimeouts(step, script: script, migrations: migrations, expected: expected)
                )
                expected = DatabaseVersion(version: step.targetVersion, dirty: false)
            }
            if let error = plan.trailingError { throw error.error }
            return applied
        }
    }

    /// The plan for `request` from `current`, after refusing what ``run(_:singleTransaction:)`` refuses before
    /// its first step: a dirty database, going up an applied file that changed (unless allowed), going up past
    /// files below the current version that were never applied (unless allowed: then they come first), and a
    /// request with nothing to apply (`no migration to apply`).
    func checkedPlan(_ request: MigrationRequest, migrations: [Migration], current: DatabaseVersion) async throws -> Plan {
        if current.dirty { throw await dirtyError(current, migrations: migrations) }
        var plan = Planner(migrations: migrations).plan(request, from: current.version)
        let goesUp = Self.goesUp(request, from: current)
        if current.version != nil, !configuration.allowModified && request.isUpward || goesUp {
            let history = try await driver.readHistory()
            if !configuration.allowModified, request.isUpward {
                let modified = Drift.modified(migrations: migrations, current: current, history: history)
                if !modified.isEmpty { throw Drift.modifiedError(modified) }
            }
            let skipped = goesUp ? Drift.outOfOrder(migrations: migrations, current: current, history: history) : []
            if !skipped.isEmpty {
                guard configuration.allowOutOfOrder else { throw Drift.outOfOrderError(skipped, current: current) }
                // Applied first, in version order; the version stays at the current one while they run.
                let late = skipped.map { PlanStep(migration: $0, direction: .up, targetVersion: current.version) }
                let keepsError = plan.trailingError.map { if case .nothingToApply = $0 { false } else { true } } ?? false
                plan = Plan(steps: late + plan.steps, trailingError: keepsError ? plan.trailingError : nil)
            }
        }
        if let error = plan.trailingError, plan.steps.isEmpty { throw error.error }
        return plan
    }

    /// Whether `request` applies up migrations from `current`: `up`, and `goto` to a higher version.
    static func goesUp(_ request: MigrationRequest, from current: DatabaseVersion) -> Bool {
        switch request {
        case .upAll, .up: return true
        case .goto(let target): return current.version.map { target > $0 } ?? true
        case .downAll, .down: return false
        }
    }

    /// Whether `request` would change nothing, judged from the committed state without the lock. The plan is
    /// looked at first, so a run with work to do costs one read of the version here, not the history; anything
    /// ``checkedPlan(_:migrations:current:)`` would refuse (or add to) answers false, and the locked path
    /// reports it.
    func hasNothingToDo(_ request: MigrationRequest, migrations: [Migration]) async throws -> Bool {
        let current = try await driver.readVersion()
        let plan = Planner(migrations: migrations).plan(request, from: current.version)
        guard plan.steps.isEmpty, plan.trailingError == nil else { return false }
        return (try? await checkedPlan(request, migrations: migrations, current: current))?.isNoChange ?? false
    }

    /// Sets the version without running any migration and clears the dirty flag (`force V`; `nil` or -1
    /// means no version).
    public func force(_ version: Int64?) async throws {
        if let version, version < -1 {
            throw MigrateError(.invalidArgument, "version must be >= -1")
        }
        let target = version == -1 ? nil : version
        try await withLock {
            try await driver.prepare()
            try await driver.writeVersion(DatabaseVersion(version: target, dirty: false))
        }
    }

    /// The database's version row. Reads only: takes no lock and creates no table.
    public func version() async throws -> DatabaseVersion {
        try await driver.readVersion()
    }

    /// Drops everything in the database's current schema, the version and history tables included.
    public func drop() async throws {
        try await withLock { try await driver.drop() }
    }

    // MARK: Internals

    /// Splits a script as this database runs it: in its dialect, and outside a transaction when the driver
    /// says every migration must (``DriverTraits/TransactionPolicy/scriptsManageTransactions(setting:)``).
    func split(_ script: MigrationScript) throws(MigrateError) -> SQLScript {
        try SQLScript(script, dialect: driver.dialect, noTransactionReason: driver.traits.noTransactionReason)
    }

    /// Runs a step; when a transactional one gave up waiting for a table lock (it was rolled back, nothing
    /// changed), waits a jittered, doubling pause (1 s, 2 s, 4 s ... at most 30 s, ±50%) and runs it again,
    /// at most ``Configuration/lockRetries`` times.
    func executeRetryingLockTimeouts(
        _ step: PlanStep, script: SQLScript?, migrations: [Migration], expected: DatabaseVersion
    ) async throws -> AppliedMigration {
        var attempt = 0
        while true {
            do {
                return try await execute(step, script: script, migrations: migrations, expected: expected)
            } catch let error as MigrateError where error.code == .tableLockTimeout && attempt < configuration.lockRetries {
                guard script?.executionMode == .transaction, !stopRequest.isRequested, !Task.isCancelled else { throw error }
                attempt += 1
                let base = min(30.0, pow(2.0, Double(attempt - 1)))
                let pause = base * Double.random(in: 0.5...1.5)
                logger.warning(
                    // Retries, not attempts: `lockRetries + 1` would overflow at Int.max.
                    "\(step.label): \(error.message); retrying in \(String(format: "%.1f", pause)) s (retry \(attempt) of \(configuration.lockRetries))",
                    metadata: ["migration.version": "\(step.migration.version)"]
                )
                do {
                    try await Task.sleep(for: .milliseconds(Int(pause * 1000)))
                } catch {
                    throw MigrateError(.cancelled, "cancelled while waiting to retry \(step.label)", version: step.migration.version)
                }
            }
        }
    }

    /// Reads the source (only the up files when `request` can only go up) without blocking a thread, and logs
    /// its warnings.
    func loadSource(for request: MigrationRequest? = nil) async throws -> LoadedSource {
        let loaded = try await source.loadAsync(reading: request?.directionsRead ?? [.up, .down])
        for warning in loaded.warnings {
            logger.warning("\(warning)")
        }
        return loaded
    }

    /// Runs `body` holding the migration lock, and always releases it.
    func withLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await driver.lock(timeout: configuration.lockTimeout)
        let result: T
        do {
            result = try await body()
        } catch {
            try? await driver.unlock()
            throw error
        }
        try await driver.unlock()
        return result
    }

    /// golang-migrate's refusal of a dirty database, with the recovery advice (and any invalid object to drop).
    func dirtyError(_ state: DatabaseVersion, migrations: [Migration]) async -> MigrateError {
        let recovery = DirtyRecovery(dirty: state, migrations: migrations, invalidObjects: await invalidObjects())
        return MigrateError(
            .dirty, "Dirty database version \(state.version ?? -1). Fix and force version.", version: state.version,
            hint: recovery.advice
        )
    }
}
