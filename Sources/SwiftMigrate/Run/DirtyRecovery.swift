/// How to get a dirty database going again: the one piece of advice that `up`'s error, the refusal of a dirty
/// database, `status` and `validate` all give, so that it reads the same everywhere.
///
/// A database is dirty when a migration that runs outside a transaction stopped half-way: golang-migrate's
/// protocol marks the version dirty before the statements and clean after them. The way out is always the same:
/// undo what the migration did partly, then record the version that is fully applied with `migrate force`.
public struct DirtyRecovery: Sendable, Hashable {
    /// The version the database is marked dirty at (nil: no version, golang-migrate's -1).
    public var dirtyVersion: Int64?
    /// The migration at ``dirtyVersion``, when the source has it.
    public var name: String?
    /// The version to force after undoing an interrupted up: the last one before ``dirtyVersion`` (nil: -1).
    public var versionBefore: Int64?
    /// The migration that stopped, when known (right after it failed); nil when only the version row is known
    /// (`status`, a later run).
    public var interrupted: PlanStep?
    /// Objects the failed migration left invalid (PostgreSQL: an INVALID index from `CREATE INDEX CONCURRENTLY`),
    /// from a driver that reports them (``InvalidObjectReporting``): running the migration again fails until
    /// they are dropped, so the advice names each with its repair statement.
    public var invalidObjects: [InvalidObject] = []

    /// Advice for a database dirty at `state`, knowing the source's migrations and, right after a failure, the
    /// step that stopped.
    public init(
        dirty state: DatabaseVersion, migrations: [Migration], interrupted: PlanStep? = nil, invalidObjects: [InvalidObject] = []
    ) {
        dirtyVersion = state.version
        self.invalidObjects = invalidObjects
        name = state.version.flatMap { version in migrations.first { $0.version == version }?.name }
        versionBefore = state.version.flatMap { version in migrations.last { $0.version < version }?.version }
        self.interrupted = interrupted
    }

    /// Advice for a database dirty at `version`, from what `status` knows.
    public init(dirtyVersion: Int64?, name: String?, versionBefore: Int64?, invalidObjects: [InvalidObject] = []) {
        self.dirtyVersion = dirtyVersion
        self.invalidObjects = invalidObjects
        self.name = name
        self.versionBefore = versionBefore
        interrupted = nil
    }

    /// The command that records the fully applied version once the partial work is undone: the version before
    /// an interrupted up; the reverted migration's own version for an interrupted down.
    public var forceCommand: String {
        let version = interrupted.map { step in
            switch step.direction {
            case .down: return step.migration.version
            // A migration applied out of order leaves the version where it was: that version is fully applied.
            case .up: return step.targetVersion != step.migration.version ? step.targetVersion : versionBefore
            }
        } ?? versionBefore
        return "migrate force \(version.map(String.init) ?? "-1")"
    }

    /// One paragraph, with the exact commands.
    public var advice: String {
        let version = dirtyVersion.map(String.init) ?? "-1"
        let named = name.map { " (\($0))" } ?? ""
        let undo = "undo what it did partly" + repairs
        if let step = interrupted, step.direction == .down {
            return "the database is dirty at version \(version): finish reverting \(step.label) by hand and run "
                + "`migrate force \(version)`, or \(undo) and run `\(forceCommand)`"
        }
        if let step = interrupted {
            return "the database is dirty at version \(version)\(named): \(step.label) stopped half-way; \(undo), then "
                + "run `\(forceCommand)` and `migrate up` again"
        }
        return "the database is dirty at version \(version)\(named): a migration that runs outside a transaction "
                + "stopped half-way. Undo what it did partly\(repairs), then run `\(forceCommand)` and `migrate up` again "
                + "(if it was a down migration that stopped, finish reverting it and run `migrate force \(version)`)"
    }

    /// ` (it left INVALID index public.i, which makes the migration fail again with "already exists": run
    /// `DROP INDEX CONCURRENTLY IF EXISTS public.i;`)`, or nothing.
    private var repairs: String {
        guard !invalidObjects.isEmpty else { return "" }
        var kinds: [String] = []
        for object in invalidObjects where !kinds.contains(object.kind) { kinds.append(object.kind) }
        let plural = invalidObjects.count == 1 ? "" : (kinds.count == 1 && kinds[0].hasSuffix("x") ? "es" : "s")
        let what = kinds.count == 1 ? kinds[0] + plural : "objects"
        let names = invalidObjects.map(\.name).joined(separator: ", ")
        let statements = invalidObjects.map { "`\($0.repair)`" }.joined(separator: " ")
        return " (the schema holds INVALID \(what) \(names), left by a failed concurrent build, and running the "
            + "migration again fails with \"already exists\" until \(invalidObjects.count == 1 ? "it is" : "they are") "
            + "dropped: run \(statements))"
    }
}
