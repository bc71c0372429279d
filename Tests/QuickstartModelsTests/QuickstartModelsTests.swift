import Foundation
import Logging
import QuickstartModels
import SwiftMigrate
import SwiftMigrateSQLite
import Testing

/// The committed, generated quickstart models (examples/quickstart/Models) on a real SQLite file migrated with
/// the quickstart's migrations.
@Suite struct QuickstartModelsTests {
    static let migrations = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/quickstart/migrations").path

    func withDatabase(_ body: (SQLiteDriver) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quickstart-models-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let logger = Logger(label: "quickstart-models-tests")
        let driver = try await SQLiteDriver.open(url: DatabaseURL("sqlite://" + directory.appendingPathComponent("app.db").path), logger: logger)
        do {
            _ = try await Migrator(source: DirectorySource(path: Self.migrations), driver: driver, logger: logger).up()
            try await body(driver)
        } catch {
            try? await driver.close()
            throw error
        }
        try await driver.close()
    }

    @Test func usersInsertWithDefaultsFindUpdateDelete() async throws {
        try await withDatabase { (db: SQLiteDriver) async throws in
            let users = UsersModel(db)
            let ada = try await users.insert(UsersInsert(email: "ada@example.com", name: "Ada"))
            #expect(ada.id == 1)
            #expect(ada.email == "ada@example.com")
            #expect(ada.createdAt.count == 19)  // CURRENT_TIMESTAMP: YYYY-MM-DD HH:MM:SS
            #expect(ada.createdAt == ada.updatedAt)
            #expect(try await users.findOne(id: 1) == ada)
            #expect(try await users.findOneByEmail(email: "ada@example.com") == ada)
            #expect(try await users.findOneByEmail(email: "bob@example.com") == nil)

            var renamed = ada
            renamed.name = "Ada Lovelace"
            #expect(try await users.update(renamed)?.name == "Ada Lovelace")
            #expect(try await users.findOne(id: 1)?.name == "Ada Lovelace")
            #expect(try await db.query("SELECT name FROM users WHERE id = ?1", [.integer(1)]) == [[.text("Ada Lovelace")]])
            var missing = renamed
            missing.id = 42
            #expect(try await users.update(missing) == nil)

            #expect(try await users.delete(id: 1) == true)
            #expect(try await users.delete(id: 1) == false)
            #expect(try await users.findOne(id: 1) == nil)
        }
    }

    @Test func nullableColumnsDefaultsAndCompositeKeys() async throws {
        try await withDatabase { (db: SQLiteDriver) async throws in
            let user = try await UsersModel(db).insert(UsersInsert(email: "a@example.com", name: "A"))
            let posts = PostsModel(db)
            let draft = try await posts.insert(PostsInsert(userId: user.id, title: "Hello"))
            #expect(draft.body == "")
            #expect(draft.publishedAt == nil)
            let published = try await posts.insert(PostsInsert(userId: user.id, title: "Out", publishedAt: "2025-11-05 12:00:00"))
            #expect(published.publishedAt == "2025-11-05 12:00:00")
            #expect(try await db.query("SELECT count(*) FROM posts WHERE published_at IS NULL") == [[.integer(1)]])

            let tag = try await TagsModel(db).insert(TagsInsert(name: "Swift"))
            #expect(try await TagsModel(db).findOneByName(name: "Swift") == tag)
            let postTags = PostTagsModel(db)
            let link = try await postTags.insert(PostTagsInsert(postId: draft.id, tagId: tag.id))
            #expect(try await postTags.findOne(postId: draft.id, tagId: tag.id) == link)
            #expect(try await postTags.delete(postId: draft.id, tagId: tag.id) == true)
            #expect(try await postTags.findOne(postId: draft.id, tagId: tag.id) == nil)
        }
    }
}
