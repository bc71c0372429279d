import Foundation
import PostgresNIO
import SwiftMigrate
import Testing

@testable import SwiftMigratePostgres

/// The version and history tables: created and written exactly as golang-migrate does.
@Suite struct PostgresDriverStateTests {
    func columns(_ db: TestDatabase, schema: String = "public", table: String) async throws -> [[String?]] {
        try await db.rows(
            "SELECT column_name::text, data_type::text, is_nullable::text FROM information_schema.columns "
                + "WHERE table_schema = '\(schema)' AND table_name = '\(table)' ORDER BY ordinal_position"
        )
    }

    func primaryKey(_ db: TestDatabase, schema: String = "public", table: String) async throws -> [[String?]] {
        try await db.rows(
            """
            SELECT k.column_name::text FROM information_schema.table_constraints c
            JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema
            WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = '\(schema)' AND c.table_name = '\(table)'
            """
        )
    }

    @Test func prepareCreatesGolangMigratesTableAndTheHistory() async throws {
        try await TestDatabase.with { db in
            try await withDriver(try await db.open()) { driver in
                #expect(try await driver.readVersion() == .none)
                #expect(try await driver.readHistory() == [])
                try await driver.prepare()
                try await driver.prepare()  // idempotent
            }
            #expect(try await columns(db, table: "schema_migrations") == [["version", "bigint", "NO"], ["dirty", "boolean", "NO"]])
            #expect(try await primaryKey(db, table: "schema_migrations") == [["version"]])
            #expect(try await columns(db, table: "schema_migrations_history") == [
                ["id", "bigint", "NO"], ["version", "bigint", "NO"], ["direction", "text", "NO"], ["name", "text", "NO"],
                ["checksum", "text", "YES"], ["applied_at", "timestamp with time zone", "NO"],
                ["duration_ms", "double precision", "NO"], ["applied_by", "text", "NO"],
            ])
            #expect(try await primaryKey(db, table: "schema_migrations_history") == [["id"]])
        }
    }

    @Test func versionRowsAreWrittenLikeGolangMigrate() async throws {
        try await TestDatabase.with { db in
            try await withDriver(try await db.open()) { driver in
                try await driver.prepare()
                let rows = "SELECT version::text, dirty::text FROM schema_migrations"
                try await driver.writeVersion(DatabaseVersion(version: 5, dirty: false))
                #expect(try await db.rows(rows) == [["5", "false"]])
                try await driver.writeVersion(DatabaseVersion(version: 20_240_101_120_000, dirty: true))
                #expect(try await db.rows(rows) == [["20240101120000", "true"]])
                #expect(try await driver.readVersion() == DatabaseVersion(version: 20_240_101_120_000, dirty: true))
                // No version and clean: the table is left empty.
                try await driver.writeVersion(.none)
                #expect(try await db.rows(rows) == [])
                #expect(try await driver.readVersion() == .none)
                // No version but dirty (a failed first down migration): golang-migrate writes -1.
                try await driver.writeVersion(DatabaseVersion(version: nil, dirty: true))
                #expect(try await db.rows(rows) == [["-1", "true"]])
                #expect(try await driver.readVersion() == DatabaseVersion(version: nil, dirty: true))
                // A row written by golang-migrate itself reads back the same.
                try await db.execute("TRUNCATE schema_migrations")
                try await db.execute("INSERT INTO schema_migrations VALUES (42, false)")
                #expect(try await driver.readVersion() == DatabaseVersion(version: 42, dirty: false))
            }
        }
    }

    @Test("the version write is a compare-and-set: a row another runner wrote is never overwritten")
    func versionWriteComparesAndSets() async throws {
        try await TestDatabase.with { db in
            let rows = "SELECT version::text, dirty::text FROM schema_migrations"
            let record = HistoryRecord(version: 3, direction: .up, name: "c", checksum: nil, appliedAt: Date(), durationMs: 1, appliedBy: "me")
            try await withDriver(try await db.open()) { driver in
                try await driver.prepare()
                // From an empty table, from each kind of row, and the same version dirty -> clean.
                try await driver.writeVersion(DatabaseVersion(version: 1, dirty: false), replacing: DatabaseVersion.none, recording: [])
                try await driver.writeVersion(DatabaseVersion(version: 2, dirty: true), replacing: DatabaseVersion(version: 1, dirty: false), recording: [])
                try await driver.writeVersion(DatabaseVersion(version: 2, dirty: false), replacing: DatabaseVersion(version: 2, dirty: true), recording: [])
                #expect(try await db.rows(rows) == [["2", "false"]])
                // Another runner moved it to 5: writing 3 over 2 changes nothing, history included, and says why.
                try await db.execute("DELETE FROM schema_migrations")
                try await db.execute("INSERT INTO schema_migrations VALUES (5, false)")
                try await driver.beginTransaction()
                let error = await migrateError {
                    try await driver.writeVersion(DatabaseVersion(version: 3, dirty: false), replacing: DatabaseVersion(version: 2, dirty: false), recording: [record])
                }
                try await driver.rollbackTransaction()
                #expect(error?.code == .versionChanged)
                #expect(error?.message.contains("expected 2, found 5") == true, "\(String(describing: error))")
                #expect(try await db.rows(rows) == [["5", "false"]])
                #expect(try await db.rows("SELECT count(*)::text FROM schema_migrations_history") == [["0"]])
                // Outside a transaction too; and an empty table is not "version 2".
                try await db.execute("DELETE FROM schema_migrations")
                let again = await migrateError {
                    try await driver.writeVersion(DatabaseVersion(version: 3, dirty: true), replacing: DatabaseVersion(version: 2, dirty: false), recording: [])
                }
                #expect(again?.code == .versionChanged)
                #expect(try await db.rows(rows) == [])
            }
        }
    }

    @Test func existingVersionTableIsNotCreatedAgainForAUserWithoutCreate() async throws {
        try await TestDatabase.with { db in
            let role = "sm_ro_\(db.name.suffix(8))"
            try await db.execute("CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null)")
            try await db.execute("INSERT INTO schema_migrations VALUES (3, false)")
            try await db.execute("CREATE ROLE \(role) LOGIN")
            do {
                try await db.execute("GRANT SELECT, INSERT, DELETE, TRUNCATE ON schema_migrations TO \(role)")
                try await db.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
                let url = try DatabaseURL("postgres://\(role)@\(try db.hostPort())/\(db.name)?sslmode=disable")
                try await withDriver(try await PostgresDriver.open(url: url, logger: TestEnvironment.logger)) { driver in
                    try await driver.prepare()
                    #expect(try await driver.readVersion() == DatabaseVersion(version: 3, dirty: false))
                    try await driver.writeVersion(DatabaseVersion(version: 4, dirty: false), recording: [record(4)])
                    #expect(try await driver.readHistory() == [])
                }
                #expect(try await db.rows("SELECT version::text FROM schema_migrations") == [["4"]])
                #expect(try await db.rows("SELECT to_regclass('schema_migrations_history')::text") == [[nil]])
            } catch {
                try? await db.execute("DROP OWNED BY \(role)")
                try? await db.execute("DROP ROLE \(role)")
                throw error
            }
            try await db.execute("DROP OWNED BY \(role)")
            try await db.execute("DROP ROLE \(role)")
        }
    }

    func record(_ version: Int64, direction: Direction = .up, checksum: String? = "abc") -> HistoryRecord {
        HistoryRecord(
            version: version, direction: direction, name: "create_users", checksum: checksum,
            appliedAt: Date(timeIntervalSince1970: 1_700_000_000.25), durationMs: 12.5, appliedBy: "postgres (os: ci)"
        )
    }

    @Test func historyRoundTrips() async throws {
        try await TestDatabase.with { db in
            try await withDriver(try await db.open()) { driver in
                try await driver.prepare()
                let records = [record(1), record(2, checksum: nil), record(2, direction: .down)]
                try await driver.writeVersion(DatabaseVersion(version: 2, dirty: false), recording: records)
                #expect(try await driver.readHistory() == records)
            }
            #expect(try await db.rows("SELECT version::text, direction, name, checksum, (extract(epoch FROM applied_at) * 1000)::bigint::text FROM schema_migrations_history ORDER BY id") == [
                ["1", "up", "create_users", "abc", "1700000000250"],
                ["2", "up", "create_users", nil, "1700000000250"],
                ["2", "down", "create_users", "abc", "1700000000250"],
            ])
        }
    }

    @Test func customMigrationsTable() async throws {
        try await TestDatabase.with { db in
            try await withDriver(try await db.open("x-migrations-table=my_versions")) { driver in
                try await driver.prepare()
                try await driver.writeVersion(DatabaseVersion(version: 7, dirty: false))
                #expect(driver.lockKey == AdvisoryLockKey(databaseName: "/\(db.name)", schema: "public", table: "my_versions"))
            }
            #expect(try await db.rows("SELECT version::text FROM public.my_versions") == [["7"]])
            #expect(try await db.rows("SELECT to_regclass('public.my_versions_history')::text") == [["my_versions_history"]])
        }
    }

    @Test func quotedMigrationsTableNamesItsSchema() async throws {
        try await TestDatabase.with { db in
            try await db.execute("CREATE SCHEMA migrate")
            try await withDriver(try await db.open("x-migrations-table=%22migrate%22.%22versions%22", "x-migrations-table-quoted=true")) { driver in
                #expect(driver.engine.versionTable == QualifiedName(schema: "migrate", name: "versions"))
                #expect(driver.lockKey == AdvisoryLockKey(databaseName: "/\(db.name)", schema: "migrate", table: "versions"))
                try await driver.prepare()
                try await driver.writeVersion(DatabaseVersion(version: 9, dirty: true))
            }
            #expect(try await columns(db, schema: "migrate", table: "versions") == [["version", "bigint", "NO"], ["dirty", "boolean", "NO"]])
            #expect(try await db.rows("SELECT version::text, dirty::text FROM migrate.versions") == [["9", "true"]])
            #expect(try await db.rows("SELECT to_regclass('public.schema_migrations')::text") == [[nil]])
        }
    }

    @Test func hostileTableNameCannotInjectSQL() async throws {
        try await TestDatabase.with { db in
            try await db.execute("CREATE TABLE victim (id int)")
            let hostile = "x\"; DROP TABLE victim; --"
            let encoded = hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await withDriver(try await db.open("x-migrations-table=\(encoded)")) { driver in
                try await driver.prepare()
                try await driver.writeVersion(DatabaseVersion(version: 1, dirty: false))
                #expect(try await driver.readVersion() == DatabaseVersion(version: 1, dirty: false))
            }
            #expect(try await db.rows("SELECT to_regclass('victim')::text") == [["victim"]])
            #expect(try await db.rows("SELECT table_name::text FROM information_schema.tables WHERE table_name LIKE 'x%' ORDER BY 1") == [
                [hostile], [hostile + "_history"],
            ])
        }
    }
}
