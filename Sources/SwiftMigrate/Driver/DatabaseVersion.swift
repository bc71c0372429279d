#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The version row of golang-migrate's `schema_migrations` table.
public struct DatabaseVersion: Sendable, Hashable, Codable {
    /// The current version, or `nil` when no migration is applied (golang-migrate's `NilVersion`, -1).
    public var version: Int64?
    /// True while a non-transactional migration runs, and after it failed half-way.
    public var dirty: Bool

    public init(version: Int64?, dirty: Bool) {
        self.version = version
        self.dirty = dirty
    }

    /// No migration applied, clean.
    public static let none = DatabaseVersion(version: nil, dirty: false)
}

/// One row of swift-migrate's history table: a migration applied or reverted.
public struct HistoryRecord: Sendable, Hashable, Codable {
    public var version: Int64
    public var direction: Direction
    /// The migration's description (`create_users`).
    public var name: String
    /// ``MigrationScript/checksum`` of the script that ran, if it had one.
    public var checksum: String?
    /// When the migration finished.
    public var appliedAt: Date
    /// How long it ran, in milliseconds; nil when the history table holds no plausible duration (see
    /// ``plausibleDurationMs(_:)``). Written as 0 when nil: the column is NOT NULL.
    public var durationMs: Double?
    /// Who ran it (database user and OS user, for example `postgres (os: deploy)`).
    public var appliedBy: String

    public init(
        version: Int64, direction: Direction, name: String, checksum: String?, appliedAt: Date,
        durationMs: Double?, appliedBy: String
    ) {
        self.version = version
        self.direction = direction
        self.name = name
        self.checksum = checksum
        self.appliedAt = appliedAt
        self.durationMs = durationMs
        self.appliedBy = appliedBy
    }

    /// The longest duration taken as one when read back: 10^12 ms, about 31 years.
    public static let longestDurationMs = 1e12

    /// A `duration_ms` as read from a history table, which anyone with write access may have edited: the value
    /// when it is finite and between 0 and ``longestDurationMs``, else nil (shown as unknown, never a trap).
    public static func plausibleDurationMs(_ stored: Double) -> Double? {
        stored.isFinite && stored >= 0 && stored <= longestDurationMs ? stored : nil
    }
}

extension DatabaseVersion: CustomStringConvertible {
    /// `3`, `3 (dirty)`, `none`, or `none (dirty)`.
    public var description: String {
        (version.map(String.init) ?? "none") + (dirty ? " (dirty)" : "")
    }
}

extension MigrateError {
    /// A version write's compare-and-set failed (``DatabaseDriver/writeVersion(_:replacing:recording:)``): the
    /// error every driver throws, saying what was expected, what was found, and the likely cause.
    public static func versionChanged(
        expected: DatabaseVersion, found: DatabaseVersion, writing state: DatabaseVersion, table: String
    ) -> MigrateError {
        MigrateError(
            .versionChanged,
            "the version in \(table) changed while this run held the migration lock: expected \(expected), found "
                + "\(found); version \(state) was not written and this migration was rolled back",
            hint: "another migrator changed it without taking the same lock: is the database named two ways (a URL "
                + "path and dbname=, PGDATABASE), or was the lock bypassed? Run `migrate status` before retrying"
        )
    }
}

extension MigrateError {
    /// The version table named by `x-migrations-table` exists but is some other table (`users`): said with its
    /// name rather than as the database's `column "version" does not exist`.
    public static func notAMigrationsTable(_ table: String, detail: String) -> MigrateError {
        MigrateError(
            .invalidArgument,
            "\(table) is not a migrations table: it exists without golang-migrate's columns (version bigint, dirty boolean)",
            detail: detail,
            hint: "x-migrations-table names a table the tool owns: choose a name no other table has (default schema_migrations)"
        )
    }
}
