import SwiftMigrate

extension PostgresEngine {
    /// The database's own schemas, sorted: every schema but `information_schema` and the `pg_` ones (the catalog,
    /// TOAST, temporary schemas).
    package func schemaNames() async throws -> [String] {
        let sql = #"SELECT n.nspname::text FROM pg_namespace n WHERE "# + PostgresSchemaQueries.userSchema("n")
            + #" ORDER BY n.nspname COLLATE "C""#
        return try await rows(sql, what: "list the schemas").map { try $0.text(0) }
    }
}

extension PostgresURLParameters {
    /// `url` for migrating one tenant schema of its database: `search_path` set to the schema alone, so that
    /// `current_schema()` is the schema, and with it the version and history tables, golang-migrate's lock key
    /// (database, schema, table) and where the migrations' unqualified names go: what a team does with
    /// golang-migrate's `search_path` parameter. `x-migrations-table` is kept (a table name within each schema).
    ///
    /// - throws: ``MigrateError/Code/invalidURL`` when `x-migrations-table-quoted` names a schema: every tenant
    ///   would share that one version table.
    package static func tenantSchemaURL(_ url: DatabaseURL, schema: String) throws(MigrateError) -> DatabaseURL {
        if try migrationsTable(url).schema != nil {
            throw MigrateError(
                .invalidURL,
                "\(url.redacted) puts the version table in one schema (x-migrations-table-quoted with \"schema\".\"table\"), "
                    + "which every tenant schema would share",
                hint: "with -schemas each schema has its own version table: name only the table (x-migrations-table=NAME)"
            )
        }
        return try url.addingQueryItems([("search_path", searchPathValue(schema))])
    }

    /// A schema name as a `search_path` entry: bare when PostgreSQL would read it back unchanged, else quoted
    /// (upper case, spaces, commas), with `"` doubled.
    package static func searchPathValue(_ schema: String) -> String {
        let plain = schema.unicodeScalars.enumerated().allSatisfy { offset, scalar in
            ("a"..."z").contains(scalar) || scalar == "_" || offset > 0 && (("0"..."9").contains(scalar) || scalar == "$")
        }
        return plain && !schema.isEmpty ? schema : quoteIdentifier(schema)
    }
}
