import Foundation
import Testing

/// A primary with a streaming standby (`pg_basebackup -R`, started by scripts/test.sh): several hosts in one URL,
/// a standby refused before any change, and waiting for the standby to replay a run.
@Suite(.serialized) struct HighAvailabilityCLITests {
    static let migrations = ["1_ha.up.sql": "CREATE TABLE ha_table (id int);\n", "1_ha.down.sql": "DROP TABLE ha_table;\n"]

    /// The standby's port, or nil (with an issue recorded) when the test run has no standby.
    static func standbyPort() -> String? {
        guard let port = ProcessInfo.processInfo.environment["MIGRATE_TEST_STANDBY_PORT"] else {
            Issue.record("MIGRATE_TEST_STANDBY_PORT is not set: run the tests with scripts/test.sh, which starts a standby")
            return nil
        }
        return port
    }

    /// `db`'s URL with its host and port replaced by `hosts` (libpq's `h1:p1,h2:p2`) and extra parameters.
    static func url(_ db: PostgresScratch, hosts: String, _ parameters: String = "") -> String {
        let afterScheme = db.url.range(of: "://")!.upperBound
        let authorityEnd = db.url[afterScheme...].firstIndex(of: "/")!
        let authority = db.url[afterScheme..<authorityEnd]
        let userInfo = authority.lastIndex(of: "@").map { String(authority[...$0]) } ?? ""
        let rest = db.url[authorityEnd...]
        return String(db.url[..<afterScheme]) + userInfo + hosts + rest + (parameters.isEmpty ? "" : "&" + parameters)
    }

    /// The primary's port, from the scratch database's URL.
    static func primaryPort(_ db: PostgresScratch) -> String {
        let afterScheme = db.url.range(of: "://")!.upperBound
        let authority = db.url[afterScheme...].prefix { $0 != "/" }
        return String(authority.split(separator: ":").last ?? "5432")
    }

    /// `sql` on the standby, as psql prints it, once the standby has replayed the database's creation (waits up to
    /// 30 s for it).
    static func onStandby(_ db: PostgresScratch, port: String, _ sql: String) throws -> String {
        let url = "postgres://postgres@127.0.0.1:\(port)/\(db.name)?sslmode=disable"
        for _ in 0..<300 {
            if (try? PostgresScratch.psql(url, "SELECT 'present'")) == "present" { return try PostgresScratch.psql(url, sql) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        Issue.record("the standby on port \(port) never replayed CREATE DATABASE \(db.name) (30 s)")
        throw CancellationError()
    }

    @Test("a URL listing the standby first migrates the primary (target_session_attrs=read-write)")
    func multiHostFindsThePrimary() throws {
        guard let standby = Self.standbyPort() else { return }
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.migrations)
        // libpq gives up on a host list at a FATAL such as "database does not exist": wait for the standby to have it.
        _ = try Self.onStandby(db, port: standby, "SELECT 1")
        let hosts = "127.0.0.1:\(standby),127.0.0.1:\(Self.primaryPort(db))"
        let url = Self.url(db, hosts: hosts, "target_session_attrs=read-write")
        let result = try CLI.run(["-path", migrations, "-database", url, "-wait-replicas", "60s", "up"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("1/u ha ("), "\(result)")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "1|f")
        // -wait-replicas returned: the standby has the table already, no polling needed.
        #expect(try Self.onStandby(db, port: standby, "SELECT count(*) FROM pg_tables WHERE tablename = 'ha_table'") == "1")
        #expect(result.stderr.contains("replica standby_\(standby) (127.0.0.1): caught up after"), "\(result)")
    }

    @Test("a URL naming only the standby fails before any change, naming it as a read-only standby")
    func standbyIsRefused() throws {
        guard let standby = Self.standbyPort() else { return }
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.migrations)
        _ = try Self.onStandby(db, port: standby, "SELECT 1")  // the standby has the database
        let url = Self.url(db, hosts: "127.0.0.1:\(standby)")
        let result = try CLI.run(["-path", migrations, "-database", url, "up"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("the server at 127.0.0.1:\(standby)"), "\(result)")
        #expect(result.stderr.contains("is a read-only standby in recovery"), "\(result)")
        #expect(try db.query("SELECT count(*) FROM pg_tables WHERE tablename IN ('ha_table', 'schema_migrations')") == "0")
        // Reading works on a standby.
        let status = try CLI.run(["-path", migrations, "-database", url, "status"])
        #expect(status.status == 0, "\(status)")
    }

    @Test("when no host qualifies, the error names each host with its reason, and no password")
    func noHostQualifies() throws {
        guard let standby = Self.standbyPort() else { return }
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.migrations)
        _ = try Self.onStandby(db, port: standby, "SELECT 1")
        let url = Self.url(db, hosts: "127.0.0.1:\(standby),127.0.0.1:1", "target_session_attrs=read-write&connect_timeout=5")
        let result = try CLI.run(["-path", migrations, "-database", url, "up"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("port \(standby) failed: session is read-only"), "\(result)")
        #expect(result.stderr.contains("port 1 failed: Connection refused"), "\(result)")
    }

    @Test("-wait-replicas times out naming the standby and its lag while its replay is paused")
    func waitTimesOutWhileReplayIsPaused() throws {
        guard let standby = Self.standbyPort() else { return }
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.migrations)
        _ = try Self.onStandby(db, port: standby, "SELECT 1")
        let pause = "postgres://postgres@127.0.0.1:\(standby)/postgres?sslmode=disable"
        _ = try PostgresScratch.psql(pause, "SELECT pg_wal_replay_pause()")
        defer { _ = try? PostgresScratch.psql(pause, "SELECT pg_wal_replay_resume()") }
        let result = try CLI.run(["-path", migrations, "-database", db.url, "-wait-replicas", "2s", "up"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("1/u ha ("), "\(result)")
        #expect(result.stderr.contains("1 standby had not replayed the run after 2s: standby_\(standby) (127.0.0.1):"), "\(result)")
        #expect(result.stderr.contains("bytes behind"), "\(result)")
        #expect(try db.query("SELECT version FROM schema_migrations") == "1", "applied on the primary all the same")
    }
}
