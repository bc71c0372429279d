import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Logging
import SwiftMigrate

/// Everything one command run needs: the console, the logger, the source, the open driver and a migrator.
/// `run` opens, runs the body, always closes, and turns errors into golang-migrate's exit codes.
struct Session {
    let options: GlobalOptions
    let console: Console
    let logger: Logger
    let startTime = ContinuousClock.now

    init(_ options: GlobalOptions) throws {
        self.options = options
        let console = Console()
        self.console = console
        var logger = Logger(label: "swift-migrate") { _ in ConsoleLogHandler(console: console) }
        logger.logLevel = options.verbose ? .debug : .warning
        self.logger = logger
    }

    /// Opens the database, runs `body`, closes. Migration errors print like a compiler and exit 1.
    ///
    /// With `prefetching`, the migration files of those directions are read while the database opens (the
    /// command's migrator then loads them from ``PrefetchingSource``): give the directions the command reads.
    ///
    /// With `unreachableExitCode`, an error that means the database was never reached
    /// (``MigrateError/meansUnreachable``) exits with that code instead of 1 (checks that tell "problems found"
    /// from "could not check").
    func run(
        prefetching directions: Set<Direction>? = nil, unreachableExitCode: Int32? = nil,
        _ body: (Migrator) async throws -> Void
    ) async throws {
        let url = try options.databaseURL()
        let directory = try options.migrationsDirectory()
        try await reportingErrors(unreachableExitCode: unreachableExitCode) {
            let source: any MigrationSource = directions.map { PrefetchingSource(DirectorySource(path: directory), reading: $0) }
                ?? DirectorySource(path: directory)
            try await drivers.withDriver(url: url, logger: logger) { driver in
                try await body(try migrator(driver: driver, source: source))
            }
        }
    }

    /// Like ``run(_:)``, on a scratch database made for the run (PostgreSQL: a new database on the server of
    /// -database; SQLite: a temporary file) and dropped afterwards. The database -database names is not changed.
    func runOnScratch(created: @escaping (String) -> Void, _ body: (Migrator) async throws -> Void) async throws {
        let url = try options.databaseURL()
        let directory = try options.migrationsDirectory()
        try await reportingErrors {
            try await drivers.withScratchDatabase(like: url, logger: logger, created: created) { driver in
                try await body(try migrator(driver: driver, source: DirectorySource(path: directory)))
            }
        }
    }

    /// A migrator over the -path source that reports progress on the console and stops on SIGINT/SIGTERM.
    func migrator(driver: any DatabaseDriver, source: any MigrationSource) throws -> Migrator {
        var migrator = Migrator(source: source, driver: driver, configuration: try migratorConfiguration(), logger: logger)
        migrator.observer = { [console, verbose = options.verbose] event in
            Self.report(event, console: console, verbose: verbose)
        }
        return migrator
    }

    /// Prints golang-migrate's `no change` when a command applied nothing: a normal result, exit 0.
    func reportNoChange(_ applied: [AppliedMigration]) {
        if applied.isEmpty { console.error("no change") }
    }

    /// Runs `body` with signal handling; prints errors like a compiler and maps them to exit codes.
    func reportingErrors(unreachableExitCode: Int32? = nil, _ body: () async throws -> Void) async throws {
        do {
            try await body()
            if options.verbose {
                console.error("Finished after \(AppliedMigration.format(ContinuousClock.now - startTime))")
            }
        } catch let error as MigrateError {
            console.error(error.rendered())
            if error.code == .cancelled { throw ExitCode(SignalHandler.shared.exitCode) }
            if let unreachableExitCode, error.meansUnreachable { throw ExitCode(unreachableExitCode) }
            throw ExitCode.failure
        } catch is CancellationError {
            console.error("error: cancelled")
            throw ExitCode(SignalHandler.shared.exitCode)
        } catch let error as DatabaseFailure {
            console.error("error: \(error)")
            throw ExitCode.failure
        }
    }

    /// `2/u b (3.7ms)`, the line a finished migration prints, in a single run and in a fleet's `-verbose`.
    static func finishedLine(_ step: PlanStep, duration: Duration) -> String {
        // As `plan` says it: no file ran, so nothing was applied or reverted.
        let note = step.movesVersionOnly ? " (no \(step.direction.rawValue) file: only the version moved)" : ""
        return "\(step.label)\(note) (\(AppliedMigration.format(duration)))"
    }

    static func report(_ event: MigrationEvent, console: Console, verbose: Bool) {
        switch event {
        case .starting(let step, let mode):
            if verbose {
                if case .noTransaction(let reason) = mode {
                    console.error("Start \(step.label) (outside a transaction: \(reason))")
                } else {
                    console.error("Start \(step.label) (in a transaction)")
                }
            }
        case .finished(let step, let duration):
            console.error(finishedLine(step, duration: duration))
        case .stopping:
            break
        case .replica(let replica):
            console.error("replica \(replica)")
        }
    }
}

/// Sends swift-log records to the console (standard error), scrubbed like every other line.
struct ConsoleLogHandler: LogHandler {
    let console: Console
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let prefix = event.level >= .warning ? "warning: " : ""
        var text = "\(prefix)\(event.message)"
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if !merged.isEmpty, logLevel <= .debug {
            text += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        console.error(text)
    }
}
