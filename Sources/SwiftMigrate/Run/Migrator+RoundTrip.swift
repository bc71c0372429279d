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
        let reader = try schemaReader()
        let current = try await version()
        let pending = try await loadSource().migrations.filter { migration in current.version.map { migration.version > $0 } ?? true }
        var results: [RoundTrip] = []
        for migration in pending {
            let before = try await reader.schemaSnapshot()
            try await up(1)
            let applied = try await reader.schemaSnapshot()
            try await down(1)
            let restored = try await reader.schemaSnapshot()
            var trip = RoundTrip(
                version: migration.version, name: migration.name, upChangedSchema: applied != before,
                downDifferences: restored.differences(from: before), reapplyDifferences: [], reapplyError: nil,
                downRestoredSchema: restored == before, reapplyRebuiltSchema: false
            )
            do {
                try await up(1)
            } catch let error as MigrateError where error.code == .statementFailed || error.code == .tableLockTimeout {
                trip.reapplyError = error
                results.append(trip)
                progress?(trip)
                return results
            }
            let reapplied = try await reader.schemaSnapshot()
            trip.reapplyDifferences = reapplied.differences(from: applied)
            trip.reapplyRebuiltSchema = reapplied == applied
            results.append(trip)
            progress?(trip)
            if stopAtFirstFailure && !trip.isExact { break }
        }
        return results
    }
}

/// The verdict of ``Migrator/verify(progress:)``: every round trip, and the failure that ends it, if any.
public struct VerificationReport: Sendable {
    /// One per migration proved, in order; it ends at the first that failed.
    public var roundTrips: [RoundTrip]
    /// Why verification failed (``MigrateError/Code/verificationFailed``, naming the file to fix), or nil when
    /// every down restored the schema and every up re-applied.
    public var failure: MigrateError?

    /// True when every migration passed.
    public var passed: Bool { failure == nil }
}

extension Migrator {
    /// `migrate verify`: proves every pending migration's down file with ``roundTrips(stopAtFirstFailure:progress:)``,
    /// stopping at the first that fails, and gives the verdict. Run it on a scratch database
    /// (``DriverRegistry/withScratchDatabase(like:logger:created:_:)``), since it applies everything.
    ///
    /// ```swift
    /// let report = try await migrator.verify()
    /// if let failure = report.failure { throw failure }   // names the down (or up) file to fix
    /// ```
    public func verify(progress: (@Sendable (RoundTrip) -> Void)? = nil) async throws -> VerificationReport {
        let trips = try await roundTrips(stopAtFirstFailure: true, progress: progress)
        guard let failed = trips.first(where: { !$0.isExact }) else {
            return VerificationReport(roundTrips: trips, failure: nil)
        }
        let migration = try await loadSource().migrations.first { $0.version == failed.version }
        // A down that leaves objects behind usually makes the second up fail too: blame the down first.
        let file = failed.downRestoredSchema ? migration?.up?.path : migration?.down?.path ?? migration?.up?.path
        let what =
            !failed.downRestoredSchema ? "the down does not restore the schema the up started from"
            : failed.reapplyError != nil ? "the up fails when applied again after the down"
            : "the up does not rebuild the same schema after the down"
        let failure = MigrateError(
            .verificationFailed, "version \(failed.version) (\(failed.name)): \(what)", version: failed.version,
            location: file.map { SourceLocation(file: $0, line: 1, column: 1) },
            hint: migration?.down == nil
                ? "there is no down file: add one that reverts what the up does"
                : "make the down file revert exactly what the up does; `migrate schema` prints the snapshots compared"
        )
        return VerificationReport(roundTrips: trips, failure: failure)
    }
}

extension Migrator {
    /// The schema of the database as `migrate schema` prints it (``SchemaReading``).
    ///
    /// - throws: ``MigrateError/Code/driver`` when the driver cannot read its schema.
    public func schemaSnapshot() async throws -> SchemaSnapshot {
        try await schemaReader().schemaSnapshot()
    }

    func schemaReader() throws(MigrateError) -> any SchemaReading {
        guard let reader = driver as? any SchemaReading else {
            throw MigrateError(.driver, "the driver for \(driver.displayURL) cannot read its schema (SchemaReading)")
        }
        return reader
    }
}
