import Logging

/// Runs one request on many databases: a database per customer, a schema per tenant, shards, SQLite files.
///
/// Each target gets its own ``Migrator`` on its own driver, exactly as a single run would: it takes that
/// database's migration lock (PostgreSQL: golang-migrate's advisory key for its database and schema), so a fleet
/// run and a single `migrate up` on one of its databases never overlap. At most ``Configuration/parallel``
/// targets are open at once; the migration files are read once for all of them.
///
/// ```swift
/// let registry = DriverRegistry([PostgresDriver.self, SQLiteDriver.self])
/// var fleet = MigrationFleet(
///     targets: try urls.map { FleetTarget(url: try DatabaseURL($0), registry: registry) },
///     source: DirectorySource(path: "migrations"),
///     configuration: .init(parallel: 8, canary: 2),
///     logger: logger
/// )
/// fleet.observer = { event in
///     if case .finished(let target) = event { print(target.name, target.outcome) }
/// }
/// let report = try await fleet.up()
/// if !report.succeeded { print(report.failedTargets.map(\.name)) }
/// ```
///
/// With ``Configuration/canary`` K, the first K targets run first; if any of them fails, no other target is
/// started. After a failure, the default policy lets the running targets finish and starts no new one
/// (``Configuration/FailurePolicy/finishRunning``); ``Configuration/FailurePolicy/continueOnError`` keeps going.
/// Either way the report says, for every target, how it ended. Running the same request again does only what is
/// pending on each target.
public struct MigrationFleet: Sendable {
    /// How a fleet runs.
    public struct Configuration: Sendable {
        /// What to do when a target fails.
        public enum FailurePolicy: Sendable, Hashable {
            /// Let the targets already running finish, start no new one, and report (the default).
            case finishRunning
            /// Keep starting targets; report every failure at the end.
            case continueOnError
        }

        /// How many targets are open at once, each on its own connection: never more. At least 1; default 4.
        public var parallel: Int
        /// How many targets (the first ones) run before the others; a failure among them stops the run before
        /// any other target is started. 0 (the default) runs no canary. Only for requests that change databases.
        public var canary: Int
        public var failurePolicy: FailurePolicy
        /// The configuration of each target's migrator (lock timeout, retries, ...).
        public var migrator: Migrator.Configuration

        public init(
            parallel: Int = 4, canary: Int = 0, failurePolicy: FailurePolicy = .finishRunning,
            migrator: Migrator.Configuration = Migrator.Configuration()
        ) {
            self.parallel = parallel
            self.canary = canary
            self.failurePolicy = failurePolicy
            self.migrator = migrator
        }
    }

    /// The databases, in the order they are started.
    public var targets: [FleetTarget]
    public var source: any MigrationSource
    public var configuration: Configuration
    /// Each target logs with the metadata `fleet.target` set to its name.
    public let logger: Logger
    /// Receives each target's start and end (see ``FleetEvent``).
    public var observer: (@Sendable (FleetEvent) -> Void)?
    /// Set it to start no further target and to stop each running one after its running migration.
    public var stopRequest: StopRequest

    public init(
        targets: [FleetTarget], source: any MigrationSource, configuration: Configuration = Configuration(),
        logger: Logger, observer: (@Sendable (FleetEvent) -> Void)? = nil, stopRequest: StopRequest = StopRequest()
    ) {
        self.targets = targets
        self.source = source
        self.configuration = configuration
        self.logger = logger
        self.observer = observer
        self.stopRequest = stopRequest
    }

    /// Applies every pending migration on every target.
    public func up() async throws -> FleetReport { try await run(.migrate(.upAll)) }

    /// Applies at most `steps` migrations on every target.
    public func up(_ steps: Int) async throws -> FleetReport { try await run(.migrate(.up(steps))) }

    /// Reverts `steps` migrations on every target.
    public func down(_ steps: Int) async throws -> FleetReport { try await run(.migrate(.down(steps))) }

    /// Migrates every target up or down to `version`.
    public func goto(_ version: Int64) async throws -> FleetReport { try await run(.migrate(.goto(version))) }

    /// The status of every target; each report's ``FleetTargetReport/status`` holds it.
    public func status() async throws -> FleetReport { try await run(.status) }

    /// Runs `request` on every target, at most ``Configuration/parallel`` at once, and reports each.
    ///
    /// A target's failure is in its report, not thrown: the run goes on or stops as the configuration says.
    ///
    /// - throws: ``MigrateError/Code/invalidArgument`` for an empty fleet or a parallelism below 1, and the
    ///   source's errors (no migrations, a malformed file) before any target is opened.
    public func run(_ request: FleetRequest) async throws -> FleetReport {
        guard !targets.isEmpty else { throw MigrateError(.invalidArgument, "the fleet has no target") }
        guard configuration.parallel >= 1 else {
            throw MigrateError(.invalidArgument, "invalid parallelism \(configuration.parallel): at least 1 target must run at a time")
        }
        guard configuration.canary >= 0 else {
            throw MigrateError(.invalidArgument, "invalid canary count \(configuration.canary): expected 0 or more")
        }
        let clock = ContinuousClock()
        let start = clock.now
        let loaded = try await load(for: request)
        var reports = [FleetTargetReport?](repeating: nil, count: targets.count)
        let canaries = request.changesDatabases ? min(configuration.canary, targets.count) : 0
        let stopsAtFailure = request.changesDatabases && configuration.failurePolicy == .finishRunning
        var halt: FleetReport.Halt?
        if canaries > 0 {
            halt = await runPhase(Array(0..<canaries), request, loaded, canary: true, stopsAtFailure: stopsAtFailure, into: &reports)
            if halt == nil, reports[0..<canaries].contains(where: { $0?.outcome == .failed }) { halt = .canaryFailed }
            if halt == .targetFailed { halt = .canaryFailed }
        }
        if halt == nil {
            halt = await runPhase(Array(canaries..<targets.count), request, loaded, canary: false, stopsAtFailure: stopsAtFailure, into: &reports)
        }
        if let halt { observer?(.halted(halt)) }
        var finished: [FleetTargetReport] = []
        finished.reserveCapacity(targets.count)
        for (index, report) in reports.enumerated() {
            if let report {
                finished.append(report)
                continue
            }
            let skipped = FleetTargetReport(index: index, name: targets[index].name, outcome: .notStarted, isCanary: index < canaries)
            observer?(.finished(skipped))
            finished.append(skipped)
        }
        return FleetReport(request: request, targets: finished, halt: halt, duration: clock.now - start)
    }

    /// Reads the source once for every target, and logs its warnings once.
    private func load(for request: FleetRequest) async throws -> LoadedSource? {
        guard let directions = request.directionsRead else { return nil }
        let source = source
        let loaded: LoadedSource
        if case .validate = request {
            // `validate` reports every duplicate rather than stopping at the first.
            loaded = try await offThread { () throws(MigrateError) in try source.loadCollectingDuplicates() }
        } else {
            loaded = try await source.loadAsync(reading: directions)
        }
        for warning in loaded.warnings { logger.warning("\(warning)") }
        return loaded
    }

    /// Runs the targets at `indices`, at most ``Configuration/parallel`` at once, recording each report. Returns
    /// why it stopped starting targets, if it did.
    private func runPhase(
        _ indices: [Int], _ request: FleetRequest, _ loaded: LoadedSource?, canary: Bool, stopsAtFailure: Bool,
        into reports: inout [FleetTargetReport?]
    ) async -> FleetReport.Halt? {
        var waiting = indices[...]
        var halt: FleetReport.Halt?
        await withTaskGroup(of: FleetTargetReport.self) { group in
            func mayStart() -> Bool {
                if halt == nil, stopRequest.isRequested || Task.isCancelled { halt = .stopped }
                return halt == nil
            }
            func start(_ index: Int) {
                observer?(.started(index: index, name: targets[index].name))
                group.addTask { await runTarget(index, request, loaded, canary: canary) }
            }
            var running = 0
            while running < configuration.parallel, mayStart(), let next = waiting.popFirst() {
                start(next)
                running += 1
            }
            while let report = await group.next() {
                running -= 1
                reports[report.index] = report
                observer?(.finished(report))
                // A stop first: the targets it interrupted fail, but the stop is why no other starts.
                if mayStart(), report.outcome == .failed, stopsAtFailure { halt = .targetFailed }
                if mayStart(), let next = waiting.popFirst() {
                    start(next)
                    running += 1
                }
            }
        }
        return waiting.isEmpty ? nil : halt
    }
}
