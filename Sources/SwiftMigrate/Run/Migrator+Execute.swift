#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Logging

extension Migrator {
    /// Runs one step in the mode its script needs:
    /// - `.transaction`: BEGIN; statements; version and history; COMMIT. A failure rolls everything back and
    ///   the database is exactly as before, not dirty.
    /// - `.noTransaction`: golang-migrate's protocol: version (dirty); each statement on its own; version
    ///   (clean) and history in one transaction. A failure leaves the database dirty at the target version.
    ///
    /// `expected` is the version row before the step: every version write is a compare-and-set on it.
    func execute(
        _ step: PlanStep, script: SQLScript?, migrations: [Migration], expected: DatabaseVersion
    ) async throws -> AppliedMigration {
        let mode = script?.executionMode ?? .transaction
        observer?(.starting(step, mode: mode))
        var stepLogger = logger
        stepLogger[metadataKey: "migration.version"] = "\(step.migration.version)"
        stepLogger[metadataKey: "migration.direction"] = "\(step.direction.rawValue)"
        let clock = ContinuousClock()
        let start = clock.now
        let target = DatabaseVersion(version: step.targetVersion, dirty: false)

        switch mode {
        case .transaction:
            if let batching = driver as? any TransactionBatching, let script {
                // One request for the whole migration; the database measures the history row's duration.
                var record = historyRecord(step, duration: .zero)
                record.durationMs = nil
                do {
                    if try await batching.runInTransaction(
                        script.statements.map(\.text), thenWrite: target, replacing: expected, recording: [record]
                    ) {
                        break
                    }
                } catch let batch as BatchedStatementFailure {
                    throw Self.locate(batch.error, script: script, index: batch.index, version: step.migration.version)
                }
            }
            try await driver.beginTransaction()
            do {
                try await runStatements(of: script, step: step, logger: stepLogger)
                try await driver.writeVersion(
                    target, replacing: expected, recording: [historyRecord(step, duration: clock.now - start)]
                )
                try await driver.commitTransaction()
            } catch {
                try? await driver.rollbackTransaction()
                throw error
            }
        case .noTransaction(let reason):
            stepLogger.debug("running outside a transaction", metadata: ["migration.reason": "\(reason)"])
            let dirty = DatabaseVersion(version: step.targetVersion, dirty: true)
            try await driver.writeVersion(dirty, replacing: expected, recording: [])
            do {
                try await runStatements(of: script, step: step, logger: stepLogger)
            } catch var error as MigrateError {
                // Asked now, while the failure is fresh: a failed CREATE INDEX CONCURRENTLY leaves an INVALID index.
                let invalid = await invalidObjects()
                error.hint = dirtyHint(step, reason: reason, underlying: error.hint, migrations: migrations, invalid: invalid)
                throw error
            }
            try await driver.beginTransaction()
            do {
                try await driver.writeVersion(
                    target, replacing: dirty, recording: [historyRecord(step, duration: clock.now - start)]
                )
                try await driver.commitTransaction()
            } catch {
                try? await driver.rollbackTransaction()
                throw error
            }
        }
        let applied = AppliedMigration(step, duration: clock.now - start)
        observer?(.finished(step, duration: applied.duration))
        warnIfNothingUndone(step, script: script, logger: stepLogger)
        return applied
    }

    /// A down file that ran no statement undid nothing: say so, naming the file. Without the
    /// `-- migrate:irreversible` marker that is likely a forgotten down file (lint's `empty-down`).
    private func warnIfNothingUndone(_ step: PlanStep, script: SQLScript?, logger: Logger) {
        guard step.direction == .down, let file = step.script, let script, script.statements.isEmpty else { return }
        let moved = "only the version moved (to \(step.targetVersion.map(String.init) ?? "no version"))"
        if file.declaresIrreversible {
            logger.warning("\(step.label): nothing was undone, \(moved): \(file.path) marks the migration irreversible")
        } else {
            let advice = "write the SQL that undoes the up file, or a `-- migrate:irreversible` line"
            logger.warning("\(step.label): nothing was undone, \(moved): \(file.path) has no statements (\(advice))")
        }
    }

    /// Runs every step in one transaction and writes the version once, with every history row, at the end: a
    /// failure or a stop request rolls all of it back.
    func executeInOneTransaction(
        _ steps: [PlanStep], scripts: [SQLScript?], expected: DatabaseVersion
    ) async throws -> [AppliedMigration] {
        guard let last = steps.last else { return [] }
        let clock = ContinuousClock()
        var applied: [AppliedMigration] = []
        var records: [HistoryRecord] = []
        try await driver.beginTransaction()
        do {
            for (step, script) in zip(steps, scripts) {
                if stopRequest.isRequested || Task.isCancelled {
                    observer?(.stopping(after: nil))
                    throw MigrateError(
                        .cancelled, "stopped before \(step.label): the whole run was rolled back, nothing was applied"
                    )
                }
                observer?(.starting(step, mode: .transaction))
                var stepLogger = logger
                stepLogger[metadataKey: "migration.version"] = "\(step.migration.version)"
                let start = clock.now
                try await runStatements(of: script, step: step, logger: stepLogger)
                let duration = clock.now - start
                records.append(historyRecord(step, duration: duration))
                applied.append(AppliedMigration(step, duration: duration))
                observer?(.finished(step, duration: duration))
            }
            try await driver.writeVersion(
                DatabaseVersion(version: last.targetVersion, dirty: false), replacing: expected, recording: records
            )
            try await driver.commitTransaction()
        } catch var error as MigrateError {
            try? await driver.rollbackTransaction()
            if error.code == .statementFailed || error.code == .tableLockTimeout {
                let note = "the run was in one transaction: all \(steps.count) migrations were rolled back, nothing was applied"
                error.hint = error.hint.map { $0 + "\n" + note } ?? note
            }
            throw error
        } catch {
            try? await driver.rollbackTransaction()
            throw error
        }
        return applied
    }

    func runStatements(of script: SQLScript?, step: PlanStep, logger: Logger) async throws {
        guard let script else { return }
        for (index, statement) in script.statements.enumerated() {
            logger.trace("executing statement", metadata: ["migration.line": "\(statement.line)"])
            do {
                try await driver.execute(statement.text)
            } catch {
                throw Self.locate(error, script: script, index: index, version: step.migration.version)
            }
        }
    }

    /// An error of statement `index` of `script`, located in the file: a database failure mapped through its
    /// position, any other ``MigrateError`` (a lost connection, a cancellation) at the statement's start.
    static func locate(_ error: any Error, script: SQLScript, index: Int, version: Int64) -> any Error {
        switch error {
        case let failure as DatabaseFailure:
            return statementError(failure, script: script, index: index, version: version)
        case var error as MigrateError:
            if error.version == nil { error.version = version }
            if error.location == nil, let statement = script.statements.indices.contains(index) ? script.statements[index] : nil {
                error.location = SourceLocation(file: script.path, line: statement.line, column: statement.column)
                error.statement = statement.text
            }
            return error
        default:
            return error
        }
    }

    /// Maps a database failure back through the lexer's split to the migration file.
    static func statementError(_ failure: DatabaseFailure, script: SQLScript, index: Int, version: Int64) -> MigrateError {
        let statement = script.statements[index]
        let location: SourceLocation
        switch failure.position {
        case .character(let position):
            location = script.location(statement: index, characterPosition: position)
        case .utf8Offset(let offset):
            location = script.location(statement: index, utf8Offset: offset)
        case nil:
            location = SourceLocation(file: script.path, line: statement.line, column: statement.column)
        }
        return MigrateError(
            failure.code, failure.message, version: version, location: location, statement: statement.text,
            sourceLine: script.sourceLine(location.line), sqlState: failure.sqlState, detail: failure.detail,
            hint: failure.hint, underlying: failure.underlying
        )
    }

    /// How to recover from a failed non-transactional step (``DirtyRecovery``), after the database's own hint.
    private func dirtyHint(
        _ step: PlanStep, reason: String, underlying: String?, migrations: [Migration], invalid: [InvalidObject]
    ) -> String {
        let dirty = DatabaseVersion(version: step.targetVersion, dirty: true)
        let advice = DirtyRecovery(dirty: dirty, migrations: migrations, interrupted: step, invalidObjects: invalid).advice
        return (underlying.map { $0 + "\n" } ?? "") + "this migration runs outside a transaction (\(reason)); " + advice
    }

    func historyRecord(_ step: PlanStep, duration: Duration) -> HistoryRecord {
        HistoryRecord(
            version: step.migration.version, direction: step.direction, name: step.migration.name,
            checksum: step.script?.checksum, appliedAt: Date(),
            durationMs: duration.fractionalMilliseconds, appliedBy: configuration.appliedBy
        )
    }
}
