/// What happened to the schema when one migration went up, down and up again.
public struct RoundTrip: Sendable {
    public var version: Int64
    public var name: String
    /// Whether the up changed the schema at all.
    public var upChangedSchema: Bool
    /// How the schema after the down differs from the one before the up; empty when the down is exact.
    public var downDifferences: [SchemaDifference]
    /// How the schema after the second up differs from the one after the first; empty when the up is repeatable.
    public var reapplyDifferences: [SchemaDifference]

    /// Why the second up failed (typically because the down left an object behind); the round trips stop there.
    public var reapplyError: MigrateError?
    /// The snapshot after the down equals the one before the up, object for object.
    public var downRestoredSchema: Bool
    /// The snapshot after the second up equals the one after the first.
    public var reapplyRebuiltSchema: Bool

    /// True when the down restored the schema and the second up rebuilt it.
    public var isExact: Bool { downRestoredSchema && reapplyRebuiltSchema }
}

extension Migrator {
    /// Proves the down files: for each pending migration in order, snapshot the schema, apply it, snapshot,
    /// revert it, snapshot (which must equal the first), and apply it again. The guide's up → down → up, done
    /// by the tool; run it on a scratch database, since it applies everything.
    ///
    /// - parameters:
    ///   - stopAtFirstFailure: end after the first migration that is not ``RoundTrip/isExact`` (`verify` does:
    ///     the schema is off from there on, so later results would mislead).
    ///   - progress: called with each result as soon as it is known.
    /// - returns: one ``RoundTrip`` per migration, in order; it ends early at a migration whose second up failed.
    public func roundTrips(
        stopAtFirstFailure: Bool = false, progress: (@Sendable (RoundTrip) -> Void)? = nil
    ) async throws -> [RoundTrip] {
        let current = try await version()
        let pending = try loadSource().migrations.filter { migration in current.version.map { migration.version > $0 } ?? true }
        var results: [RoundTrip] = []
        for migration in pending {
            let before = try await driver.schemaSnapshot()
            try await up(1)
            let applied = try await driver.schemaSnapshot()
            try await down(1)
            let restored = try await driver.schemaSnapshot()
            var trip = RoundTrip(
                version: migration.version, name: migration.name, upChangedSchema: applied != before,
                downDifferences: restored.differences(from: before), reapplyDifferences: [], reapplyError: nil,
                downRestoredSchema: restored == before, reapplyRebuiltSchema: false
            )
            do {
                try await up(1)
            } catch let error as MigrateError where error.code == .statementFailed {
                trip.reapplyError = error
                results.append(trip)
                progress?(trip)
                return results
            }
            let reapplied = try await driver.schemaSnapshot()
            trip.reapplyDifferences = reapplied.differences(from: applied)
            trip.reapplyRebuiltSchema = reapplied == applied
            results.append(trip)
            progress?(trip)
            if stopAtFirstFailure && !trip.isExact { break }
        }
        return results
    }
}
