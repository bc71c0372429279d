import ArgumentParser
import Foundation
import SwiftMigrate

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what `up`, `down` or `goto` would run, in order, without changing anything.",
        discussion: """
            For each migration that would run: its version and direction, its file, whether it runs in one \
            transaction or statement by statement outside one (and why: CREATE INDEX CONCURRENTLY, VACUUM, ...), \
            its statement count, and the lint findings of that file (docs/lint.md). Reads the database's version; \
            takes no lock, creates no table, runs no migration. The same checks as a real run apply first: a dirty \
            database, a modified applied file, a file below the current version that never ran, a file that cannot \
            be split all fail here too.

            Forms:
              migrate plan                 what `up` would run
              migrate plan up N            what `up N` would run
              migrate plan down N          what `down N` would run
              migrate plan down -all       what `down -all` would run
              migrate plan goto V          what `goto V` would run

            `up --dry-run`, `down --dry-run N` and `goto --dry-run V` print the same.

            On a fleet (see `migrate up --help`), one line per target: its version, where the request would take \
            it, how many migrations would run; --json has every target's steps.
            """
    )
    @OptionGroup var options: GlobalOptions
    @OptionGroup(title: "Fleet options") var fleet: FleetOptions
    @Flag(name: .customLong("all"), help: "With `down`: every applied migration.") var all = false
    @Flag(name: .customLong("json"), help: "Print the plan as JSON (the database, the versions, each step with its file, mode, statement count and lint findings).")
    var json = false
    @Argument(help: "up [N] | down N | down -all | goto V (default: up).") var words: [String] = []

    func run() async throws {
        let request = try Self.request(words, all: all)
        if fleet.isFleet(options) { return try await FleetRun(options, fleet).run(.plan(request), json: json) }
        let session = try Session(options)
        try await session.run { migrator in
            try await PlanReport.print(request, migrator: migrator, console: session.console, json: json)
        }
    }

    static func request(_ words: [String], all: Bool) throws -> MigrationRequest {
        func count(_ text: String) throws -> Int {
            guard let n = Int(text), n > 0 else { throw ValidationError("invalid count \"\(text)\": expected a positive number") }
            return n
        }
        switch (words.first, words.count) {
        case (nil, _), ("up", 1): return .upAll
        case ("up", 2): return .up(try count(words[1]))
        case ("down", 1) where all: return .downAll
        case ("down", 2): return .down(try count(words[1]))
        case ("goto", 2):
            guard let version = Int64(words[1]), version >= 0 else {
                throw ValidationError("can't read version argument \"\(words[1])\"")
            }
            return .goto(version)
        case ("down", 1):
            throw ValidationError("plan down needs N or -all")
        default:
            throw ValidationError("unknown plan \"\(words.joined(separator: " "))\": expected up [N], down N, down -all or goto V")
        }
    }
}

/// The dry-run table shared by `plan` and `--dry-run`.
enum PlanReport {
    /// Prints the plan; exits 1 (like the real run would) when the run would end with an error (`limit N short`).
    static func print(_ request: MigrationRequest, migrator: Migrator, console: Console, json: Bool = false) async throws {
        let preview = try await migrator.preview(request)
        let database = migrator.driver.displayURL
        if json {
            struct Report: Encodable {
                var database: String
                var plan: MigrationPreview
                func encode(to encoder: any Encoder) throws {
                    // The preview's keys at the top level, with the database beside them.
                    try plan.encode(to: encoder)
                    var container = encoder.container(keyedBy: Key.self)
                    try container.encode(database, forKey: Key(stringValue: "database"))
                }
                struct Key: CodingKey {
                    var stringValue: String
                    init(stringValue: String) { self.stringValue = stringValue }
                    var intValue: Int? { nil }
                    init?(intValue: Int) { nil }
                }
            }
            try console.outputJSON(Report(database: database, plan: preview))
            if let error = preview.trailingError {
                throw MigrateError(error.code, "\(error.message): the run would stop with this error after the steps above")
            }
            return
        }
        guard !preview.steps.isEmpty else {
            console.output("\(database): \(preview.headline) (no change)")
            return
        }
        console.output("\(database): \(preview.headline):")
        var rows: [[String]] = []
        for planned in preview.steps {
            let mode: String
            switch planned.mode {
            case .transaction: mode = "transaction"
            case .noTransaction(let reason): mode = "no transaction (\(reason))"
            }
            let statements = "\(planned.statementCount) statement\(planned.statementCount == 1 ? "" : "s")"
            rows.append([planned.step.label, planned.path ?? "(no file: only the version moves)", mode, statements])
        }
        var warnings = 0
        for (line, planned) in zip(StatusTable.columns(rows), preview.steps) {
            console.output("  " + line)
            // The lint findings of the file that would run, under its line.
            for finding in planned.findings {
                console.output("      \(finding)")
                warnings += 1
            }
        }
        if warnings > 0 {
            console.output("\(warnings) lint finding\(warnings == 1 ? "" : "s") above: see `migrate lint` for the safe recipes.")
        }
        console.output("Nothing was changed (dry run).")
        if let error = preview.trailingError {
            throw MigrateError(error.code, "\(error.message): the run would stop with this error after the steps above")
        }
    }
}

extension MigrationPreview {
    /// `version 1 -> version 3, 2 migrations would run`, or `version 3, nothing to run`: the head of a single
    /// plan and of each target's line in a fleet's.
    var headline: String {
        let from = current.version.map { "version \($0)" } ?? "no version"
        guard !steps.isEmpty else { return "\(from), nothing to run" }
        let to = finalVersion.map { "version \($0)" } ?? "no version"
        return "\(from) -> \(to), \(steps.count) migration\(steps.count == 1 ? "" : "s") would run"
    }
}
