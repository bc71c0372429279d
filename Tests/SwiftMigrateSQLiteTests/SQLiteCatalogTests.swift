import Foundation
import Logging
import SwiftMigrate
import Testing

@testable import SwiftMigrateSQLite

/// The catalog `migrate models` reads from SQLite's pragmas, on a real database file.
@Suite struct SQLiteCatalogTests {
    @Test func readsTablesViewsKeysAndUniqueIndexes() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = try DatabaseURL("sqlite://" + directory.appendingPathComponent("app.db").path)
        let driver = try await SQLiteDriver.open(url: url, logger: .init(label: "test"))
        do {
            try await driver.prepare()
            try await driver.execute("""
                CREATE TABLE accounts (
                    id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, balance NUMERIC(20, 8) NOT NULL DEFAULT 0,
                    status TEXT, doubled NUMERIC GENERATED ALWAYS AS (balance * 2) VIRTUAL
                );
                CREATE UNIQUE INDEX accounts_open_status ON accounts (status) WHERE status <> 'closed';
                CREATE UNIQUE INDEX accounts_lower_email ON accounts (lower(email));
                CREATE TABLE links (a INTEGER NOT NULL, b TEXT NOT NULL, PRIMARY KEY (b, a));
                CREATE VIEW rich AS SELECT id, email FROM accounts WHERE balance > 100;
                """)
            let catalog = try await driver.catalog(schema: nil)
            #expect(catalog.dialect == .sqlite)
            #expect(catalog.relations.map(\.name) == ["accounts", "links", "rich"])
            #expect(catalog.relations.map(\.kind) == [.table, .table, .view])
            let accounts = catalog.relations[0]
            #expect(accounts.columns.map(\.name) == ["id", "email", "balance", "status", "doubled"])
            #expect(accounts.primaryKey == ["id"])
            #expect(accounts.column("id")?.generation == .serial)
            #expect(accounts.column("id")?.isNullable == false)
            #expect(accounts.column("doubled")?.generation == .computed)
            #expect(accounts.column("email")?.isNullable == false)
            #expect(accounts.column("status")?.isNullable == true)
            #expect(accounts.column("balance")?.defaultExpression == "0")
            #expect(accounts.column("balance")?.type == CatalogType(name: "numeric", sqlName: "NUMERIC(20, 8)", precision: 20, scale: 8))
            let indexes = accounts.uniqueIndexes
            #expect(indexes.map(\.name) == ["accounts_lower_email", "accounts_open_status", "sqlite_autoindex_accounts_1"])
            #expect(indexes[0].isExpression && indexes[0].columns.isEmpty)
            #expect(indexes[1].columns == ["status"] && indexes[1].predicate == "status <> 'closed'")
            #expect(indexes[2].columns == ["email"] && indexes[2].predicate == nil)
            #expect(catalog.relations[1].primaryKey == ["b", "a"])
            #expect(catalog.relations[1].column("a")?.generation == nil)
            #expect(catalog.relations[2].columns.map(\.isNullable) == [true, true])
            let error = await #expect(throws: MigrateError.self) { _ = try await driver.catalog(schema: "other") }
            #expect(error?.message == "cannot read the catalog: SQLite has no schema \"other\" (only main)")
        } catch {
            try? await driver.close()
            throw error
        }
        try await driver.close()
    }
}
