import SwiftMigrate

extension SQLiteDriver {
    /// Reads the schema of the main database: each table, index, view and trigger of `sqlite_master` with
    /// the SQL SQLite stored for it, plus, per table, its columns (`pragma table_xinfo`), the UNIQUE and
    /// PRIMARY KEY constraints SQLite made indexes for (`index_list`, `index_xinfo`) and its foreign keys
    /// (`foreign_key_list`). SQLite's own objects (`sqlite_%`) and the version and history tables are left out.
    ///
    /// Names are SQLite's, unqualified (`users`, `users.email`); a foreign key, which has no name in SQLite,
    /// is named after its columns (`posts.foreign_key(user_id)`), a UNIQUE constraint likewise
    /// (`users.unique(email)`). The reads run in one transaction, so they see one state of the file.
    ///
    /// - throws: ``MigrateError`` with ``MigrateError/Code/driver`` when the schema cannot be read.
    public func schemaSnapshot() async throws -> SchemaSnapshot {
        let excluded: Set<String> = [configuration.migrationsTable, configuration.historyTable]
        let objects = try await perform("cannot read the schema") { connection in
            let ownTransaction = !connection.inTransaction
            if ownTransaction { try connection.execute("BEGIN") }
            defer { if ownTransaction, connection.inTransaction { try? connection.execute("COMMIT") } }
            return try Self.readSchema(connection, excluding: excluded)
        }
        return SchemaSnapshot(objects: objects)
    }

    private static func readSchema(_ connection: SQLiteConnection, excluding excluded: Set<String>) throws -> [SchemaObject] {
        var entries: [(type: String, name: String, table: String, sql: String?)] = []
        try connection.query(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        ) { row in
            entries.append((row.text(0) ?? "", row.text(1) ?? "", row.text(2) ?? "", row.text(3)))
        }
        entries.removeAll { excluded.contains($0.name) || excluded.contains($0.table) }
        let views = Set(entries.filter { $0.type == "view" }.map(\.name))
        func owner(_ table: String) -> SchemaObject.ID {
            SchemaObject.ID(views.contains(table) ? .view : .table, table)
        }

        var objects: [SchemaObject] = []
        for entry in entries {
            let sql = entry.sql ?? ""
            switch entry.type {
            case "table":
                objects.append(SchemaObject(kind: .table, name: entry.name, definition: sql))
                objects += try columns(of: entry.name, connection)
                objects += try keyConstraints(of: entry.name, connection)
                objects += try foreignKeys(of: entry.name, connection)
            case "view":
                objects.append(SchemaObject(kind: .view, name: entry.name, definition: sql))
            case "index":
                objects.append(SchemaObject(kind: .index, name: entry.name, parent: owner(entry.table), definition: sql))
            case "trigger":
                objects.append(SchemaObject(kind: .trigger, name: entry.name, parent: owner(entry.table), definition: sql))
            default:
                continue
            }
        }
        return objects
    }

    /// `INTEGER NOT NULL DEFAULT 0 PRIMARY KEY`, from `pragma table_xinfo` (which also lists generated columns).
    private static func columns(of table: String, _ connection: SQLiteConnection) throws -> [SchemaObject] {
        var columns: [SchemaObject] = []
        try connection.query(
            "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid", [.text(table)]
        ) { row in
            var parts: [String] = []
            if let type = row.text(1), !type.isEmpty { parts.append(type) }
            if row.int64(2) != 0 { parts.append("NOT NULL") }
            if let value = row.text(3) { parts.append("DEFAULT \(value)") }
            if row.int64(4) > 0 { parts.append("PRIMARY KEY") }
            switch row.int64(5) {
            case 1: parts.append("HIDDEN")
            case 2: parts.append("GENERATED VIRTUAL")
            case 3: parts.append("GENERATED STORED")
            default: break
            }
            let name = row.text(0) ?? ""
            columns.append(
                SchemaObject(kind: .column, name: "\(table).\(name)", parent: .init(.table, table), definition: parts.joined(separator: " "))
            )
        }
        return columns
    }

    /// The UNIQUE and PRIMARY KEY constraints of a table, from the indexes SQLite made for them
    /// (`sqlite_autoindex_...`, whose numbers depend on the declaration order, so they are not used).
    private static func keyConstraints(of table: String, _ connection: SQLiteConnection) throws -> [SchemaObject] {
        var indexes: [(name: String, origin: String)] = []
        try connection.query("SELECT name, origin FROM pragma_index_list(?)", [.text(table)]) { row in
            let origin = row.text(1) ?? ""
            if origin == "u" || origin == "pk" { indexes.append((row.text(0) ?? "", origin)) }
        }
        var constraints: [SchemaObject] = []
        for index in indexes {
            var columnNames: [String] = []
            var keys: [String] = []
            try connection.query(
                "SELECT name, \"desc\", coll FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno", [.text(index.name)]
            ) { row in
                let column = row.text(0) ?? "<expression>"
                var key = column
                if row.int64(1) != 0 { key += " DESC" }
                if let collation = row.text(2), collation != "BINARY" { key += " COLLATE \(collation)" }
                columnNames.append(column)
                keys.append(key)
            }
            let kind = index.origin == "pk" ? "PRIMARY KEY" : "UNIQUE"
            let columns = columnNames.joined(separator: ", ")
            constraints.append(
                SchemaObject(
                    kind: .constraint, name: "\(table).\(index.origin == "pk" ? "primary_key" : "unique")(\(columns))",
                    parent: .init(.table, table), definition: "\(kind) (\(keys.joined(separator: ", ")))"
                )
            )
        }
        return constraints
    }

    /// `FOREIGN KEY (user_id) REFERENCES users (id) ON UPDATE NO ACTION ON DELETE CASCADE MATCH NONE`.
    private static func foreignKeys(of table: String, _ connection: SQLiteConnection) throws -> [SchemaObject] {
        struct Key {
            var from: [String] = []
            var to: [String] = []
            var table = ""
            var actions = ""
        }
        var keys: [Int64: Key] = [:]
        try connection.query(
            "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete, \"match\" FROM pragma_foreign_key_list(?) ORDER BY id, seq",
            [.text(table)]
        ) { row in
            var key = keys[row.int64(0)] ?? Key()
            key.table = row.text(1) ?? ""
            key.from.append(row.text(2) ?? "")
            // Without a column list the key references the parent's primary key; `to` is then NULL.
            if let to = row.text(3) { key.to.append(to) }
            key.actions = "ON UPDATE \(row.text(4) ?? "") ON DELETE \(row.text(5) ?? "") MATCH \(row.text(6) ?? "")"
            keys[row.int64(0)] = key
        }
        return keys.values.map { key in
            let from = key.from.joined(separator: ", ")
            let to = key.to.isEmpty ? "" : " (\(key.to.joined(separator: ", ")))"
            return SchemaObject(
                kind: .constraint, name: "\(table).foreign_key(\(from))", parent: .init(.table, table),
                definition: "FOREIGN KEY (\(from)) REFERENCES \(key.table)\(to) \(key.actions)"
            )
        }
    }
}
