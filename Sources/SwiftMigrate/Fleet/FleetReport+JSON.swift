import Foundation

extension FleetReport: Encodable {
    private enum CodingKeys: String, CodingKey { case request, ok, halted, durationMs, summary, targets }
    private enum SummaryKeys: String, CodingKey { case targets, ok, failed, notStarted }

    /// What `migrate ... --json` prints for a fleet:
    ///
    /// ```json
    /// {"request": "up", "ok": false, "halted": "target-failed", "durationMs": 812.4,
    ///  "summary": {"targets": 3, "ok": 1, "failed": 1, "notStarted": 1},
    ///  "targets": [{"target": "postgres://app:***@db1/shop", "result": "ok", "canary": false,
    ///               "versionBefore": {"version": 3, "dirty": false}, "versionAfter": {"version": 5, "dirty": false},
    ///               "applied": [{"version": 4, "name": "add_tags", "direction": "up", "durationMs": 3.1}, ...],
    ///               "durationMs": 41.2, "error": null}, ...]}
    /// ```
    ///
    /// `result` is `ok`, `failed` or `not-started`; `error` is null or `{"code", "message", "version", "file",
    /// "line", "column", "sqlState", "hint"}`. `status` adds `pending` and `lastApplied` per target, `plan` its
    /// `plan` (as `plan --json` prints it), `validate` its `problems`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(request.description, forKey: .request)
        try container.encode(succeeded, forKey: .ok)
        try container.encode(halt, forKey: .halted)
        try container.encode(duration.fractionalMilliseconds, forKey: .durationMs)
        var summary = container.nestedContainer(keyedBy: SummaryKeys.self, forKey: .summary)
        try summary.encode(targets.count, forKey: .targets)
        try summary.encode(targets.count - failedTargets.count - notStartedTargets.count, forKey: .ok)
        try summary.encode(failedTargets.count, forKey: .failed)
        try summary.encode(notStartedTargets.count, forKey: .notStarted)
        try container.encode(targets, forKey: .targets)
    }
}

extension FleetTargetReport: Encodable {
    private enum CodingKeys: String, CodingKey {
        case target, result, canary, versionBefore, versionAfter, applied, durationMs, error
        case version, pending, lastApplied, plan, problems
    }
    private enum AppliedKeys: String, CodingKey { case version, name, direction, durationMs }
    private enum LastAppliedKeys: String, CodingKey { case version, name, appliedAt }
    private enum ErrorKeys: String, CodingKey { case code, message, version, file, line, column, sqlState, hint }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .target)
        try container.encode(outcome, forKey: .result)
        try container.encode(isCanary, forKey: .canary)
        try container.encode(versionBefore, forKey: .versionBefore)
        try container.encode(versionAfter, forKey: .versionAfter)
        var list = container.nestedUnkeyedContainer(forKey: .applied)
        for migration in applied {
            var entry = list.nestedContainer(keyedBy: AppliedKeys.self)
            try entry.encode(migration.version, forKey: .version)
            try entry.encode(migration.name, forKey: .name)
            try entry.encode(migration.direction, forKey: .direction)
            try entry.encode(migration.duration.fractionalMilliseconds, forKey: .durationMs)
        }
        try container.encode(duration.fractionalMilliseconds, forKey: .durationMs)
        if let error {
            var entry = container.nestedContainer(keyedBy: ErrorKeys.self, forKey: .error)
            try entry.encode(error.code.description, forKey: .code)
            try entry.encode(error.message, forKey: .message)
            try entry.encodeIfPresent(error.version, forKey: .version)
            try entry.encodeIfPresent(error.location?.file, forKey: .file)
            try entry.encodeIfPresent(error.location?.line, forKey: .line)
            try entry.encodeIfPresent(error.location?.column, forKey: .column)
            try entry.encodeIfPresent(error.sqlState, forKey: .sqlState)
            try entry.encodeIfPresent(error.hint, forKey: .hint)
        } else {
            try container.encodeNil(forKey: .error)
        }
        if let status {
            try container.encode(status.pendingCount, forKey: .pending)
            if let last = status.lastApplied {
                var entry = container.nestedContainer(keyedBy: LastAppliedKeys.self, forKey: .lastApplied)
                try entry.encode(last.version, forKey: .version)
                try entry.encode(last.name, forKey: .name)
                try entry.encode(last.appliedAt, forKey: .appliedAt)
            } else {
                try container.encodeNil(forKey: .lastApplied)
            }
        }
        if let preview { try container.encode(preview, forKey: .plan) }
        if let problems { try container.encode(problems, forKey: .problems) }
    }
}

extension MigrationStatus {
    /// The most recently applied migration that the history table dates, as `status` shows it per target of a
    /// fleet; nil when none is dated (nothing applied, or applied by golang-migrate).
    public var lastApplied: (version: Int64, name: String, appliedAt: Date)? {
        var latest: (version: Int64, name: String, appliedAt: Date)?
        for entry in entries {
            guard let date = entry.appliedAt, entry.state != .pending else { continue }
            if latest.map({ date >= $0.appliedAt }) ?? true { latest = (entry.version, entry.name, date) }
        }
        return latest
    }
}
