import Foundation
import SwiftMigrate
import SwiftMigrateSQLite
import Testing

/// A driver that implements only what ``DatabaseDriver`` requires, each member forwarding to a real SQLite
/// driver: it proves that the protocol's required members are all a runner needs (no traits, no schema
/// reading, no catalog), on a real database file.
final class RequiredMembersDriver: DatabaseDriver {
    let base: SQLiteDriver

    init(_ base: SQLiteDriver) { self.base = base }

    var dialect: SQLDialect { base.dialect }
    var displayURL: String { base.displayURL }
    func prepare() async throws { try await base.prepare() }
    func lock(timeout: Duration) async throws { try await base.lock(timeout: timeout) }
    func unlock() async throws { try await base.unlock() }
    func readVersion() async throws -> DatabaseVersion { try await base.readVersion() }
    func writeVersion(_ state: DatabaseVersion, replacing expected: DatabaseVersion?, recording records: [HistoryRecord]) async throws {
        try await base.writeVersion(state, replacing: expected, recording: records)
    }
    func readHistory() async throws -> [HistoryRecord] { try await base.readHistory() }
    func execute(_ sql: String) async throws { try await base.execute(sql) }
    func beginTransaction() async throws { try await base.beginTransaction() }
    func commitTransaction() async throws { try await base.commitTransaction() }
    func rollbackTransaction() async throws { try await base.rollbackTransaction() }
    func drop() async throws { try await base.drop() }
    func close() async throws { try await base.close() }
}

@Suite struct RequiredMembersDriverTests {
    static let files = [
        "1_users.up.sql": "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n",
        "1_users.down.sql": "DROP TABLE users;\n",
        "2_seed.up.sql": "INSERT INTO users (name) VALUES ('a');\nINSERT INTO users (name) VALUES (NULL, 'too many');\n",
        "2_seed.down.sql": "DELETE FROM users;\n",
    ]

    @Test("the migrator runs, rolls back, reverts and reports status with the required members alone")
    func migratesWithRequiredMembers() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/app.db"
            let driver = RequiredMembersDriver(try await openDriver("sqlite://\(path)"))
            let migrator = Migrator(source: InMemorySource(files: Self.files), driver: driver, logger: testLogger)
            do {
                // 2 fails (two values for one column) and rolls back in its transaction: 1 stays applied.
                let error = await #expect(throws: MigrateError.self) { try await migrator.up() }
                #expect(error?.code == .statementFailed)
                #expect(error?.location?.file == "memory/2_seed.up.sql")
                #expect(error?.location?.line == 2)
                #expect(try await migrator.version() == DatabaseVersion(version: 1, dirty: false))
                #expect(try sqlite3CLI(path, "SELECT count(*) FROM users") == "0")
                let status = try await migrator.status()
                #expect(status.entries.map(\.state) == [.applied, .pending])
                #expect(try await migrator.down(1).map(\.version) == [1])
                #expect(try sqlite3CLI(path, "SELECT count(*) FROM sqlite_master WHERE name = 'users'") == "0")
                // What needs an opt-in capability says which one is missing.
                let snapshot = await #expect(throws: MigrateError.self) { _ = try await migrator.schemaSnapshot() }
                #expect(snapshot?.message.contains("SchemaReading") == true)
                try await driver.close()
            } catch {
                try? await driver.close()
                throw error
            }
        }
    }
}
