import ArgumentParser
import Foundation
import Logging
import SwiftMigrate
import SwiftMigrateLibPQ

/// The options of the commands that run on a fleet (up, down N, goto, version, status, plan, validate), and how
/// they turn into the fleet's targets.
struct FleetOptions: ParsableArguments {
    @Option(name: .customLong("targets"), help: ArgumentHelp(
        "A fleet: a file with one database URL per line (blank lines and # comments allowed, ${VAR} replaced by the environment variable, so passwords stay out of the file; sqlite://DIR/*.db names every matching file). Added after the -database URLs.",
        valueName: "file"
    ))
    var targets: String?

    @Option(name: .customLong("schemas"), help: ArgumentHelp(
        "PostgreSQL: migrate every schema of each -database whose name matches the pattern (a glob such as 'tenant_*') as a target of its own, with its own schema_migrations table and search_path set to it.",
        valueName: "pattern"
    ))
    var schemas: String?

    @Option(name: .customLong("parallel"), help: ArgumentHelp(
        "How many targets of a fleet run at once, each on one connection: never more are open. Default 4.", valueName: "n"
    ))
    var parallel: UInt?

    @Option(name: .customLong("canary"), help: ArgumentHelp(
        "Migrate the first K targets of the fleet first; if one of them fails, no other target is touched.", valueName: "k"
    ))
    var canary: UInt?

    @Flag(name: .customLong("continue-on-error"), help: "When a target of the fleet fails, keep starting the others. Without it, the targets already running finish and no other starts.")
    var continueOnError = false

    /// The default of -parallel.
    static let defaultParallel = 4
    /// The most -parallel takes: each target holds a connection (and a thread while it waits on libpq).
    static let mostParallel: UInt = 1000

    func validate() throws {
        if let parallel, parallel < 1 || parallel > Self.mostParallel {
            throw ValidationError("invalid -parallel \(parallel): expected 1 to \(Self.mostParallel) targets at once")
        }
        if let canary { try GlobalOptions.checkRange(canary, flag: "-canary", unit: "a number of targets") }
        if let schemas { _ = try SchemaPattern.parse(schemas) }
    }

    /// Whether the command runs on a fleet: several -database, -targets, -schemas, a `*` in a SQLite URL, or one
    /// of the fleet's own options. One -database alone is the single-database command as golang-migrate has it.
    func isFleet(_ options: GlobalOptions) -> Bool {
        targets != nil || schemas != nil || options.databases.count > 1 || parallel != nil || canary != nil || continueOnError
            || options.databases.contains { (try? DatabaseURL($0))?.isFileGlob ?? false }
    }

    /// The library's configuration for these options.
    func configuration(migrator: Migrator.Configuration) -> MigrationFleet.Configuration {
        MigrationFleet.Configuration(
            parallel: parallel.map { Int($0) } ?? Self.defaultParallel, canary: canary.map { Int($0) } ?? 0,
            failurePolicy: continueOnError ? .continueOnError : .finishRunning, migrator: migrator
        )
    }

    /// One target's URL and where it came from (`-database`, `targets.txt:3`), for messages.
    struct Entry {
        var url: DatabaseURL
        var origin: String
    }

    /// The fleet's URLs, in order: each -database (or $DATABASE_URL / $POSTGRES_DSN when neither -database nor
    /// -targets is given), with -schemas replaced by its matching schemas, then the lines of -targets; a
    /// `sqlite://DIR/*.db` by every file it matches. The same database twice is refused.
    func entries(_ options: GlobalOptions, logger: Logger) async throws -> [Entry] {
        var given: [Entry] = []
        if !options.databases.isEmpty {
            for text in options.databases { given.append(Entry(url: try DatabaseURL(text), origin: "-database")) }
        } else if targets == nil || schemas != nil {
            let (text, origin) = try options.databaseText()
            given.append(Entry(url: try DatabaseURL(text), origin: origin))
        }
        if let schemas {
            let pattern = try SchemaPattern.parse(schemas)
            let postgres = given.filter { LibPQDriver.schemes.contains($0.url.scheme) }
            guard !postgres.isEmpty else {
                throw ValidationError("-schemas '\(schemas)' needs a PostgreSQL -database whose schemas to migrate (the -targets URLs are taken as they are)")
            }
            var expanded: [Entry] = []
            for entry in given {
                guard LibPQDriver.schemes.contains(entry.url.scheme) else {
                    expanded.append(entry)
                    continue
                }
                for url in try await drivers.tenantSchemaURLs(of: entry.url, matching: pattern, logger: logger) {
                    expanded.append(Entry(url: url, origin: "-schemas of \(entry.url.redacted)"))
                }
            }
            given = expanded
        }
        if let targets {
            for line in try FleetTargetFile.read(path: targets, environment: ProcessInfo.processInfo.environment) {
                // The file's passwords came from the environment: every line printed from now on hides them.
                Console.learn(urlText: line.text)
                given.append(Entry(url: line.url, origin: line.origin))
            }
        }
        var result: [Entry] = []
        var seen: [DatabaseURL: String] = [:]
        for entry in given {
            for url in try entry.url.expandingFileGlob() {
                // -db-lock-timeout and -db-statement-timeout are PostgreSQL's: a fleet's SQLite files go without.
                let url = LibPQDriver.schemes.contains(url.scheme) ? try options.withTimeoutParameters(url) : url
                if let first = seen[url] {
                    throw ValidationError("\(url.redacted) is in the fleet twice (\(first) and \(entry.origin)): list each database once")
                }
                seen[url] = entry.origin
                result.append(Entry(url: url, origin: entry.origin))
            }
        }
        return result
    }
}

/// -schemas' pattern, parsed as the usage error it is when malformed.
enum SchemaPattern {
    static func parse(_ text: String) throws -> GlobPattern {
        do {
            return try GlobPattern(text)
        } catch {
            throw ValidationError("invalid -schemas '\(text)': \(error.message)")
        }
    }
}
