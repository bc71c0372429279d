import Logging
import Synchronization

extension MigrationFleet {
    /// Opens one target, runs the request on it, closes it, and reports; never throws.
    func runTarget(_ index: Int, _ request: FleetRequest, _ loaded: LoadedSource?, canary: Bool) async -> FleetTargetReport {
        let target = targets[index]
        let clock = ContinuousClock()
        let start = clock.now
        let record = TargetRecord(FleetTargetReport(index: index, name: target.name, outcome: .succeeded, isCanary: canary))
        var targetLogger = logger
        targetLogger[metadataKey: "fleet.target"] = "\(target.name)"
        do {
            try await target.withDriver(targetLogger) { driver in
                try await perform(request, on: driver, loaded: loaded, index: index, record: record, logger: targetLogger)
            }
        } catch {
            record.fail(error)
        }
        return record.finish(duration: clock.now - start)
    }

    private func perform(
        _ request: FleetRequest, on driver: any DatabaseDriver, loaded: LoadedSource?, index: Int, record: TargetRecord,
        logger: Logger
    ) async throws {
        let observer = observer
        let migrator = Migrator(
            source: loaded.map(LoadedOnceSource.init) ?? LoadedOnceSource.none, driver: driver,
            configuration: configuration.migrator, logger: logger,
            observer: { event in
                if case .finished(let step, let duration) = event { record.applied(step, duration: duration) }
                observer?(.migration(index: index, event))
            },
            stopRequest: stopRequest
        )
        switch request {
        case .migrate(let migration, let singleTransaction):
            let before = try await driver.readVersion()
            record.update { $0.versionBefore = before }
            do {
                _ = try await migrator.run(migration, singleTransaction: singleTransaction)
            } catch {
                // In one transaction, a failure rolled back every migration the observer saw finish.
                if singleTransaction { record.update { $0.applied = [] } }
                record.fail(error)
                // The exact state it was left in: a transactional failure changed nothing, a non-transactional one
                // left it dirty. Nil when the connection is gone.
                let after = try? await driver.readVersion()
                record.update { $0.versionAfter = after }
                return
            }
            let after = try await driver.readVersion()
            record.update { $0.versionAfter = after }
        case .version:
            let version = try await migrator.version()
            record.update {
                $0.versionBefore = version
                $0.versionAfter = version
            }
        case .status:
            let status = try await migrator.status()
            record.update {
                $0.status = status
                $0.versionBefore = status.current
                $0.versionAfter = status.current
            }
        case .plan(let migration):
            let preview = try await migrator.preview(migration)
            record.update {
                $0.preview = preview
                $0.versionBefore = preview.current
                $0.versionAfter = preview.current
            }
            // The run would end with this error (`limit 3 short`): the target would not reach the requested version.
            if let error = preview.trailingError { record.fail(error) }
        case .validate:
            let problems = try await migrator.validate()
            let version = try? await driver.readVersion()
            record.update {
                $0.problems = problems
                $0.versionBefore = version
                $0.versionAfter = version
            }
        }
    }
}

/// One target's report as its run fills it in, from the fleet's task and the migrator's observer.
final class TargetRecord: Sendable {
    private let report: Mutex<FleetTargetReport>

    init(_ report: FleetTargetReport) { self.report = Mutex(report) }

    func update(_ change: (inout FleetTargetReport) -> Void) {
        report.withLock { change(&$0) }
    }

    func applied(_ step: PlanStep, duration: Duration) {
        update {
            $0.applied.append(AppliedMigration(step, duration: duration))
        }
    }

    /// Records the first error (closing the driver after it may fail too).
    func fail(_ error: any Error) {
        update {
            guard $0.error == nil else { return }
            $0.outcome = .failed
            $0.error = MigrateError.reporting(error)
        }
    }

    func finish(duration: Duration) -> FleetTargetReport {
        report.withLock {
            $0.duration = duration
            return $0
        }
    }
}

extension MigrateError {
    /// Any error of a target's run as a ``MigrateError``, for its report: a database failure keeps its code and
    /// SQLSTATE, a cancellation is ``Code/cancelled``.
    static func reporting(_ error: any Error) -> MigrateError {
        switch error {
        case let error as MigrateError:
            return error
        case let failure as DatabaseFailure:
            return MigrateError(
                failure.code, failure.message, sqlState: failure.sqlState, detail: failure.detail, hint: failure.hint,
                underlying: failure.underlying
            )
        case is CancellationError:
            return MigrateError(.cancelled, "cancelled")
        default:
            return MigrateError(.driver, DatabaseURL.redact(String(describing: error)), underlying: error)
        }
    }
}

/// The fleet's source, read once, for every target's migrator: the same migrations without reading the files
/// again (and without their warnings, which the fleet logged once).
struct LoadedOnceSource: MigrationSource {
    let loaded: LoadedSource

    init(_ loaded: LoadedSource) {
        var quiet = loaded
        quiet.warnings = []
        self.loaded = quiet
    }

    /// For requests that read no file (`version`).
    static let none = LoadedOnceSource(LoadedSource(migrations: [], displayName: "(no source)"))

    var displayName: String { loaded.displayName }
    func load() throws(MigrateError) -> LoadedSource { loaded }
    func loadCollectingDuplicates() throws(MigrateError) -> LoadedSource { loaded }
    func load(reading directions: Set<Direction>) throws(MigrateError) -> LoadedSource { loaded }
    func loadAsync(reading directions: Set<Direction>) async throws(MigrateError) -> LoadedSource { loaded }
}
