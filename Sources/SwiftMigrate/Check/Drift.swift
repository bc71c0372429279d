/// An applied migration whose up file changed after it ran: the guide's "never edit an applied migration".
///
/// Found by comparing the checksum recorded in the history table when the migration was applied with the
/// file's checksum now (line endings and trailing whitespace normalised, see ``MigrationScript/checksum``).
/// Versions applied by golang-migrate have no recorded checksum and are never reported.
public struct ModifiedMigration: Sendable, Hashable, Codable {
    public var version: Int64
    public var name: String
    /// The up file as shown to users (`migrations/001_create_users.up.sql`).
    public var path: String
    /// The checksum recorded when it was applied.
    public var recordedChecksum: String
    /// The file's checksum now.
    public var currentChecksum: String
}

/// Pure comparisons of the source with what the database recorded.
enum Drift {
    /// The latest up record of each version that no later down record reverted.
    static func appliedRecords(_ history: [HistoryRecord]) -> [Int64: HistoryRecord] {
        var lastUp: [Int64: HistoryRecord] = [:]
        // Sized once: growing a table of 10,000 records holds the old and the new one at once.
        lastUp.reserveCapacity(history.count)
        for record in history {
            if record.direction == .up { lastUp[record.version] = record } else { lastUp[record.version] = nil }
        }
        return lastUp
    }

    /// Applied migrations (at or below the current version) whose up file no longer has the recorded checksum.
    static func modified(
        migrations: [Migration], current: DatabaseVersion, history: [HistoryRecord]
    ) -> [ModifiedMigration] {
        guard let currentVersion = current.version, !history.isEmpty else { return [] }
        let applied = appliedRecords(history)
        var found: [ModifiedMigration] = []
        for migration in migrations where migration.version <= currentVersion {
            guard let up = migration.up, let recorded = applied[migration.version]?.checksum else { continue }
            let checksum = up.checksum
            if checksum != recorded {
                found.append(ModifiedMigration(
                    version: migration.version, name: migration.name, path: up.path, recordedChecksum: recorded,
                    currentChecksum: checksum
                ))
            }
        }
        return found
    }

    /// Files at or below the current version that were never applied: added after later versions ran (a
    /// merge of two branches), so golang-migrate's `up` would skip them for ever (golang-migrate #179); ours
    /// refuses (``outOfOrderError(_:current:)``) unless ``Migrator/Configuration/allowOutOfOrder`` is set.
    ///
    /// Only the history table can tell, so versions below the first one swift-migrate recorded are not judged
    /// (golang-migrate may have applied them before the switch).
    static func outOfOrder(
        migrations: [Migration], current: DatabaseVersion, history: [HistoryRecord]
    ) -> [Migration] {
        guard let currentVersion = current.version,
            let firstRecorded = history.map(\.version).min()
        else { return [] }
        let applied = appliedRecords(history)
        return migrations.filter { migration in
            migration.version > firstRecorded && migration.version <= currentVersion
                && applied[migration.version] == nil && migration.version != currentVersion
        }
    }

    /// The error `up` and `goto` throw for files below the current version that were never applied, before
    /// changing anything.
    static func outOfOrderError(_ skipped: [Migration], current: DatabaseVersion) -> MigrateError {
        let paths = skipped.map { $0.up?.path ?? $0.down?.path ?? "version \($0.version)" }
        let at = current.version.map(String.init) ?? "-"
        let message = skipped.count == 1
            ? "\(paths[0]) (version \(skipped[0].version)) was never applied, but the database is already at version \(at)"
            : "\(skipped.count) migrations below the database's version \(at) were never applied: "
                + paths.joined(separator: ", ")
        let them = skipped.count == 1 ? "it" : "them"
        return MigrateError(
            .outOfOrder, message + "; nothing was applied", version: skipped[0].version,
            location: skipped[0].up.map { SourceLocation(file: $0.path, line: 1, column: 1) },
            hint: "golang-migrate would skip \(them) for ever. Move \(them) after the last version with "
                + "`migrate renumber` (then `up` applies \(them) in order), or apply \(them) where "
                + "\(skipped.count == 1 ? "it stands" : "they stand") with -allow-out-of-order"
        )
    }

    /// The error `up` throws for modified files.
    static func modifiedError(_ modified: [ModifiedMigration]) -> MigrateError {
        let first = modified[0]
        let others = modified.dropFirst().map(\.path)
        var message = "applied migration \(first.version) (\(first.name)) was changed after it ran (recorded checksum "
            + "\(first.recordedChecksum.prefix(12)), file now \(first.currentChecksum.prefix(12)))"
        if !others.isEmpty { message += "; also changed: " + others.joined(separator: ", ") }
        return MigrateError(
            .modifiedMigration, message, version: first.version,
            location: SourceLocation(file: first.path, line: 1, column: 1),
            hint: "an applied migration never runs again, so the change would not reach this database: restore the file "
                + "(git checkout -- \(first.path)) and put the change in a new migration (`migrate create`); "
                + "to migrate anyway, pass -allow-modified"
        )
    }
}

extension Migrator {
    /// The checksum recorded for each applied version (at or below the current version, not reverted since):
    /// what ``Linter/Configuration/appliedChecksums`` takes. Reads only.
    public func appliedChecksums() async throws -> [Int64: String] {
        let current = try await driver.readVersion()
        guard let version = current.version else { return [:] }
        var checksums: [Int64: String] = [:]
        for (applied, record) in Drift.appliedRecords(try await driver.readHistory()) where applied <= version {
            if let checksum = record.checksum { checksums[applied] = checksum }
        }
        return checksums
    }
}
