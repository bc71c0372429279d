import Foundation
import SwiftMigrate

extension SQLiteDriver: CatalogReading {
    /// Reads the tables and views of the main database for model generation, from SQLite's pragmas:
    /// columns (`table_xinfo`: declared type, NOT NULL, default, generated), primary keys (an
    /// `INTEGER PRIMARY KEY` is the rowid, filled by SQLite), and unique indexes (`index_list`, `index_xinfo`;
    /// a partial index's predicate is the text after `WHERE` in its stored SQL). SQLite has no enums, comments
    /// or schemas; view columns are read as nullable. The version and history tables are left out.
    ///
    /// - throws: ``MigrateError`` with ``MigrateError/Code/driver`` when a schema other than `main` is asked
    ///   for or the catalog cannot be read.
    public func catalog(schema: String?) async throws -> DatabaseCatalog {
        if let schema, schema != "main" {
            throw MigrateError(.driver, "cannot read the catalog: SQLite has no schema \"\(schema)\" (only main)")
        }
        let excluded: Set<String> = [configuration.migrationsTable, configuration.historyTable]
        let relations = try await perform("cannot read the catalog") { connection in
            let ownTransaction = !connection.inTransaction
            if ownTransaction { try connection.execute("BEGIN") }
            defer { if ownTransaction, connection.inTransaction { try? connection.execute("COMMIT") } }
            return try Self.readRelations(connection, excluding: excluded)
        }
        return DatabaseCatalog(dialect: .sqlite, schema: nil, relations: relations, enums: [])
    }

    private static func readRelations(_ connection: SQLiteConnection, excluding excluded: Set<String>) throws -> [CatalogRelation] {
        var entries: [(type: String, name: String)] = []
        try connection.query(
            "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        ) { row in
            entries.append((row.text(0) ?? "", row.text(1) ?? ""))
        }
        var relations: [CatalogRelation] = []
        for entry in entries where !excluded.contains(entry.name) {
            let isView = entry.type == "view"
            var columns: [CatalogColumn] = []
            var keyed: [(position: Int64, name: String, type: String)] = []
            try connection.query(
                "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?) WHERE hidden <> 1 ORDER BY cid",
                [.text(entry.name)]
            ) { row in
                let name = row.text(0) ?? ""
                let declared = row.text(1) ?? ""
                let hidden = row.int64(5)
                if row.int64(4) > 0 { keyed.append((row.int64(4), name, declared)) }
                columns.append(
                    CatalogColumn(
                        name: name, type: catalogType(declared), isNullable: isView || row.int64(2) == 0,
                        defaultExpression: row.text(3), generation: hidden == 2 || hidden == 3 ? .computed : nil
                    )
                )
            }
            let primaryKey = keyed.sorted { $0.position < $1.position }.map(\.name)
            // A single INTEGER PRIMARY KEY column is the rowid: SQLite assigns it when an insert leaves it out, and
            // it is never NULL (though table_xinfo reports it nullable).
            if !isView, keyed.count == 1, keyed[0].type.uppercased() == "INTEGER",
                let index = columns.firstIndex(where: { $0.name == keyed[0].name })
            {
                columns[index].generation = .serial
                columns[index].isNullable = false
            }
            let uniqueIndexes = isView ? [] : try self.uniqueIndexes(of: entry.name, connection)
            relations.append(
                CatalogRelation(
                    kind: isView ? .view : .table, schema: nil, name: entry.name, columns: columns, primaryKey: primaryKey,
                    uniqueIndexes: uniqueIndexes
                )
            )
        }
        return relations
    }

    private static func uniqueIndexes(of table: String, _ connection: SQLiteConnection) throws -> [CatalogUniqueIndex] {
        var listed: [(name: String, partial: Bool)] = []
        try connection.query("SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)", [.text(table)]) { row in
            if row.int64(1) == 1, row.text(2) != "pk" { listed.append((row.text(0) ?? "", row.int64(3) == 1)) }
        }
        var result: [CatalogUniqueIndex] = []
        for index in listed {
            var columns: [String] = []
            var isExpression = false
            try connection.query("SELECT cid, name FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno", [.text(index.name)]) { row in
                if row.int64(0) == -2 { isExpression = true } else { columns.append(row.text(1) ?? "") }
            }
            var sql: String?
            try connection.query("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", [.text(index.name)]) { row in
                sql = row.text(0)
            }
            // An automatic index (UNIQUE constraint) has no SQL: describe it by its columns.
            let definition = sql ?? "UNIQUE (\(columns.joined(separator: ", "))) on \(table)"
            var predicate: String?
            if index.partial, let sql, let range = sql.range(of: " WHERE ", options: [.caseInsensitive, .backwards]) {
                predicate = sql[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            result.append(
                CatalogUniqueIndex(
                    name: index.name, columns: isExpression ? [] : columns, predicate: predicate, isExpression: isExpression,
                    definition: definition
                )
            )
        }
        return result
    }

    /// A declared type (`NUMERIC(20, 8)`, `varchar(20)`, ``): its lowercased name, with NUMERIC's precision
    /// and scale.
    static func catalogType(_ declared: String) -> CatalogType {
        let trimmed = declared.trimmingCharacters(in: .whitespaces)
        let base = trimmed.split(separator: "(", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        var precision: Int?
        var scale: Int?
        if let open = trimmed.firstIndex(of: "("), let close = trimmed.lastIndex(of: ")"), open < close {
            let numbers = trimmed[trimmed.index(after: open)..<close].split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            if ["numeric", "decimal"].contains(base), let first = numbers.first, let first {
                precision = first
                scale = numbers.count > 1 ? numbers[1] : 0
            }
        }
        return CatalogType(name: base, sqlName: trimmed, precision: precision, scale: scale)
    }
}
