import Foundation
import TestSupport
import Testing

/// Messages that named nothing or leaked the client library's words, and what an interrupted `verify` left
/// behind (issue: what an outside attack found, item 9).
@Suite struct MessagesCLITests {
    static let migrations = ["1_a.up.sql": "CREATE TABLE a (id int);\n"]

    @Test("x-migrations-table naming another table is refused naming it, on SQLite")
    func foreignMigrationsTableOnSQLite() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.migrations)
        let db = dir.path("app.db")
        _ = try SQLite3.query(db, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ann');")
        let result = try CLI.run(["-path", migrations, "-database", "sqlite://\(db)?x-migrations-table=users", "up"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("users is not a migrations table"), "\(result)")
        #expect(try SQLite3.query(db, "SELECT name FROM users") == "ann")
        #expect(try SQLite3.query(db, "SELECT count(*) FROM sqlite_master WHERE name = 'a'") == "0")
    }

    @Test("x-migrations-table naming another table is refused naming it, on PostgreSQL")
    func foreignMigrationsTableOnPostgres() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.migrations)
        _ = try db.query("CREATE TABLE users (id int PRIMARY KEY, name text)")
        let result = try CLI.run(["-path", migrations, "-database", db.url + "&x-migrations-table=users", "up"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("\"public\".\"users\" is not a migrations table"), "\(result)")
        #expect(result.afterMigratingLine.hasPrefix("error: \"public\".\"users\" is not a migrations table"), "\(result)")
        #expect(try db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'a'") == "0")
    }

    /// A proxy between migrate and the server that resets the connection (RST) once the client sends a
    /// statement containing `pg_sleep`: the message names the lost connection in words, not NIO's
    /// `connectionError: read(descriptor:pointer:size:): Connection reset by peer (errno: 104)`.
    @Test("a connection reset mid-run reads as words")
    func connectionResetMidRun() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let admin = db.url
        let authority = admin.components(separatedBy: "://")[1].prefix { $0 != "/" }
        let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
        let serverPort = hostPort.split(separator: ":").last.map(String.init) ?? "5432"
        let proxy = TestProcess()
        proxy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        proxy.arguments = ["python3", "-c", """
            import socket, struct, sys, threading, time
            listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(8)
            print(listener.getsockname()[1], flush=True)
            def pump(src, dst, client):
                try:
                    while True:
                        data = src.recv(65536)
                        if not data: break
                        dst.sendall(data)
                        if src is client and b"pg_sleep" in data:
                            time.sleep(0.3)
                            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                            client.close(); dst.close(); return
                except OSError:
                    pass
            while True:
                client, _ = listener.accept()
                server = socket.create_connection(("127.0.0.1", \(serverPort)))
                threading.Thread(target=pump, args=(client, server, client), daemon=True).start()
                threading.Thread(target=pump, args=(server, client, client), daemon=True).start()
            """]
        let out = Pipe()
        proxy.standardOutput = out
        proxy.standardError = FileHandle.nullDevice
        try proxy.run()
        // SIGKILL: a helper must not outlive the test (it would hold the test's output open).
        defer {
            kill(proxy.processIdentifier, SIGKILL)
            proxy.waitUntilExit()
        }
        let port = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let url = db.url.replacingOccurrences(of: ":\(serverPort)/", with: ":\(port)/")
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_sleepy.up.sql": "CREATE TABLE sleepy (id int);\nSELECT pg_sleep(5);\n"])
        let result = try CLI.run(["-path", migrations, "-database", url, "up"])
        #expect(result.status == 1, "\(result)")
        // The migration goes to the server as one query: the error names the statement whose result did not arrive
        // (with a reset, data already sent back may be lost too, so an earlier one).
        #expect(result.stderr.contains("1_sleepy.up.sql:"), "\(result)")
        #expect(result.stderr.contains("lost the connection"), "\(result)")
        // libpq's words (the PostgresNIO driver says "the connection was reset ..."), never NIO's internals.
        #expect(result.stderr.contains("server closed the connection unexpectedly") || result.stderr.contains("the connection was reset"), "\(result)")
        #expect(!result.stderr.contains("descriptor"), "\(result)")
        #expect(!result.stderr.contains("errno"), "\(result)")
    }

    /// `kill -9` during `verify` leaves its scratch database; the next `verify` drops the stale ones (old
    /// enough, nobody connected) and leaves the others.
    @Test("verify drops the scratch databases interrupted runs left behind")
    func verifyDropsStaleScratchDatabases() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_a.up.sql": "CREATE TABLE a (id int);\n", "1_a.down.sql": "DROP TABLE a;\n"])
        let suffix = String(db.name.suffix(8))
        let stale = "swift_migrate_verify_1000000000_\(suffix)"
        let oldStyle = "swift_migrate_verify_\(suffix)"
        let recent = "swift_migrate_verify_\(Int(Date().timeIntervalSince1970))_\(suffix)"
        for name in [stale, oldStyle, recent] {
            _ = try PostgresScratch.psql(db.adminURL, "CREATE DATABASE \(name)")
        }
        defer {
            for name in [stale, oldStyle, recent] {
                _ = try? PostgresScratch.psql(db.adminURL, "DROP DATABASE IF EXISTS \(name)")
            }
        }
        let result = try CLI.run(["-path", migrations, "-database", db.url, "verify"])
        #expect(result.status == 0, "\(result)")
        // (Another verify running at the same time may be the one that dropped them.)
        let left = try PostgresScratch.psql(db.adminURL, "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database WHERE datname LIKE 'swift\\_migrate\\_verify\\_%\(suffix)'")
        #expect(left == recent, "the recent one may belong to a verify that runs now")
    }
}
