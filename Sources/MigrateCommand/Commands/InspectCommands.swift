import ArgumentParser
import Foundation
import SwiftMigrate

struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print current migration version (`V` or `V (dirty)`)."
    )
    @OptionGroup var options: GlobalOptions
    @Flag(name: .customLong("json"), help: "Print {\"version\": V, \"dirty\": false} for scripts.") var json = false

    func run() async throws {
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
            States: applied, pending, dirty (interrupted; see `force`), missing (applied in the database but no \
            file in the source), modified (applied, but the file changed since: its checksum differs from the one \
            recorded when it ran; `up` refuses), out-of-order (below the current version but never applied: `up` \
            would skip it; see `renumber`). Applied-at and duration come from swift-migrate's history table; versions \
            applied by golang-migrate show as applied without them.
            """
    )
    @OptionGroup var options: GlobalOptions
    @Flag(name: .customLong("json"), help: "Print the status as JSON.") var json = false

    func run() async throws {
        let session = try Session(options)
        // `status` loads the source as `up` does (Migrator.status).
        try await session.run(prefetching: MigrationRequest.upAll.directionsRead) { migrator in
            let status = try await migrator.status()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                session.console.output(String(decoding: try encoder.encode(status), as: UTF8.self))
            } else {
                session.console.output(StatusTable.render(status, database: migrator.driver.displayURL))
            }
        }
    }
}

/// The status as a plain-text table, the guide's "Migration History".
enum StatusTable {
    static func render(_ status: MigrationStatus, database: String) -> String {
        var rows: [[String]] = [["VERSION", "DESCRIPTION", "STATE", "APPLIED AT (UTC)", "DURATION"]]
        rows.reserveCapacity(status.entries.count + 1)
        for entry in status.entries {
            rows.append([
                String(entry.version), entry.name.isEmpty ? "-" : entry.name,
                entry.state.rawValue + (entry.hasDown || entry.state == .missingFromSource ? "" : " (no down)"),
                entry.appliedAt.map(UTCTime.dateTime) ?? "-",
                entry.durationMs.flatMap(AppliedMigration.format(milliseconds:)) ?? "-",
            ])
        }
        // Plain string work, no Foundation formatting: `status` renders 10,000 rows.
        let counts = rows.map { $0.map(\.count) }
        let widths = (0..<rows[0].count).map { column in counts.map { $0[column] }.max() ?? 0 }
        var lines = rows.indices.map { index in
            var line = ""
            for (column, cell) in rows[index].enumerated() {
                if column > 0 { line += "  " }
                line += cell
                // The last column is not padded: no line ends in spaces.
                if column < widths.count - 1 { line += String(repeating: " ", count: widths[column] - counts[index][column]) }
            }
            return line
        }
        let version = status.current.version.map { "version \($0)\(status.current.dirty ? " (dirty)" : "")" } ?? "no version"
        lines.append("")
        lines.append("\(database): \(version), \(status.pendingCount) pending")
        let modified = status.entries.filter { $0.state == .modified }.map { String($0.version) }
        if !modified.isEmpty {
            lines.append("Modified since applied: \(modified.joined(separator: ", ")). `up` refuses until the files are "
                + "restored (put changes in a new migration); `migrate validate` names the files.")
        }
        let outOfOrder = status.entries.filter { $0.state == .outOfOrder }.map { String($0.version) }
        if !outOfOrder.isEmpty {
            lines.append("Never applied, below the current version: \(outOfOrder.joined(separator: ", ")). `up` refuses until "
                + "`migrate renumber` moves them after the last version, or applies them with -allow-out-of-order.")
        }
        if let recovery = status.dirtyRecovery {
            // Name the migration and the exact command: after an interrupted up of V, the last fully applied
            // version is the one before V.
            var advice = recovery.advice
            advice = advice.prefix(1).uppercased() + advice.dropFirst()
            lines.append(advice + ".")
        }
        return lines.joined(separator: "\n")
    }
}

struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a set of timestamped (or -seq) up/down migrations titled NAME.",
        discussion: """
            Examples:
              migrate create -dir migrations -seq -digits 3 add_user_preferences
                creates migrations/003_add_user_preferences.up.sql and .down.sql (3 = one more than the highest version)
              migrate create -dir migrations add_index      # 20250105120000_add_index.up.sql (UTC timestamp)
            Never overwrites a file.
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
    @Option(name: .customLong("tz"), help: "Time zone of timestamp versions.") var tz = "UTC"
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
