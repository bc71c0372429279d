import Foundation
import Testing

/// One of the two databases, for tests that must hold on both.
enum TestDatabaseKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case postgres, sqlite
    var testDescription: String { rawValue }
}

/// A scratch database of either kind, queried with its own command-line client.
struct ScratchDatabase {
    let kind: TestDatabaseKind
    let url: String
    private let postgres: PostgresScratch?
    private let file: String?

    init(_ kind: TestDatabaseKind, in dir: TempDir) throws {
        self.kind = kind
        switch kind {
        case .postgres:
            let scratch = try PostgresScratch()
            postgres = scratch
            file = nil
            url = scratch.url
        case .sqlite:
            postgres = nil
            file = dir.path("compat.db")
            url = "sqlite://\(dir.path("compat.db"))"
        }
    }

    /// Runs SQL; rows as `a|b` lines. Booleans read back as 1/0 on both.
    func query(_ sql: String) throws -> String {
        switch kind {
        case .postgres: return try postgres!.query(sql)
        case .sqlite: return try SQLite3.query(file!, sql)
        }
    }

    func drop() { postgres?.drop() }
}

/// golang-migrate's semantics over a source with gaps and missing halves, and its database state in both
/// directions: swift-migrate continues what golang-migrate left, and leaves what golang-migrate reads.
@Suite(.serialized) struct CompatibilityCLITests {
    /// Versions 1, 3 (no down file), 7 (no up file), 10: gaps, missing halves.
    static let gappy: [String: String] = [
        "1_a.up.sql": "CREATE TABLE a (id int);\n", "1_a.down.sql": "DROP TABLE a;\n",
        "3_b.up.sql": "CREATE TABLE b (id int);\n",
        "7_c.down.sql": "DROP TABLE b;\n",
        "10_d.up.sql": "CREATE TABLE d (id int);\n", "10_d.down.sql": "DROP TABLE d;\n",
    ]

    func tables(_ db: ScratchDatabase) throws -> String {
        switch db.kind {
        case .postgres:
            return try db.query("SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '') FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'schema_migrations%'")
        case .sqlite:
            return try db.query("SELECT coalesce(group_concat(name, ','), '') FROM (SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'schema_migrations%' AND name NOT LIKE 'sqlite_%' ORDER BY name)")
        }
    }

    func version(_ db: ScratchDatabase) throws -> String {
        try db.query("SELECT version || ',' || CASE WHEN dirty THEN 'dirty' ELSE 'clean' END FROM schema_migrations")
    }

    @Test(arguments: TestDatabaseKind.allCases)
    func stepsLimitsAndGotoOverGapsAndMissingHalves(_ kind: TestDatabaseKind) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try ScratchDatabase(kind, in: dir)
        defer { db.drop() }
        let base = ["-path", try dir.write(Self.gappy), "-database", db.url]

        let two = try CLI.run(base + ["up", "2"])
        #expect(two.afterMigratingLine.hasPrefix("1/u a (") && two.stderr.contains("3/u b ("), "\(two)")
        #expect(try version(db) == "3,clean")
        let gotoSeven = try CLI.run(base + ["goto", "7"])  // 7 has no up file: only the version moves
        #expect(gotoSeven.status == 0)
        #expect(gotoSeven.stderr.hasPrefix("7/u c ("))
        #expect(try version(db) == "7,clean")
        #expect(try tables(db) == "a,b")
        let short = try CLI.run(base + ["up", "3"])
        #expect(short.status == 1)
        #expect(short.stderr.contains("10/u d ("))
        #expect(short.stderr.contains("error: limit 2 short"))
        #expect(try tables(db) == "a,b,d")
        let gotoThree = try CLI.run(base + ["goto", "3"])  // runs 10's down and 7's down
        #expect(gotoThree.stderr.contains("10/d d (") && gotoThree.stderr.contains("7/d c ("), "\(gotoThree)")
        #expect(try tables(db) == "a")
        #expect(try version(db) == "3,clean")
        let gotoFour = try CLI.run(base + ["goto", "4"])
        #expect(gotoFour.status == 1)
        #expect(gotoFour.stderr.contains("no migration found for version 4"))
        let downAll = try CLI.run(base + ["down", "-all"])  // 3 has no down file: only the version moves
        #expect(downAll.stderr.contains("3/d b (") && downAll.stderr.contains("1/d a ("))
        #expect(try tables(db) == "")
        #expect(try db.query("SELECT count(*) FROM schema_migrations") == "0")
        #expect(try CLI.run(base + ["down", "1"]).stderr.contains("no migration to apply down"))
    }

    @Test(arguments: TestDatabaseKind.allCases)
    func continuesFromGolangMigrateState(_ kind: TestDatabaseKind) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try ScratchDatabase(kind, in: dir)
        defer { db.drop() }
        let migrations = try dir.write([
            "1_a.up.sql": "CREATE TABLE a (id int);\n", "1_a.down.sql": "DROP TABLE a;\n",
            "2_b.up.sql": "CREATE TABLE b (id int);\n", "2_b.down.sql": "DROP TABLE b;\n",
            "3_c.up.sql": "CREATE TABLE c (id int);\n", "3_c.down.sql": "DROP TABLE c;\n",
        ])
        // The state golang-migrate v4 leaves after `up 2`: its own table DDL and one row; no history table.
        switch kind {
        case .postgres:
            _ = try db.query("""
                CREATE TABLE a (id int); CREATE TABLE b (id int);
                CREATE TABLE IF NOT EXISTS "public"."schema_migrations" (version bigint not null primary key, dirty boolean not null);
                INSERT INTO "public"."schema_migrations" (version, dirty) VALUES (2, false);
                """)
        case .sqlite:
            _ = try db.query("""
                CREATE TABLE a (id int); CREATE TABLE b (id int);
                CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);
                CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);
                INSERT INTO schema_migrations (version, dirty) VALUES (2, 0);
                """)
        }
        let base = ["-path", migrations, "-database", db.url]
        let status = try CLI.run(base + ["status", "--json"])
        let entries = (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["entries"] as? [[String: Any]]
        #expect(entries?.map { $0["state"] as? String } == ["applied", "applied", "pending"])
        #expect(entries?[0]["appliedAt"] == nil)  // golang-migrate keeps no history
        let up = try CLI.run(base + ["up"])
        #expect(up.status == 0, "\(up)")
        #expect(up.afterMigratingLine.hasPrefix("3/u c ("))
        // What golang-migrate reads back: exactly one row, `SELECT version, dirty FROM schema_migrations LIMIT 1`.
        #expect(try db.query("SELECT count(*) FROM schema_migrations") == "1")
        #expect(try version(db) == "3,clean")
        #expect(try CLI.run(base + ["down", "2"]).status == 0)
        #expect(try version(db) == "1,clean")
        #expect(try tables(db) == "a")
    }

    @Test func postgresVersionTableIsExactlyGolangMigrates() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = try ScratchDatabase(.postgres, in: dir)
        defer { db.drop() }
        let migrations = try dir.write(["1_a.up.sql": "CREATE TABLE a (id int);\n"])
        #expect(try CLI.run(["-path", migrations, "-database", db.url, "up"]).status == 0)
        let columns = try db.query("""
            SELECT string_agg(column_name || ' ' || data_type || ' ' || is_nullable, ', ' ORDER BY ordinal_position)
            FROM information_schema.columns WHERE table_name = 'schema_migrations'
            """)
        #expect(columns == "version bigint NO, dirty boolean NO")
        #expect(try db.query("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'schema_migrations'::regclass") == "PRIMARY KEY (version)")
    }
}
