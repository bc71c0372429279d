import ArgumentParser
import Foundation
import SwiftMigrate
import SwiftMigrateLibPQ

/// A command run on a fleet: builds the targets from the options, runs the library's ``MigrationFleet``, prints
/// as it goes and at the end, and exits 0 only when the request completed on every target.
struct FleetRun {
    let session: Session
    let fleetOptions: FleetOptions

    init(_ options: GlobalOptions, _ fleetOptions: FleetOptions) throws {
        session = try Session(options)
        self.fleetOptions = fleetOptions
    }

    var console: Console { session.console }

    func run(_ request: FleetRequest, json: Bool) async throws {
        let options = session.options
        let targets = try await buildTargets()
        let progress = FleetProgress(
            console: console, total: targets.count, linePerTarget: request.changesDatabases, verbose: options.verbose
        )
        var fleet = MigrationFleet(
            targets: targets, source: DirectorySource(path: try options.migrationsDirectory()),
            configuration: fleetOptions.configuration(migrator: try session.migratorConfiguration()), logger: session.logger
        )
        fleet.observer = { progress.handle($0) }
        if request.changesDatabases {
            let configuration = fleet.configuration
            let canary = configuration.canary > 0 ? ", the first \(min(configuration.canary, targets.count)) as canaries" : ""
            console.error("\(request) on \(targets.count) target\(targets.count == 1 ? "" : "s"), \(configuration.parallel) at a time\(canary)")
        }
        let report: FleetReport
        do {
            let fleet = fleet
            // A read-only request on tenant schemas hands each connection on to the next schema of its database.
            report = request.changesDatabases
                ? try await fleet.run(request) : try await LibPQDriver.withSharedConnections { try await fleet.run(request) }
        } catch let error as MigrateError {
            // Nothing was started: the source could not be read.
            progress.finish()
            console.error(error.rendered())
            throw ExitCode.failure
        }
        progress.finish()
        let summary = FleetSummary(console: console)
        if json {
            try console.outputJSON(report)
        } else {
            summary.print(report)
        }
        console.error(summary.countLine(report))
        printFailures(report)
        try exit(for: report)
    }

    /// The targets, with every error in building them (a bad file, URL or pattern; a database whose schemas
    /// cannot be listed) printed and turned into an exit code: 2 for bad input, 1 when a database is unreachable.
    private func buildTargets() async throws -> [FleetTarget] {
        do {
            return try await fleetOptions.entries(session.options, logger: session.logger).map {
                FleetTarget(url: $0.url, registry: drivers)
            }
        } catch let error as MigrateError {
            console.error(error.rendered())
            throw ExitCode(error.code == .connection || error.code == .driver ? 1 : 2)
        }
    }

    /// Each failed target's error in full, as a single run renders it (location, excerpt, hint): the lines above
    /// held only its first line.
    private func printFailures(_ report: FleetReport) {
        for target in report.failedTargets {
            guard let error = target.error else { continue }
            console.error("\n\(target.name):\n" + error.rendered())
        }
    }

    /// 0 when the request completed everywhere; the signal's code when one stopped the run; else 1 (`validate`: 1
    /// for problems, 2 when only unreachable targets kept it from checking).
    private func exit(for report: FleetReport) throws {
        if report.halt == .stopped || report.targets.contains(where: { $0.error?.code == .cancelled }) {
            throw ExitCode(SignalHandler.shared.exitCode)
        }
        if case .validate = report.request {
            let problems = report.targets.contains { !($0.problems ?? []).isEmpty }
            if problems { throw ExitCode.failure }
            if !report.succeeded {
                throw ExitCode(report.failedTargets.allSatisfy { $0.error?.meansUnreachable ?? false } ? 2 : 1)
            }
            return
        }
        if !report.succeeded { throw ExitCode.failure }
    }
}

extension Session {
    /// Each target's migrator configuration, from the global options (the same as a single run's).
    func migratorConfiguration() throws -> Migrator.Configuration {
        // In range: GlobalOptions.validate() checked both against largestCount.
        .init(
            lockTimeout: .seconds(Int64(options.lockTimeout)), allowModified: options.allowModified,
            lockRetries: Int(options.lockRetries), replicaWait: try options.replicaWait(),
            allowOutOfOrder: options.allowOutOfOrder
        )
    }
}
