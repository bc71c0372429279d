#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import SwiftMigrate
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the CLI writes. Progress and messages go to standard error, as golang-migrate's do; results that
/// scripts read (`version`, `status`, `--json`) go to standard output.
///
/// Every line passes through ``secrets``, which knows every secret the run was given, so a password never
/// reaches the terminal, and has its control characters but line breaks and tabs escaped: names are escaped
/// where they are read, and this catches what else quotes outside text (a URL parameter, a database's message),
/// so no output line is forged and no escape sequence reaches the terminal. Writing never stops a migration:
/// SIGPIPE is ignored (``ignoreBrokenPipes()``), and when the reader of a stream has gone
/// (`migrate status | head -1`), further lines to it are dropped.
struct Console: Sendable {
    /// The secrets of this run: the URLs among the arguments, `DATABASE_URL`, `POSTGRES_DSN` and `PGPASSWORD`, and
    /// those learned since (``learn(urlText:)``).
    static var secrets: SecretScrubber { learned.withLock { $0 } }

    /// Adds the secrets of a URL that did not come from the arguments or those variables: a line of a fleet's
    /// -targets file, with its `${VAR}` expanded.
    static func learn(urlText: String) {
        learned.withLock { $0.learn(urlText: urlText) }
    }

    private static let learned = Mutex<SecretScrubber>({
        var scrubber = SecretScrubber()
        for argument in CommandLine.arguments.dropFirst()
        where argument.contains("://") || argument.contains("@") || argument.contains("password=") {
            scrubber.learn(urlText: argument)
        }
        let environment = ProcessInfo.processInfo.environment
        for name in ["DATABASE_URL", "POSTGRES_DSN"] {
            if let value = environment[name] { scrubber.learn(urlText: value) }
        }
        if let password = environment["PGPASSWORD"] { scrubber.learn(secret: password) }
        return scrubber
    }())

    /// The control characters output may hold.
    static let kept: Set<Unicode.Scalar> = ["\n", "\t"]

    func error(_ text: String) {
        Self.standardError.write(Self.safe(text) + "\n")
    }

    func output(_ text: String) {
        Self.standardOutput.write(Self.safe(text) + "\n")
    }

    /// `value` as the `--json` outputs print it: indented, keys sorted, slashes as they are, dates in ISO 8601.
    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Prints ``json(_:)`` of `value` on standard output.
    func outputJSON(_ value: some Encodable) throws {
        output(try Self.json(value))
    }

    /// Replaces the status line at the bottom of a terminal (standard error) with `text`, or clears it when nil:
    /// a carriage return and an erase-line sequence, then the text, scrubbed and escaped, without a newline.
    func statusLine(_ text: String?) {
        Self.standardError.write("\r\u{1B}[K" + (text.map(Self.safe) ?? ""))
    }

    /// Whether standard error is a terminal (where a status line can be redrawn in place).
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// `text` without secrets and with its control characters (but line breaks and tabs) escaped.
    static func safe(_ text: String) -> String {
        ControlCharacters.escaped(secrets.scrub(text), except: kept)
    }

    /// A write to a closed pipe then fails with EPIPE instead of killing the process half-way through a
    /// migration.
    static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    static let standardOutput = Stream(descriptor: STDOUT_FILENO)
    static let standardError = Stream(descriptor: STDERR_FILENO)

    /// One output stream, written with `write(2)`: a closed reader stops the printing, never the run.
    final class Stream: Sendable {
        let descriptor: Int32
        private let closed = Atomic<Bool>(false)

        init(descriptor: Int32) { self.descriptor = descriptor }

        func write(_ text: String) {
            guard !closed.load(ordering: .relaxed) else { return }
            var bytes = Array(text.utf8)[...]
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { buffer in
                    #if canImport(Glibc)
                        Glibc.write(descriptor, buffer.baseAddress, buffer.count)
                    #else
                        Darwin.write(descriptor, buffer.baseAddress, buffer.count)
                    #endif
                }
                if written < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    // EPIPE (the reader has gone) or any other failure: stop printing to this stream.
                    closed.store(true, ordering: .relaxed)
                    return
                }
                bytes = bytes.dropFirst(written)
            }
        }
    }
}
