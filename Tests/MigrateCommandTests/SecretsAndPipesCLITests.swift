import Foundation
import TestSupport
import Testing

/// Secrets in URLs that do not parse, and output streams whose reader has gone (issue: what an outside attack
/// found, items 1 and 3).
@Suite struct SecretsAndPipesCLITests {
    static let migrations: [String: String] = [
        "1_a.up.sql": "CREATE TABLE a (id INTEGER);\n",
        "2_b.up.sql": "CREATE TABLE b (id INTEGER);\n",
        "3_c.up.sql": "CREATE TABLE c (id INTEGER);\n",
    ]

    /// A URL the user mistyped or whose password has characters a URL must encode, the pieces of its password
    /// that must not appear in any output, and whether to give it in DATABASE_URL instead of -database.
    struct Case: Sendable, CustomStringConvertible {
        var url: String
        var secrets: [String]
        var arguments: [String] = ["up"]
        var throughEnvironment = false
        var description: String { "\(url) \(arguments.joined(separator: " "))\(throughEnvironment ? " (DATABASE_URL)" : "")" }
    }

    static let cases: [Case] = [
        // An unencoded `/` in the password (base64): the parser takes `S3cr3t` for the port.
        Case(url: "postgres://app:S3cr3t/Sentinel-42@127.0.0.1:5432/db", secrets: ["S3cr3t", "Sentinel-42"]),
        Case(url: "postgres://app:S3cr3t/Sentinel-42@127.0.0.1:5432/db", secrets: ["S3cr3t", "Sentinel-42"], throughEnvironment: true),
        Case(url: "postgres://app:S3cr3t/Sentinel-42@127.0.0.1:5432/db", secrets: ["S3cr3t", "Sentinel-42"], arguments: ["status", "--json"]),
        // A number before the `/`: a valid port, and the rest of the password becomes the path.
        Case(url: "postgres://u:12345/678@127.0.0.1/db", secrets: ["12345", "678"]),
        // An unencoded `?` in the password.
        Case(url: "postgres://u:Sec?ret-pass@127.0.0.1:1/db", secrets: ["Sec?ret-pass", "ret-pass"]),
        // A password parameter with an encoded `&` and space, with -verbose logging.
        Case(url: "postgres://u@127.0.0.1:1/db?password=S3cr3t%26Sentinel-42", secrets: ["S3cr3t", "Sentinel-42"], arguments: ["-verbose", "up"]),
        Case(url: "postgres://u@127.0.0.1:1/db?password=S3cr3t%20Sentinel-42", secrets: ["S3cr3t", "Sentinel-42"], arguments: ["-verbose", "up"]),
        // Mistyped schemes: the text is no URL at all.
        Case(url: "postgres//user:S3cret-x@host/db", secrets: ["S3cret-x"]),
        Case(url: "postgres:/user:S3cret-x@host/db", secrets: ["S3cret-x"]),
        Case(url: "sqlite://user:pw@/no/such/dir/x.db", secrets: ["pw@", ":pw"]),
    ]

    @Test("no piece of a password is printed, whether or not its URL parses", arguments: cases)
    func passwordsOfMalformedURLs(_ testCase: Case) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.migrations)
        let result = testCase.throughEnvironment
            ? try CLI.run(["-path", migrations] + testCase.arguments, environment: ["DATABASE_URL": testCase.url])
            : try CLI.run(["-path", migrations, "-database", testCase.url] + testCase.arguments)
        #expect(result.status != 0, "\(result)")
        #expect(!result.all.isEmpty)
        for secret in testCase.secrets {
            #expect(!result.all.contains(secret), "\(secret) printed: \(result)")
        }
    }

    @Test("the no-scheme message keeps its example readable")
    func noSchemeExample() throws {
        let result = try CLI.run(["-path", "m", "-database", "localhost/db", "up"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no scheme"), "\(result)")
        #expect(!result.stderr.contains("***"), "\(result)")
    }

    /// Runs migrate with its standard output or error connected to a pipe whose reader is closed at once, as
    /// `migrate ... | head -1` leaves it once head has its line.
    static func runWithClosedReader(_ arguments: [String], closing stream: String) throws -> (status: Int32, other: String) {
        let process = TestProcess()
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.environment = CLI.childEnvironment()
        let closed = Pipe(), other = Pipe()
        if stream == "stdout" {
            process.standardOutput = closed
            process.standardError = other
        } else {
            process.standardError = closed
            process.standardOutput = other
        }
        try closed.fileHandleForReading.close()
        try process.run()
        let text = other.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: text, as: UTF8.self))
    }

    @Test("a closed standard error never stops a migration: every migration is applied and the exit code is 0")
    func closedStandardError() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.migrations)
        let db = dir.path("app.db")
        let run = try Self.runWithClosedReader(["-path", migrations, "-database", "sqlite://\(db)", "up"], closing: "stderr")
        #expect(run.status == 0)
        #expect(try SQLite3.query(db, "SELECT version || ' ' || dirty FROM schema_migrations") == "3 0")
        #expect(try SQLite3.query(db, "SELECT count(*) FROM schema_migrations_history") == "3")
    }

    @Test("status into a closed pipe exits 0 instead of crashing")
    func closedStandardOutput() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.migrations)
        let db = dir.path("app.db")
        #expect(try CLI.run(["-path", migrations, "-database", "sqlite://\(db)", "up"]).status == 0)
        for command in [["status"], ["status", "--json"], ["version"]] {
            let run = try Self.runWithClosedReader(["-path", migrations, "-database", "sqlite://\(db)"] + command, closing: "stdout")
            #expect(run.status == 0, "\(command): \(run.other)")
            #expect(run.other.isEmpty, "\(command): \(run.other)")
        }
    }
}
