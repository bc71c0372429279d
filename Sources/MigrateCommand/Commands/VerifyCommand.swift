import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SwiftMigrate

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Prove every down file: up, down, up each migration on a scratch database and compare the schemas.",
        discussion: """
            The guide's "test up → down → up", done by the tool. verify never touches the database -database \
            names: on PostgreSQL it creates a scratch database on the same server (the role needs CREATEDB) and \
            drops it afterwards; on SQLite it uses a temporary file.

            For each migration in order it snapshots the schema (tables, columns, constraints, indexes, views, \
            sequences, functions, triggers, types and enum labels, extensions, schemas, comments: the same \
            snapshot `migrate schema` prints), applies the up, snapshots, applies the down, snapshots again \
            (which must equal the first), and applies the up once more (which must succeed and rebuild the same \
            schema). It stops at the first migration that fails and names what differs, object by object:
              FAIL  4 add_positions_index
                    index public.idx_positions_status still exists after 4 down

            Exit codes: 0 every down restores the schema; 1 a migration failed verification or could not run.

            Example (CI):
              migrate -path migrations -database "$POSTGRES_DSN" verify
            """
    )
    @OptionGroup var options: GlobalOptions

    func run() async throws {
        let session = try Session(options)
        let console = session.console
        try await session.runOnScratch(created: { name in
            console.error("verify: scratch database \(name) (dropped afterwards)")
        }) { migrator in
            var quiet = migrator
            if !options.verbose { quiet.observer = nil }
            let report = try await quiet.verify { trip in
                console.output(Self.describe(trip).joined(separator: "\n"))
            }
            if let failure = report.failure { throw failure }
            let count = report.roundTrips.count
            console.output("verify: \(count) migration\(count == 1 ? "" : "s") proved: every down restores the schema and every up re-applies")
        }
    }

    /// `ok    1 create_users`, or `FAIL  4 name` followed by what differs.
    static func describe(_ trip: RoundTrip) -> [String] {
        guard !trip.isExact else { return ["ok    \(trip.version) \(trip.name)"] }
        var lines = ["FAIL  \(trip.version) \(trip.name)"]
        let indent = "      "
        for difference in trip.downDifferences {
            lines.append(indent + "\(difference) after \(trip.version) down")
        }
        if let error = trip.reapplyError {
            lines.append(indent + "up \(trip.version) failed when applied again after the down:")
            lines += error.rendered().split(separator: "\n").map { indent + "  " + $0 }
        }
        for difference in trip.reapplyDifferences {
            lines.append(indent + "\(difference) after \(trip.version) up (again)")
        }
        return lines
    }
}
