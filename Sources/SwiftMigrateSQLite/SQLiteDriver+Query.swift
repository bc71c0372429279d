import SwiftMigrate

extension SQLiteDriver {
    /// Runs one statement with `parameters` bound to its `?`/`?NNN` placeholders and returns every row, each
    /// column in its storage class. The query API of the models `migrate models` generates for SQLite; values
    /// are always bound, never spliced into the SQL.
    ///
    /// ```swift
    /// let rows = try await driver.query("SELECT id, email FROM users WHERE email = ?1", [.text("a@example.com")])
    /// ```
    ///
    /// - throws: ``MigrateError`` with ``MigrateError/Code/driver``, SQLite's message and result code, when the
    ///   statement fails.
    public func query(_ sql: String, _ parameters: [SQLiteValue] = []) async throws -> [[SQLiteValue]] {
        try await perform("query failed") { connection in
            var rows: [[SQLiteValue]] = []
            try connection.query(sql, parameters) { row in
                rows.append((0..<row.columnCount).map { row.value($0) })
            }
            return rows
        }
    }
}
