import Foundation
import SwiftMigratePostgresCore
import Testing

/// Through Debian's PgBouncer in transaction pooling mode with two server connections (started by
/// scripts/test.sh in front of the test server): the table lock, chosen automatically, and no session state left on
/// the pooled connections.
@Suite(.serialized) struct PoolerCLITests {
    /// PgBouncer's port, or nil (with an issue recorded) when the test run has none.
    static func poolerPort() -> String? {
        guard let port = ProcessInfo.processInfo.environment["MIGRATE_TEST_PGBOUNCER_PORT"] else {
            Issue.record("MIGRATE_TEST_PGBOUNCER_PORT is not set: run the tests with scripts/test.sh, which starts PgBouncer")
            return nil
        }
        return port
    }

    /// `db`'s URL through PgBouncer, with extra parameters.
    static func pooled(_ db: PostgresScratch, port: String, _ parameters: String = "") -> String {
        let primary = HighAvailabilityCLITests.primaryPort(db)
        let url = db.url.replacingOccurrences(of: ":\(primary)/", with: ":\(port)/")
        return url + (parameters.isEmpty ? "" : "&" + parameters)
    }

    /// Advisory locks held in `db` by any backend.
    static func advisoryLocks(_ db: PostgresScratch) throws -> String {
        try db.query(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    }

    @Test("16 concurrent runs through PgBouncer apply each migration once, CREATE INDEX CONCURRENTLY included, and leave no lock")
    func concurrentRunsThroughThePooler() throws {
        guard let port = Self.poolerPort() else { return }
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        var files = ConcurrentCLITests.auditMigrations(ConcurrentCLITests.migrationCount - 1)
        let last = ConcurrentCLITests.migrationCount
        files[String(format: "%03d_index.up.sql", last)] = "CREATE INDEX CONCURRENTLY audit_version ON audit (version);\nINSERT INTO audit VALUES (\(last));\n"
        let migrations = try dir.write(files)
        // No x-lock-strategy: the port PgBouncer listens on is not the server's, which chooses the table lock.
        let url = Self.pooled(db, port: port)
        let results = try ConcurrentCLITests.runTogether(16, arguments: ["-path", migrations, "-database", url, "-lock-timeout", "120", "up"])
        for result in results { #expect(result.status == 0, "\(result)") }
        ConcurrentCLITests.expectEachMigrationReportedOnce(results)
        #expect(try db.query("SELECT count(*), count(DISTINCT version) FROM audit") == "50|50")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "50|f")
        #expect(try db.query("SELECT count(*) FROM schema_migrations_history") == "50")
        #expect(try db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'audit_version'::regclass") == "t")
        // Every run released its rows, and no advisory lock is left on a pooled backend.
        #expect(try db.query("SELECT count(*) FROM schema_lock") == "0")
        #expect(try Self.advisoryLocks(db) == "0")
    }

    @Test("the timeouts and search_path hold inside each migration and never stay on a pooled connection")
    func noSessionStateLeaks() throws {
        guard let port = Self.poolerPort() else { return }
        let db = try PostgresScratch()
        defer { db.drop() }
        _ = try db.query("CREATE SCHEMA app; CREATE TABLE public.backends (pid int)")
        let dir = try TempDir()
        defer { dir.remove() }
        let check = """
            DO $$ BEGIN
              IF current_setting('lock_timeout') <> '1234ms' OR current_setting('statement_timeout') <> '4321ms' THEN
                RAISE EXCEPTION 'settings in the migration: lock_timeout %, statement_timeout %',
                  current_setting('lock_timeout'), current_setting('statement_timeout');
              END IF;
            END $$;
            INSERT INTO public.backends VALUES (pg_backend_pid());

            """
        let migrations = try dir.write([
            "1_one.up.sql": check + "CREATE TABLE placed (id int);\n",
            "2_two.up.sql": check,
            "3_three.up.sql": check,
        ])
        let url = Self.pooled(db, port: port, "x-lock-timeout=1234&x-statement-timeout=4321&search_path=app")
        let result = try CLI.run(["-path", migrations, "-database", url, "up"])
        #expect(result.status == 0, "\(result)")
        // search_path applied in the migration's transaction: the unqualified table is in app.
        #expect(try db.query("SELECT schemaname FROM pg_tables WHERE tablename = 'placed'") == "app")
        #expect(try db.query("SELECT schemaname FROM pg_tables WHERE tablename = 'schema_migrations'") == "app")
        let migrationBackends = Set(try db.query("SELECT DISTINCT pid FROM public.backends").split(separator: "\n").map(String.init))
        // Other clients of the pool get the same two server connections, with the server's defaults.
        var seen: Set<String> = []
        for _ in 0..<6 {
            let row = try PostgresScratch.psql(
                url.components(separatedBy: "?")[0] + "?sslmode=disable",
                "SELECT pg_backend_pid(), current_setting('lock_timeout'), current_setting('statement_timeout'), current_setting('search_path')"
            )
            let fields = row.split(separator: "|").map(String.init)
            #expect(fields.dropFirst() == ["0", "0", "\"$user\", public"], "\(row)")
            seen.insert(fields[0])
        }
        #expect(!seen.isDisjoint(with: migrationBackends), "psql saw backends \(seen), the migrations ran on \(migrationBackends)")
        #expect(try Self.advisoryLocks(db) == "0")
    }

    @Test("a run killed with kill -9 holding the table lock blocks the next one only until its row expires")
    func killedHolderExpires() throws {
        guard let port = Self.poolerPort() else { return }
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            "1_slow.up.sql": "SELECT pg_sleep(1.5);\n",
            "2_next.up.sql": "CREATE TABLE after_the_crash (id int);\n",
        ])
        let url = Self.pooled(db, port: port, "x-lock-ttl=3000")
        let holder = try RunningCLI(["-path", migrations, "-database", url, "up"])
        // Kill it once its rows are there (it is inside the 1.5 s migration).
        #expect(Self.waitForTableLock(db), "the first run never took the table lock")
        _ = holder.kill9()
        #expect(try db.query("SELECT count(*) FROM schema_lock WHERE expires_at > now()") == "2")
        // Waiting less than the expiry fails, naming the holder and when its row expires.
        let early = try CLI.run(["-path", migrations, "-database", url, "-lock-timeout", "1", "up"])
        #expect(early.status == 1, "\(early)")
        #expect(early.stderr.contains("timeout: can't acquire database lock"), "\(early)")
        #expect(early.stderr.contains("held by swift-migrate on"), "\(early)")
        #expect(early.stderr.contains("the lock expires in"), "\(early)")
        // Waiting longer than the expiry succeeds: the dead holder's row is taken over.
        let next = try CLI.run(["-path", migrations, "-database", url, "-lock-timeout", "20", "up"])
        #expect(next.status == 0, "\(next)")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "2|f")
        #expect(try db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'after_the_crash'") == "1")
        #expect(try db.query("SELECT count(*) FROM schema_lock") == "0")
    }

    @Test("a live holder keeps the table lock past its expiry: the second run waits for it")
    func liveHolderIsNeverStolen() throws {
        guard let port = Self.poolerPort() else { return }
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        // The migration runs 4 s, more than twice the 1.5 s expiry: only the renewals keep the lock.
        let migrations = try dir.write([
            "1_long.up.sql": "CREATE TABLE long_runs (id int);\nSELECT pg_sleep(4);\n",
        ])
        let url = Self.pooled(db, port: port, "x-lock-ttl=1500")
        let first = try RunningCLI(["-path", migrations, "-database", url, "up"])
        #expect(Self.waitForTableLock(db), "the first run never took the table lock")
        let second = try CLI.run(["-path", migrations, "-database", url, "-lock-timeout", "30", "up"])
        let firstResult = first.finish(timeout: 60)
        #expect(firstResult.status == 0, "\(firstResult)")
        #expect(firstResult.stderr.contains("1/u long ("), "\(firstResult)")
        // The second run got the lock only after the first released it: nothing left to do, no error.
        #expect(second.status == 0, "\(second)")
        #expect(!second.stderr.contains("1/u long"), "\(second)")
        #expect(try db.query("SELECT count(*) FROM schema_migrations_history") == "1")
    }

    @Test("on a direct connection the default is golang-migrate's advisory lock with its key; x-lock-strategy=table there uses the table")
    func directConnectionKeepsTheAdvisoryKey() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let key = AdvisoryLockKey(databaseName: "/" + db.name, schema: "public", table: "schema_migrations").value
        // The migration itself proves which lock its run holds.
        let migrations = try dir.write([
            "1_check.up.sql": """
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
                                 AND ((classid::bigint << 32) | objid::bigint) = \(key)) THEN
                    RAISE EXCEPTION 'golang-migrate''s advisory lock \(key) is not held';
                  END IF;
                END $$;

                """,
        ])
        let result = try CLI.run(["-path", migrations, "-database", db.url, "up"])
        #expect(result.status == 0, "\(result)")
        #expect(try db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'schema_lock'") == "0")
        // Asked for, the table lock works on a direct connection too (and the advisory check above fails there).
        let tableFirst = try dir.write(["1_check.up.sql": try String(contentsOfFile: migrations + "/1_check.up.sql", encoding: .utf8), "2_t.up.sql": "SELECT 1;\n"], in: "table")
        let table = try CLI.run(["-path", tableFirst, "-database", db.url + "&x-lock-strategy=table", "-verbose", "up"])
        #expect(table.status == 0, "\(table)")
        #expect(table.stderr.contains("db.lock_strategy=table: x-lock-strategy=table"), "\(table)")
        #expect(try db.query("SELECT count(*) FROM schema_lock") == "0")
        let wrong = try CLI.run(["-path", migrations, "-database", db.url + "&x-lock-strategy=rows", "up"])
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("invalid x-lock-strategy \"rows\""), "\(wrong)")
    }

    @Test("a pooler on the server's own port number is seen all the same: the server sees the session come from another port")
    func poolerOnTheServersPortNumberChoosesTheTableLock() throws {
        guard let address = ProcessInfo.processInfo.environment["MIGRATE_TEST_PGBOUNCER_SAME_PORT_ADDR"] else {
            Issue.record("MIGRATE_TEST_PGBOUNCER_SAME_PORT_ADDR is not set: run the tests with scripts/test.sh, which starts that PgBouncer")
            return
        }
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_a.up.sql": "CREATE TABLE a (id int);\n", "2_b.up.sql": "CREATE TABLE b (id int);\n"])
        // The same port as the server, at another address: the port rule alone would take this for a direct
        // connection and leave golang-migrate's session lock on a pooled backend.
        let url = db.url.replacingOccurrences(of: "@127.0.0.1:", with: "@\(address):")
        #expect(url != db.url)
        let result = try CLI.run(["-path", migrations, "-database", url, "-verbose", "up"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stderr.contains("db.lock_strategy=table: this connection leaves from port "), "\(result)")
        #expect(result.stderr.contains("a pooler or proxy is in between"), "\(result)")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "2|f")
        #expect(try db.query("SELECT count(*) FROM schema_lock") == "0")
        #expect(try Self.advisoryLocks(db) == "0")
    }

    /// Waits up to 4 s until a run holds the table lock (its two rows are there).
    static func waitForTableLock(_ db: PostgresScratch) -> Bool {
        for _ in 0..<200 {
            if (try? db.query("SELECT count(*) FROM schema_lock")) == "2" { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }
}
