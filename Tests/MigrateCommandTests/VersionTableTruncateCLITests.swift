import Foundation
import TestSupport
import Testing

/// A role that may not DELETE from the version table (golang-migrate writes it with TRUNCATE): each migration
/// then runs statement by statement, not as one request, and its history row still gets its real duration.
@Suite struct VersionTableTruncateCLITests {
    @Test func withoutDeleteOnTheVersionTableEveryMigrationIsRecordedWithItsDuration() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let role = "nodelete_" + db.name
        defer { _ = try? PostgresScratch.psql(db.adminURL, "DROP ROLE IF EXISTS \(role)") }
        let admin = replacingDatabase(in: db.adminURL, with: db.name)
        _ = try PostgresScratch.psql(db.adminURL, "CREATE ROLE \(role) LOGIN")
        _ = try PostgresScratch.psql(admin, [
            "GRANT USAGE, CREATE ON SCHEMA public TO \(role)",
            "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)",
            "GRANT SELECT, INSERT, UPDATE, TRUNCATE ON schema_migrations TO \(role)",
        ])
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "1_a.up.sql": "CREATE TABLE a (id int);\nSELECT pg_sleep(0.05);\n",
            "2_b.up.sql": "CREATE TABLE b (id int);\nSELECT pg_sleep(0.05);\n",
        ])
        // The server's own user, as the role: the same host and port, trust on loopback (scripts/postgres-start.sh).
        let url = admin.replacingOccurrences(of: "://postgres@", with: "://\(role)@")
        try #require(url != admin, "the admin URL does not log in as postgres: \(db.adminURL)")
        let up = try CLI.run(["-path", migrations, "-database", url, "up"])
        #expect(up.status == 0, "\(up)")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "2|f")
        #expect(try db.query("SELECT count(*) FROM pg_tables WHERE tablename IN ('a', 'b')") == "2")
        // Each migration sleeps 50 ms: a duration of 0 would mean the history row lost it.
        #expect(try db.query("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations_history WHERE duration_ms >= 40") == "1,2")
    }
}
