/// What a ``MigrationFleet`` does on each of its targets.
public enum FleetRequest: Sendable, Hashable, CustomStringConvertible {
    /// `up`, `down N`, `goto V` on every target (``Migrator/run(_:singleTransaction:)``).
    case migrate(MigrationRequest, singleTransaction: Bool = false)
    /// Read each target's version row (``Migrator/version()``).
    case version
    /// Read each target's status (``Migrator/status(includingHistory:)``).
    case status
    /// Work out what `up`, `down N` or `goto V` would run on each target (``Migrator/preview(_:)``).
    case plan(MigrationRequest)
    /// Check the files against each target (``Migrator/validate()``).
    case validate

    /// Whether the request changes databases: only then do the canary and the failure policy apply. A read-only
    /// request always visits every target.
    public var changesDatabases: Bool {
        if case .migrate = self { return true }
        return false
    }

    /// The directions of migration files the request needs; nil when it needs none (`version`).
    var directionsRead: Set<Direction>? {
        switch self {
        case .migrate(let request, _), .plan(let request): return request.directionsRead
        case .status: return MigrationRequest.upAll.directionsRead
        case .validate: return [.up, .down]
        case .version: return nil
        }
    }

    /// The command's words: `up`, `up 2`, `down 1`, `goto 5`, `status`, `plan up`.
    public var description: String {
        func words(_ request: MigrationRequest) -> String {
            switch request {
            case .upAll: return "up"
            case .up(let count): return "up \(count)"
            case .downAll: return "down -all"
            case .down(let count): return "down \(count)"
            case .goto(let version): return "goto \(version)"
            }
        }
        switch self {
        case .migrate(let request, _): return words(request)
        case .version: return "version"
        case .status: return "status"
        case .plan(let request): return "plan \(words(request))"
        case .validate: return "validate"
        }
    }
}

/// What happened on one target of a fleet run.
public struct FleetTargetReport: Sendable {
    /// How the target's run ended.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// The request completed: for a migration, the target is at the requested version.
        case succeeded = "ok"
        /// The request failed on this target (see ``FleetTargetReport/error``).
        case failed
        /// The fleet stopped before this target's turn (a failure, a failed canary, a stop request): it was not
        /// opened, and is as it was.
        case notStarted = "not-started"
    }

    /// The target's position in ``MigrationFleet/targets``.
    public var index: Int
    /// ``FleetTarget/name``.
    public var name: String
    public var outcome: Outcome
    /// Whether the target ran among the canaries (``MigrationFleet/Configuration/canary``).
    public var isCanary: Bool
    /// The version row before the run (migrations), or as read (`version`, `status`, `plan`, `validate`); nil when
    /// it was not read.
    public var versionBefore: DatabaseVersion?
    /// The version row after the run, read again after a failure too; nil when it could not be read.
    public var versionAfter: DatabaseVersion?
    /// The migrations that ran and were committed, in order: after a failure, those before it.
    public var applied: [AppliedMigration]
    /// From opening the target to closing it.
    public var duration: Duration
    /// Why the target failed.
    public var error: MigrateError?
    /// For ``FleetRequest/status``.
    public var status: MigrationStatus?
    /// For ``FleetRequest/plan(_:)``.
    public var preview: MigrationPreview?
    /// For ``FleetRequest/validate``.
    public var problems: [ValidationProblem]?

    public init(index: Int, name: String, outcome: Outcome, isCanary: Bool = false) {
        self.index = index
        self.name = name
        self.outcome = outcome
        self.isCanary = isCanary
        self.applied = []
        self.duration = .zero
    }
}

/// The result of a fleet run: every target in the order given, and why the run stopped early, if it did.
public struct FleetReport: Sendable {
    /// Why targets were left unstarted.
    public enum Halt: String, Sendable, Hashable, Codable {
        /// A canary failed: no other target was started.
        case canaryFailed = "canary-failed"
        /// A target failed and the failure policy is ``MigrationFleet/Configuration/FailurePolicy/finishRunning``.
        case targetFailed = "target-failed"
        /// A stop was requested (``StopRequest``) or the task was cancelled.
        case stopped
    }

    public var request: FleetRequest
    /// One per target, in the order of ``MigrationFleet/targets``.
    public var targets: [FleetTargetReport]
    /// Why some targets were not started; nil when every target was.
    public var halt: Halt?
    /// The whole run.
    public var duration: Duration

    public init(request: FleetRequest, targets: [FleetTargetReport], halt: FleetReport.Halt?, duration: Duration) {
        self.request = request
        self.targets = targets
        self.halt = halt
        self.duration = duration
    }

    /// True when the request completed on every target: for a migration, every target is at the requested
    /// version.
    public var succeeded: Bool { targets.allSatisfy { $0.outcome == .succeeded } }
    public var failedTargets: [FleetTargetReport] { targets.filter { $0.outcome == .failed } }
    public var notStartedTargets: [FleetTargetReport] { targets.filter { $0.outcome == .notStarted } }
}

/// What a running fleet tells its observer.
///
/// `started`, `finished` and `halted` come from the task that runs the fleet, one at a time and in order; a
/// target's `migration` events come from the task that runs that target, so those of different targets may
/// arrive concurrently.
public enum FleetEvent: Sendable {
    /// A target is being opened.
    case started(index: Int, name: String)
    /// A target's migrator reported progress.
    case migration(index: Int, MigrationEvent)
    /// A target is done (or, at the end, was never started).
    case finished(FleetTargetReport)
    /// No further target starts, for this reason; those running finish.
    case halted(FleetReport.Halt)
}
