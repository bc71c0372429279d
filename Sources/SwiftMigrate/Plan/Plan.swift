/// What a command asks for, in golang-migrate's terms.
public enum MigrationRequest: Sendable, Hashable {
    /// `up`: every pending migration.
    case upAll
    /// `up N`: at most N migrations up (`limit K short` when fewer exist).
    case up(Int)
    /// `down -all` (or confirmed `down`): every applied migration.
    case downAll
    /// `down N`.
    case down(Int)
    /// `goto V`: up or down to version V, which must exist in the source.
    case goto(Int64)

    /// Whether the request may apply up migrations (`goto` may go either way).
    public var isUpward: Bool {
        switch self {
        case .upAll, .up, .goto: return true
        case .downAll, .down: return false
        }
    }

    /// The directions of files the request reads: a request that only goes up reads no down file (with 10,000
    /// migrations that halves the files read); `status`, which shows the same as `up`, reads the same.
    public var directionsRead: Set<Direction> {
        switch self {
        case .upAll, .up: return [.up]
        case .downAll, .down, .goto: return [.up, .down]
        }
    }
}

/// One migration to run: the file of `version` in `direction`, leaving the database at `targetVersion`.
public struct PlanStep: Sendable, Hashable {
    /// The migration whose script runs.
    public var migration: Migration
    public var direction: Direction
    /// The database version after this step; `nil` when the last migration is reverted.
    public var targetVersion: Int64?

    /// The script that runs; `nil` when the source has no file for this direction (the step only moves the
    /// version, as golang-migrate does).
    public var script: MigrationScript? { migration.script(direction) }

    /// True when the source has no file for this direction: the step runs nothing and only moves the version
    /// (golang-migrate's behaviour), which progress lines should say.
    public var movesVersionOnly: Bool { script == nil }

    /// golang-migrate's log form: `1/u create_users`.
    public var label: String { "\(migration.version)/\(direction.letter) \(migration.name)" }

    public init(migration: Migration, direction: Direction, targetVersion: Int64?) {
        self.migration = migration
        self.direction = direction
        self.targetVersion = targetVersion
    }
}

/// The steps a request resolves to, and, when the request cannot be met in full, the error to report after
/// running them (golang-migrate applies what it can, then reports `limit N short`).
public struct Plan: Sendable, Hashable {
    public var steps: [PlanStep]
    /// Thrown after the steps ran, e.g. ``MigrateError/Code/shortLimit``.
    public var trailingError: PlanError?

    public init(steps: [PlanStep], trailingError: PlanError? = nil) {
        self.steps = steps
        self.trailingError = trailingError
    }

    /// True when there is nothing to do (golang-migrate's `no change`).
    public var isNoChange: Bool { steps.isEmpty && trailingError == nil }
}

/// A failure the planner finds before or after the steps; turned into a ``MigrateError`` by ``error``.
public enum PlanError: Sendable, Hashable {
    /// `limit N short`: N fewer migrations than requested were available.
    case shortLimit(Int)
    /// `up N` / `down N` found nothing to apply at all.
    case nothingToApply(Direction, current: Int64?)
    /// The database's current version has no file in the source.
    case currentVersionMissing(Int64)
    /// `goto V` names a version that has no file in the source.
    case targetVersionMissing(Int64)

    public var error: MigrateError {
        switch self {
        case .shortLimit(let n):
            return MigrateError(.shortLimit, "limit \(n) short")
        case .nothingToApply(.up, let current):
            let at = current.map { "version \($0), the last in the source" } ?? "no version"
            return MigrateError(.nothingToApply, "no migration to apply up: the database is at \(at)")
        case .nothingToApply(.down, _):
            return MigrateError(.nothingToApply, "no migration to apply down: no migration is applied")
        case .currentVersionMissing(let v):
            return MigrateError(
                .missingVersion, "no migration found for version \(v): the database is at version \(v) but the source has no file for it",
                version: v,
                hint: "restore the migration files of version \(v), or point -path at the right directory"
            )
        case .targetVersionMissing(let v):
            return MigrateError(
                .missingVersion, "no migration found for version \(v): the source has no file for it", version: v
            )
        }
    }
}
