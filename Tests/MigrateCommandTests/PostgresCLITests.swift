import Foundation
import TestSupport
import Testing

/// A fresh PostgreSQL database per test on the server in $MIGRATE_TEST_POSTGRES_URL, read back with psql.
/// `url` logs in as migrate_pw with the sentinel password (``CLI/sentinelPassword``), so every PostgreSQL CLI
/// test also proves that the password is never printed.
struct PostgresScratch {
    let name: String
    let url: String
    let adminURL: String

    init() throws {
        guard let admin = ProcessInfo.processInfo.environment["MIGRATE_TEST_POSTGRES_URL"] else {
            Issue.record("MIGRATE_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which starts PostgreSQL")
            throw CancellationError()
        }
        adminURL = admin
        name = "cli_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        url = Self.withSentinelLogin(replacingDatabase(in: admin, with: name))
        _ = try Self.psql(admin, "CREATE DATABASE \(name)")
    }

    /// `url` with the user migrate_pw and the sentinel password (scram-sha-256 over loopback TCP).
    static func withSentinelLogin(_ url: String) -> String {
        let authorityStart = url.range(of: "://")!.upperBound
        let rest = url[authorityStart...]
        let hostStart = rest.prefix { $0 != "/" && $0 != "?" }.lastIndex(of: "@").map { rest.index(after: $0) } ?? authorityStart
        return String(url[..<authorityStart]) + "migrate_pw:\(CLI.sentinelPassword)@" + String(url[hostStart...])
    }

    func query(_ sql: String) throws -> String { try Self.psql(url, sql) }

    func drop() { _ = try? Self.psql(adminURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }

    /// One statement through psql; throws psql's message when it fails.
    static func psql(_ url: String, _ sql: String) throws -> String {
        try psql(url, [sql]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Each statement in its own transaction (CREATE DATABASE cannot run in one), stopping at the first that
    /// fails; throws psql's message then.
    static func psql(_ url: String, _ statements: [String]) throws -> String {
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url, "-X", "-qAt", "-v", "ON_ERROR_STOP=1"] + statements.flatMap { ["-c", $0] }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw PsqlError(message: text) }
        return text
    }
}

struct PsqlError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

@Suite(.serialized) struct PostgresCLITests {
    static let trading = CLI.packageRoot.appendingPathComponent("examples/trading/migrations").path

    @Test func tradingExampleUpDownAllUp() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let base = ["-path", Self.trading, "-database", db.url]
        let up = try CLI.run(base + ["up"])
        #expect(up.status == 0, "\(up)")
        #expect(up.stderr.contains("4/u optimize_position_indexes"))
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "5|f")
        #expect(try db.query("SELECT indexname FROM pg_indexes WHERE indexname = 'idx_positions_status'") == "idx_positions_status")
        #expect(try db.query("SELECT count(*) FROM pg_matviews WHERE matviewname = 'v_daily_pnl'") == "1")
        let downAll = try CLI.run(base + ["down", "-all"])
        #expect(downAll.status == 0, "\(downAll)")
        #expect(try db.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "2")  // version + history
        #expect(try CLI.run(base + ["up"]).status == 0)
        let status = try CLI.run(base + ["status"])
        #expect(status.stdout.contains("version 5, 0 pending"))
        #expect(try CLI.run(base + ["version"]).stdout == "5\n")
        let drop = try CLI.run(base + ["drop", "-f"])
        #expect(drop.status == 0, "\(drop)")
        #expect(try db.query("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'") == "0")
        #expect(try db.query("SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'") == "0")
        #expect(try CLI.run(base + ["version"]).stderr == "error: no migration\n")
    }

    @Test func failingStatementIsRolledBackWithServerPositionMappedToTheFile() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "1_ok.up.sql": "CREATE TABLE a (id int);\n",
            "2_bad.up.sql": "CREATE TABLE b (id int);\n-- a comment with ünïcode\nSELECT 'é', nonexistent_column FROM a;\n",
        ])
        let result = try CLI.run(["-path", migrations, "-database", db.url, "up"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("migrations/2_bad.up.sql:3:13: error: column \"nonexistent_column\" does not exist (SQLSTATE 42703)"), "\(result)")
        #expect(result.stderr.contains("    3 | SELECT 'é', nonexistent_column FROM a;\n      |             ^"))
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "1|f")
        #expect(try db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'b'") == "0")
    }

    @Test func concurrentlyRunsOutsideATransactionAndFailureLeavesItDirtyWithRecovery() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "1_t.up.sql": "CREATE TABLE t (id int, status text);\n",
            "2_idx.up.sql": "CREATE INDEX CONCURRENTLY idx_t_status ON t(status);\nCREATE INDEX CONCURRENTLY idx_oops ON missing_table(x);\n",
            "2_idx.down.sql": "DROP INDEX CONCURRENTLY IF EXISTS idx_t_status;\n",
        ])
        let result = try CLI.run(["-path", migrations, "-database", db.url, "up"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("2_idx.up.sql:2:"), "\(result)")
        #expect(result.stderr.contains("migrate force 1"))
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "2|t")
        #expect(try db.query("SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_t_status'") == "1")
        // Repair: fix the file, undo, force, retry.
        try "CREATE INDEX CONCURRENTLY idx_t_status ON t(status);\n".write(
            toFile: migrations + "/2_idx.up.sql", atomically: true, encoding: .utf8)
        _ = try db.query("DROP INDEX idx_t_status")
        #expect(try CLI.run(["-path", migrations, "-database", db.url, "force", "1"]).status == 0)
        let retry = try CLI.run(["-path", migrations, "-database", db.url, "up"])
        #expect(retry.status == 0, "\(retry)")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "2|f")
    }

    @Test func passwordNeverAppearsInAnyOutput() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_bad.up.sql": "SELEC 1;\n"])
        let secret = "S3ntinel-pa55word"
        let port = URLComponents(string: db.adminURL)?.port ?? 5432
        let withPassword = "postgres://migrate_pw:\(secret)@127.0.0.1:\(port)/\(db.name)?sslmode=disable"
        let wrong = "postgres://migrate_pw:\(secret)x@127.0.0.1:\(port)/\(db.name)?sslmode=disable"
        var outputs: [CLIResult] = []
        outputs.append(try CLI.run(["-verbose", "-path", migrations, "-database", withPassword, "up"]))
        outputs.append(try CLI.run(["-verbose", "-path", migrations, "-database", wrong, "up"]))
        outputs.append(try CLI.run(["-path", migrations, "-database", withPassword, "status", "--json"]))
        outputs.append(try CLI.run(["-path", migrations, "-database", "postgres://migrate_pw:\(secret)@127.0.0.1:1/db", "version"]))
        outputs.append(try CLI.run(["-path", migrations, "-database", withPassword + "&x-unknown=1", "up"]))
        #expect(outputs[0].status == 1)
        #expect(outputs[1].status == 1)
        #expect(outputs[1].stderr.contains("migrate_pw:***@"), "\(outputs[1])")
        #expect(outputs[3].status == 1)
        for output in outputs {
            #expect(!output.all.contains("S3ntinel"), "\(output)")
        }
    }
}
