import Foundation
import TestSupport
import Testing

/// A deploy system's `kill -9` at a random moment of `up` over 200 migrations. After each kill the database is at
/// a clean version with exactly the objects of the migrations up to it, or, only when a non-transactional
/// migration was running, dirty at that migration, with `status` naming it and the command that recovers. The
/// next `up` always completes.
///
/// $MIGRATE_KILL_TRIALS trials per database (4 by default; scripts/reliability.sh runs 50). The first trial kills
/// the moment a non-transactional migration has marked the database dirty, so the dirty path is exercised in
/// every run; the others at moments drawn from a seeded generator ($MIGRATE_KILL_SEED) over the time a full run
/// takes on this machine. (PostgreSQL migrations commit with `synchronous_commit = off`: a client killed is under
/// test, not the server's fsync, and it makes a run of 200 migrations several times faster.)
@Suite(.serialized) struct KillCLITests {
    static let migrationCount = 200
    /// Migrations that run outside a transaction, slower than the others so that kills land in them too.
    static let nonTransactional: Set<Int> = [70, 140]

    static var trials: Int { Int(ProcessInfo.processInfo.environment["MIGRATE_KILL_TRIALS"] ?? "") ?? 4 }
    static var seed: UInt64 { UInt64(ProcessInfo.processInfo.environment["MIGRATE_KILL_SEED"] ?? "") ?? 20_260_401 }

    static func table(_ version: Int) -> String { String(format: "t_%03d", version) }

    /// Each migration creates table t_NNN with rows and an index t_NNN_note; the non-transactional ones do it
    /// statement by statement (PostgreSQL: `CREATE INDEX CONCURRENTLY`; SQLite: `-- +migrate notransaction`),
    /// with a pause that holds no write lock (`pg_sleep`; on SQLite a long read-only count), so the dirty
    /// flag can be read, and a kill can land, while they run: SQLite's 100,000-row insert locks readers out.
    static func migrations(postgres: Bool) -> [String: String] {
        var files: [String: String] = [:]
        for version in 1...migrationCount {
            let t = table(version)
            if nonTransactional.contains(version) {
                files[String(format: "%03d_index_%@.up.sql", version, t)] = postgres
                    ? """
                    CREATE TABLE IF NOT EXISTS \(t) (id serial PRIMARY KEY, note text);
                    INSERT INTO \(t) (note) SELECT 'row ' || g FROM generate_series(1, 2000) g;
                    SELECT pg_sleep(0.2);
                    CREATE INDEX CONCURRENTLY IF NOT EXISTS \(t)_note ON \(t) (note);

                    """
                    : """
                    -- +migrate notransaction
                    CREATE TABLE IF NOT EXISTS \(t) (id INTEGER PRIMARY KEY, note TEXT);
                    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)
                    INSERT INTO \(t) (note) SELECT 'row ' || x FROM c;
                    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000)
                    SELECT count(*) FROM c;
                    CREATE INDEX IF NOT EXISTS \(t)_note ON \(t) (note);

                    """
            } else {
                files[String(format: "%03d_create_%@.up.sql", version, t)] = postgres
                    ? """
                    SET LOCAL synchronous_commit = off;
                    CREATE TABLE \(t) (id serial PRIMARY KEY, note text);
                    INSERT INTO \(t) (note) SELECT 'row ' || g FROM generate_series(1, 20) g;
                    CREATE INDEX \(t)_note ON \(t) (note);

                    """
                    : """
                    CREATE TABLE \(t) (id INTEGER PRIMARY KEY, note TEXT);
                    INSERT INTO \(t) (note) VALUES ('a'), ('b'), ('c');
                    CREATE INDEX \(t)_note ON \(t) (note);

                    """
            }
        }
        return files
    }

    /// The objects migrations 1...version create, sorted (PostgreSQL also has each table's primary key index).
    static func expectedObjects(upTo version: Int, postgres: Bool) -> [String] {
        guard version > 0 else { return [] }
        return (1...version).flatMap { v in
            postgres ? [table(v), table(v) + "_note", table(v) + "_pkey"] : [table(v), table(v) + "_note"]
        }.sorted()
    }

    /// One database under test: how to make it fresh, read its state, and undo a partial migration.
    protocol Target {
        var url: String { get }
        var postgres: Bool { get }
        /// (version, dirty), or nil without a version row or table; read once the killed process is gone.
        func state() throws -> (version: Int, dirty: Bool)?
        /// Whether the version row says dirty right now (read without waiting, while a migrator runs).
        func peekDirty() -> Bool
        /// The t_ tables and indexes, sorted.
        func objects() throws -> [String]
        func dropTable(_ name: String) throws
        func remove()
    }

    struct SQLiteTarget: Target {
        let path: String
        var url: String { "sqlite://\(path)" }
        var postgres: Bool { false }
        func state() throws -> (version: Int, dirty: Bool)? {
            let row = try SQLite3.query(path, "SELECT version, dirty FROM schema_migrations")
            let parts = row.split(separator: "|")
            guard parts.count == 2, let version = Int(parts[0]) else { return nil }
            return (version, parts[1] == "1")
        }
        func peekDirty() -> Bool { (try? SQLite3.query(path, "SELECT dirty FROM schema_migrations")) == "1" }
        func objects() throws -> [String] {
            try SQLite3.query(path, #"SELECT name FROM sqlite_master WHERE name LIKE 't\_%' ESCAPE '\' ORDER BY name"#)
                .split(separator: "\n").map(String.init).sorted()
        }
        func dropTable(_ name: String) throws { _ = try SQLite3.query(path, "DROP TABLE IF EXISTS \(name)") }
        func remove() {
            for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    }

    struct PostgresTarget: Target {
        let db: PostgresScratch
        var url: String { db.url }
        var postgres: Bool { true }
        func state() throws -> (version: Int, dirty: Bool)? {
            // The killed process's server session may still finish its statement: wait until it is gone.
            for _ in 0..<600 {
                let others = try db.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
                if others == "0" { break }
                Thread.sleep(forTimeInterval: 0.05)
            }
            guard try db.query("SELECT to_regclass('schema_migrations') IS NOT NULL") == "t" else { return nil }
            let parts = try db.query("SELECT version, dirty FROM schema_migrations").split(separator: "|")
            guard parts.count == 2, let version = Int(parts[0]) else { return nil }
            return (version, parts[1] == "t")
        }
        func peekDirty() -> Bool { (try? db.query("SELECT dirty FROM schema_migrations")) == "t" }
        func objects() throws -> [String] {
            try db.query(#"""
                SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i') AND relname LIKE 't\_%' ORDER BY relname
                """#).split(separator: "\n").map(String.init).sorted()
        }
        func dropTable(_ name: String) throws { _ = try db.query("DROP TABLE IF EXISTS \(name)") }
        func remove() { db.drop() }
    }

    /// What the trials saw, printed for scripts/reliability.sh and docs/reliability.md.
    struct Tally: CustomStringConvertible {
        var trials = 0, killed = 0, finishedFirst = 0, clean = 0, dirty = 0, recovered = 0, noVersionYet = 0
        var versions: [Int] = []
        var description: String {
            "trials=\(trials) killed=\(killed) finished-before-kill=\(finishedFirst) clean=\(clean) dirty=\(dirty) "
                + "no-version-yet=\(noVersionYet) recovered=\(recovered) "
                + "kill-versions=\(versions.min() ?? 0)...\(versions.max() ?? 0)"
        }
    }

    func runTrials(name: String, makeTarget: () throws -> any Target) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let probe = try makeTarget()
        let migrations = try dir.write(Self.migrations(postgres: probe.postgres))
        // Calibrate: how long a whole `up` takes here, start-up included.
        let start = Date()
        let full = try CLI.run(["-path", migrations, "-database", probe.url, "up"])
        let fullRun = Date().timeIntervalSince(start)
        probe.remove()
        try #require(full.status == 0, "\(full)")

        var random = SplitMix64(seed: Self.seed)
        var tally = Tally()
        // Trials that finish before their kill do not count: run until `trials` processes were really killed.
        var trial = 0
        var aims = 0
        while tally.killed < Self.trials && trial < Self.trials * 2 {
            defer { trial += 1 }
            let target = try makeTarget()
            defer { target.remove() }
            let base = ["-path", migrations, "-database", target.url]
            let running = try RunningCLI(base + ["up"])
            var delay = fullRun * 0.9 * Double(random.next() % 1000) / 1000
            if tally.dirty == 0 && aims < 5 {
                // Aimed: kill as soon as a non-transactional migration has marked the database dirty. On a busy
                // machine the kill can land after that migration ended: aim again (at most 5 times) until one
                // trial leaves the database dirty.
                aims += 1
                let start = Date()
                while !target.peekDirty() && Date().timeIntervalSince(start) < fullRun * 3 && running.process.isRunning {
                    Thread.sleep(forTimeInterval: 0.01)
                }
                delay = Date().timeIntervalSince(start)
            } else {
                Thread.sleep(forTimeInterval: delay)
            }
            let killed = running.kill9()
            tally.trials += 1
            let context = "\(name) trial \(trial) (kill after \(Int(delay * 1000)) ms)"
            if killed.status == 0 && running.process.terminationReason == .exit {
                tally.finishedFirst += 1  // the run was faster than the draw: nothing was interrupted
            } else {
                tally.killed += 1
            }
            let state = try target.state()
            let version = state?.version ?? 0
            tally.versions.append(version)
            if let state, state.dirty {
                // Only a non-transactional migration may leave the database dirty, and only at itself.
                #expect(Self.nonTransactional.contains(state.version), "\(context): dirty at \(state.version)")
                tally.dirty += 1
                let objects = try target.objects().filter { !$0.hasPrefix(Self.table(state.version)) }
                #expect(objects == Self.expectedObjects(upTo: state.version - 1, postgres: target.postgres), "\(context)")
                // `status` names the migration and the one command that recovers.
                let status = try CLI.run(base + ["status"])
                #expect(status.status == 0, "\(context): \(status)")
                let name = "index_\(Self.table(state.version))"
                #expect(status.stdout.contains("dirty at version \(state.version) (\(name))"), "\(context): \(status)")
                let command = "migrate force \(state.version - 1)"
                #expect(status.stdout.contains("`\(command)`"), "\(context): \(status)")
                // The operator undoes the partial migration, then runs that command.
                try target.dropTable(Self.table(state.version))
                let force = try CLI.run(base + ["force", String(state.version - 1)])
                #expect(force.status == 0, "\(context): \(force)")
            } else {
                if state == nil { tally.noVersionYet += 1 } else { tally.clean += 1 }
                #expect(try target.objects() == Self.expectedObjects(upTo: version, postgres: target.postgres), "\(context)")
            }
            let resumed = try CLI.run(base + ["up"])
            if version == Self.migrationCount && state?.dirty == false {
                #expect(resumed.status == 0 && resumed.afterMigratingLine == "no change\n", "\(context): \(resumed)")
            } else {
                #expect(resumed.status == 0, "\(context): \(resumed)")
            }
            let final = try target.state()
            #expect(final?.version == Self.migrationCount && final?.dirty == false, "\(context)")
            #expect(try target.objects() == Self.expectedObjects(upTo: Self.migrationCount, postgres: target.postgres), "\(context)")
            if resumed.status == 0 && final?.version == Self.migrationCount { tally.recovered += 1 }
        }
        print("kill-trials \(name): full-run=\(Int(fullRun * 1000))ms seed=\(Self.seed) \(tally)")
        #expect(tally.recovered == tally.trials)
        #expect(tally.killed == Self.trials)
        #expect(tally.dirty >= 1, "none of \(aims) aimed trials left the database dirty")
    }

    @Test func killNineDuringUpOnSQLite() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        var counter = 0
        try runTrials(name: "sqlite") {
            counter += 1
            return SQLiteTarget(path: dir.path("kill-\(counter).db"))
        }
    }

    @Test func killNineDuringUpOnPostgres() throws {
        try runTrials(name: "postgres") { PostgresTarget(db: try PostgresScratch()) }
    }
}

/// A small seeded generator (SplitMix64), so a run's kill moments and fuzz inputs can be replayed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
