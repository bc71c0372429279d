import Foundation
import TestSupport
import Testing

@Suite(.serialized) struct SignalAndLockCLITests {
    /// Advisory locks held in the test's own database: pg_locks lists the whole server's, and other suites
    /// running at the same time take the migration lock in their databases.
    static let advisoryLocks = """
        SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' \
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        """
    /// Waits (10 s at most) until a migrator holds the migration lock in the test's database.
    static func waitForMigrationLock(_ db: PostgresScratch, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for _ in 0..<200 {
            if try db.query(advisoryLocks) != "0" { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Issue.record("no migrator took the lock within 10 s", sourceLocation: sourceLocation)
    }

    /// Waits (10 s at most) until a statement of the test's database sleeps in pg_sleep.
    static func waitForSleep(_ db: PostgresScratch) throws {
        let sleeping = "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = current_database()"
        for _ in 0..<200 {
            if try db.query(sleeping) != "0" { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    static let slowFirst: [String: String] = [
        "1_slow.up.sql": "CREATE TABLE slow (id int);\nSELECT pg_sleep(2);\n",
        "2_next.up.sql": "CREATE TABLE next_one (id int);\n",
    ]

    /// The first signal cancels the running statement (PostgreSQL's cancel request): the migration rolls back,
    /// nothing after it runs, the lock is released, and the exit code is the signal's. Before, a signal only set
    /// a flag, so a statement of `pg_sleep(3600)` outlived SIGINT and SIGTERM.
    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func signalCancelsTheRunningStatementRollsBackAndReleasesTheLock(signal: Int32, expectedStatus: Int32) throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "1_first.up.sql": "CREATE TABLE first_one (id int);\n",
            "2_sleepy.up.sql": "CREATE TABLE sleepy (id int);\nSELECT pg_sleep(3600);\n",
            "3_next.up.sql": "CREATE TABLE next_one (id int);\n",
        ])
        let running = try RunningCLI(["-path", migrations, "-database", db.url, "up"])
        try Self.waitForSleep(db)
        let signalled = Date()
        running.signal(signal)
        let result = running.finish(timeout: 120)
        #expect(Date().timeIntervalSince(signalled) < 60, "the signal did not stop the statement")
        #expect(result.status == expectedStatus, "\(result)")
        #expect(result.stderr.contains("Interrupted: cancelling the running statement"), "\(result)")
        #expect(result.stderr.contains("2_sleepy.up.sql:2:"), "\(result)")
        #expect(!result.stderr.contains("3/u next ("))
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "1|f")
        #expect(try db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'sleepy'") == "0")
        #expect(try db.query(Self.advisoryLocks) == "0")
        try "CREATE TABLE sleepy (id int);\n".write(toFile: migrations + "/2_sleepy.up.sql", atomically: true, encoding: .utf8)
        let resumed = try CLI.run(["-path", migrations, "-database", db.url, "up"])
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.afterMigratingLine.hasPrefix("2/u sleepy ("), "\(resumed)")
    }

    /// A signal while another migrator holds the lock stops the wait at once (it used to wait for the lock, then
    /// exit 0 with `no change`).
    @Test func signalWhileWaitingForTheLockExitsAtOnce() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.slowFirst)
        let first = try RunningCLI(["-path", migrations, "-database", db.url, "up"])
        try Self.waitForMigrationLock(db)
        first.pause()
        defer { first.resume() }
        let second = try RunningCLI(["-path", migrations, "-database", db.url, "-lock-timeout", "600", "up"])
        Thread.sleep(forTimeInterval: 1)
        let signalled = Date()
        second.signal(SIGINT)
        let result = second.finish(timeout: 120)
        #expect(Date().timeIntervalSince(signalled) < 60)
        #expect(result.status == 130, "\(result)")
        #expect(result.stderr.contains("cancelled while waiting for the database lock"), "\(result)")
        first.resume()
        #expect(first.finish(timeout: 120).status == 0)
    }

    /// A signal while the server has not answered the connection yet stops at once (it used to wait out
    /// connect_timeout). The "server" accepts TCP connections and never speaks.
    @Test func signalWhileConnectingExitsAtOnce() throws {
        let silent = TestProcess()
        silent.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        silent.arguments = ["python3", "-c", """
            import socket, sys, time
            s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
            print(s.getsockname()[1], flush=True); time.sleep(600)
            """]
        let out = Pipe()
        silent.standardOutput = out
        silent.standardError = FileHandle.nullDevice
        try silent.run()
        // SIGKILL: a helper must not outlive the test (it would hold the test's output open).
        defer {
            kill(silent.processIdentifier, SIGKILL)
            silent.waitUntilExit()
        }
        let port = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.slowFirst)
        let url = "postgres://nobody@127.0.0.1:\(port)/db?sslmode=disable&connect_timeout=600"
        let running = try RunningCLI(["-path", migrations, "-database", url, "up"])
        Thread.sleep(forTimeInterval: 1)
        let signalled = Date()
        running.signal(SIGTERM)
        let result = running.finish(timeout: 120)
        #expect(Date().timeIntervalSince(signalled) < 60)
        #expect(result.status == 143, "\(result)")
    }

    @Test func secondMigratorGivesUpAfterTheLockTimeout() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.slowFirst)
        let first = try RunningCLI(["-path", migrations, "-database", db.url, "up"])
        try Self.waitForMigrationLock(db)
        // Stopped, the first keeps its session and lock however long the second takes to start.
        first.pause()
        defer { first.resume() }  // also when something below throws
        let second = try CLI.run(["-path", migrations, "-database", db.url, "-lock-timeout", "0", "up"])
        first.resume()
        #expect(second.status == 1)
        #expect(second.afterMigratingLine == "error: timeout: can't acquire database lock\n")
        #expect(first.finish(timeout: 120).status == 0)
        #expect(try db.query("SELECT version FROM schema_migrations") == "2")
    }

    @Test func lockTimeoutIsHonouredOnPostgres() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_slow.up.sql": "SELECT pg_sleep(6);\n"])
        let first = try RunningCLI(["-path", migrations, "-database", db.url, "up"])
        try Self.waitForMigrationLock(db)
        first.pause()
        defer { first.resume() }
        let start = Date()
        let second = try RunningCLI(["-path", migrations, "-database", db.url, "-lock-timeout", "2", "up"]).finish(timeout: 60)
        first.resume()
        #expect(Date().timeIntervalSince(start) >= 1.9, "waited for the lock before giving up")
        #expect(second.status == 1)
        #expect(second.afterMigratingLine == "error: timeout: can't acquire database lock\n")
        #expect(first.finish(timeout: 60).status == 0)
    }

    // MARK: SQLite: the lock is flock(LOCK_EX) on the database file, dropped by the kernel with the process.

    /// A migration that keeps SQLite busy for about a second or more.
    static let sqliteSlow = """
        CREATE TABLE slow (n INTEGER);
        WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) INSERT INTO slow SELECT x FROM c;

        """

    /// True while some process holds the migration lock of `database` (probed with a non-blocking flock).
    static func sqliteLockHeld(_ database: String) -> Bool {
        let fd = open(database, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }

    static func waitForSQLiteLock(_ database: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for _ in 0..<400 {
            if sqliteLockHeld(database) { return }
            Thread.sleep(forTimeInterval: 0.025)
        }
        Issue.record("no migrator took the lock on \(database) within 10 s", sourceLocation: sourceLocation)
    }

    /// Waits (60 s at most) until the file at `path` is larger than `bytes`.
    static func waitForSQLiteFile(_ path: String, toExceed bytes: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        for _ in 0..<6000 {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            if size > bytes { return }
            Thread.sleep(forTimeInterval: 0.01)
        }
        Issue.record("\(path) did not grow past \(bytes) bytes within 60 s", sourceLocation: sourceLocation)
    }

    @Test func lockTimeoutIsHonouredOnSQLite() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_slow.up.sql": Self.sqliteSlow])
        let db = dir.path("locked.db")
        let first = try RunningCLI(["-path", migrations, "-database", "sqlite://\(db)", "up"])
        Self.waitForSQLiteLock(db)
        // Stopped, the first keeps its flock however long the second takes to start on a loaded machine.
        first.pause()
        defer { first.resume() }
        #expect(Self.sqliteLockHeld(db))
        let second = try CLI.run(["-path", migrations, "-database", "sqlite://\(db)", "-lock-timeout", "1", "up"])
        first.resume()
        #expect(second.status == 1)
        #expect(second.afterMigratingLine.hasPrefix("error: timeout: can't acquire database lock\n"), "\(second)")
        #expect(first.finish(timeout: 120).status == 0)
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "1|0")
    }

    /// SQLite: the first signal interrupts the running statement (`sqlite3_interrupt`); the migration rolls back.
    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func signalInterruptsTheRunningStatementOnSQLite(signal: Int32, expectedStatus: Int32) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let endless = """
            CREATE TABLE slow (n INTEGER);
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) INSERT INTO slow SELECT x FROM c;

            """
        let migrations = try dir.write(["1_slow.up.sql": endless, "2_next.up.sql": "CREATE TABLE next_one (id int);\n"])
        let db = dir.path("signal.db")
        let running = try RunningCLI(["-path", migrations, "-database", "sqlite://\(db)", "up"])
        Self.waitForSQLiteLock(db)
        Self.waitForSQLiteFile(db, toExceed: 1 << 20)
        let signalled = Date()
        running.signal(signal)
        let result = running.finish(timeout: 120)
        #expect(Date().timeIntervalSince(signalled) < 60)
        #expect(result.status == expectedStatus, "\(result)")
        #expect(result.stderr.contains("1_slow.up.sql:2:"), "\(result)")
        #expect(try SQLite3.query(db, "SELECT count(*) FROM sqlite_master WHERE name = 'slow'") == "0")
        #expect(try SQLite3.query(db, "SELECT count(*) FROM schema_migrations") == "0")
        #expect(!Self.sqliteLockHeld(db))
    }

    /// A second signal exits at once, even while the first cannot stop what runs: here a wait in SQLite's busy
    /// handler for a write lock another process holds, which `sqlite3_interrupt` does not end.
    @Test func secondSignalExitsAtOnce() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_a.up.sql": "CREATE TABLE a (id int);\n"])
        let db = dir.path("busy.db")
        _ = try SQLite3.query(db, "CREATE TABLE other (id int)")
        // Another process holds the write lock until its standard input closes.
        let holder = TestProcess()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        holder.arguments = [db]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = Pipe()
        try holder.run()
        defer {
            try? input.fileHandleForWriting.close()
            holder.waitUntilExit()
        }
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nINSERT INTO other VALUES (1);\n".utf8))
        Thread.sleep(forTimeInterval: 0.5)
        let running = try RunningCLI(["-path", migrations, "-database", "sqlite://\(db)?_busy_timeout=600000", "up"])
        Self.waitForSQLiteLock(db)
        Thread.sleep(forTimeInterval: 0.5)
        running.signal(SIGINT)
        Thread.sleep(forTimeInterval: 1)
        #expect(running.process.isRunning, "the first signal could not end the busy wait; the process should still run")
        let second = Date()
        running.signal(SIGINT)
        let result = running.finish(timeout: 120)
        #expect(Date().timeIntervalSince(second) < 30)
        #expect(result.status == 130, "\(result)")
        #expect(result.stderr.contains("Exiting at once."), "\(result)")
    }

    /// A FIFO named like a migration used to block `up` for ever in open(2); it is refused, named.
    @Test func aFIFONamedLikeAMigrationIsRefused() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_a.up.sql": "CREATE TABLE a (id int);\n"])
        #expect(mkfifo(migrations + "/2_b.up.sql", 0o644) == 0)
        let result = try CLI.run(["-path", migrations, "-database", "sqlite://\(dir.path("fifo.db"))", "up"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("2_b.up.sql is not a regular file"), "\(result)")
        let tables = FileManager.default.fileExists(atPath: dir.path("fifo.db"))
            ? try SQLite3.query(dir.path("fifo.db"), "SELECT count(*) FROM sqlite_master") : "0"
        #expect(tables == "0", "refused before any change")
    }

    /// SQLite gets PostgreSQL's x-statement-timeout: a statement still running then is interrupted and its
    /// migration rolls back.
    @Test func sqliteStatementTimeout() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let endless = "CREATE TABLE slow (n INTEGER);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) INSERT INTO slow SELECT x FROM c;\n"
        let migrations = try dir.write(["1_slow.up.sql": endless])
        let db = dir.path("timeout.db")
        let result = try CLI.run(["-path", migrations, "-database", "sqlite://\(db)?x-statement-timeout=300", "up"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("1_slow.up.sql:2:"), "\(result)")
        #expect(result.stderr.contains("canceling statement due to statement timeout"), "\(result)")
        #expect(try SQLite3.query(db, "SELECT count(*) FROM sqlite_master WHERE name = 'slow'") == "0")
    }

    @Test func lockOfAKilledMigratorNeverBlocksTheNextRunOnSQLite() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_slow.up.sql": Self.sqliteSlow, "2_next.up.sql": "CREATE TABLE next_one (id int);\n"])
        let db = dir.path("killed.db")
        let running = try RunningCLI(["-path", migrations, "-database", "sqlite://\(db)", "up"])
        Self.waitForSQLiteLock(db)
        #expect(Self.sqliteLockHeld(db))
        _ = running.kill9()
        #expect(!Self.sqliteLockHeld(db), "the kernel dropped the flock with the process")
        // -lock-timeout 0: the lock must be free at once; the interrupted transaction was rolled back.
        let next = try CLI.run(["-path", migrations, "-database", "sqlite://\(db)", "-lock-timeout", "0", "up"])
        #expect(next.status == 0, "\(next)")
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "2|0")
    }

    @Test func lockOfAKilledMigratorNeverBlocksTheNextRunOnPostgres() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.slowFirst)
        let running = try RunningCLI(["-path", migrations, "-database", db.url, "up"])
        try Self.waitForMigrationLock(db)
        _ = running.kill9()
        // The session lock dies with the server session, which ends when its statement (pg_sleep(2)) does.
        let next = try CLI.run(["-path", migrations, "-database", db.url, "up"])
        #expect(next.status == 0, "\(next)")
        // Sent as one query, the killed run's migration may have been completed by the server (the whole migration
        // and its version, atomically) or rolled back and run again: either way exactly once.
        #expect(try db.query("SELECT count(*) FROM schema_migrations_history WHERE version = 1 AND direction = 'up'") == "1")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "2|f")
        #expect(try db.query(Self.advisoryLocks) == "0")
    }
}
