import Foundation
import SwiftMigrate
import SwiftMigrateSQLite
import Testing

/// Schema snapshots of real SQLite files: sqlite_master plus the table pragmas.
@Suite struct SQLiteSchemaSnapshotTests {
    static let quickstart = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/quickstart/migrations").path

    /// Runs `body` with a driver on a new file and a migrator over `source`.
    func withMigrator(
        _ source: any MigrationSource = DirectorySource(path: quickstart), query: String = "",
        _ body: (Migrator, SQLiteDriver) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            let driver = try await openDriver(in: directory, query: query)
            do {
                try await body(Migrator(source: source, driver: driver, logger: testLogger), driver)
            } catch {
                try? await driver.close()
                throw error
            }
            try await driver.close()
        }
    }

    func quickstartSnapshot() async throws -> SchemaSnapshot {
        var snapshot: SchemaSnapshot?
        try await withMigrator { (migrator, driver) async throws in
            try await migrator.up()
            snapshot = try await driver.schemaSnapshot()
        }
        return try #require(snapshot)
    }

    @Test func quickstartSnapshotIsDeterministicAndComplete() async throws {
        let first = try await quickstartSnapshot()
        let second = try await quickstartSnapshot()
        #expect(first == second)
        #expect(first.rendered() == second.rendered())

        #expect(first.names(of: .table) == ["post_tags", "posts", "tags", "users"])
        #expect(first.object(.column, "users.email")?.definition == "TEXT NOT NULL")
        #expect(first.object(.column, "users.created_at")?.definition == "TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP")
        #expect(first.object(.column, "users.id")?.definition == "INTEGER PRIMARY KEY")
        #expect(first.object(.constraint, "users.unique(email)")?.definition == "UNIQUE (email)")
        #expect(first.object(.constraint, "tags.unique(name)")?.definition == "UNIQUE (name COLLATE NOCASE)")
        #expect(first.object(.constraint, "post_tags.primary_key(post_id, tag_id)")?.definition == "PRIMARY KEY (post_id, tag_id)")
        #expect(
            first.object(.constraint, "post_tags.foreign_key(tag_id)")?.definition
                == "FOREIGN KEY (tag_id) REFERENCES tags (id) ON UPDATE NO ACTION ON DELETE CASCADE MATCH NONE"
        )
        #expect(
            first.object(.index, "idx_posts_published_at")?.definition
                == "CREATE INDEX idx_posts_published_at ON posts (published_at) WHERE published_at IS NOT NULL"
        )
        #expect(first.object(.trigger, "users_touch_updated_at")?.parent == .init(.table, "users"))
        #expect(first.object(.table, "post_tags")?.definition.hasSuffix(") WITHOUT ROWID") == true)

        let rendered = first.rendered()
        #expect(rendered.hasPrefix("table post_tags\n    CREATE TABLE post_tags (\n"))
        let lines = rendered.split(separator: "\n").map(String.init)
        for line in [
            "  column posts.published_at TEXT",
            "  constraint posts.foreign_key(user_id) FOREIGN KEY (user_id) REFERENCES users (id) ON UPDATE NO ACTION ON DELETE CASCADE MATCH NONE",
            "  index idx_posts_user_id CREATE INDEX idx_posts_user_id ON posts (user_id)",
            "  trigger users_touch_updated_at",
            "          UPDATE users SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;",
        ] {
            #expect(lines.contains(line), "missing line: \(line)")
        }
        // Neither the version table (with golang-migrate's version_unique index) nor the history.
        #expect(!rendered.contains("schema_migrations"))
        #expect(!rendered.contains("version_unique"))
        #expect(!rendered.contains("sqlite_"))
    }

    @Test func everyQuickstartDownRestoresTheSchema() async throws {
        let count = try DirectorySource(path: Self.quickstart).load().migrations.count
        #expect(count == 4)
        try await withMigrator { (migrator, driver) async throws in
            let trips = try await migrator.roundTrips()
            #expect(trips.count == count)
            for trip in trips {
                let step = trip.version
                #expect(trip.upChangedSchema, "migration \(step) changed nothing")
                #expect(trip.downDifferences.map(\.description) == [], "migration \(step)")
                #expect(trip.downRestoredSchema)
                #expect(trip.reapplyRebuiltSchema, "migration \(step) applied again")
            }
        }
    }

    @Test func differencesNameWhatAForgetfulDownLeftBehind() async throws {
        let source = InMemorySource(files: [
            "1_posts.up.sql": "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL);",
            "1_posts.down.sql": "DROP TABLE posts;",
            "2_body.up.sql": """
                ALTER TABLE posts ADD COLUMN body TEXT;
                CREATE INDEX idx_posts_title ON posts (title);
                CREATE VIEW titles AS SELECT title FROM posts;
                """,
            "2_body.down.sql": "DROP VIEW titles;",
        ])
        try await withMigrator(source) { (migrator, driver) async throws in
            try await migrator.up(1)
            let before = try await driver.schemaSnapshot()
            try await migrator.up(1)
            try await migrator.down(1)
            let after = try await driver.schemaSnapshot()
            #expect(after.differences(from: before).map(\.description) == [
                "table posts differs: expected `CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL)`, "
                    + "found `CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT)`",
                "column posts.body still exists",
                "index idx_posts_title still exists",
            ])
            // The other way round, as when the up forgot something the down removes.
            #expect(before.differences(from: after).map(\.description).dropFirst() == [
                "column posts.body is missing",
                "index idx_posts_title is missing",
            ])
        }
    }

    @Test func leavesOutACustomVersionTable() async throws {
        try await withMigrator(InMemorySource(files: ["1_a.up.sql": "CREATE TABLE a (x);"]), query: "x-migrations-table=versions") {
            (migrator, driver) async throws in
            try await migrator.up()
            let snapshot = try await driver.schemaSnapshot()
            #expect(snapshot.rendered() == "table a CREATE TABLE a (x)\n  column a.x\n")
        }
    }
}

@Suite struct RoundTripSQLiteTests {
    @Test func roundTripsNameWhatAForgetfulDownLeavesBehind() async throws {
        try await withTemporaryDirectory { directory in
            let driver = try await openDriver(in: directory)
            let migrator = Migrator(source: InMemorySource(files: [
                "1_posts.up.sql": "CREATE TABLE posts (id INTEGER PRIMARY KEY, title TEXT);\nCREATE INDEX idx_posts_title ON posts(title);\n",
                "1_posts.down.sql": "DROP TABLE posts;\n",
                "2_tags.up.sql": "CREATE TABLE tags (id INTEGER PRIMARY KEY);\nCREATE INDEX idx_tags_id ON tags(id);\n",
                "2_tags.down.sql": "DROP INDEX idx_tags_id;\n",
            ]), driver: driver, logger: testLogger)
            let trips = try await migrator.roundTrips()
            try await driver.close()
            #expect(trips.map(\.version) == [1, 2])
            #expect(trips[0].isExact)
            #expect(trips[1].isExact == false)
            #expect(trips[1].downRestoredSchema == false)
            #expect(trips[1].downDifferences.map(\.description).contains("table tags still exists"), "\(trips[1].downDifferences)")
            #expect(trips[1].reapplyError?.message == "table tags already exists")
            #expect(trips[1].reapplyError?.location?.file == "memory/2_tags.up.sql")
        }
    }
}
