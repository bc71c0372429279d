import SwiftMigrate

extension PostgresEngine {
    /// The INVALID indexes of the current schema (`pg_index.indisvalid` false): what a failed or cancelled
    /// `CREATE INDEX CONCURRENTLY` leaves behind. The index still exists, so running the migration again fails
    /// with `relation ... already exists` until it is dropped; each comes with its
    /// `DROP INDEX CONCURRENTLY IF EXISTS schema.name;`. Partitioned indexes, invalid until every partition has
    /// its index, are not failures and are left out.
    package func invalidObjects() async throws -> [InvalidObject] {
        // quote_ident: the names go into a statement the user runs as printed.
        let sql = """
            SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname),
                   quote_ident(tn.nspname) || '.' || quote_ident(t.relname)
            FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
            JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
            WHERE NOT i.indisvalid AND c.relkind = 'i' AND n.nspname = $1
            ORDER BY c.relname
            """
        return try await rows(sql, [currentSchema], what: "list invalid indexes").map { row in
            let name = try row.text(0)
            return InvalidObject(kind: "index", name: name, table: try row.text(1), repair: "DROP INDEX CONCURRENTLY IF EXISTS \(name);")
        }
    }
}
