import Foundation
import Testing

/// What the database holds is read defensively: a history row whose `duration_ms` was edited (by hand, or by
/// someone with write access to the table) to Infinity, NaN, 1e300, a negative number or text shows as unknown
/// (`-` in `status`, `null` in `status --json`) and never traps. Each of these once crashed `status`
/// (`Int64(duration * 1_000_000)`) or failed `status --json` (JSON has no NaN or Infinity).
@Suite struct StoredValuesCLITests {
    static let files = [
        "1_create_items.up.sql": "CREATE TABLE items (id int);\n",
        "2_add_notes.up.sql": "CREATE TABLE notes (id int);\n",
    ]

    @Test(arguments: ["1e300", "9e999", "-9e999", "-5", "'soon'"])
    func implausibleDurationOnSQLite(_ stored: String) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.files)
        let db = dir.path("app.db")
        let base = ["-path", migrations, "-database", "sqlite://\(db)"]
        let up = try CLI.run(base + ["up"])
        #expect(up.status == 0, "\(up)")
        _ = try SQLite3.query(db, "UPDATE schema_migrations_history SET duration_ms = \(stored) WHERE version = 1")
        try Self.expectUnknownDuration(base)
    }

    @Test(arguments: ["'NaN'", "'Infinity'", "'-Infinity'", "1e300", "-1"])
    func implausibleDurationOnPostgres(_ stored: String) throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.files)
        let base = ["-path", migrations, "-database", db.url]
        let up = try CLI.run(base + ["up"])
        #expect(up.status == 0, "\(up)")
        _ = try db.query("UPDATE schema_migrations_history SET duration_ms = \(stored) WHERE version = 1")
        try Self.expectUnknownDuration(base)
    }

    /// Version 1's duration is unknown, version 2's is shown; both in the table and in JSON.
    static func expectUnknownDuration(_ base: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let status = try CLI.run(base + ["status"])
        #expect(status.status == 0, "\(status)", sourceLocation: sourceLocation)
        let rows = status.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(rows.count > 2 && rows[1].first == "1" && rows[1].last == "-", "\(status)", sourceLocation: sourceLocation)
        #expect(rows.count > 2 && rows[2].first == "2" && rows[2].last?.hasSuffix("s") == true, "\(status)", sourceLocation: sourceLocation)

        let json = try CLI.run(base + ["status", "--json"])
        #expect(json.status == 0, "\(json)", sourceLocation: sourceLocation)
        let decoded = try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let entries = decoded?["entries"] as? [[String: Any]]
        #expect(entries?.count == 2, "\(json)", sourceLocation: sourceLocation)
        // Present and null: applied, with a history row, duration unknown.
        #expect(entries?.first?["durationMs"] is NSNull, "\(json)", sourceLocation: sourceLocation)
        #expect(entries?.first?["appliedAt"] is String, "\(json)", sourceLocation: sourceLocation)
        #expect((entries?.last?["durationMs"] as? NSNumber).map { $0.doubleValue >= 0 } == true, "\(json)", sourceLocation: sourceLocation)
    }
}
