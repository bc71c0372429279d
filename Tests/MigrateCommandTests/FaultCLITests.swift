import Foundation
import TestSupport
import Testing

/// Server faults: a clear error and exit 1 each, no hang, the database untouched, and `up` completes once the
/// server is back.
@Suite(.serialized) struct FaultCLITests {
    /// The server scripts/test.sh starts for this suite alone ($MIGRATE_TEST_FAULT_PORT, its directory in
    /// $MIGRATE_TEST_FAULT_DIR), stopped and restarted with pg_ctl as the OS user postgres.
    struct FaultServer {
        let port: String
        let directory: String

        init() throws {
            let environment = ProcessInfo.processInfo.environment
            guard let port = environment["MIGRATE_TEST_FAULT_PORT"], let directory = environment["MIGRATE_TEST_FAULT_DIR"] else {
                Issue.record("MIGRATE_TEST_FAULT_PORT/_DIR are not set: run the tests with scripts/test.sh")
                throw CancellationError()
            }
            self.port = port
            self.directory = directory
        }

        var adminURL: String { "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable" }

        func url(_ database: String, _ query: String = "") -> String {
            "postgres://migrate_pw:\(CLI.sentinelPassword)@127.0.0.1:\(port)/\(database)?sslmode=disable\(query)"
        }

        /// Runs pg_ctl as postgres in a new session with every descriptor redirected or closed, so the server it
        /// starts holds nothing of the test process (an inherited pipe would keep the test runner waiting).
        func pgctl(_ arguments: String) throws -> Int32 {
            let log = "\(directory)/pg_ctl-fault.log"
            let command = "/usr/lib/postgresql/15/bin/pg_ctl -D \(directory)/data -l \(directory)/server.log \(arguments)"
            let asPostgres = getuid() == 0 ? "su postgres -s /bin/sh -c '\(command)'" : command
            // bash, not sh: dash's redirections take one-digit descriptors only. `setsid --wait`: setsid forks
            // when it leads a process group, and would return before pg_ctl has finished.
            let script = """
                for fd in $(ls /proc/$$/fd); do if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi; done 2>/dev/null
                exec setsid --wait \(asPostgres) </dev/null >>\(log) 2>&1
                """
            let process = TestProcess()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", script]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }

        func stopImmediately() throws -> Int32 { try pgctl("-m immediate -w stop") }
        func start() throws -> Int32 { try pgctl("-w -t 60 start") }
    }

    static let slowMiddle: [String: String] = [
        "1_a.up.sql": "CREATE TABLE a (id int);\n",
        "2_slow.up.sql": "CREATE TABLE b (id int);\nSELECT pg_sleep(5);\n",
        "3_c.up.sql": "CREATE TABLE c (id int);\n",
    ]

    @Test func serverStoppedMidRunFailsClearlyWithoutHangingAndUpCompletesAfterRestart() throws {
        let server = try FaultServer()
        let database = "fault_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        _ = try PostgresScratch.psql(server.adminURL, "CREATE DATABASE \(database)")
        defer { _ = try? PostgresScratch.psql(server.adminURL, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.slowMiddle)
        let url = server.url(database, "&connect_timeout=3")
        let running = try RunningCLI(["-path", migrations, "-database", url, "up"])
        // Wait until migration 2 sleeps on the server.
        let sleeping = "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = '\(database)'"
        for _ in 0..<200 {
            if try PostgresScratch.psql(server.adminURL, sleeping) == "1" { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let clock = ContinuousClock()
        let stopped = clock.now
        #expect(try server.stopImmediately() == 0)
        var restarted = false
        defer { if !restarted { _ = try? server.start() } }
        let failed = running.finish(timeout: 30)
        let gaveUp = clock.now - stopped
        #expect(gaveUp < .seconds(20), "no hang: gave up within the connect timeout and some slack")
        #expect(failed.status == 1, "\(failed)")
        #expect(failed.stderr.contains("1/u a ("), "\(failed)")
        #expect(failed.stderr.contains("2_slow.up.sql:2:1: error: lost the connection to postgres://migrate_pw:***@127.0.0.1:\(server.port)/\(database)"), "\(failed)")
        // libpq's words ("server closed the connection unexpectedly").
        #expect(failed.stderr.contains("server closed the connection"), "\(failed)")
        #expect(!failed.stderr.contains("3/u c ("))
        // While it is down: connection refused, quickly.
        let refused = try RunningCLI(["-path", migrations, "-database", url, "up"]).finish(timeout: 30)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("error: cannot connect to postgres://migrate_pw:***@127.0.0.1:\(server.port)/\(database)"), "\(refused)")
        // Back up: crash recovery rolled migration 2 back; `up` completes.
        #expect(try server.start() == 0)
        restarted = true
        let tables = "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'"
        let dbURL = server.url(database)
        #expect(try PostgresScratch.psql(dbURL, "SELECT version, dirty FROM schema_migrations") == "1|f")
        #expect(try PostgresScratch.psql(dbURL, tables) == "a,schema_migrations,schema_migrations_history")
        let resumed = try CLI.run(["-path", migrations, "-database", url, "up"])
        #expect(resumed.status == 0, "\(resumed)")
        #expect(try PostgresScratch.psql(dbURL, "SELECT version, dirty FROM schema_migrations") == "3|f")
        #expect(try PostgresScratch.psql(dbURL, tables) == "a,b,c,schema_migrations,schema_migrations_history")
        print("fault: server stopped mid-run (pg_ctl stop -m immediate): exit \(failed.status) within \(gaveUp) of the stop command, resumed with exit \(resumed.status)")
    }

    /// A database URL that cannot work, and the words that must explain why.
    struct BadConnection: Sendable, CustomTestStringConvertible {
        let name: String
        /// Built from the scratch database's name and the server's port.
        let url: @Sendable (_ database: String, _ port: Int) -> String
        let message: [String]
        var testDescription: String { name }
    }

    static let badConnections: [BadConnection] = [
        BadConnection(name: "connection refused", url: { db, _ in
            "postgres://migrate_pw:\(CLI.sentinelPassword)@127.0.0.1:1/\(db)?sslmode=disable&connect_timeout=3"
        }, message: ["error: cannot connect to postgres://migrate_pw:***@127.0.0.1:1/", "refused"]),
        BadConnection(name: "wrong password", url: { db, port in
            "postgres://migrate_pw:\(CLI.sentinelPassword)-wrong@127.0.0.1:\(port)/\(db)?sslmode=disable"
        }, message: ["error: cannot connect to postgres://migrate_pw:***@127.0.0.1", "password authentication failed for user \"migrate_pw\""]),
        BadConnection(name: "unknown database", url: { db, port in
            "postgres://migrate_pw:\(CLI.sentinelPassword)@127.0.0.1:\(port)/\(db)_missing?sslmode=disable"
        }, message: ["error: cannot connect to postgres://migrate_pw:***@127.0.0.1", "database \"", "_missing\" does not exist"]),
        BadConnection(name: "TLS required but not offered", url: { db, port in
            "postgres://migrate_pw:\(CLI.sentinelPassword)@127.0.0.1:\(port)/\(db)?sslmode=require"
        }, message: ["error: cannot connect to postgres://migrate_pw:***@127.0.0.1", "sslmode=require"]),
    ]

    @Test(arguments: badConnections)
    func connectionFailureIsClearExitsOneAndChangesNothing(_ bad: BadConnection) throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_a.up.sql": "CREATE TABLE a (id int);\n"])
        let port = URLComponents(string: db.adminURL)?.port ?? 5432
        let result = try RunningCLI(["-path", migrations, "-database", bad.url(db.name, port), "up"]).finish(timeout: 60)
        #expect(result.status == 1, "\(result)")
        for words in bad.message { #expect(result.stderr.contains(words), "\(result)") }
        #expect(result.stdout.isEmpty)
        #expect(try db.query("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'") == "0")
    }
}
