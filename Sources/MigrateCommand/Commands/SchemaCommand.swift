import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SwiftMigrate

struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the database's schema as stable text, to commit beside the migrations and diff in review.",
        discussion: """
            Reads the catalog (PostgreSQL: pg_catalog, no pg_dump needed; SQLite: sqlite_master and its pragmas) \
            and prints every object the migrations made: schemas, extensions, types and enum labels, sequences, \
            tables, columns, constraints, indexes (with methods and predicates), views and materialized views, \
            functions and procedures, triggers, policies, comments. One object per line, members indented under \
            their table, sorted, without OIDs or timestamps: the same schema always prints the same text. The \
            version and history tables are left out. Nothing is changed, no lock is taken.

            Commit the output beside the migrations and regenerate it in every change that adds one, so a \
            review shows what the migration does to the schema, object by object:
              migrate -path migrations -database "$POSTGRES_DSN" up
              migrate -database "$POSTGRES_DSN" schema > migrations/schema.txt
              git diff migrations/schema.txt

            In CI, apply the migrations to an empty database, regenerate the file and fail on a difference \
            (`git diff --exit-code migrations/schema.txt`).

            --json prints the same objects as JSON, {"objects": [{"kind", "name", "parent", "definition"}]}.
            """
    )
    @OptionGroup var options: GlobalOptions
    @Flag(name: .customLong("json"), help: "Print the schema as JSON.") var json = false

    func run() async throws {
        let session = try Session(options)
        try await session.run { migrator in
            let snapshot = try await migrator.schemaSnapshot()
            if json {
                session.console.output(try snapshot.json())
            } else {
                // Console.output ends the text with a newline of its own.
                var text = snapshot.rendered()
                if text.hasSuffix("\n") { text.removeLast() }
                session.console.output(text)
            }
        }
    }
}
