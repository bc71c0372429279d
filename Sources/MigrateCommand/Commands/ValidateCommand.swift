import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SwiftMigrate

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check the migration files and how they match the database, listing every problem.",
        discussion: """
            Problems, by the id printed in brackets:
              duplicate-version    two migrations claim one version: `migrate renumber`
              missing-down         an up file without a down file
              empty-down           a down file with no statements and no irreversible mark
              missing-up           a down file without an up file
              invalid-script       a file that cannot be split into statements
              ignored-file         a file that looks like a migration but is ignored
              modified             an applied migration's file changed since it ran
              missing-from-source  the database applied a version that has no file
              out-of-order         a file below the current version that never ran
              dirty                the database is dirty

            Each message says what to do. Checksums ignore line endings and trailing whitespace. Without a \
            database (no -database, DATABASE_URL or POSTGRES_DSN) only the files are checked. Reads only: takes \
            no lock and creates nothing.

            Output: `FILE: error[ID]: MESSAGE` per problem on standard output, or --json. Exit codes: 0 no \
            problem; 1 problems found (or the files cannot be read); 2 the database cannot be reached, or a usage \
            error.

            On a fleet (see `migrate up --help`), the problems of the files once, then each target's own, prefixed \
            with the target; exit 1 for problems, 2 when the only failures are unreachable targets.
            """
    )
    @OptionGroup var options: GlobalOptions
    @OptionGroup(title: "Fleet options") var fleet: FleetOptions
    @Flag(name: .customLong("json"), help: "Print {\"problems\": [{\"kind\", \"version\", \"path\", \"message\"}]}.")
    var json = false
    @Option(name: .customLong("dialect"), help: "postgres or sqlite: how to split the files when no database is given (default postgres).")
    var dialect: String?

    func validate() throws {
        if let dialect, SQLDialect(rawValue: dialect) == nil {
            throw ValidationError("invalid -dialect \"\(dialect)\": expected postgres or sqlite")
        }
    }

    func run() async throws {
        if fleet.isFleet(options) { return try await FleetRun(options, fleet).run(.validate, json: json) }
        let session = try Session(options)
        var problems: [ValidationProblem] = []
        var count = 0
        var checkedDatabase = false
        if options.hasDatabase {
            // Exit 2 when the database cannot be reached: "could not check" is not "problems found".
            try await session.run(unreachableExitCode: 2) { migrator in
                problems = try await migrator.validate()
                count = try migrator.source.loadCollectingDuplicates().migrations.count
                checkedDatabase = true
            }
            guard checkedDatabase else { throw ExitCode.failure }
        } else {
            try await session.reportingErrors {
                let loaded = try DirectorySource(path: try options.migrationsDirectory()).loadCollectingDuplicates()
                problems = SourceValidation.problems(in: loaded, dialect: dialect.flatMap(SQLDialect.init(rawValue:)) ?? .postgres)
                count = loaded.migrations.count
            }
        }
        if json {
            struct Report: Encodable { var problems: [ValidationProblem] }
            try session.console.outputJSON(Report(problems: problems))
        } else {
            for problem in problems { session.console.output(problem.description) }
            let scope = checkedDatabase ? "the files and the database" : "the files; no database given"
            let summary = problems.isEmpty
                ? "validate: \(count) migration\(count == 1 ? "" : "s") ok (\(scope))"
                : "validate: \(problems.count) problem\(problems.count == 1 ? "" : "s") in \(scope)"
            session.console.error(summary)
        }
        if !problems.isEmpty { throw ExitCode.failure }
    }
}
