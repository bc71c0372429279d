import Foundation
import TestSupport
import Testing

/// Runs the built `migrate` binary as a user would, and captures what it printed and its exit code.
struct CLIResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var all: String { stdout + stderr }
    /// Standard error without `up`'s first line, `migrating URL (ORIGIN)` (issue 18): what follows it, golang-migrate's
    /// progress lines or an error.
    var afterMigratingLine: String {
        guard stderr.hasPrefix("migrating "), let newline = stderr.firstIndex(of: "\n") else { return stderr }
        return String(stderr[stderr.index(after: newline)...])
    }
    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

enum CLI {
    /// The password of every PostgreSQL URL the CLI tests pass (role migrate_pw, made by scripts/postgres-start.sh).
    /// ``RunningCLI/finish()`` checks that no output of any test ever contains it.
    static let sentinelPassword = "S3ntinel-pa55word"

    /// The package root, found from this file's path.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `.build/debug/migrate`, or $MIGRATE_BINARY.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["MIGRATE_BINARY"] { return URL(fileURLWithPath: path) }
        // The test bundle sits next to the products it was built with.
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("migrate"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("migrate"),
            packageRoot.appendingPathComponent(".build/debug/migrate"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }

    /// This process's environment without DATABASE_URL and POSTGRES_DSN (a test names its database) and without
    /// `unsetting`, plus `extra`.
    static func childEnvironment(_ extra: [String: String] = [:], unsetting: Set<String> = []) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = nil
        environment["POSTGRES_DSN"] = nil
        for name in unsetting { environment[name] = nil }
        return environment.merging(extra) { $1 }
    }

    /// Runs `migrate ARGS` in `directory` with `environment` added (and DATABASE_URL/POSTGRES_DSN removed unless
    /// given), feeding `input` on standard input, and waits for it.
    @discardableResult
    static func run(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        unsetting: Set<String> = [], input: String? = nil
    ) throws -> CLIResult {
        try RunningCLI(arguments, in: directory, environment: environment, unsetting: unsetting, input: input)
            .finish(timeout: 300)
    }
}

/// A `migrate` process started in the background, to signal it or run another beside it.
final class RunningCLI: @unchecked Sendable {
    let process = TestProcess()
    private let out = Pipe(), err = Pipe()

    init(
        _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        unsetting: Set<String> = [], input: String? = nil
    ) throws {
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.environment = CLI.childEnvironment(environment, unsetting: unsetting)
        if let directory { process.currentDirectoryURL = directory }
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Stops the process (SIGSTOP) where it is, holding whatever it holds (a lock, a transaction), so a test
    /// can run a second migrator beside it however slowly either starts; `resume()` lets it go on.
    func pause() { if process.isRunning { kill(process.processIdentifier, SIGSTOP) } }

    func resume() { if process.isRunning { kill(process.processIdentifier, SIGCONT) } }

    /// Waits for the process; reads both pipes first so a full pipe never blocks the child. With `timeout`
    /// (seconds), a process still running then is killed and an issue recorded: a bound against hanging.
    func finish(timeout: Double? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> CLIResult {
        let watchdog = timeout.map { seconds in
            let item = DispatchWorkItem { [process] in if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: item)
            return item
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog?.cancel()
        let result = CLIResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
        if let timeout, process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL {
            Issue.record("migrate \(process.arguments ?? []) still ran after \(timeout) s: killed", sourceLocation: sourceLocation)
        }
        // Every output of every CLI test: the sentinel password must never be printed.
        let leaked = result.all.contains(CLI.sentinelPassword)
        #expect(!leaked, "the password leaked: \(result.description.replacingOccurrences(of: CLI.sentinelPassword, with: "<SENTINEL>"))", sourceLocation: sourceLocation)
        return result
    }

    /// Kills the process with SIGKILL (a deploy system's `kill -9`) and waits for it.
    func kill9() -> CLIResult {
        kill(process.processIdentifier, SIGKILL)
        return finish()
    }
}

/// A temporary directory removed when the value is released... by the test calling `remove()`.
struct TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("swift-migrate-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes migration files into `dir` (created if needed) and returns the directory path.
    @discardableResult
    func write(_ files: [String: String], in dir: String = "migrations") throws -> String {
        let directory = url.appendingPathComponent(dir)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, contents) in files {
            try contents.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return directory.path
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Reads a SQLite database with the sqlite3 CLI (a separate program: what a user would see).
enum SQLite3 {
    static func query(_ database: String, _ sql: String) throws -> String {
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [database, sql]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
