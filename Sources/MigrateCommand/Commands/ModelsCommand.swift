import ArgumentParser
import Foundation
import SwiftMigrate
import SwiftMigrateModels

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Generate Swift models from the live schema (PostgreSQL or SQLite), or check that they are up to date.",
        usage: "migrate models -database URL -dir DIR [-table PATTERN]... [-schema NAME] [-type PGTYPE=SwiftType]... [-check]",
        discussion: """
            Reads the tables, views, materialized views and enums of the schema (PostgreSQL: pg_catalog, models \
            on PostgresNIO; SQLite: its pragmas, models on this package's SQLiteDriver) and writes, per \
            table or view, NAMEModel.generated.swift (a Codable row struct, an insert value whose nil columns take \
            their database defaults, and a model with insert, findOne, findOneBy... per unique index, update and \
            delete; views get a read-only fetchAll), rewritten on every run, and NAMEModel.swift for your own \
            code, created once and never overwritten. ModelSupport.generated.swift and ModelEnums.generated.swift \
            hold what the models share. The same schema always gives the same bytes.

            -table takes shell patterns (`*`, `?`, `[a-z]`) and may repeat; without it (or with `*`) every table and view is \
            generated and generated files of tables that are gone are removed. -type maps a PostgreSQL type with no built-in mapping (interval, citext, ...) to a Swift type that \
            conforms to PostgresCodable; a column of an unmapped type is an error naming it.

            -check writes nothing and exits 1 when a generated file would change, is missing, or belongs to a \
            table that is gone (each is printed), 0 when the models are up to date, and 2 when the database \
            cannot be reached. --json prints the same as JSON on standard output. In CI, after migrating a fresh \
            database:
              migrate -path migrations -database "$POSTGRES_DSN" up
              migrate models -database "$POSTGRES_DSN" -dir Sources/Models -check

            Unlike goctl's --cache, no cache layer is generated (there is no Redis client in swift-migrate's \
            dependencies).
            """
    )

    @OptionGroup var options: GlobalOptions
    @Option(name: .customLong("dir"), help: ArgumentHelp("Directory of the models.", valueName: "dir"))
    var directory: String
    @Option(name: .customLong("table"), help: ArgumentHelp("Tables and views to generate (shell pattern; repeatable). Default: all.", valueName: "pattern"))
    var tables: [String] = []
    @Option(name: .customLong("schema"), help: ArgumentHelp("The schema to read. Default: the connection's current schema.", valueName: "name"))
    var schema: String?
    @Option(name: .customLong("type"), help: ArgumentHelp("Map a database type to a Swift type (repeatable).", valueName: "pgtype=SwiftType"))
    var types: [String] = []
    @Flag(name: .customLong("check"), help: "Write nothing; exit 1 when the models differ from the schema.")
    var check = false
    @Flag(name: .customLong("json"), help: "Print what was written (or, with -check, what differs) as JSON on standard output.")
    var json = false

    func typeOverrides() throws -> [String: String] {
        var result: [String: String] = [:]
        for item in types {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("invalid -type \(item): expected PGTYPE=SwiftType, e.g. -type interval=Duration")
            }
            result[parts[0]] = parts[1]
        }
        return result
    }

    func run() async throws {
        let session = try Session(options)
        let console = session.console
        let generator = ModelGenerator(.init(tablePatterns: tables, typeMap: SwiftTypeMap(overrides: try typeOverrides())))
        let catalog = try await readCatalog(session)
        do {
            let files = try generator.files(for: catalog)
            let output = ModelDirectory(path: directory)
            let removingStale = generator.configuration.coversEveryRelation
            if json {
                let changes = check
                    ? try output.check(files, removingStale: removingStale) : try output.write(files, removingStale: removingStale)
                let kept = check ? [] : changes.compactMap(output.orphanedCustomFile(after:))
                console.output(try ModelsReport(
                    directory: directory, check: check, upToDate: changes.isEmpty,
                    changes: changes.map { .init(change: $0.kind, file: $0.name) }, orphanedCustomFiles: kept
                ).json())
                if check && !changes.isEmpty { throw ExitCode.failure }
            } else if check {
                let changes = try output.check(files, removingStale: removingStale)
                for change in changes {
                    switch change {
                    case .created(let name): console.error("missing: \(name)")
                    case .updated(let name): console.error("out of date: \(name)")
                    case .removed(let name): console.error("stale (its table or view is gone): \(name)")
                    }
                }
                if !changes.isEmpty {
                    console.error("the models in \(directory) differ from the schema: run `migrate models` and commit the result")
                    throw ExitCode.failure
                }
                console.error("models in \(directory) are up to date")
            } else {
                let changes = try output.write(files, removingStale: removingStale)
                for change in changes {
                    console.error(change.description)
                    if let custom = output.orphanedCustomFile(after: change) {
                        console.error("warning: \(custom) is yours and was kept; delete it or move its code, its table is gone")
                    }
                }
                if changes.isEmpty { console.error("models in \(directory) are up to date") }
            }
        } catch let error as MigrateError {
            console.error(error.rendered())
            throw ExitCode.failure
        }
    }

    /// The catalog; exit 2 when the database cannot be reached, 1 when it cannot be read.
    private func readCatalog(_ session: Session) async throws -> DatabaseCatalog {
        let url = try options.databaseURL()
        do {
            return try await drivers.withDriver(url: url, logger: session.logger) { driver in
                guard let reader = driver as? any CatalogReading else {
                    throw MigrateError(.invalidArgument, "migrate models does not support \(url.scheme) databases")
                }
                return try await reader.catalog(schema: schema)
            }
        } catch let error as MigrateError {
            session.console.error(error.rendered())
            throw error.meansUnreachable ? ExitCode(2) : ExitCode.failure
        }
    }
}

/// `models --json`: `{"changes": [{"change": "updated", "file": "OrdersModel.generated.swift"}], "check": true,
/// "directory": "Sources/Models", "orphanedCustomFiles": [], "upToDate": false}`.
struct ModelsReport: Encodable {
    struct Change: Encodable {
        var change: String
        var file: String
    }

    var directory: String
    var check: Bool
    /// With -check: nothing differs; otherwise: nothing had to be written.
    var upToDate: Bool
    var changes: [Change]
    /// Your files (NAMEModel.swift) whose table is gone: kept, to delete or move by hand.
    var orphanedCustomFiles: [String]

    func json() throws -> String { try Console.json(self) }
}
