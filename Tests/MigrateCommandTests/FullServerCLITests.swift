import Foundation
import TestSupport
import Testing

/// A server with no free connection slot (SQLSTATE 53300): replicas that boot together, or a busy server. The
/// role here may hold one connection (`CONNECTION LIMIT 1`, the same refusal as a full `max_connections`), and a
/// psql session of that role holds it.
@Suite(.serialized) struct FullServerCLITests {
    /// A role limited to one connection that owns `db`, and its URL for `db` (trust on loopback).
    static func limitedRole(_ db: PostgresScratch) throws -> (name: String, url: String) {
        let role = "one_slot_\(db.name.suffix(8))"
        _ = try PostgresScratch.psql(db.adminURL, [
            "DROP ROLE IF EXISTS \(role)", "CREATE ROLE \(role) LOGIN CONNECTION LIMIT 1", "ALTER DATABASE \(db.name) OWNER TO \(role)",
        ])
        let server = replacingDatabase(in: db.adminURL, with: db.name)
        let authority = server.range(of: "://")!.upperBound
        let at = server[authority...].firstIndex(of: "@").map { server.index(after: $0) } ?? authority
        return (role, String(server[..<authority]) + "\(role)@" + String(server[at...]))
    }

    /// psql as the role, holding its only slot for `seconds`; returns once the session is there.
    static func holdTheSlot(_ db: PostgresScratch, url: String, role: String, seconds: Int) throws -> TestProcess {
        let holder = TestProcess()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        holder.arguments = [url, "-X", "-qAt", "-c", "SELECT pg_sleep(\(seconds))"]
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        for _ in 0..<250 {
            if try db.query("SELECT count(*) FROM pg_stat_activity WHERE usename = '\(role)'") == "1" { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return holder
    }

    @Test func upWaitsForAFreeSlotAndThenMigrates() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_a.up.sql": "CREATE TABLE a (id int);\n", "2_b.up.sql": "CREATE TABLE b (id int);\n"])
        let (role, url) = try Self.limitedRole(db)
        defer { _ = try? PostgresScratch.psql(db.adminURL, ["DROP DATABASE IF EXISTS \(db.name) WITH (FORCE)", "DROP ROLE IF EXISTS \(role)"]) }
        let holder = try Self.holdTheSlot(db, url: url, role: role, seconds: 3)
        #expect(try db.query("SELECT count(*) FROM pg_stat_activity WHERE usename = '\(role)'") == "1")
        let result = try CLI.run(["-path", migrations, "-database", url, "-verbose", "up"])
        holder.waitUntilExit()
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("no free connection slot: trying again"), "\(result)")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "2|f")
    }

    @Test func aSlotThatStaysTakenFailsWithinConnectTimeoutNamingWhy() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_a.up.sql": "CREATE TABLE a (id int);\n"])
        let (role, url) = try Self.limitedRole(db)
        defer { _ = try? PostgresScratch.psql(db.adminURL, ["DROP DATABASE IF EXISTS \(db.name) WITH (FORCE)", "DROP ROLE IF EXISTS \(role)"]) }
        let holder = try Self.holdTheSlot(db, url: url, role: role, seconds: 6)
        let result = try CLI.run(["-path", migrations, "-database", url + "&connect_timeout=1", "up"])
        kill(holder.processIdentifier, SIGTERM)
        holder.waitUntilExit()
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("too many connections for role \"\(role)\" (tried "), "\(result)")
        #expect(result.stderr.contains("(SQLSTATE 53300)"), "\(result)")
        #expect(result.stderr.contains("HINT: the server had no free connection slot for the whole connect_timeout"), "\(result)")
        #expect(try db.query("SELECT count(*) FROM pg_tables WHERE tablename IN ('a', 'schema_migrations')") == "0")
    }
}
