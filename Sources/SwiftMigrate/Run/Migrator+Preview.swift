/// What `up`, `down` or `goto` would do, worked out without changing anything: `migrate plan` and `--dry-run`.
public struct MigrationPreview: Sendable {
    /// One migration that would run.
    public struct Step: Sendable {
        public var step: PlanStep
        /// The script's file, or nil when the source has no file for this direction (only the version moves).
        public var path: String?
        /// In one transaction, or statement by statement outside one (and why).
        public var mode: SQLScript.ExecutionMode
        public var statementCount: Int
        /// The script as the lexer split it, for callers that check it further.
        public var script: SQLScript?
        /// The lint findings of the file that would run (docs/lint.md), as `migrate lint` reports them for this
        /// database.
        public var findings: [LintFinding]
    }

    /// The database's version row now.
    public var current: DatabaseVersion
    /// In the order they would run.
    public var steps: [Step]
    /// The error the run would end with after its steps (`limit N short`), if any.
    public var trailingError: MigrateError?

    /// The version after the last step.
    public var finalVersion: Int64? { steps.last.map(\.step.targetVersion) ?? current.version }
}

extension MigrationPreview: Encodable {
    private enum CodingKeys: String, CodingKey { case current, finalVersion, steps, trailingError }
    private enum StepKeys: String, CodingKey {
        case version, name, direction, label, targetVersion, path, transaction, reason, statements, findings
    }

    /// `{"current": {"version": 4, "dirty": false}, "finalVersion": 5, "steps": [{"version": 5, "name": ...,
    /// "direction": "up", "label": "5/u e", "targetVersion": 5, "path": ..., "transaction": true, "reason": null,
    /// "statements": 1, "findings": [...]}], "trailingError": null}`: what `plan --json` prints. `path` is null
    /// when only the version moves; `reason` says why a step runs outside a transaction.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(current, forKey: .current)
        try container.encode(finalVersion, forKey: .finalVersion)
        var list = container.nestedUnkeyedContainer(forKey: .steps)
        for planned in steps {
            var step = list.nestedContainer(keyedBy: StepKeys.self)
            try step.encode(planned.step.migration.version, forKey: .version)
            try step.encode(planned.step.migration.name, forKey: .name)
            try step.encode(planned.step.direction, forKey: .direction)
            try step.encode(planned.step.label, forKey: .label)
            try step.encode(planned.step.targetVersion, forKey: .targetVersion)
            try step.encode(planned.path, forKey: .path)
            switch planned.mode {
            case .transaction:
                try step.encode(true, forKey: .transaction)
                try step.encodeNil(forKey: .reason)
            case .noTransaction(let reason):
                try step.encode(false, forKey: .transaction)
                try step.encode(reason, forKey: .reason)
            }
            try step.encode(planned.statementCount, forKey: .statements)
            try step.encode(planned.findings, forKey: .findings)
        }
        try container.encode(trailingError?.message, forKey: .trailingError)
    }
}

extension Migrator {
    /// Plans `request` against the database's current state and splits every script, as
    /// ``Migrator/run(_:singleTransaction:)`` would before touching the database, but runs nothing: no lock, no
    /// table created, nothing written.
    ///
    /// - throws: the errors ``Migrator/run(_:singleTransaction:)`` would throw before its first step: a dirty
    ///   database, a modified applied migration (unless allowed), a script the lexer cannot split, `no migration
    ///   to apply`.
    public func preview(_ request: MigrationRequest) async throws -> MigrationPreview {
        let loaded = try await loadSource(for: request)
        let current = try await driver.readVersion()
        let plan = try await checkedPlan(request, migrations: loaded.migrations, current: current)
        let linter = Linter(configuration: lintConfiguration())
        var steps: [MigrationPreview.Step] = []
        for step in plan.steps {
            let script = try step.script.map { script throws(MigrateError) in try split(script) }
            steps.append(.init(
                step: step, path: step.script?.path, mode: script?.executionMode ?? .transaction,
                statementCount: script?.statements.count ?? 0, script: script,
                findings: linter.findings(for: step.migration).filter { $0.direction == step.direction }
            ))
        }
        return MigrationPreview(current: current, steps: steps, trailingError: plan.trailingError?.error)
    }
}

extension Migrator {
    /// How `lint` should judge this database's migrations: in the driver's dialect, and without
    /// `missing-lock-timeout` when the driver sets a lock timeout itself (``DriverTraits/setsLockTimeout``).
    /// Add ``appliedChecksums()`` for `modified-applied-migration`, as ``lint(_:)`` does.
    public func lintConfiguration(_ base: Linter.Configuration? = nil) -> Linter.Configuration {
        var configuration = base ?? Linter.Configuration(dialect: driver.dialect)
        configuration.dialect = driver.dialect
        if driver.traits.setsLockTimeout { configuration.runnerSetsLockTimeout = true }
        return configuration
    }

    /// Lints the source against this database: ``lintConfiguration(_:)`` plus the checksums of the applied
    /// migrations, so that an applied file that changed is an error. Reads only.
    public func lint(_ base: Linter.Configuration? = nil) async throws -> LintReport {
        var configuration = lintConfiguration(base)
        configuration.appliedChecksums = try await appliedChecksums()
        return Linter(configuration: configuration).lint(try await loadSource())
    }
}
