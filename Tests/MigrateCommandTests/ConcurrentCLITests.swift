import Foundation
import TestSupport
import Testing

/// App replicas booting together: many `migrate up` processes started at once on one database apply each
/// migration exactly once, and all of them succeed.
@Suite(.serialized) struct ConcurrentCLITests {
    static let migrationCount = 50

    /// Migration 1 creates the audit table; every migration inserts its version into it, so a migration that
    /// ran twice shows as a duplicate row (or a failed process: version 1 would fail on the existing table).
    static func auditMigrations(_ count: Int) -> [String: String] {
        var files = ["001_audit.up.sql": "CREATE TABLE audit (version int NOT NULL);\nINSERT INTO audit VALUES (1);\n"]
        for version in 2...count {
            files[String(format: "%03d_step.up.sql", version)] = "INSERT INTO audit VALUES (\(version));\n"
        }
        return files
    }

    /// Starts `processes` migrators before waiting for any (their output is small: no pipe fills up).
    static func runTogether(_ processes: Int, arguments: [String]) throws -> [CLIResult] {
        let running = try (0..<processes).map { _ in try RunningCLI(arguments) }
        return running.map { $0.finish(timeout: 120) }
    }

    /// Each migration's progress line (`7/u step (1.2ms)`) appears in exactly one process's output.
    static func expectEachMigrationReportedOnce(_ results: [CLIResult]) {
        var reported: [Int: Int] = [:]
        for result in results {
            for line in result.stderr.split(separator: "\n") {
                guard let slash = line.firstIndex(of: "/"), line[slash...].hasPrefix("/u "),
                      let version = Int(line[..<slash]) else { continue }
                reported[version, default: 0] += 1
            }
        }
        #expect(reported.count == migrationCount)
        #expect(reported.values.allSatisfy { $0 == 1 }, "\(reported.filter { $0.value != 1 })")
    }

    @Test func eightProcessesOnOneSQLiteFile() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.auditMigrations(Self.migrationCount))
        let db = dir.path("shared.db")
        let results = try Self.runTogether(8, arguments: ["-path", migrations, "-database", "sqlite://\(db)", "up"])
        for result in results { #expect(result.status == 0, "\(result)") }
        Self.expectEachMigrationReportedOnce(results)
        #expect(try SQLite3.query(db, "SELECT count(*), count(DISTINCT version) FROM audit") == "50|50")
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "50|0")
        #expect(try SQLite3.query(db, "SELECT count(*) FROM schema_migrations_history") == "50")
        print("concurrent sqlite: 8 processes, \(Self.migrationCount) migrations, exit codes \(Set(results.map(\.status)))")
    }

    @Test func thirtyTwoProcessesOnOnePostgresDatabase() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.auditMigrations(Self.migrationCount))
        let results = try Self.runTogether(32, arguments: ["-path", migrations, "-database", db.url, "up"])
        for result in results { #expect(result.status == 0, "\(result)") }
        Self.expectEachMigrationReportedOnce(results)
        #expect(try db.query("SELECT count(*), count(DISTINCT version) FROM audit") == "50|50")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "50|f")
        #expect(try db.query("SELECT count(*) FROM schema_migrations_history") == "50")
        print("concurrent postgres: 32 processes, \(Self.migrationCount) migrations, exit codes \(Set(results.map(\.status)))")
    }

    /// One database named three ways: the URL's path, `dbname=` without a path, and PGDATABASE. golang-migrate's
    /// lock key differs between them (it comes from the path), so before the second lock on current_database()
    /// both forms applied every migration (29 data migrations ran twice, every process exited 0).
    @Test func oneDatabaseNamedThreeWaysStillAppliesEachMigrationOnce() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.auditMigrations(30))
        let query = db.url.firstIndex(of: "?").map { String(db.url[db.url.index(after: $0)...]) } ?? ""
        let server = replacingDatabase(in: db.url, with: "").split(separator: "?").first.map(String.init) ?? db.url
        let serverOnly = String(server.dropLast())  // no path at all: postgres://user:pw@host:port
        let forms: [(url: String, environment: [String: String])] = [
            (db.url, [:]),
            ("\(serverOnly)?dbname=\(db.name)&\(query)", [:]),
            ("\(serverOnly)?\(query)", ["PGDATABASE": db.name]),
        ]
        let running = try (0..<12).map { index in
            let form = forms[index % forms.count]
            return try RunningCLI(["-path", migrations, "-database", form.url, "up"], environment: form.environment)
        }
        let results = running.map { $0.finish(timeout: 120) }
        for result in results { #expect(result.status == 0, "\(result)") }
        #expect(try db.query("SELECT count(*), count(DISTINCT version) FROM audit") == "30|30")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "30|f")
        #expect(try db.query("SELECT count(*) FROM schema_migrations_history") == "30")
    }
}
