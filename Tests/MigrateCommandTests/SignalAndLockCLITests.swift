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
    static func waitForMigrationLock(_ db: PostgresScratch) throws {
        for _ in 0..<200 {
            if try db.query(advisoryLocks) != "0" { return }
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
        // Wait until the first migration is running (its table exists inside the open transaction: poll the lock).
        try Self.waitForMigrationLock(db)
        Thread.sleep(forTimeInterval: 0.3)
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
        let second = try CLI.run(["-path", migrations, "-database", db.url, "-lock-timeout", "0", "up"])
        #expect(second.status == 1)
        #expect(second.stderr == "error: timeout: can't acquire database lock\n")
        #expect(first.finish().status == 0)
        #expect(try db.query("SELECT version FROM schema_migrations") == "2")
    }
}
