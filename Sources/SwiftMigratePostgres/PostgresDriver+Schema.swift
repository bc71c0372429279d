import PostgresNIO
import SwiftMigrate
import Synchronization

extension PostgresDriver {
    /// Reads the schema of every non-system schema from `pg_catalog`: schemas, extensions (name and schema,
    /// not version), enum, composite, domain and range types, sequences, tables, columns, constraints,
    /// indexes, views, materialized views, functions, procedures, aggregates, triggers, policies and comments.
    /// Objects that belong to an extension and the version and history tables (with their sequence,
    /// indexes and comments) are left out.
    ///
    /// The queries run in one read-only repeatable-read transaction, so they see one state of the catalog,
    /// with `search_path`, `DateStyle`, `IntervalStyle`, `TimeZone` and `extra_float_digits` fixed for it,
    /// so every name in a definition is schema-qualified and every constant prints the same whatever the
    /// role's or the URL's settings. Inside an open transaction, the same settings are applied and restored.
    ///
    /// - throws: ``MigrateError`` with ``MigrateError/Code/driver`` when a catalog query fails.
    public func schemaSnapshot() async throws -> SchemaSnapshot {
        let ownTransaction = !state.withLock { $0.inTransaction }
        if ownTransaction {
            try await run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", what: "begin reading the schema")
        }
        do {
            let saved = try await applySnapshotSettings(ownTransaction: ownTransaction)
            let rows = try await catalogRows()
            if let saved {
                try await run(
                    "SELECT set_config(name, value, true) FROM unnest(\(saved.names), \(saved.values)) AS s(name, value)",
                    what: "restore the session settings"
                )
            }
            if ownTransaction { try await run("COMMIT", what: "finish reading the schema") }
            return SchemaSnapshot(objects: rows)
        } catch {
            if ownTransaction { try? await run("ROLLBACK", what: "finish reading the schema") }
            throw error
        }
    }

    /// The settings that change how the server prints names and constants.
    static let snapshotSettings: [(name: String, value: String)] = [
        ("search_path", "pg_catalog"), ("DateStyle", "ISO, MDY"), ("IntervalStyle", "postgres"), ("TimeZone", "UTC"),
        ("extra_float_digits", "1"), ("quote_all_identifiers", "off"),
    ]

    /// Sets ``snapshotSettings`` for the transaction; returns the values to restore when the transaction is
    /// the caller's.
    private func applySnapshotSettings(ownTransaction: Bool) async throws -> (names: [String], values: [String])? {
        let names = Self.snapshotSettings.map(\.name)
        var saved: (names: [String], values: [String])?
        if !ownTransaction {
            var values: [String] = []
            let current: PostgresQuery = """
                SELECT current_setting(name) FROM unnest(\(names)) WITH ORDINALITY AS s(name, i) ORDER BY i
                """
            try await query(current, what: "read the session settings") { rows in
                for try await value in rows.decode(String.self) { values.append(value) }
            }
            saved = (names, values)
        }
        try await run(
            "SELECT set_config(name, value, true) FROM unnest(\(names), \(Self.snapshotSettings.map(\.value))) AS s(name, value)",
            what: "prepare to read the schema"
        )
        return saved
    }

    /// Every object, without the version and history tables and what belongs to them, comments resolved.
    private func catalogRows() async throws -> [SchemaObject] {
        var excluded = Set<Int64>()
        let tables = """
            SELECT c.oid::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
            WHERE (n.nspname = \(versionTable.schema) AND c.relname = \(versionTable.name)) \
            OR (n.nspname = \(historyTable.schema) AND c.relname = \(historyTable.name))
            """ as PostgresQuery
        try await query(tables, what: "look up the migration tables") { rows in
            for try await oid in rows.decode(Int64.self) { excluded.insert(oid) }
        }
        var objects: [SchemaObject] = []
        var comments: [(target: SchemaObject.ID, text: String)] = []
        for sql in PostgresSchemaQueries.all {
            try await query(PostgresQuery(unsafeSQL: sql), what: "read the schema") { rows in
                let decoded = rows.decode((String, String, String?, String?, String?, Int64).self)
                for try await (kind, name, parentKind, parent, definition, owner) in decoded {
                    guard !excluded.contains(owner) else { continue }
                    guard let kind = SchemaObject.Kind(rawValue: kind) else {
                        throw MigrateError(.driver, "cannot read the schema: unknown object kind \(kind)")
                    }
                    let parentID = objectID(parentKind.flatMap(SchemaObject.Kind.init(rawValue:)), parent)
                    if kind == .comment, let target = parentID {
                        comments.append((target, definition ?? ""))
                    } else {
                        objects.append(SchemaObject(kind: kind, name: name, parent: parentID, definition: definition ?? ""))
                    }
                }
            }
        }
        // A comment is kept when what it describes is in the snapshot, and listed where that object is.
        let listed = Dictionary(objects.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (target, text) in comments {
            guard let object = listed[target] else { continue }
            objects.append(SchemaObject(kind: .comment, name: target.description, parent: object.parent ?? target, definition: text))
        }
        return objects
    }
}

/// Both values, or nil.
private func objectID(_ kind: SchemaObject.Kind?, _ name: String?) -> SchemaObject.ID? {
    guard let kind, let name else { return nil }
    return SchemaObject.ID(kind, name)
}
