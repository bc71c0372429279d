import Foundation
import Logging
import SwiftMigrate
import SwiftMigrateSQLite
import Testing

/// The library's Migrator on a real SQLite file: what a Swift app does at startup.
@Suite struct MigratorSQLiteTests {
    static let files: [String: String] = [
        "1_users.up.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO users (name) VALUES ('a');\n",
        "1_users.down.sql": "DROP TABLE users;\n",
        "2_posts.sql": """
            -- +migrate Up
            CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER);
            CREATE TRIGGER posts_guard BEFORE INSERT ON posts BEGIN
              SELECT CASE WHEN NEW.user_id IS NULL THEN RAISE(ABORT, 'user required') END;
            END;
            -- +migrate Down
            DROP TRIGGER posts_guard;
            DROP TABLE posts;

            """,
        "3_vacuum.up.sql": "VACUUM;\n",
    ]

    func withMigrator<T>(
        _ files: [String: String] = files, query: String = "", _ body: (Migrator, SQLiteDriver, String) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/app.db"
            let driver = try await SQLiteDriver.open(url: DatabaseURL("sqlite://\(path)\(query)"), logger: testLogger)
            let migrator = Migrator(source: InMemorySource(files: files), driver: driver, logger: testLogger)
            do {
                let result = try await body(migrator, driver, path)
                try await driver.close()
                return result
            } catch {
                try? await driver.close()
                throw error
            }
        }
    }

    @Test func upDownAndStatusFromMemory() async throws {
        try await withMigrator { (migrator, _, path) async throws in
            let applied = try await migrator.up()
            #expect(applied.map(\.logLine).map { $0.prefix(while: { $0 != "(" }) } == ["1/u users ", "2/u posts ", "3/u vacuum "])
            #expect(try await migrator.version() == DatabaseVersion(version: 3, dirty: false))
            #expect(try sqlite3CLI(path, "SELECT count(*) FROM users") == "1")
            #expect(try await migrator.up().isEmpty)

            let status = try await migrator.status()
            #expect(status.entries.map(\.state) == [.applied, .applied, .applied])
            #expect(status.entries.allSatisfy { $0.appliedAt != nil })
            #expect(status.entries[2].hasDown == false)

            let reverted = try await migrator.down(2)
            #expect(reverted.map(\.targetVersion) == [2, 1])
            #expect(try schemaNames(path) == ["schema_migrations", "schema_migrations_history", "users"])
            #expect(try schemaNames(path, type: "trigger") == [])
            let history = try sqlite3CLI(path, "SELECT group_concat(version || direction, ' ') FROM (SELECT * FROM schema_migrations_history ORDER BY id)")
            #expect(history == "1up 2up 3up 3down 2down")
        }
    }

    @Test func nonTransactionalMigrationUsesTheDirtyProtocol() async throws {
        // VACUUM cannot run inside a transaction: the file runs statement by statement.
        try await withMigrator { (migrator, _, _) async throws in
            try await migrator.up(2)
            let events = EventLog()
            var observed = migrator
            observed.observer = { events.append($0) }
            try await observed.up()
            #expect(events.modes == [.noTransaction(reason: "VACUUM")])
            #expect(try await migrator.version() == DatabaseVersion(version: 3, dirty: false))
        }
    }

    @Test func failedStatementRollsBackEverythingOfThatMigration() async throws {
        var files = Self.files
        files["2_posts.sql"] = "-- +migrate Up\nCREATE TABLE posts (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n"
        try await withMigrator(files) { (migrator, _, path) async throws in
            let error = await #expect(throws: MigrateError.self) { try await migrator.up() }
            #expect(error?.code == .statementFailed)
            #expect(error?.message == "no such table: nowhere")
            // SQLite reports no offset for an unknown table: the location is the name's, found in the statement.
            #expect(error?.location == SourceLocation(file: "memory/2_posts.sql", line: 3, column: 13))
            #expect(error?.sourceLine == "INSERT INTO nowhere VALUES (1);")
            #expect(error?.version == 2)
            #expect(try await migrator.version() == DatabaseVersion(version: 1, dirty: false))
            #expect(try schemaNames(path).contains("posts") == false)
        }
    }

    @Test func lexerErrorsStopBeforeTheDatabaseChanges() async throws {
        var files = Self.files
        files["2_posts.sql"] = "-- +migrate Up\nCREATE TABLE posts (note TEXT DEFAULT 'unterminated);\n"
        try await withMigrator(files) { (migrator, _, path) async throws in
            let error = await #expect(throws: MigrateError.self) { try await migrator.up() }
            #expect(error?.code == .invalidScript)
            #expect(error?.location?.line == 2)
            #expect(try await migrator.version() == .none)
            // Not even the version tables: they are created only when a migration is about to run.
            #expect(try schemaNames(path) == [])
        }
    }

    @Test func stopRequestStopsBetweenMigrations() async throws {
        try await withMigrator { (migrator, _, _) async throws in
            var stopping = migrator
            let stop = StopRequest()
            stopping.stopRequest = stop
            stopping.observer = { event in
                if case .finished = event { stop.request() }
            }
            let error = await #expect(throws: MigrateError.self) { try await stopping.up() }
            #expect(error?.code == .cancelled)
            #expect(try await migrator.version() == DatabaseVersion(version: 1, dirty: false))
            // The lock was released: another run goes on.
            #expect(try await migrator.up().count == 2)
        }
    }

    /// SQLite's table rebuild: foreign keys off, copy, drop, rename. Inside a transaction SQLite ignores the
    /// PRAGMA, and the DROP TABLE would cascade to the posts; the script therefore runs outside one.
    @Test func foreignKeysPragmaRunsOutsideATransaction() async throws {
        let files = [
            "1_users.up.sql": """
                CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
                CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id) ON DELETE CASCADE);
                INSERT INTO users VALUES (1, 'a');
                INSERT INTO posts VALUES (10, 1), (11, 1);
                """,
            "2_rebuild_users.up.sql": """
                PRAGMA foreign_keys = OFF;
                CREATE TABLE users_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');
                INSERT INTO users_new SELECT id, name FROM users;
                DROP TABLE users;
                ALTER TABLE users_new RENAME TO users;
                PRAGMA foreign_keys = ON;
                """,
        ]
        try await withMigrator(files, query: "?_fk=1") { (migrator, _, path) async throws in
            let events = EventLog()
            var observed = migrator
            observed.observer = { events.append($0) }
            try await observed.up()
            #expect(events.modes == [.transaction, .noTransaction(reason: "PRAGMA foreign_keys")])
            #expect(try sqlite3CLI(path, "SELECT group_concat(id) FROM posts") == "10,11")
            #expect(try await migrator.version() == DatabaseVersion(version: 2, dirty: false))
        }
    }

    /// golang-migrate's `x-no-tx-wrap=true`: no transaction around a migration, so a failure keeps what ran
    /// before it and leaves the version dirty, as golang-migrate does.
    @Test func noTransactionWrapRunsEveryMigrationOutsideATransaction() async throws {
        let files = [
            "1_users.up.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
            "2_posts.up.sql": "CREATE TABLE posts (id INTEGER);\nINSERT INTO nowhere VALUES (1);\n",
        ]
        try await withMigrator(files, query: "?x-no-tx-wrap=true") { (migrator, _, path) async throws in
            let events = EventLog()
            var observed = migrator
            observed.observer = { events.append($0) }
            let error = await #expect(throws: MigrateError.self) { try await observed.up() }
            #expect(error?.message == "no such table: nowhere")
            #expect(events.modes == Array(repeating: .noTransaction(reason: "x-no-tx-wrap in the database URL"), count: 2))
            #expect(try schemaNames(path).contains("posts"))
            #expect(try await migrator.version() == DatabaseVersion(version: 2, dirty: true))
        }
        // --single-transaction cannot keep a promise the URL rules out: refused, nothing applied.
        try await withMigrator(files, query: "?x-no-tx-wrap=true") { (migrator, _, path) async throws in
            let error = await #expect(throws: MigrateError.self) { try await migrator.run(.upAll, singleTransaction: true) }
            #expect(error?.message == "cannot run the migrations in one transaction: x-no-tx-wrap in the database URL asks that none be wrapped in a transaction; nothing was applied")
            #expect(try schemaNames(path) == [])
        }
        // With nothing pending there is nothing to refuse.
        try await withMigrator(["1_users.up.sql": files["1_users.up.sql"]!], query: "?x-no-tx-wrap=true") { (migrator, _, _) async throws in
            #expect(try await migrator.up().count == 1)
            #expect(try await migrator.run(.upAll, singleTransaction: true).isEmpty)
        }
        // Without it, the same failure changes nothing.
        try await withMigrator(files) { (migrator, _, path) async throws in
            await #expect(throws: MigrateError.self) { try await migrator.up() }
            #expect(try schemaNames(path).contains("posts") == false)
            #expect(try await migrator.version() == DatabaseVersion(version: 1, dirty: false))
        }
    }

    @Test func singleTransactionRefusalSaysWhatToRunFirst() async throws {
        // A non-transactional first file: nothing can go before it in the transaction.
        try await withMigrator(["1_vacuum.up.sql": "VACUUM;\n", "2_t.up.sql": "CREATE TABLE t (id INTEGER);\n"]) { (migrator, _, _) async throws in
            let error = await #expect(throws: MigrateError.self) { try await migrator.run(.upAll, singleTransaction: true) }
            #expect(error?.message == "cannot run the migrations in one transaction: memory/1_vacuum.up.sql must run outside a transaction (VACUUM); nothing was applied")
            #expect(error?.hint == "apply it on its own first (`up 1`), then the rest with --single-transaction")
        }
        // Later: the ones before it go in one transaction first.
        try await withMigrator(Self.files) { (migrator, _, _) async throws in
            let error = await #expect(throws: MigrateError.self) { try await migrator.run(.upAll, singleTransaction: true) }
            #expect(error?.hint == "apply the migrations before it in one transaction (`up 2` with --single-transaction), then this one on its own")
        }
    }

    @Test func forceAndDirtyRefusal() async throws {
        try await withMigrator { (migrator, driver, _) async throws in
            try await migrator.up(1)
            try await driver.writeVersion(DatabaseVersion(version: 2, dirty: true))
            let error = await #expect(throws: MigrateError.self) { try await migrator.up() }
            #expect(error?.message == "Dirty database version 2. Fix and force version.")
            try await migrator.force(1)
            #expect(try await migrator.version() == DatabaseVersion(version: 1, dirty: false))
            try await migrator.force(-1)
            #expect(try await migrator.version() == .none)
        }
    }
}

final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [MigrationEvent] = []
    func append(_ event: MigrationEvent) { lock.lock(); events.append(event); lock.unlock() }
    var modes: [SQLScript.ExecutionMode] {
        lock.lock()
        defer { lock.unlock() }
        return events.compactMap { if case .starting(_, let mode) = $0 { mode } else { nil } }
    }
}
