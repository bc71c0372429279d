import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SwiftMigrate

struct LintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check the migration files for locking and safety problems, like a compiler.",
        discussion: """
            Prints `FILE:LINE:COL: warning[RULE-ID]: MESSAGE` and the safe recipe for each finding; every rule, \
            with an example, is in docs/lint.md. Rules cover the guide's practices (missing or empty down files, \
            files that look like migrations but are ignored, DDL mixed with data changes, destructive statements \
            without a note, CREATE INDEX without CONCURRENTLY, CONCURRENTLY inside a transaction or beside other \
            statements) and PostgreSQL locking (SET NOT NULL, NOT NULL columns without a default, volatile \
            defaults, foreign keys and checks without NOT VALID, type changes, renames, no lock_timeout, char(n), \
            timestamp without time zone, 32-bit primary keys), plus SQLite's ALTER TABLE limits.

            Silence one finding with `-- migrate:lint-ignore RULE-ID` on the line above the statement; acknowledge \
            a DROP or TRUNCATE with `-- migrate:destructive REASON`; mark a migration that cannot be undone with a \
            `-- migrate:irreversible` line in its down file.

            The dialect comes from -database when given (a connection is made only then), else from -dialect \
            (default postgres). With -database, applied migrations whose file changed are errors \
            (modified-applied-migration). With -db-lock-timeout, missing-lock-timeout is silent (the tool sets it).

            Exit codes: 0 no errors (warnings allowed, unless --strict); 1 errors found.
            """
    )
    @OptionGroup var options: GlobalOptions
    @Option(name: .customLong("format"), help: "Output: text (default) or json.") var format = "text"
    @Option(name: .customLong("dialect"), help: "postgres or sqlite, when no -database is given.") var dialect: String?
    @Flag(name: .customLong("strict"), help: "Treat warnings as errors.") var strict = false
    @Option(name: .customLong("disable"), help: ArgumentHelp("A rule id not to check (repeatable).", valueName: "rule-id"))
    var disabled: [String] = []

    func validate() throws {
        guard ["text", "json"].contains(format) else { throw ValidationError("invalid -format \"\(format)\": expected text or json") }
        if let dialect, SQLDialect(rawValue: dialect) == nil {
            throw ValidationError("invalid -dialect \"\(dialect)\": expected postgres or sqlite")
        }
        for id in disabled where LintRule.named(id) == nil {
            throw ValidationError("unknown rule \"\(id)\" (-disable): see docs/lint.md or `migrate lint --help`")
        }
    }

    func run() async throws {
        let session = try Session(options)
        let configuration = Linter.Configuration(
            dialect: dialect.flatMap(SQLDialect.init(rawValue:)) ?? .postgres,
            runnerSetsLockTimeout: options.dbLockTimeout != nil, warningsAsErrors: strict, disabledRules: Set(disabled)
        )
        var linted: LintReport?
        if options.hasDatabase {
            // The database's dialect, applied checksums and lock-timeout setting (the library's lint).
            try await session.run { migrator in linted = try await migrator.lint(configuration) }
        } else {
            try await session.reportingErrors {
                let loaded = try DirectorySource(path: try options.migrationsDirectory()).load()
                linted = Linter(configuration: configuration).lint(loaded)
            }
        }
        guard let report = linted else { throw ExitCode.failure }
        if format == "json" {
            session.console.output(report.json(pretty: true))
        } else {
            var text = report.text()
            if text.hasSuffix("\n") { text.removeLast() }
            session.console.output(text)
        }
        if report.failed { throw ExitCode.failure }
    }
}
