import Logging
import SwiftMigrate
import Synchronization

extension PostgresEngine {
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
    package func schemaSnapshot() async throws -> SchemaSnapshot {
        let ownTransaction = !inTransaction
        if ownTransaction {
            try await run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", what: "begin reading the schema")
        }
        do {
            let saved = try await applySnapshotSettings(ownTransaction: ownTransaction)
            let rows = try await catalogRows()
            if let saved {
                try await run(
                    "SELECT set_config(name, value, true) FROM unnest($1::text[], $2::text[]) AS s(name, value)",
                    [Self.textArray(saved.names), Self.textArray(saved.values)], what: "restore the session settings"
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
            let current = "SELECT current_setting(name) FROM unnest($1::text[]) WITH ORDINALITY AS s(name, i) ORDER BY i"
            let values = try await rows(current, [Self.textArray(names)], what: "read the session settings").map { try $0.text(0) }
            saved = (names, values)
        }
        try await run(
            "SELECT set_config(name, value, true) FROM unnest($1::text[], $2::text[]) AS s(name, value)",
            [Self.textArray(names), Self.textArray(Self.snapshotSettings.map(\.value))], what: "prepare to read the schema"
        )
        return saved
    }

    /// Every object, without the version and history tables and what belongs to them, comments resolved.
    private func catalogRows() async throws -> [SchemaObject] {
        let tables = """
            SELECT c.oid::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
            WHERE (n.nspname = $1 AND c.relname = $2) OR (n.nspname = $3 AND c.relname = $4)
            """
        let found = try await rows(
            tables, [versionTable.schema, versionTable.name, historyTable.schema, historyTable.name],
            what: "look up the migration tables"
        )
        let excluded = Set(try found.map { try $0.int64(0) })
        var objects: [SchemaObject] = []
        var comments: [(target: SchemaObject.ID, text: String)] = []
        for query in PostgresSchemaQueries.all {
            // Every column as text, whatever each query's own types.
            let sql = """
                SELECT s.kind::text, s.name::text, s.parent_kind::text, s.parent::text, s.definition::text, s.owner::text \
                FROM (\(query)) AS s(kind, name, parent_kind, parent, definition, owner)
                """
            for row in try await rows(sql, what: "read the schema") {
                let (kind, name, parentKind, parent, definition) = (
                    try row.text(0), try row.text(1), row.optionalText(2), row.optionalText(3), row.optionalText(4)
                )
                let owner = try row.int64(5)
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

extension PostgresEngine {
    /// A `text[]` literal of `values`, for a `$n::text[]` parameter: every element double-quoted, `"` and `\`
    /// escaped.
    package static func textArray(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\"" }.joined(separator: ",") + "}"
    }
}
