import Foundation
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

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func signalStopsAfterTheRunningMigrationAndReleasesTheLock(signal: Int32, expectedStatus: Int32) throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.slowFirst)
        let running = try RunningCLI(["-path", migrations, "-database", db.url, "up"])
        // Wait until the first migration is running: its pg_sleep shows in pg_stat_activity.
        try Self.waitForSleep(db)
        running.signal(signal)
        let result = running.finish()
        #expect(result.status == expectedStatus, "\(result)")
        #expect(result.stderr.contains("Stopping after this running migration ..."))
        #expect(result.stderr.contains("1/u slow ("))
        #expect(!result.stderr.contains("2/u next ("))
        #expect(result.stderr.contains("stopped before 2/u next: 1 migration(s) not run"))
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "1|f")
        #expect(try db.query(Self.advisoryLocks) == "0")
        let resumed = try CLI.run(["-path", migrations, "-database", db.url, "up"])
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.stderr.hasPrefix("2/u next ("))
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
        #expect(second.stderr == "error: timeout: can't acquire database lock\n")
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
        #expect(second.stderr == "error: timeout: can't acquire database lock\n")
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
        #expect(second.stderr.hasPrefix("error: timeout: can't acquire database lock\n"), "\(second)")
        #expect(first.finish(timeout: 120).status == 0)
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "1|0")
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func signalStopsAfterTheRunningMigrationOnSQLite(signal: Int32, expectedStatus: Int32) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_slow.up.sql": Self.sqliteSlow, "2_next.up.sql": "CREATE TABLE next_one (id int);\n"])
        let db = dir.path("signal.db")
        let running = try RunningCLI(["-path", migrations, "-database", "sqlite://\(db)", "up"])
        Self.waitForSQLiteLock(db)
        // The lock is taken before the first migration starts; its 3,000,000 rows (tens of MB) are being
        // written once the file passes 1 MB, so the signal lands inside that migration however loaded the machine.
        Self.waitForSQLiteFile(db, toExceed: 1 << 20)
        running.signal(signal)
        let result = running.finish(timeout: 120)
        #expect(result.status == expectedStatus, "\(result)")
        #expect(result.stderr.contains("1/u slow ("))
        #expect(result.stderr.contains("stopped before 2/u next: 1 migration(s) not run"), "\(result)")
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "1|0")
        #expect(!Self.sqliteLockHeld(db))
        let resumed = try CLI.run(["-path", migrations, "-database", "sqlite://\(db)", "-lock-timeout", "0", "up"])
        #expect(resumed.status == 0, "\(resumed)")
        #expect(try SQLite3.query(db, "SELECT version, dirty FROM schema_migrations") == "2|0")
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
        #expect(next.stderr.contains("1/u slow ("), "the killed run's migration was rolled back and runs again")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "2|f")
        #expect(try db.query(Self.advisoryLocks) == "0")
    }
}
