import Foundation
import Synchronization
import TestSupport
import Testing

/// The example service (examples/hummingbird-service) end to end: the built binary against the test server's
/// PostgreSQL, spoken to over HTTP, as a deployment runs it.
@Suite(.serialized) struct TradingServiceTests {
    /// The password of role migrate_pw (made by scripts/postgres-start.sh): the service gets it in PGPASSWORD and
    /// must never print it.
    static let password = "S3ntinel-pa55word"

    /// Runs `body` with a new database on the test server, dropped afterwards.
    static func withDatabase(_ body: (Database) throws -> Void) throws {
        guard let admin = ProcessInfo.processInfo.environment["MIGRATE_TEST_POSTGRES_URL"] else {
            Issue.record("MIGRATE_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which starts PostgreSQL")
            return
        }
        let database = Database(admin: admin, name: "svc_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())
        _ = try Database.psql(admin, "CREATE DATABASE \(database.name) OWNER migrate_pw")
        defer { _ = try? Database.psql(admin, "DROP DATABASE IF EXISTS \(database.name) WITH (FORCE)") }
        try body(database)
    }

    @Test("migrates at startup on its own client, serves the daily P&L through the generated models, and a restart changes nothing")
    func migratesAndServes() throws {
        try Self.withDatabase { db in
            let first = try Service(database: db)
            try first.waitUntilServing()
            #expect(try db.query("SELECT version::text || ' ' || dirty::text FROM schema_migrations") == "5 false")
            #expect(try db.query("SELECT string_agg(version::text, ',' ORDER BY id) FROM schema_migrations_history") == "1,2,3,4,5")

            _ = try db.query("""
                INSERT INTO accounts (model_id, exchange) VALUES ('m1', 'binance');
                INSERT INTO trades (account_id, model_id, symbol, side, quantity, price, closed_pnl, created_at) VALUES
                  (1, 'm1', 'BTCUSDT', 'buy', 1, 100, 12.5, '2025-01-05 10:00:00+00'),
                  (1, 'm1', 'BTCUSDT', 'sell', 1, 110, -2.5, '2025-01-05 12:00:00+00');
                SELECT refresh_daily_pnl();
                """)
            let (status, body) = try first.get("/pnl/daily")
            #expect(status == 200)
            let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            let days = json?["days"] as? [[String: Any]]
            #expect(days?.count == 1, "\(body)")
            #expect(days?.first?["model_id"] as? String == "m1")
            #expect(days?.first?["total_pnl"] as? String == "10.00000000")
            #expect((days?.first?["date"] as? String)?.hasPrefix("2025-01-05") == true, "\(body)")
            let output = try first.stop()
            #expect(output.status == 0, "\(output.text)")
            #expect(!output.text.contains(Self.password))

            // Started again with nothing pending: it serves, and the history is unchanged.
            let second = try Service(database: db)
            try second.waitUntilServing()
            #expect(try second.get("/pnl/daily").status == 200)
            #expect(try db.query("SELECT count(*)::text FROM schema_migrations_history") == "5")
            let again = try second.stop()
            #expect(again.status == 0, "\(again.text)")
            #expect(again.text.contains("database schema up to date"), "\(again.text)")
        }
    }

    @Test("two instances started at once apply each migration once")
    func twoInstancesAtOnce() throws {
        try Self.withDatabase { db in
            let first = try Service(database: db)
            let second = try Service(database: db)
            try first.waitUntilServing()
            try second.waitUntilServing()
            #expect(try db.query("SELECT string_agg(version::text, ',' ORDER BY id) FROM schema_migrations_history") == "1,2,3,4,5")
            #expect(try db.query("SELECT version::text || ' ' || dirty::text FROM schema_migrations") == "5 false")
            for service in [first, second] {
                let output = try service.stop()
                #expect(output.status == 0, "\(output.text)")
                #expect(!output.text.contains(Self.password))
            }
        }
    }
}

/// A database of the test server, reached with psql.
struct Database {
    let admin: String
    let name: String

    /// host, port of the admin URL.
    var endpoint: (host: String, port: String) {
        let afterScheme = admin.components(separatedBy: "://").last ?? admin
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" }
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? "localhost:5432"
        let parts = hostPort.split(separator: ":")
        return (String(parts.first ?? "localhost"), parts.count > 1 ? String(parts[1]) : "5432")
    }

    /// Runs `sql` in this database as the admin URL's user.
    func query(_ sql: String) throws -> String {
        let query = admin.firstIndex(of: "?").map { String(admin[$0...]) } ?? ""
        let base = admin.firstIndex(of: "?").map { String(admin[..<$0]) } ?? admin
        let afterScheme = base.range(of: "://").map(\.upperBound) ?? base.startIndex
        let server = base[afterScheme...].firstIndex(of: "/").map { base[..<$0] } ?? base[...]
        return try Self.psql("\(server)/\(name)\(query)", sql)
    }

    static func psql(_ url: String, _ sql: String) throws -> String {
        let result = try run("/usr/bin/psql", [url, "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql])
        guard result.status == 0 else { throw ServiceTestError("psql failed: \(result.text)") }
        return result.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct ServiceTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a program to its end and returns its exit status and output (standard output and error together).
func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, text: String) {
    let process = TestProcess()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// The built example service, started on a free port with the PG* variables of the test server.
final class Service: @unchecked Sendable {
    let process = TestProcess()
    let port: Int
    private let output = Pipe()
    private let collected = OutputBuffer()

    static var binary: URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("TradingService"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("TradingService"),
            root.appendingPathComponent(".build/debug/TradingService"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }

    init(database: Database) throws {
        port = Self.freePort()
        process.executableURL = Self.binary
        var environment = ProcessInfo.processInfo.environment
        let endpoint = database.endpoint
        environment["PGHOST"] = endpoint.host
        environment["PGPORT"] = endpoint.port
        environment["PGUSER"] = "migrate_pw"
        environment["PGPASSWORD"] = TradingServiceTests.password
        environment["PGDATABASE"] = database.name
        environment["PORT"] = String(port)
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        let collected = collected
        output.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        try process.run()
    }

    /// Polls the endpoint until the server answers (it starts only after migrating), for at most 120 s.
    func waitUntilServing() throws {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            guard process.isRunning else { throw ServiceTestError("the service exited \(process.terminationStatus):\n\(collected.text)") }
            if (try? get("/pnl/daily").status) == 200 { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw ServiceTestError("the service did not answer within 120 s:\n\(collected.text)")
    }

    /// GET over HTTP with curl: the status code and the body.
    func get(_ path: String) throws -> (status: Int, body: String) {
        let result = try run("/usr/bin/curl", ["-s", "-m", "5", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"])
        guard result.status == 0 else { throw ServiceTestError("curl exited \(result.status)") }
        let lines = result.text.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// SIGTERM, as a deployment stops it; waits and returns its exit status and everything it printed.
    func stop() throws -> (status: Int32, text: String) {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        collected.append(output.fileHandleForReading.readDataToEndOfFile())
        return (process.terminationStatus, collected.text)
    }

    /// A port nobody listens on now: bind port 0, read what the kernel chose, close.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// What the service printed, gathered from the pipe's reading thread.
final class OutputBuffer: Sendable {
    private let data = Mutex(Data())

    func append(_ more: Data) { data.withLock { $0.append(more) } }
    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
}
