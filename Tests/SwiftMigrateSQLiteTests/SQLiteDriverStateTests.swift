import Foundation
import SwiftMigrate
import SwiftMigrateSQLite
import Testing

@Suite("SQLiteDriver: version and history")
struct SQLiteDriverStateTests {
    @Test("the version table has golang-migrate's layout and unique index")
    func golangMigrateLayout() async throws {
        try await withTemporaryDirectory { directory in
            let driver = try await openDriver(in: directory)
            try await driver.prepare()
            try await driver.prepare()  // idempotent
            try await driver.close()
            let path = "\(directory)/test.db"
            #expect(try sqlite3CLI(path, "PRAGMA table_info(schema_migrations)") == "0|version|uint64|0||0\n1|dirty|bool|0||0")
            #expect(
                try sqlite3CLI(path, "SELECT sql FROM sqlite_master WHERE name = 'schema_migrations'")
                    == "CREATE TABLE schema_migrations (version uint64,dirty bool)"
            )
            #expect(
                try sqlite3CLI(path, "SELECT sql FROM sqlite_master WHERE name = 'version_unique'")
                    == "CREATE UNIQUE INDEX version_unique ON schema_migrations (version)"
            )
            #expect(
                try sqlite3CLI(path, "SELECT name || ':' || type || ':' || \"notnull\" FROM pragma_table_info('schema_migrations_history')")
                    == """
                    id:INTEGER:0
                    version:INTEGER:1
                    direction:TEXT:1
                    name:TEXT:1
                    checksum:TEXT:0
                    applied_at:TEXT:1
                    duration_ms:REAL:1
                    applied_by:TEXT:1
                    """
            )
            #expect(try schemaNames(path) == ["schema_migrations", "schema_migrations_history"])
        }
    }

    @Test("version round trip, with the exact rows golang-migrate writes")
    func versionRoundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/test.db"
            let driver = try await openDriver(in: directory)
            #expect(try await driver.readVersion() == .none)  // no table yet
            try await driver.prepare()
            #expect(try await driver.readVersion() == .none)  // no row

            try await driver.writeVersion(DatabaseVersion(version: 20240501120000, dirty: false))
            #expect(try await driver.readVersion() == DatabaseVersion(version: 20240501120000, dirty: false))
            #expect(try sqlite3CLI(path, "SELECT version, dirty FROM schema_migrations") == "20240501120000|0")

            try await driver.writeVersion(DatabaseVersion(version: 3, dirty: true))
            #expect(try await driver.readVersion() == DatabaseVersion(version: 3, dirty: true))
            #expect(try sqlite3CLI(path, "SELECT version, dirty FROM schema_migrations") == "3|1")

            // No version but dirty: golang-migrate's NilVersion, -1.
            try await driver.writeVersion(DatabaseVersion(version: nil, dirty: true))
            #expect(try await driver.readVersion() == DatabaseVersion(version: nil, dirty: true))
            #expect(try sqlite3CLI(path, "SELECT version, dirty FROM schema_migrations") == "-1|1")

            try await driver.writeVersion(.none)
            #expect(try await driver.readVersion() == .none)
            #expect(try sqlite3CLI(path, "SELECT count(*) FROM schema_migrations") == "0")
            try await driver.close()
        }
    }

    @Test("a version written by golang-migrate's layout is read")
    func readsForeignRow() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/test.db"
            try sqlite3CLI(path, "CREATE TABLE schema_migrations (version uint64,dirty bool); INSERT INTO schema_migrations VALUES (7, 1)")
            let driver = try await openDriver(in: directory)
            #expect(try await driver.readVersion() == DatabaseVersion(version: 7, dirty: true))
            try await driver.close()
        }
    }

    @Test("writeVersion joins an open transaction, so a rollback undoes it")
    func writeVersionInTransaction() async throws {
        try await withTemporaryDirectory { directory in
            let driver = try await openDriver(in: directory)
            try await driver.prepare()
            try await driver.writeVersion(DatabaseVersion(version: 1, dirty: false))
            try await driver.beginTransaction()
            try await driver.writeVersion(DatabaseVersion(version: 2, dirty: false))
            try await driver.rollbackTransaction()
            #expect(try await driver.readVersion() == DatabaseVersion(version: 1, dirty: false))
            try await driver.close()
        }
    }

    @Test("a hostile x-migrations-table is a table of that exact name and injects nothing")
    func hostileTableName() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/test.db"
            try sqlite3CLI(path, "CREATE TABLE x (keep)")
            let name = #"t"; DROP TABLE x; --"#
            let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let driver = try await openDriver(in: directory, query: "x-migrations-table=\(encoded)")
            try await driver.prepare()
            try await driver.writeVersion(
                DatabaseVersion(version: 5, dirty: false),
                recording: [HistoryRecord(version: 5, direction: .up, name: "n", checksum: nil, appliedAt: Date(timeIntervalSince1970: 0), durationMs: 1, appliedBy: "me")]
            )
            #expect(try await driver.readVersion() == DatabaseVersion(version: 5, dirty: false))
            #expect(try await driver.readHistory().count == 1)
            try await driver.close()
            #expect(try schemaNames(path) == [name, name + "_history", "x"])
            #expect(try sqlite3CLI(path, "SELECT version FROM \"t\"\"; DROP TABLE x; --\"") == "5")
        }
    }

    @Test("keywords and odd characters work as table names", arguments: ["order", "my versions", "v2_schema", "ünï"])
    func unusualTableNames(name: String) async throws {
        try await withTemporaryDirectory { directory in
            let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let driver = try await openDriver(in: directory, query: "x-migrations-table=\(encoded)")
            try await driver.prepare()
            try await driver.writeVersion(DatabaseVersion(version: 9, dirty: true))
            #expect(try await driver.readVersion() == DatabaseVersion(version: 9, dirty: true))
            try await driver.close()
            #expect(try schemaNames("\(directory)/test.db") == [name, name + "_history"])
        }
    }

    @Test("a NUL in x-migrations-table is an invalid URL")
    func nulTableName() async throws {
        let error = await #expect(throws: MigrateError.self) { _ = try await openDriver("sqlite:///tmp/never.db?x-migrations-table=a%00b") }
        #expect(error?.code == .invalidURL)
        // Refused by DatabaseURL itself, which refuses a NUL anywhere (the message once held the raw NUL).
        #expect(error?.message == "malformed database URL sqlite:///tmp/never.db?x-migrations-table=a%00b: a NUL byte (%00) in parameter x-migrations-table")
    }

    @Test("history round trip, oldest first, applied_at as ISO-8601 UTC with milliseconds")
    func historyRoundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/test.db"
            let driver = try await openDriver(in: directory)
            #expect(try await driver.readHistory() == [])  // no table yet
            try await driver.prepare()
            let first = HistoryRecord(
                version: 1, direction: .up, name: "create_users", checksum: String(repeating: "ab", count: 32),
                appliedAt: Date(timeIntervalSince1970: 1_714_564_800.123), durationMs: 12.5, appliedBy: "deploy (os: ci)"
            )
            let second = HistoryRecord(
                version: 1, direction: .down, name: "create_users", checksum: nil,
                appliedAt: Date(timeIntervalSince1970: 1_714_564_801), durationMs: 0.25, appliedBy: "ünïcode ✓"
            )
            try await driver.writeVersion(DatabaseVersion(version: 1, dirty: false), recording: [first])
            try await driver.writeVersion(.none, recording: [second])
            let records = try await driver.readHistory()
            #expect(records.count == 2)
            #expect(records.map(\.direction) == [.up, .down])
            #expect(records.map(\.checksum) == [first.checksum, nil])
            #expect(records.map(\.appliedBy) == [first.appliedBy, second.appliedBy])
            #expect(records.map(\.durationMs) == [12.5, 0.25])
            #expect(abs(records[0].appliedAt.timeIntervalSince(first.appliedAt)) < 0.0005)
            #expect(records[1].appliedAt == second.appliedAt)
            try await driver.close()
            #expect(
                try sqlite3CLI(path, "SELECT applied_at FROM schema_migrations_history ORDER BY id")
                    == "2024-05-01T12:00:00.123Z\n2024-05-01T12:00:01.000Z"
            )
        }
    }

    @Test("a history row's duration_ms that is no plausible duration reads as nil; unknown is written as 0")
    func implausibleDurationsReadAsUnknown() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/test.db"
            let driver = try await openDriver(in: directory)
            try await driver.prepare()
            let record = HistoryRecord(
                version: 1, direction: .up, name: "a", checksum: nil, appliedAt: Date(timeIntervalSince1970: 0),
                durationMs: nil, appliedBy: "me"
            )
            try await driver.writeVersion(DatabaseVersion(version: 1, dirty: false), recording: Array(repeating: record, count: 7))
            #expect(try sqlite3CLI(path, "SELECT group_concat(duration_ms) FROM schema_migrations_history") == "0.0,0.0,0.0,0.0,0.0,0.0,0.0")
            try sqlite3CLI(path, """
                UPDATE schema_migrations_history SET duration_ms = CASE id
                WHEN 1 THEN 9e999 WHEN 2 THEN -9e999 WHEN 3 THEN 1e300 WHEN 4 THEN -1 WHEN 5 THEN 'soon' WHEN 6 THEN 7 ELSE 2.5 END
                """)
            #expect(try await driver.readHistory().map(\.durationMs) == [nil, nil, nil, nil, nil, 7, 2.5])
            try await driver.close()
        }
    }

    @Test("drop removes every table, view and trigger, then the version reads as none")
    func drop() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/test.db"
            let driver = try await openDriver(in: directory, query: "_fk=1")
            try await driver.prepare()
            try await driver.writeVersion(DatabaseVersion(version: 3, dirty: false))
            try await driver.execute(
                """
                CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT);
                CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id));
                INSERT INTO parent DEFAULT VALUES;
                INSERT INTO child VALUES (1);
                CREATE INDEX child_parent ON child (parent_id);
                CREATE VIEW parents AS SELECT * FROM parent;
                CREATE TRIGGER audit AFTER INSERT ON child BEGIN SELECT 1; END;
                CREATE VIRTUAL TABLE search USING fts5(body);
                CREATE TABLE "odd ""name""\" (x);
                """
            )
            #expect(try schemaNames(path).count > 5)
            try await driver.drop()
            #expect(try schemaNames(path) == [])
            #expect(try schemaNames(path, type: "view") == [])
            #expect(try schemaNames(path, type: "trigger") == [])
            #expect(try schemaNames(path, type: "index") == [])
            #expect(try await driver.readVersion() == .none)
            #expect(try await driver.readHistory() == [])
            // The connection is still usable, with foreign keys still on.
            try await driver.execute("CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE c (p REFERENCES p (id))")
            let failure = await #expect(throws: DatabaseFailure.self) { try await driver.execute("INSERT INTO c VALUES (9)") }
            #expect(failure?.sqlState == "SQLITE_CONSTRAINT_FOREIGNKEY")
            try await driver.close()
        }
    }

    @Test("the version write is a compare-and-set: a row another runner wrote is never overwritten")
    func versionWriteComparesAndSets() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/test.db"
            let driver = try await openDriver(in: directory)
            try await driver.prepare()
            try await driver.writeVersion(DatabaseVersion(version: 1, dirty: false), replacing: DatabaseVersion.none, recording: [])
            try await driver.writeVersion(DatabaseVersion(version: 2, dirty: false), replacing: DatabaseVersion(version: 1, dirty: false), recording: [])
            try sqlite3CLI(path, "DELETE FROM schema_migrations; INSERT INTO schema_migrations VALUES (5, 0)")
            let record = HistoryRecord(version: 3, direction: .up, name: "c", checksum: nil, appliedAt: Date(), durationMs: 1, appliedBy: "me")
            let error = await #expect(throws: MigrateError.self) {
                try await driver.writeVersion(DatabaseVersion(version: 3, dirty: false), replacing: DatabaseVersion(version: 2, dirty: false), recording: [record])
            }
            #expect(error?.code == .versionChanged)
            #expect(error?.message.contains("expected 2, found 5") == true)
            try await driver.close()
            #expect(try sqlite3CLI(path, "SELECT version || ' ' || dirty FROM schema_migrations") == "5 0")
            #expect(try sqlite3CLI(path, "SELECT count(*) FROM schema_migrations_history") == "0")
        }
    }
}
