import ArgumentParser
import Foundation
import SwiftMigrate

/// `up N` / `down N` as a count: a usage error above `Int.max` (the parser reads N as `UInt`), never a trap.
private func migrationCount(_ limit: UInt, command: String) throws -> Int {
    guard let count = Int(exactly: limit) else {
        throw ValidationError("invalid N \(limit) for \(command): expected a count from 0 to \(Int.max)")
    }
    return count
}

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Apply all or N up migrations.",
        discussion: """
            With N, applies at most N and fails with `limit K short` when fewer than N were pending. The first line \
            names the database and where its URL came from (-database, DATABASE_URL or POSTGRES_DSN).

            Refuses, changing nothing, when the database is dirty, when an applied migration's file changed \
            (-allow-modified), or when a file below the current version was never applied: golang-migrate would \
            skip it for ever; move it with `migrate renumber`, or apply it with -allow-out-of-order.

            On a fleet (-database given more than once, -targets FILE, -schemas PATTERN, or sqlite://DIR/*.db), \
            each target is migrated as a single run would be, under its own lock, -parallel at a time. A line per \
            target as it finishes (on a terminal also done/total, failures and the time left), then a table of \
            every target on standard output (--json: the same as JSON). After a failure the targets running \
            finish and no other starts, unless -continue-on-error; with -canary K the first K go first, and a \
            failure among them stops the run before any other target is touched. Exit 0 only when every target \
            reached the requested version; running the same command again does what is left.

            Examples:
              migrate -path migrations -targets databases.txt -parallel 8 up
              migrate -path migrations -database "$DSN" -schemas 'tenant_*' -canary 2 up
              migrate -path migrations -database 'sqlite://tenants/*.db' up --json
            """
    )
    @OptionGroup var options: GlobalOptions
    @OptionGroup(title: "Fleet options") var fleet: FleetOptions
    @Flag(name: .customLong("json"), help: "Report as JSON on standard output: per target the version before and after, the migrations applied, the duration and the error (a fleet's report, also for one database).")
    var json = false
    @Argument(help: "How many migrations to apply (default: all pending).") var limit: UInt?
    @Flag(name: .customLong("dry-run"), help: "Print what would run (see `plan`) and change nothing.") var dryRun = false
    @Flag(
        name: .customLong("single-transaction"),
        help: "All or nothing: run every pending migration in one transaction; a failure rolls all of them back. Refused when one cannot run in a transaction (CONCURRENTLY, VACUUM)."
    )
    var singleTransaction = false

    func run() async throws {
        let request: MigrationRequest = if let limit { .up(try migrationCount(limit, command: "up")) } else { .upAll }
        if json || fleet.isFleet(options) {
            let run = try FleetRun(options, fleet)
            return try await run.run(dryRun ? .plan(request) : .migrate(request, singleTransaction: singleTransaction), json: json)
        }
        let session = try Session(options)
        let origin = try options.databaseText().origin
        try await session.run(prefetching: request.directionsRead) { migrator in
            if dryRun {
                return try await PlanReport.print(request, migrator: migrator, console: session.console)
            }
            // Which database, and from where: DATABASE_URL and POSTGRES_DSN are easy to mix up.
            session.console.error("migrating \(migrator.driver.displayURL) (\(origin))")
            let applied = try await migrator.run(request, singleTransaction: singleTransaction)
            session.reportNoChange(applied)
            if singleTransaction && !applied.isEmpty {
                session.console.error("\(applied.count) migration\(applied.count == 1 ? "" : "s") committed in one transaction")
            }
        }
    }
}

struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down", abstract: "Apply all or N down migrations.",
        discussion: """
            `down` alone asks for confirmation before reverting everything; `down -all` does not ask. A version \
            without a down file only moves the version, and a down file without statements undoes nothing: both \
            are said on the progress line.

            On a fleet (see `migrate up --help`), `down N` reverts N migrations on every target; `down` alone and \
            `down -all` are refused there.
            """
    )
    @OptionGroup var options: GlobalOptions
    @OptionGroup(title: "Fleet options") var fleet: FleetOptions
    @Flag(name: .customLong("all"), help: "Revert every applied migration without asking.") var all = false
    @Argument(help: "How many migrations to revert.") var limit: UInt?
    @Flag(name: .customLong("dry-run"), help: "Print what would run (see `plan`) and change nothing.") var dryRun = false
    @Flag(name: .customLong("json"), help: "Report as JSON (see `migrate up --help`).") var json = false

    func run() async throws {
        if all && limit != nil { throw ValidationError("-all cannot be used with other arguments") }
        let count = try limit.map { try migrationCount($0, command: "down") }
        if json || fleet.isFleet(options) {
            guard let count else {
                throw ValidationError("a fleet takes `down N`: reverting every migration of every target (`down` alone or -all) is not offered")
            }
            return try await FleetRun(options, fleet).run(dryRun ? .plan(.down(count)) : .migrate(.down(count)), json: json)
        }
        let session = try Session(options)
        if dryRun {
            let request: MigrationRequest = if let count { .down(count) } else { .downAll }
            return try await session.run { migrator in
                try await PlanReport.print(request, migrator: migrator, console: session.console)
            }
        }
        if !all && limit == nil {
            session.console.error("Are you sure you want to apply all down migrations? [y/N]")
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" else {
                session.console.error("Not applying all down migrations")
                throw ExitCode.failure
            }
            session.console.error("Applying all down migrations")
        }
        try await session.run(prefetching: MigrationRequest.downAll.directionsRead) { migrator in
            let applied = if let count { try await migrator.down(count) } else { try await migrator.downAll() }
            session.reportNoChange(applied)
        }
    }
}

struct GotoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "goto", abstract: "Migrate up or down to version V.",
        discussion: """
            V must be a version in the source. Going up is refused as `up` refuses (see `migrate up --help`). On a \
            fleet, every target goes to V.
            """
    )
    @OptionGroup var options: GlobalOptions
    @OptionGroup(title: "Fleet options") var fleet: FleetOptions
    @Argument(help: "The version to migrate to; it must exist in the source.") var version: UInt64
    @Flag(name: .customLong("dry-run"), help: "Print what would run (see `plan`) and change nothing.") var dryRun = false
    @Flag(name: .customLong("json"), help: "Report as JSON (see `migrate up --help`).") var json = false

    func run() async throws {
        guard let target = Int64(exactly: version) else { throw ValidationError("can't read version argument V") }
        if json || fleet.isFleet(options) {
            return try await FleetRun(options, fleet).run(dryRun ? .plan(.goto(target)) : .migrate(.goto(target)), json: json)
        }
        let session = try Session(options)
        try await session.run(prefetching: MigrationRequest.goto(target).directionsRead) { migrator in
            if dryRun {
                return try await PlanReport.print(.goto(target), migrator: migrator, console: session.console)
            }
            session.reportNoChange(try await migrator.goto(target))
        }
    }
}

struct ForceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "force", abstract: "Record version V without running any migration, and clear the dirty flag.",
        discussion: """
            Use it after repairing a dirty database by hand: `status` says which version to force. `force -1` \
            records that no migration is applied.
            """
    )
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The version to record, or -1 for none.") var version: String

    func run() async throws {
        guard let value = Int64(version) else {
            // golang-migrate's words, then which value could not be read.
            throw ValidationError("can't read version argument V: \"\(version)\" is not a whole number")
        }
        guard value >= -1 else { throw ValidationError("argument V must be >= -1") }
        try await Session(options).run { migrator in
            try await migrator.force(value)
        }
    }
}

struct DropCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drop", abstract: "Drop everything in the database's current schema, the migration tables included.",
        discussion: "Asks for confirmation unless -f is given."
    )
    @OptionGroup var options: GlobalOptions
    @Flag(name: .customShort("f"), help: "Drop without asking for confirmation.") var force = false

    func run() async throws {
        let session = try Session(options)
        if !force {
            session.console.error("Are you sure you want to drop the entire database schema? [y/N]")
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" else {
                session.console.error("Aborted dropping the entire database schema")
                throw ExitCode.failure
            }
            session.console.error("Dropping the entire database schema")
        }
        try await session.run { migrator in try await migrator.drop() }
    }
}
