import Foundation
import Testing
@testable import SwiftMigrate

/// Renumbering in a temporary directory outside any git work tree: plain renames, the first by file name keeps.
@Suite struct MigrationRenumbererTests {
    /// A directory with empty-ish files of these names; removed by the caller.
    func directory(_ names: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("renumber-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for name in names {
            try "SELECT '\(name)';\n".write(toFile: "\(path)/\(name)", atomically: true, encoding: .utf8)
        }
        return path
    }

    func listing(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    static func record(_ version: Int64, _ name: String, _ direction: Direction = .up) -> HistoryRecord {
        HistoryRecord(
            version: version, direction: direction, name: name, checksum: nil, appliedAt: Date(timeIntervalSince1970: 0),
            durationMs: 1, appliedBy: "test"
        )
    }

    /// `from -> to` with bare file names.
    func summary(_ renames: [MigrationRenumberer.Rename]) -> [String] {
        renames.map { "\($0.fromName) -> \($0.toName)" }
    }

    @Test func nothingToDoIsEmpty() throws {
        let dir = try directory(["001_a.up.sql", "001_a.down.sql", "002_b.up.sql"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try MigrationRenumberer(directory: dir).plan().isEmpty)
    }

    @Test func conflictFirstByNameKeepsAndThePairMovesTogetherKeepingTheWidth() throws {
        let dir = try directory([
            "001_init.up.sql", "001_init.down.sql", "003_add_phone.up.sql", "003_add_phone.down.sql",
            "003_add_email.up.sql", "003_add_email.down.sql", "005_tags.up.sql", "005_tags.down.sql",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let renumberer = MigrationRenumberer(directory: dir)
        // Several times: the keeper must not depend on dictionary order.
        for _ in 0..<5 {
            let renames = try renumberer.plan()
            #expect(summary(renames) == ["003_add_phone.down.sql -> 006_add_phone.down.sql", "003_add_phone.up.sql -> 006_add_phone.up.sql"])
            #expect(renames.map(\.oldVersion) == [3, 3])
            #expect(renames.map(\.newVersion) == [6, 6])
            #expect(renames.first?.from == "\(dir)/003_add_phone.down.sql")
            #expect(renames.first?.to == "\(dir)/006_add_phone.down.sql")
            #expect(renames.first?.reason == "version 3 is also used by 003_add_email.down.sql")
        }
    }

    @Test func severalMovesGetConsecutiveVersionsInTheOrderOfTheOldOnes() throws {
        let dir = try directory(["1_a.up.sql", "1_b.up.sql", "2_c.up.sql", "2_d.sql", "9_z.up.sql"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let renames = try MigrationRenumberer(directory: dir).plan()
        #expect(summary(renames) == ["1_b.up.sql -> 10_b.up.sql", "2_d.sql -> 11_d.sql"])
    }

    @Test func timestampsStayFourteenDigits() throws {
        let dir = try directory([
            "20240101120000_a.up.sql", "20240101120000_a.down.sql", "20240101120000_b.up.sql", "20240101120000_b.down.sql",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let renames = try MigrationRenumberer(directory: dir).plan()
        #expect(summary(renames) == [
            "20240101120000_b.down.sql -> 20240101120001_b.down.sql", "20240101120000_b.up.sql -> 20240101120001_b.up.sql",
        ])
    }

    @Test func theAppliedMigrationKeepsItsVersionEvenIfItSortsLater() throws {
        let dir = try directory(["001_a.up.sql", "002_x.up.sql", "002_x.down.sql", "002_y.up.sql", "002_y.down.sql"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let history = [Self.record(1, "a"), Self.record(2, "y")]
        let renames = try MigrationRenumberer(directory: dir).plan(current: DatabaseVersion(version: 2, dirty: false), history: history)
        #expect(summary(renames) == ["002_x.down.sql -> 003_x.down.sql", "002_x.up.sql -> 003_x.up.sql"])
        #expect(renames.first?.reason == "version 2 is also used by 002_y.down.sql")
    }

    @Test func outOfOrderFilesMoveAfterTheCurrentVersion() throws {
        let dir = try directory(["001_a.up.sql", "002_late.up.sql", "002_late.down.sql", "003_c.up.sql", "004_d.up.sql"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let renumberer = MigrationRenumberer(directory: dir)
        let history = [Self.record(1, "a"), Self.record(3, "c")]
        let at3 = DatabaseVersion(version: 3, dirty: false)
        // 4 is pending, not out of order; the new version follows the highest file.
        let renames = try renumberer.plan(current: at3, history: history)
        #expect(summary(renames) == ["002_late.down.sql -> 005_late.down.sql", "002_late.up.sql -> 005_late.up.sql"])
        #expect(renames.first?.reason == "never applied, but the database is already at version 3")
        // Without a database nothing is out of order.
        #expect(try renumberer.plan().isEmpty)
        // Below the first recorded version golang-migrate may have applied it: not judged.
        #expect(try renumberer.plan(current: at3, history: [Self.record(3, "c")]).isEmpty)
        // The database's version counts when it is above every file (its files are gone).
        let at20 = DatabaseVersion(version: 20, dirty: false)
        let ahead = try renumberer.plan(current: at20, history: history + [Self.record(20, "gone")])
        #expect(summary(ahead) == [
            "002_late.down.sql -> 021_late.down.sql", "002_late.up.sql -> 021_late.up.sql", "004_d.up.sql -> 022_d.up.sql",
        ])
    }

    @Test func applyRenamesWithoutGitAndRefusesToOverwrite() throws {
        let dir = try directory(["1_a.up.sql", "1_b.up.sql", "1_b.down.sql"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let renumberer = MigrationRenumberer(directory: dir)
        let renames = try renumberer.plan()
        #expect(summary(renames) == ["1_b.down.sql -> 2_b.down.sql", "1_b.up.sql -> 2_b.up.sql"])
        #expect(!renumberer.isTracked("1_b.up.sql"))

        // A file appeared at a target since the plan: nothing moves.
        try "x".write(toFile: "\(dir)/2_b.up.sql", atomically: true, encoding: .utf8)
        let refused = #expect(throws: MigrateError.self) { try renumberer.apply(renames) }
        #expect(refused?.code == .fileExists)
        #expect(refused?.message == "cannot rename \(dir)/1_b.up.sql to \(dir)/2_b.up.sql: the file exists")
        #expect(try listing(dir) == ["1_a.up.sql", "1_b.down.sql", "1_b.up.sql", "2_b.up.sql"])

        try FileManager.default.removeItem(atPath: "\(dir)/2_b.up.sql")
        try renumberer.apply(renames)
        #expect(try listing(dir) == ["1_a.up.sql", "2_b.down.sql", "2_b.up.sql"])
        #expect(try String(contentsOfFile: "\(dir)/2_b.up.sql", encoding: .utf8) == "SELECT '1_b.up.sql';\n")
        #expect(try renumberer.plan().isEmpty)
    }
}
