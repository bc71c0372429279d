import Foundation
import SwiftMigrate
import SwiftMigrateSQLite
import Testing

/// Drift, validate, preview and round trips against real SQLite files.
@Suite struct CheckSQLiteTests {
    static let files: [String: String] = [
        "1_users.up.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n",
        "1_users.down.sql": "DROP TABLE users;\n",
        "2_posts.up.sql": "CREATE TABLE posts (id INTEGER PRIMARY KEY);\nCREATE INDEX posts_id ON posts (id);\n",
        "2_posts.down.sql": "DROP TABLE posts;\n",
        "4_vacuum.up.sql": "VACUUM;\n",
        "4_vacuum.down.sql": "SELECT 1;\n",
    ]

    /// A driver on a fresh file; `migrator(files)` builds a migrator over any file set on that driver.
    func withDatabase(
        _ body: (SQLiteDriver, String, (_ files: [String: String], _ configuration: Migrator.Configuration) -> Migrator) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/check.db"
            let driver = try await SQLiteDriver.open(url: DatabaseURL("sqlite://\(path)"), logger: testLogger)
            let make = { (files: [String: String], configuration: Migrator.Configuration) in
                Migrator(source: InMemorySource(files: files), driver: driver, configuration: configuration, logger: testLogger)
            }
            do {
                try await body(driver, path, make)
                try await driver.close()
            } catch {
                try? await driver.close()
                throw error
            }
        }
    }

    /// The version row and the history table, as text: what a preview must leave alone.
    func state(_ path: String) throws -> String {
        try sqlite3CLI(path, "SELECT version, dirty FROM schema_migrations")
            + "\n" + sqlite3CLI(path, "SELECT group_concat(version || direction || coalesce(checksum, '-'), ' ') FROM (SELECT * FROM schema_migrations_history ORDER BY id)")
    }

    @Test func validateListsModifiedMissingOutOfOrderAndDirty() async throws {
        try await withDatabase { (_, path, migrator) async throws in
            try await migrator(Self.files, .init()).up()
            #expect(try await migrator(Self.files, .init()).validate() == [])
            var files = Self.files
            files["2_posts.up.sql"] = "CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT);\n"  // modified
            files["3_late.up.sql"] = "CREATE TABLE late (id INTEGER);\n"  // merged after 4 ran
            files["3_late.down.sql"] = "DROP TABLE late;\n"
            files["4_vacuum.up.sql"] = nil  // 4 is applied but its files are gone
            files["4_vacuum.down.sql"] = nil
            try sqlite3CLI(path, "UPDATE schema_migrations SET dirty = 1")
            let problems = try await migrator(files, .init()).validate()
            #expect(problems.map(\.kind) == [.modified, .outOfOrder, .dirty, .missingFromSource])
            #expect(problems.map(\.version) == [2, 3, 4, 4])
            #expect(problems.map(\.path) == ["memory/2_posts.up.sql", "memory/3_late.up.sql", nil, nil])
            #expect(problems[1].message == "version 3 was never applied but the database is already at version 4, so `up` refuses to run; move it after the last version with `migrate renumber`, or apply it where it stands with -allow-out-of-order")
            #expect(problems[3].message == "version 4 (vacuum) is applied in the database but has no file in memory; restore its files")
            #expect(problems[2].message.hasPrefix("the database is dirty at version 4"))
            // validate reads only.
            #expect(try sqlite3CLI(path, "SELECT version, dirty FROM schema_migrations") == "4|1")
        }
    }

    @Test func upRefusesAModifiedFileUnlessAllowed() async throws {
        try await withDatabase { (_, path, migrator) async throws in
            var files = Self.files
            files["4_vacuum.up.sql"] = nil
            files["4_vacuum.down.sql"] = nil
            try await migrator(files, .init()).up(1)
            files["1_users.up.sql"] = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);\n"
            let before = try state(path)
            let error = await #expect(throws: MigrateError.self) { try await migrator(files, .init()).up() }
            #expect(error?.code == .modifiedMigration)
            #expect(error?.location?.file == "memory/1_users.up.sql")
            #expect(error?.message.hasPrefix("applied migration 1 (users) was changed after it ran") == true)
            #expect(error?.hint?.contains("-allow-modified") == true)
            #expect(try state(path) == before)
            #expect(try schemaNames(path) == ["schema_migrations", "schema_migrations_history", "users"])
            // goto upward refuses too; down does not (reverting uses the down file).
            #expect(await #expect(throws: MigrateError.self) { try await migrator(files, .init()).goto(2) }?.code == .modifiedMigration)
            let status = try await migrator(files, .init()).status()
            #expect(status.entries.map(\.state) == [.modified, .pending])

            let applied = try await migrator(files, .init(allowModified: true)).up()
            #expect(applied.map(\.version) == [2])
            #expect(try sqlite3CLI(path, "SELECT version, dirty FROM schema_migrations") == "2|0")
            // The applied users table is the old one: the change never reached the database.
            #expect(try sqlite3CLI(path, "SELECT count(*) FROM pragma_table_info('users') WHERE name = 'email'") == "0")
        }
    }

    @Test func previewChangesNothingAndReportsModesAndCounts() async throws {
        try await withDatabase { (_, path, migrator) async throws in
            let m = migrator(Self.files, .init())
            try await m.up(1)
            let stateBefore = try state(path)
            let bytesBefore = try Data(contentsOf: URL(fileURLWithPath: path))

            let up = try await m.preview(.upAll)
            #expect(up.current == DatabaseVersion(version: 1, dirty: false))
            #expect(up.steps.map(\.step.label) == ["2/u posts", "4/u vacuum"])
            #expect(up.steps.map(\.path) == ["memory/2_posts.up.sql", "memory/4_vacuum.up.sql"])
            #expect(up.steps.map(\.mode) == [.transaction, .noTransaction(reason: "VACUUM")])
            #expect(up.steps.map(\.statementCount) == [2, 1])
            #expect(up.finalVersion == 4)
            #expect(up.trailingError == nil)

            let down = try await m.preview(.down(3))
            #expect(down.steps.map(\.step.label) == ["1/d users"])
            #expect(down.finalVersion == nil)
            #expect(down.trailingError?.code == .shortLimit)

            let goto = try await m.preview(.goto(2))
            #expect(goto.steps.map(\.step.label) == ["2/u posts"])
            #expect(goto.finalVersion == 2)

            #expect(await #expect(throws: MigrateError.self) { try await m.preview(.goto(3)) }?.code == .missingVersion)
            #expect(try state(path) == stateBefore)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytesBefore)
            #expect(try await m.version() == DatabaseVersion(version: 1, dirty: false))
        }
    }

    @Test func roundTripsStopAtTheFirstFailingMigration() async throws {
        let files = [
            "1_a.up.sql": "CREATE TABLE a (id INTEGER);\n", "1_a.down.sql": "DROP TABLE a;\n",
            // The down forgets the table; IF NOT EXISTS lets the second up pass anyway.
            "2_b.up.sql": "CREATE TABLE IF NOT EXISTS b (id INTEGER);\n", "2_b.down.sql": "SELECT 1;\n",
            "3_c.up.sql": "CREATE TABLE c (id INTEGER);\n", "3_c.down.sql": "DROP TABLE c;\n",
        ]
        try await withDatabase { (_, _, migrator) async throws in
            let trips = try await migrator(files, .init()).roundTrips(stopAtFirstFailure: true)
            #expect(trips.map(\.version) == [1, 2])
            #expect(trips.map(\.isExact) == [true, false])
            #expect(trips[1].downRestoredSchema == false)
            #expect(trips[1].reapplyRebuiltSchema == true)
            #expect(trips[1].upChangedSchema == true)
            #expect(trips[1].downDifferences.map(\.description) == ["table b still exists", "column b.id still exists"])
            #expect(try await migrator(files, .init()).version() == DatabaseVersion(version: 2, dirty: false))
        }
        try await withDatabase { (_, _, migrator) async throws in
            let trips = try await migrator(files, .init()).roundTrips(stopAtFirstFailure: false)
            #expect(trips.map(\.version) == [1, 2, 3])
            #expect(trips.map(\.isExact) == [true, false, true])
        }
        // A down that forgets an index makes the second up fail: the trips end there whatever the flag.
        var broken = files
        broken["2_b.up.sql"] = "CREATE INDEX a_id ON a (id);\n"
        try await withDatabase { (_, _, migrator) async throws in
            let trips = try await migrator(broken, .init()).roundTrips(stopAtFirstFailure: false)
            #expect(trips.map(\.version) == [1, 2])
            #expect(trips[1].downDifferences.map(\.description) == ["index a_id still exists"])
            #expect(trips[1].reapplyError?.code == .statementFailed)
            #expect(trips[1].reapplyError?.message == "index a_id already exists")
        }
    }
}
