import Logging
import SwiftMigrate
import Synchronization

extension PostgresEngine {
    /// Empties the current schema (``currentSchema``, read when connecting: a pooled session's may differ): golang-migrate drops every base table of `current_schema()` with CASCADE; we
    /// also drop views, materialized views, sequences, foreign tables, user-defined types (enum, composite,
    /// domain, range) and routines, skipping whatever an extension owns (dropping those fails, and the extension
    /// still needs them) and functions a type made for itself (range constructors). The version and history tables go too, even when they live in another schema.
    package func drop() async throws {
        var statements: [String] = []
        let relations = """
            SELECT c.relkind::text, n.nspname::text, c.relname::text
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY c.relkind, c.relname
            """
        for row in try await rows(relations, [currentSchema], what: "list the tables to drop") {
            let (kind, schema, name) = (try row.text(0), try row.text(1), try row.text(2))
            let keyword: String
            switch kind {
            case "v": keyword = "VIEW"
            case "m": keyword = "MATERIALIZED VIEW"
            case "S": keyword = "SEQUENCE"
            case "f": keyword = "FOREIGN TABLE"
            default: keyword = "TABLE"
            }
            statements.append("DROP \(keyword) IF EXISTS \(QualifiedName(schema: schema, name: name)) CASCADE")
        }
        let routines = """
            SELECT p.prokind::text, n.nspname::text, p.proname::text, pg_get_function_identity_arguments(p.oid)::text
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = $1
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
            ORDER BY p.proname
            """
        for row in try await rows(routines, [currentSchema], what: "list the routines to drop") {
            let (kind, schema, name, arguments) = (try row.text(0), try row.text(1), try row.text(2), try row.text(3))
            let keyword = kind == "a" ? "AGGREGATE" : "ROUTINE"
            statements.append("DROP \(keyword) IF EXISTS \(QualifiedName(schema: schema, name: name))(\(arguments)) CASCADE")
        }
        // Only types made by CREATE TYPE / CREATE DOMAIN: not the row types of tables, arrays or multiranges.
        let types = """
            SELECT t.typtype::text, n.nspname::text, t.typname::text
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            LEFT JOIN pg_class c ON c.oid = t.typrelid
            WHERE n.nspname = $1
              AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
            ORDER BY t.typname
            """
        for row in try await rows(types, [currentSchema], what: "list the types to drop") {
            let (kind, schema, name) = (try row.text(0), try row.text(1), try row.text(2))
            let keyword = kind == "d" ? "DOMAIN" : "TYPE"
            statements.append("DROP \(keyword) IF EXISTS \(QualifiedName(schema: schema, name: name)) CASCADE")
        }
        for table in [versionTable, historyTable] {
            statements.append("DROP TABLE IF EXISTS \(table) CASCADE")
        }
        // One by one, as golang-migrate does: a schema with thousands of objects would exhaust the lock table in
        // a single transaction. CASCADE and IF EXISTS make the order irrelevant.
        for statement in statements {
            try await run(statement, what: "drop (\(statement))")
        }
    }
}
