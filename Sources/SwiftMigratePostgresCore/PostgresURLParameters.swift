import SwiftMigrate

/// golang-migrate's `x-` parameters of a PostgreSQL URL, and swift-migrate's `x-lock-timeout`: read the same way
/// by both PostgreSQL drivers.
package enum PostgresURLParameters {
    /// golang-migrate's own parameters (its postgres driver accepts exactly these), and `x-lock-timeout`.
    package static let names = [
        "x-migrations-table", "x-migrations-table-quoted", "x-multi-statement", "x-multi-statement-max-size",
        "x-statement-timeout", "x-lock-timeout", "x-lock-strategy", "x-lock-table", "x-lock-ttl",
    ]

    /// golang-migrate's migrations table: a schema only when `x-migrations-table-quoted` named one.
    package struct TableName: Sendable, Hashable {
        package var schema: String?
        package var name: String

        package init(schema: String?, name: String) {
            self.schema = schema
            self.name = name
        }
    }

    /// The configuration `url`'s `x-` parameters describe. The lock key's database name is the URL's path, as
    /// golang-migrate takes it (`current_database()` alone when the path is empty).
    package static func configuration(_ url: DatabaseURL) throws(MigrateError) -> PostgresMigrationConfiguration {
        func parameter(_ name: String) -> String? { url.queryValue(name).flatMap { $0.isEmpty ? nil : $0 } }
        let table = try migrationsTable(url)
        try checkMultiStatement(url)
        var configuration = PostgresMigrationConfiguration(
            migrationsTable: table.name, migrationsSchema: table.schema,
            statementTimeout: try milliseconds("x-statement-timeout", parameter("x-statement-timeout"), url).map { .milliseconds($0) },
            lockTimeout: try milliseconds("x-lock-timeout", parameter("x-lock-timeout"), url).map { .milliseconds($0) },
            advisoryLockDatabaseName: url.path.isEmpty ? nil : url.path
        )
        configuration.advisoryLockUsesBareDatabaseName = url.path.isEmpty
        if let text = parameter("x-lock-strategy"), text != "auto" {
            guard let strategy = PostgresMigrationConfiguration.LockStrategy(rawValue: text) else {
                throw MigrateError(
                    .invalidURL,
                    "invalid x-lock-strategy \"\(ControlCharacters.escaped(text))\" in database URL \(url.redacted): expected advisory, table or auto"
                )
            }
            configuration.lockStrategy = strategy
        }
        if let table = parameter("x-lock-table") { configuration.lockTable = table }
        if let ttl = try milliseconds("x-lock-ttl", parameter("x-lock-ttl"), url) {
            configuration.lockTTL = .milliseconds(ttl)
        }
        return configuration
    }

    /// libpq's `connect_timeout` in whole seconds (0: wait for ever), checked: libpq's is an `int`, and above it
    /// PostgresNIO's nanoseconds would overflow.
    package static func connectTimeoutSeconds(_ url: DatabaseURL) throws(MigrateError) -> Int? {
        guard let text = url.queryValue("connect_timeout").flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        let trimmed = text.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
        guard let seconds = Int(String(trimmed)), seconds <= Int32.max else {
            throw MigrateError(
                .invalidURL,
                "invalid connect_timeout \"\(text)\" in database URL \(url.redacted): expected whole seconds, at most \(Int32.max)"
            )
        }
        return seconds
    }

    /// Accepted for compatibility and checked like golang-migrate, then ignored: scripts are always split by the
    /// lexer.
    package static func checkMultiStatement(_ url: DatabaseURL) throws(MigrateError) {
        func parameter(_ name: String) -> String? { url.queryValue(name).flatMap { $0.isEmpty ? nil : $0 } }
        if let text = parameter("x-multi-statement") { _ = try parseBool(text, option: "x-multi-statement") }
        if let text = parameter("x-multi-statement-max-size"), Int(text) == nil {
            throw MigrateError(
                .invalidURL, "invalid x-multi-statement-max-size \"\(text)\" in database URL \(url.redacted): expected bytes"
            )
        }
    }

        /// A timeout parameter in milliseconds; nil when absent or 0 (no limit). PostgreSQL's `statement_timeout`
    /// and `lock_timeout` are `int`s: a larger value would fail only after connecting, with a vaguer error.
    package static func milliseconds(_ name: String, _ text: String?, _ url: DatabaseURL) throws(MigrateError) -> Int? {
        guard let text else { return nil }
        guard let milliseconds = Int(text), milliseconds >= 0, milliseconds <= Int32.max else {
            throw MigrateError(
                .invalidURL,
                "invalid \(name) \"\(text)\" in database URL \(url.redacted): expected milliseconds from 0 to \(Int32.max)"
            )
        }
        return milliseconds == 0 ? nil : milliseconds
    }

    /// `x-migrations-table` with golang-migrate's `x-migrations-table-quoted` rules: when quoted, the value is
    /// `"table"` or `"schema"."table"`; when not, it is the table name as it stands (dots included).
    package static func migrationsTable(_ url: DatabaseURL) throws(MigrateError) -> TableName {
        let value = url.queryValue("x-migrations-table") ?? ""
        let quoted = try url.queryValue("x-migrations-table-quoted")
            .flatMap { $0.isEmpty ? nil : $0 }
            .map { text throws(MigrateError) in try parseBool(text, option: "x-migrations-table-quoted") } ?? false
        guard !value.isEmpty else { return TableName(schema: nil, name: "schema_migrations") }
        guard quoted else { return TableName(schema: nil, name: value) }
        let mustBeQuoted = MigrateError(
            .invalidURL,
            "x-migrations-table must be quoted (for instance '\"migrate\".\"schema_migrations\"') when "
                + "x-migrations-table-quoted is enabled, current value is: \(value)"
        )
        guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else { throw mustBeQuoted }
        let parts = quotedParts(value)
        guard parts.count <= 2 else {
            throw MigrateError(.invalidURL, "\"\(value)\" MigrationsTable contains too many dot characters")
        }
        // golang-migrate takes whatever its regular expression finds; we insist on the documented forms.
        guard !parts.contains(where: \.isEmpty),
            parts.map({ "\"\($0)\"" }).joined(separator: ".") == value
        else { throw mustBeQuoted }
        return parts.count == 2 ? TableName(schema: parts[0], name: parts[1]) : TableName(schema: nil, name: parts[0])
    }

    /// Every `"..."` run, left to right, as golang-migrate's `"(.*?)"` finds them.
    package static func quotedParts(_ value: String) -> [String] {
        var parts: [String] = []
        var rest = value[...]
        while let open = rest.firstIndex(of: "\"") {
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "\"") else { break }
            parts.append(String(rest[afterOpen..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return parts
    }

    /// Go's `strconv.ParseBool`, which golang-migrate uses for its boolean options.
    package static func parseBool(_ text: String, option: String) throws(MigrateError) -> Bool {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default:
            throw MigrateError(
                .invalidURL, "unable to parse option \(option): parsing \"\(text)\": invalid syntax (expected true or false)"
            )
        }
    }
}
