import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SwiftMigrate

struct RenumberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renumber",
        abstract: "Move conflicting or out-of-order migrations that are not applied to the next free versions.",
        discussion: """
            The guide's "two developers both created 003": after a merge, two migrations share a version, or a \
            file sits below versions the database already applied (golang-migrate would skip it for ever; `up` \
            refuses). renumber moves them after the highest version, in order, keeping the digit width \
            (003 -> 006) and the up/down pair together, and prints every rename. Inside a git work tree, tracked \
            files move with `git mv`. A migration the database applied never moves.

            Which of two conflicting migrations keeps its version: the one the database applied (with \
            -database), else the one committed to git first, else the first by file name. Out-of-order files are \
            found only with -database (from swift-migrate's history table).

            Examples:
              migrate -path migrations renumber --dry-run
              migrate -path migrations -database "$POSTGRES_DSN" renumber
            """
    )
    @OptionGroup var options: GlobalOptions
    @Flag(name: .customLong("dry-run"), help: "Print the renames without moving anything.") var dryRun = false

    func run() async throws {
        let session = try Session(options)
        let renumberer = MigrationRenumberer(directory: try options.migrationsDirectory())
        var current: DatabaseVersion?
        var history: [HistoryRecord] = []
        if options.hasDatabase {
            var read = false
            try await session.run { migrator in
                current = try await migrator.driver.readVersion()
                history = try await migrator.driver.readHistory()
                read = true
            }
            guard read else { throw ExitCode.failure }
        }
        try await session.reportingErrors {
            let renames = try renumberer.plan(current: current, history: history)
            guard !renames.isEmpty else {
                session.console.error("renumber: nothing to move: no conflicting\(current == nil ? "" : " or out-of-order") migrations")
                return
            }
            if !dryRun { try renumberer.apply(renames) }
            for rename in renames {
                let verb = dryRun ? "would rename" : (renumberer.isTracked(rename.toName) ? "git mv" : "renamed")
                // The paths are real ones, raw: a newline or `ESC[` in a file name must not forge output.
                let from = ControlCharacters.escaped(rename.from), to = ControlCharacters.escaped(rename.to)
                session.console.output("\(verb) \(from) -> \(to)  (\(rename.reason))")
            }
            if dryRun { session.console.error("Nothing was moved (dry run).") }
        }
    }
}
