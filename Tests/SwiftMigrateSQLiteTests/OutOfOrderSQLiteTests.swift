import Foundation
import SwiftMigrate
import SwiftMigrateSQLite
import Testing

/// Issue 18, item 1: a file below the current version that never ran (the guide's merge conflict) is refused by
/// `up` and `goto` upward before anything changes, or applied first with `allowOutOfOrder`.
@Suite struct OutOfOrderSQLiteTests {
    /// 1, 2 and 4 are applied; 3_late arrives afterwards (a merged branch).
    static let applied: [String: String] = [
        "1_a.up.sql": "CREATE TABLE a (id INTEGER);\n", "1_a.down.sql": "DROP TABLE a;\n",
        "2_b.up.sql": "CREATE TABLE b (id INTEGER);\n", "2_b.down.sql": "DROP TABLE b;\n",
        "4_d.up.sql": "CREATE TABLE d (id INTEGER);\n", "4_d.down.sql": "DROP TABLE d;\n",
    ]
    static let late = applied.merging([
        "3_late.up.sql": "CREATE TABLE late (id INTEGER);\n", "3_late.down.sql": "DROP TABLE late;\n",
    ]) { $1 }

    func withMigrated(_ body: (SQLiteDriver, String) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/late.db"
            let driver = try await openDriver("sqlite://\(path)")
            do {
                try await Migrator(source: InMemorySource(files: Self.applied), driver: driver, logger: testLogger).up()
                try await body(driver, path)
                try await driver.close()
            } catch {
                try? await driver.close()
                throw error
            }
        }
    }

    func history(_ path: String) throws -> String {
        try sqlite3CLI(path, "SELECT group_concat(version || direction, ' ') FROM (SELECT * FROM schema_migrations_history ORDER BY id)")
    }

    @Test func upGotoAndPreviewRefuseBeforeChangingAnything() async throws {
        try await withMigrated { (driver, path) async throws in
            var files = Self.late
            files["5_e.up.sql"] = "CREATE TABLE e (id INTEGER);\n"
            let migrator = Migrator(source: InMemorySource(files: files), driver: driver, logger: testLogger)
            for request in [MigrationRequest.upAll, .up(1), .goto(5)] {
                let error = await #expect(throws: MigrateError.self) { try await migrator.run(request) }
                #expect(error?.code == .outOfOrder, "\(request)")
                #expect(error?.message == "memory/3_late.up.sql (version 3) was never applied, but the database is already at version 4; nothing was applied")
                #expect(error?.location?.file == "memory/3_late.up.sql")
                #expect(error?.hint?.contains("`migrate renumber`") == true)
                #expect(error?.hint?.contains("-allow-out-of-order") == true)
                let preview = await #expect(throws: MigrateError.self) { try await migrator.preview(request) }
                #expect(preview?.code == .outOfOrder)
            }
            #expect(try sqlite3CLI(path, "SELECT version, dirty FROM schema_migrations") == "4|0")
            #expect(try schemaNames(path).filter { !$0.hasPrefix("schema_") } == ["a", "b", "d"])
            #expect(try history(path) == "1up 2up 4up")
            // Going down, or to the current version, is not refused: it applies nothing below.
            #expect(try await migrator.goto(4).isEmpty)
        }
    }

    @Test func allowOutOfOrderAppliesThemFirstKeepingTheVersion() async throws {
        try await withMigrated { (driver, path) async throws in
            var files = Self.late
            files["5_e.up.sql"] = "CREATE TABLE e (id INTEGER);\n"
            files["5_e.down.sql"] = "DROP TABLE e;\n"
            let migrator = Migrator(
                source: InMemorySource(files: files), driver: driver, configuration: .init(allowOutOfOrder: true),
                logger: testLogger
            )
            let preview = try await migrator.preview(.upAll)
            #expect(preview.steps.map(\.step.label) == ["3/u late", "5/u e"])
            #expect(preview.steps.map(\.step.targetVersion) == [4, 5])
            let applied = try await migrator.up()
            #expect(applied.map(\.version) == [3, 5])
            #expect(try sqlite3CLI(path, "SELECT version, dirty FROM schema_migrations") == "5|0")
            #expect(try history(path) == "1up 2up 4up 3up 5up")
            #expect(try schemaNames(path).contains("late"))
            // Recorded in the history, 3 is applied now: nothing is out of order, nothing left to do.
            let plain = Migrator(source: InMemorySource(files: files), driver: driver, logger: testLogger)
            #expect(try await plain.validate().isEmpty)
            #expect(try await plain.status().entries.map(\.state) == [.applied, .applied, .applied, .applied, .applied])
            #expect(try await plain.up().isEmpty)
        }
    }

    @Test func allowOutOfOrderWithNothingPendingAppliesOnlyTheLateOnes() async throws {
        try await withMigrated { (driver, path) async throws in
            let migrator = Migrator(
                source: InMemorySource(files: Self.late), driver: driver, configuration: .init(allowOutOfOrder: true),
                logger: testLogger
            )
            // `up 1`: nothing is pending above 4, but the late file runs and no `no migration to apply` follows.
            #expect(try await migrator.up(1).map(\.version) == [3])
            #expect(try sqlite3CLI(path, "SELECT version, dirty FROM schema_migrations") == "4|0")
            #expect(try history(path) == "1up 2up 4up 3up")
        }
    }
}
