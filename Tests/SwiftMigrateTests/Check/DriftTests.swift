import Foundation
import Testing
@testable import SwiftMigrate

/// Drift: applied files that changed since they ran, and files below the current version that never ran, judged
/// from the source and hand-made history rows.
@Suite struct DriftTests {
    static let files: [String: String] = [
        "1_users.up.sql": "CREATE TABLE users (id int);\n",
        "1_users.down.sql": "DROP TABLE users;\n",
        "2_posts.up.sql": "CREATE TABLE posts (id int);\nCREATE INDEX posts_id ON posts (id);\n",
        "2_posts.down.sql": "DROP TABLE posts;\n",
        "3_tags.up.sql": "CREATE TABLE tags (id int);\n",
        "3_tags.down.sql": "DROP TABLE tags;\n",
        "4_likes.up.sql": "CREATE TABLE likes (id int);\n",
        "4_likes.down.sql": "DROP TABLE likes;\n",
    ]

    static func migrations(_ files: [String: String] = files) throws -> [Migration] {
        try InMemorySource(files: files).load().migrations
    }

    /// A history row for `version` with the checksum of the up file in `files` (nil: applied by golang-migrate).
    static func record(
        _ version: Int64, _ direction: Direction = .up, files: [String: String]? = DriftTests.files
    ) -> HistoryRecord {
        let up = files.flatMap { files in files.first { $0.key.hasPrefix("\(version)_") && $0.key.contains(".up.") }?.value }
        return HistoryRecord(
            version: version, direction: direction, name: "m\(version)",
            checksum: direction == .up ? up.map { MigrationScript(path: "x", contents: $0).checksum } : nil,
            appliedAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(version)), durationMs: 1, appliedBy: "test"
        )
    }

    static let at4 = DatabaseVersion(version: 4, dirty: false)
    static let allApplied = [record(1), record(2), record(3), record(4)]

    @Test func unchangedFilesAreNotModified() throws {
        #expect(Drift.modified(migrations: try Self.migrations(), current: Self.at4, history: Self.allApplied).isEmpty)
    }

    @Test func anEditedUpFileIsModifiedWithBothChecksums() throws {
        var files = Self.files
        files["2_posts.up.sql"] = "CREATE TABLE posts (id bigint);\nCREATE INDEX posts_id ON posts (id);\n"
        let modified = Drift.modified(migrations: try Self.migrations(files), current: Self.at4, history: Self.allApplied)
        #expect(modified.map(\.version) == [2])
        #expect(modified.first?.name == "posts")
        #expect(modified.first?.path == "memory/2_posts.up.sql")
        #expect(modified.first?.recordedChecksum == Self.record(2).checksum)
        #expect(modified.first?.currentChecksum == MigrationScript(path: "x", contents: files["2_posts.up.sql"]!).checksum)
        #expect(modified.first?.recordedChecksum != modified.first?.currentChecksum)
        // A changed down file is not drift: the up is what ran.
        var downOnly = Self.files
        downOnly["2_posts.down.sql"] = "DROP TABLE posts CASCADE;\n"
        #expect(Drift.modified(migrations: try Self.migrations(downOnly), current: Self.at4, history: Self.allApplied).isEmpty)
    }

    @Test func lineEndingsAndTrailingWhitespaceAreNotAChange() throws {
        var files = Self.files
        files["2_posts.up.sql"] = "CREATE TABLE posts (id int);  \r\nCREATE INDEX posts_id ON posts (id);\t\r\n\r\n\n"
        files["3_tags.up.sql"] = "CREATE TABLE tags (id int);"  // no final newline
        #expect(Drift.modified(migrations: try Self.migrations(files), current: Self.at4, history: Self.allApplied).isEmpty)
        // Leading whitespace and inner changes do count.
        files["3_tags.up.sql"] = "  CREATE TABLE tags (id int);\n"
        #expect(Drift.modified(migrations: try Self.migrations(files), current: Self.at4, history: Self.allApplied).map(\.version) == [3])
    }

    @Test func onlyAppliedVersionsWithARecordedChecksumAreJudged() throws {
        var files = Self.files
        for name in ["1_users.up.sql", "3_tags.up.sql", "4_likes.up.sql"] { files[name] = "SELECT 'changed';\n" }
        // 1 applied by golang-migrate (no checksum), 3 reverted by a later down, 4 above the current version.
        let history = [Self.record(1, files: nil), Self.record(2), Self.record(3), Self.record(3, .down), Self.record(4)]
        let at3 = DatabaseVersion(version: 3, dirty: false)
        #expect(Drift.modified(migrations: try Self.migrations(files), current: at3, history: history).isEmpty)
        // No version or no history: nothing to compare.
        let none = DatabaseVersion(version: nil, dirty: false)
        #expect(Drift.modified(migrations: try Self.migrations(files), current: none, history: history).isEmpty)
        #expect(Drift.modified(migrations: try Self.migrations(files), current: Self.at4, history: []).isEmpty)
        // Re-applied after the down: the latest up counts, so 3 is fine; 4 is judged once the database is at 4.
        let reapplied = history + [Self.record(3, files: files)]
        #expect(Drift.modified(migrations: try Self.migrations(files), current: at3, history: reapplied).isEmpty)
        #expect(Drift.modified(migrations: try Self.migrations(files), current: Self.at4, history: reapplied).map(\.version) == [4])
    }

    @Test func aFileBelowTheCurrentVersionThatNeverRanIsOutOfOrder() throws {
        let history = [Self.record(1), Self.record(2), Self.record(4)]
        let outOfOrder = Drift.outOfOrder(migrations: try Self.migrations(), current: Self.at4, history: history)
        #expect(outOfOrder.map(\.version) == [3])
        // Reverted then never re-applied counts as never applied.
        let reverted = [Self.record(1), Self.record(2), Self.record(3), Self.record(3, .down), Self.record(4)]
        #expect(Drift.outOfOrder(migrations: try Self.migrations(), current: Self.at4, history: reverted).map(\.version) == [3])
        // Pending files above the current version are not out of order.
        let at2 = DatabaseVersion(version: 2, dirty: false)
        #expect(Drift.outOfOrder(migrations: try Self.migrations(), current: at2, history: [Self.record(1), Self.record(2)]).isEmpty)
    }

    @Test func versionsBelowTheFirstRecordedOneAreNotJudged() throws {
        // golang-migrate applied 1 and 2 before the switch: only 3 and 4 are in the history.
        let history = [Self.record(3), Self.record(4)]
        #expect(Drift.outOfOrder(migrations: try Self.migrations(), current: Self.at4, history: history).isEmpty)
        // Without any history (golang-migrate only) nothing can be judged.
        #expect(Drift.outOfOrder(migrations: try Self.migrations(), current: Self.at4, history: []).isEmpty)
        // A file merged in between recorded versions still is.
        var files = Self.files
        files["5_late.up.sql"] = "SELECT 5;\n"
        files["6_last.up.sql"] = "SELECT 6;\n"
        let at6 = DatabaseVersion(version: 6, dirty: false)
        let recorded = history + [Self.record(6, files: files)]
        #expect(Drift.outOfOrder(migrations: try Self.migrations(files), current: at6, history: recorded).map(\.version) == [5])
    }

    @Test func statusShowsModifiedAndOutOfOrder() throws {
        var files = Self.files
        files["1_users.up.sql"] = "CREATE TABLE users (id bigint);\n"
        let history = [Self.record(1), Self.record(2), Self.record(4)]
        let status = Migrator.status(migrations: try Self.migrations(files), current: Self.at4, history: history)
        #expect(status.entries.map(\.state) == [.modified, .applied, .outOfOrder, .applied])
        #expect(status.entries[2].appliedAt == nil)
        #expect(status.entries[0].appliedAt == Self.record(1).appliedAt)
        #expect(MigrationStatus.State.outOfOrder.rawValue == "out-of-order")
        #expect(MigrationStatus.State.modified.rawValue == "modified")
    }

    @Test func modifiedErrorNamesTheFileAndTheWayOut() throws {
        var files = Self.files
        files["1_users.up.sql"] = "CREATE TABLE users (id bigint);\n"
        files["2_posts.up.sql"] = "SELECT 2;\n"
        let modified = Drift.modified(migrations: try Self.migrations(files), current: Self.at4, history: Self.allApplied)
        let error = Drift.modifiedError(modified)
        #expect(error.code == .modifiedMigration)
        #expect(error.version == 1)
        #expect(error.location == SourceLocation(file: "memory/1_users.up.sql", line: 1, column: 1))
        #expect(error.message.hasPrefix("applied migration 1 (users) was changed after it ran (recorded checksum \(modified[0].recordedChecksum.prefix(12)), file now \(modified[0].currentChecksum.prefix(12)))"))
        #expect(error.message.hasSuffix("; also changed: memory/2_posts.up.sql"))
        #expect(error.hint?.contains("git checkout -- memory/1_users.up.sql") == true)
        #expect(error.hint?.contains("-allow-modified") == true)
    }
}
