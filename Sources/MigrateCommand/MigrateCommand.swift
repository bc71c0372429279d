import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SwiftMigrate

#if canImport(Glibc)
    import Glibc
#endif

/// `migrate`: golang-migrate's command line, over the swift-migrate library.
struct Migrate: AsyncParsableCommand {
    static let toolVersion = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Database migrations for PostgreSQL and SQLite, compatible with golang-migrate.",
        usage: """
            migrate [-path DIR | -source file://DIR] -database URL [-lock-timeout N] [-verbose] COMMAND [ARGS]
              migrate [-version | -help]
            """,
        // Paragraphs are single lines (`\` joins the source lines): the parser wraps them to the terminal.
        discussion: """
            Migration files are VERSION_NAME.up.sql and VERSION_NAME.down.sql (golang-migrate's layout), or one \
            VERSION_NAME.sql with `-- +migrate Up` and `-- +migrate Down` sections. Options may be written with \
            one dash (golang-migrate style) or two, before or after the command.

            The migrations are read from -path (default ./migrations). The database is -database, else \
            $DATABASE_URL, else $POSTGRES_DSN (when both variables are set to different URLs, pass -database).

            Each migration runs in one transaction together with its version update, so a failure leaves the \
            database as it was. A file with a statement that cannot run in a transaction (CREATE INDEX \
            CONCURRENTLY, VACUUM, ...) runs statement by statement, with golang-migrate's dirty flag set until it \
            finishes.

            Examples:
              migrate -path migrations -database sqlite://app.db up
              migrate -path migrations -database "$POSTGRES_DSN" down 1
              migrate -path migrations -database "$POSTGRES_DSN" status
              migrate create -dir migrations -seq -digits 3 add_user_preferences
              migrate models -database "$POSTGRES_DSN" -dir Sources/Models
              migrate -path migrations -targets databases.txt -parallel 8 up

            Exit codes: 0 success or no change; 1 error; 2 usage error; 130 or 143 stopped by SIGINT or SIGTERM. \
            `migrate COMMAND --help` explains each command.
            """,
        version: toolVersion,
        subcommands: [
            UpCommand.self, DownCommand.self, GotoCommand.self, ForceCommand.self, VersionCommand.self,
            StatusCommand.self, SchemaCommand.self, PlanCommand.self, VerifyCommand.self, LintCommand.self,
            ValidateCommand.self, RenumberCommand.self, ModelsCommand.self, DropCommand.self, CreateCommand.self,
        ]
    )
}

@main
enum Main {
    static func main() async {
        Console.ignoreBrokenPipes()
        let raw = Array(CommandLine.arguments.dropFirst())
        // Answered before the argument parser is built: `-version` is what scripts call to probe the tool, and it
        // should start as fast as the process can.
        if raw == ["-version"] || raw == ["--version"] {
            Console.standardOutput.write(Migrate.toolVersion + "\n")
            exit(0)
        }
        #if canImport(Glibc)
            // One malloc arena: the work moves between the concurrency pool's threads and the drivers' blocking-call
            // thread, and glibc's arena per thread keeps each one's peak apart: without this, 2–7 MiB more peak
            // RSS at 10,000 migrations, and no measurable difference in time (docs/benchmarks.md, "Hand-written
            // parts"). (mallopt is in <malloc.h>, which the Glibc module does not export; M_ARENA_MAX is -8.)
            if let mallopt = dlsym(nil, "mallopt") {
                _ = unsafeBitCast(mallopt, to: (@convention(c) (Int32, Int32) -> Int32).self)(-8, 1)
            }
        #endif
        let arguments = ArgumentNormalizer.normalize(raw)
        if arguments.isEmpty {
            // golang-migrate prints its usage; after options, also say what is missing.
            let missing = raw.isEmpty ? "" : "Error: no command given (up, down, goto, force, version, status, ...)\n\n"
            Console().error(missing + Migrate.helpMessage())
            exit(2)
        }
        do {
            let command = try Migrate.parseAsRoot(arguments)
            // The command runs in a task of its own, so that a signal can cancel it (SignalHandler).
            let task = Task.detached {
                var command = command
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
            }
            SignalHandler.shared.install { task.cancel() }
            try await task.value
            // A signal during the last migration, or after it: still the signal's exit code.
            if let code = SignalHandler.shared.received { exit(code) }
        } catch {
            if let code = SignalHandler.shared.received { exit(code) }
            let code = Migrate.exitCode(for: error)
            let message = Migrate.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Console().output(message) }
                exit(0)
            }
            // The parser quotes arguments, which may hold an escape sequence: Console escapes them.
            if !message.isEmpty { Console().error(message) }
            // golang-migrate exits 2 on usage errors; swift-argument-parser's default is 64.
            exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
