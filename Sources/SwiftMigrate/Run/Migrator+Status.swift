#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every migration of the source and every version the database knows: the guide's "Migration History" table.
public struct MigrationStatus: Sendable, Hashable, Codable {
    /// The state of one version.
    public enum State: String, Sendable, Hashable, Codable {
        /// At or below the database version and in the source.
        case applied
        /// Above the database version.
        case pending
        /// The database version, marked dirty by an interrupted non-transactional migration.
        case dirty
        /// Applied in the database but no file in the source has this version.
        case missingFromSource = "missing"
        /// Applied, but the up file changed since: its checksum differs from the one recorded when it ran.
        case modified
        /// At or below the database version but never applied: added after later versions ran, so `up`
        /// refuses until it is renumbered or applied out of order (only known from the history table).
        case outOfOrder = "out-of-order"
    }

    /// One row of the status table.
    public struct Entry: Sendable, Hashable, Codable {
        public var version: Int64
        /// The description, from the source or, when the file is gone, from the history table.
        public var name: String
        public var state: State
        /// When it was last applied, from the history table; nil for pending versions and for versions
        /// applied by another tool (golang-migrate keeps no history).
        public var appliedAt: Date?
        /// How long it ran, in milliseconds; nil without a history row or when the row's duration is not a
        /// plausible one (``HistoryRecord/plausibleDurationMs(_:)``).
        public var durationMs: Double?
        public var appliedBy: String?
        /// Whether the source has an up file and a down file for this version.
        public var hasUp: Bool
        public var hasDown: Bool

        /// As synthesized, except that `durationMs` is present whenever `appliedAt` is: `null` says the history
        /// row holds no plausible duration, where a missing key says there is no history row.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(version, forKey: .version)
            try container.encode(name, forKey: .name)
            try container.encode(state, forKey: .state)
            try container.encodeIfPresent(appliedAt, forKey: .appliedAt)
            // Checked again here: JSON has no NaN or Infinity, and `durationMs` is a public var.
            let duration = durationMs.flatMap(HistoryRecord.plausibleDurationMs)
            if appliedAt != nil {
                try container.encode(duration, forKey: .durationMs)
            } else {
                try container.encodeIfPresent(duration, forKey: .durationMs)
            }
            try container.encodeIfPresent(appliedBy, forKey: .appliedBy)
            try container.encode(hasUp, forKey: .hasUp)
            try container.encode(hasDown, forKey: .hasDown)
        }
    }

    /// The version row.
    public var current: DatabaseVersion
    /// Ascending by version.
    public var entries: [Entry]
    /// When the database is dirty: the objects the failed migration left invalid (``InvalidObjectReporting``),
    /// which ``dirtyRecovery`` names; nil when the database is clean or the driver cannot tell.
    public var invalidObjects: [InvalidObject]?
    /// Every row of the history table, oldest first: each up and each down (rollbacks, which ``entries`` do not
    /// show), when asked for (``Migrator/status(includingHistory:)``); nil otherwise.
    public var history: [HistoryRecord]?

    public init(
        current: DatabaseVersion, entries: [Entry], invalidObjects: [InvalidObject]? = nil, history: [HistoryRecord]? = nil
    ) {
        self.current = current
        self.entries = entries
        self.invalidObjects = invalidObjects
        self.history = history
    }

    /// Versions still to apply.
    public var pendingCount: Int { entries.filter { $0.state == .pending }.count }

    /// How to recover when the database is dirty; nil when it is clean.
    public var dirtyRecovery: DirtyRecovery? {
        guard current.dirty else { return nil }
        let version = current.version
        return DirtyRecovery(
            dirtyVersion: version,
            name: entries.first { $0.version == version && !$0.name.isEmpty }?.name,
            versionBefore: version.flatMap { v in entries.last { $0.version < v && $0.state != .missingFromSource }?.version },
            invalidObjects: invalidObjects ?? []
        )
    }
}

extension Migrator {
    /// Reads the source, the version row and the history table, and lines them up. Takes no lock, creates
    /// nothing: safe for read-only database users.
    ///
    /// With `includingHistory`, ``MigrationStatus/history`` holds every history row too (`status --all`).
    public func status(includingHistory: Bool = false) async throws -> MigrationStatus {
        // Checksums need the up files; of the down files, only whether they exist.
        let loaded = try await loadSource(for: .upAll)
        let current = try await driver.readVersion()
        let history = try await driver.readHistory()
        var status = Self.status(migrations: loaded.migrations, current: current, history: history)
        if current.dirty, driver is any InvalidObjectReporting { status.invalidObjects = await invalidObjects() }
        if includingHistory { status.history = history }
        return status
    }

    /// Pure: the status of `migrations` for a database at `current` with `history`.
    static func status(migrations: [Migration], current: DatabaseVersion, history: [HistoryRecord]) -> MigrationStatus {
        let lastUp = Drift.appliedRecords(history)
        let modified = Set(Drift.modified(migrations: migrations, current: current, history: history).map(\.version))
        let outOfOrder = Set(Drift.outOfOrder(migrations: migrations, current: current, history: history).map(\.version))
        let inSource = Set(migrations.map(\.version))
        var entries: [MigrationStatus.Entry] = []
        entries.reserveCapacity(migrations.count)
        for migration in migrations {
            let state: MigrationStatus.State
            if let version = current.version, migration.version <= version {
                if current.dirty && migration.version == version {
                    state = .dirty
                } else if modified.contains(migration.version) {
                    state = .modified
                } else if outOfOrder.contains(migration.version) {
                    state = .outOfOrder
                } else {
                    state = .applied
                }
            } else {
                state = .pending
            }
            let record = state == .pending || state == .outOfOrder ? nil : lastUp[migration.version]
            entries.append(.init(
                version: migration.version, name: migration.name, state: state, appliedAt: record?.appliedAt,
                durationMs: record?.durationMs.flatMap(HistoryRecord.plausibleDurationMs), appliedBy: record?.appliedBy,
                hasUp: migration.up != nil, hasDown: migration.down != nil
            ))
        }
        // Versions the database has applied that the source lacks.
        var missing = Set(lastUp.keys.filter { key in current.version.map { key <= $0 } ?? false })
        if let version = current.version { missing.insert(version) }
        for version in missing.subtracting(inSource) {
            let record = lastUp[version]
            entries.append(.init(
                version: version, name: record?.name ?? "", state: .missingFromSource, appliedAt: record?.appliedAt,
                durationMs: record?.durationMs.flatMap(HistoryRecord.plausibleDurationMs), appliedBy: record?.appliedBy,
                hasUp: false, hasDown: false
            ))
        }
        entries.sort { $0.version < $1.version }
        return MigrationStatus(current: current, entries: entries)
    }
}
