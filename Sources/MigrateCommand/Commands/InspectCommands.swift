import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SwiftMigrate

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print current migration version (`V` or `V (dirty)`).",
        discussion: "On a fleet (see `migrate up --help`), a table of every target's version; --json the fleet's report."
    )
    @OptionGroup var options: GlobalOptions
    @OptionGroup(title: "Fleet options") var fleet: FleetOptions
    @Flag(name: .customLong("json"), help: "Print {\"version\": V, \"dirty\": false} for scripts.") var json = false

    func run() async throws {
        if fleet.isFleet(options) { return try await FleetRun(options, fleet).run(.version, json: json) }
        let session = try Session(options)
        try await session.run { migrator in
            let state = try await migrator.version()
            if json {
                session.console.output(#"{"version":\#(state.version.map(String.init) ?? "null"),"dirty":\#(state.dirty)}"#)
                return
            }
            guard let version = state.version else { throw MigrateError(.driver, "no migration") }
            session.console.output(state.dirty ? "\(version) (dirty)" : "\(version)")
        }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every migration with its state, applied-at and duration.",
        discussion: """
            States: applied, pending, dirty (interrupted; the advice below the table says how to recover), missing \
            (applied in the database but no file in the source), modified (applied, but the file changed since: \
            its checksum differs from the one recorded when it ran; `up` refuses), out-of-order (below the current \
            version but never applied: `up` refuses; see `renumber` and -allow-out-of-order). "(no down)" marks a \
            migration without a down file.

            Applied-at and duration come from swift-migrate's history table; versions applied by golang-migrate \
            show as applied without them. --all also lists every row of that table, rollbacks included.

            On a fleet (see `migrate up --help`), a matrix of every target: version, dirty, pending count and the \
            last migration applied, then how many are behind. Reads only, -parallel targets at a time.
            """
    )
    @OptionGroup var options: GlobalOptions
    @OptionGroup(title: "Fleet options") var fleet: FleetOptions
    @Flag(name: .customLong("json"), help: "Print the status as JSON.") var json = false
    @Flag(
        name: .customLong("all"),
        help: "Also list every row of the history table, oldest first: each up and each down (rollbacks included), with when, how long and by whom."
    )
    var all = false

    func run() async throws {
        if fleet.isFleet(options) {
            if all { throw ValidationError("--all lists one database's history: run it on one target of the fleet") }
            return try await FleetRun(options, fleet).run(.status, json: json)
        }
        let session = try Session(options)
        // `status` loads the source as `up` does (Migrator.status).
        try await session.run(prefetching: MigrationRequest.upAll.directionsRead) { migrator in
            let status = try await migrator.status(includingHistory: all)
            if json {
                try session.console.outputJSON(status)
            } else {
                session.console.output(StatusTable.render(status, database: migrator.driver.displayURL))
            }
        }
    }
}

struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a new up/down pair of migration files named NAME, numbered by timestamp or (-seq) in sequence.",
        discussion: """
            The files go into -dir, else -path, else ./migrations: where the other commands read them. With -seq \
            the version is one more than the highest one there. The down file starts with comments saying what \
            to write: left as it is, lint and validate report it (empty-down). Never overwrites a file.

            Examples:
              migrate create -seq -digits 3 add_user_preferences
                writes migrations/003_add_user_preferences.up.sql and .down.sql
                (when 002 is the highest version there)
              migrate create -dir db/migrations add_index
                writes db/migrations/20250105120000_add_index.up.sql and .down.sql
                (the version is the time now, UTC)
            """
    )
    @OptionGroup var options: GlobalOptions
    @Option(name: .customLong("ext"), help: "The files' extension.") var ext = "sql"
    @Option(name: .customLong("dir"), help: "Directory to place the files in (default: -path, else ./migrations, where the other commands look).")
    var dir: String?
    @Flag(name: .customLong("seq"), help: "Use sequential numbers instead of timestamps.") var seq = false
    @Option(name: .customLong("digits"), help: "The number of digits of sequential versions.") var digits = 6
    @Option(name: .customLong("format"), help: "Go time layout of timestamp versions, or unix / unixNano.")
    var format = "20060102150405"
    @Option(name: .customLong("tz"), help: "The time zone of timestamp versions, e.g. UTC or Europe/Paris.") var tz = "UTC"
    @Argument(help: "The migration's name, e.g. add_user_preferences.") var name: String

    func validate() throws {
        guard (1...MigrationCreator.mostDigits).contains(digits) else {
            throw ValidationError("invalid -digits \(digits): expected 1 to \(MigrationCreator.mostDigits)")
        }
    }

    func run() throws {
        let console = Console()
        if seq && format != "20060102150405" {
            throw ValidationError("the seq and format options are mutually exclusive")
        }
        guard let timeZone = TimeZone(identifier: tz) else { throw ValidationError("unknown time zone \"\(tz)\" (-tz)") }
        // The directory every other command reads: -dir, else -path / -source, else ./migrations.
        let directory = try dir ?? options.migrationsDirectory()
        let creator = MigrationCreator(
            directory: directory, fileExtension: ext,
            numbering: seq ? .sequential(digits: digits) : .timestamp(format: format, timeZone: timeZone)
        )
        do {
            for path in try creator.create(name: name) {
                console.error(URL(fileURLWithPath: path).standardizedFileURL.path)
            }
        } catch {
            console.error(error.rendered())
            throw ExitCode.failure
        }
    }
}
