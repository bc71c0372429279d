import Synchronization
import Foundation

/// What a running migrator tells its observer (the CLI prints these; an app may log them).
public enum MigrationEvent: Sendable {
    /// A step is about to run; `mode` says whether it runs in one transaction.
    case starting(PlanStep, mode: SQLScript.ExecutionMode)
    /// A step finished; golang-migrate prints `1/u create_users (43.1ms)`.
    case finished(PlanStep, duration: Duration)
    /// A stop was requested (SIGINT/SIGTERM); no further step starts.
    case stopping(after: PlanStep?)
    /// After the run, a standby's state once the wait for replicas ended (``Migrator/Configuration/replicaWait``).
    case replica(ReplicaStatus)
}

/// A migration that ran.
public struct AppliedMigration: Sendable, Hashable {
    public var version: Int64
    public var name: String
    public var direction: Direction
    /// The database version after it.
    public var targetVersion: Int64?
    public var duration: Duration

    /// golang-migrate's progress line: `1/u create_users (43.1ms)`.
    public var logLine: String {
        "\(version)/\(direction.letter) \(name) (\(Self.format(duration)))"
    }

    /// Formats like Go's `time.Duration.String()` for the ranges migrations take (`812µs`, `43.1ms`, `1.2s`).
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return format(micros: Double(seconds) * 1_000_000 + Double(attoseconds) / 1_000_000_000_000)
    }

    /// ``format(_:)`` for a history table's `duration_ms`; nil when it is not a plausible duration
    /// (``HistoryRecord/plausibleDurationMs(_:)``), which `status` shows as `-`. No conversion to an integer
    /// type: a stored `1e300` or `Infinity` must not trap.
    public static func format(milliseconds: Double) -> String? {
        HistoryRecord.plausibleDurationMs(milliseconds).map { format(micros: $0 * 1000) }
    }

    private static func format(micros: Double) -> String {
        if micros < 1000 { return "\(trim(micros))µs" }
        if micros < 1_000_000 { return "\(trim(micros / 1000))ms" }
        return "\(trim(micros / 1_000_000))s"
    }

    /// One decimal, without a trailing `.0` (`43.1`, `3`). Integer arithmetic rather than `String(format:)`:
    /// `status` formats a duration per row, 10,000 of them.
    private static func trim(_ value: Double) -> String {
        let scaled = (value * 10).rounded()
        guard scaled.isFinite, abs(scaled) < 1e15 else { return String(format: "%.1f", value) }
        let tenths = Int64(scaled)
        let whole = tenths.magnitude / 10, fraction = tenths.magnitude % 10
        let sign = tenths < 0 ? "-" : ""
        return fraction == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
    }
}

/// A stop request shared between a signal handler (or a service's graceful shutdown) and the migrator: the
/// running migration finishes, then no other starts.
public final class StopRequest: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    /// Asks the migrator to stop after the running migration.
    public func request() {
        requested.store(true, ordering: .sequentiallyConsistent)
    }

    public var isRequested: Bool {
        requested.load(ordering: .sequentiallyConsistent)
    }
}

extension AppliedMigration {
    /// `step`, which ran in `duration`.
    init(_ step: PlanStep, duration: Duration) {
        self.init(
            version: step.migration.version, name: step.migration.name, direction: step.direction,
            targetVersion: step.targetVersion, duration: duration
        )
    }
}
