import Foundation
import SwiftMigrate
import SwiftMigratePostgresCore

extension PostgresDriver {
    /// Everything the driver takes from a database URL (and libpq's environment variables), checked before any
    /// connection is made. Pure: no file or network access, so every rule is unit-tested.
    struct Options: Sendable {
        /// libpq's `sslmode` values; `allow` is treated as `prefer` (PostgresNIO cannot retry without TLS first).
        enum SSLMode: String, Sendable, CaseIterable {
            case disable, allow, prefer, require
            case verifyCA = "verify-ca"
            case verifyFull = "verify-full"
        }

        enum Endpoint: Sendable, Hashable {
            case tcp(host: String, port: Int)
            /// The socket file itself (`DIR/.s.PGSQL.PORT`), derived from a host that is a directory.
            case unixSocket(path: String)
        }

        /// golang-migrate's migrations table: a schema only when `x-migrations-table-quoted` named one.
        struct TableName: Sendable, Hashable {
            var schema: String?
            var name: String
        }

        var endpoint: Endpoint
        var user: String
        var password: String?
        var database: String
        var sslMode: SSLMode
        var sslRootCert: String?
        var sslCert: String?
        var sslKey: String?
        /// GUCs sent in the startup message (`search_path`, `application_name`, `options`).
        var startupParameters: [(name: String, value: String)]
        /// `nil` means wait indefinitely (libpq's `connect_timeout=0`).
        var connectTimeout: Duration?
        var migrationsTable: TableName
        var statementTimeoutMilliseconds: Int?
        /// swift-migrate's `x-lock-timeout`: PostgreSQL's `lock_timeout` for the session, so a migration gives up
        /// waiting for a table lock instead of queueing every query behind it.
        var lockTimeoutMilliseconds: Int?
        /// The database name of the lock key: golang-migrate uses the URL path, leading `/` included, and
        /// `current_database()` only when the path is empty.
        var lockDatabaseName: String?

        static let defaultMigrationsTable = "schema_migrations"

        /// The libpq parameters we honour.
        static let connectionParameters = [
            "application_name", "connect_timeout", "dbname", "host", "options", "password", "port", "search_path",
            "sslcert", "sslkey", "sslmode", "sslrootcert", "user",
        ]
        /// golang-migrate's own parameters (its postgres driver accepts exactly these).
        static let migrateParameters = [
            "x-migrations-table", "x-migrations-table-quoted", "x-multi-statement", "x-multi-statement-max-size",
            "x-statement-timeout", "x-lock-timeout",
        ]

        init(url: DatabaseURL, environment: [String: String] = ProcessInfo.processInfo.environment) throws(MigrateError) {
            for item in url.queryItems {
                if item.name.hasPrefix("x-") {
                    guard Self.migrateParameters.contains(item.name) else {
                        throw MigrateError(.invalidURL, "unknown parameter \(item.name) in database URL \(url.redacted)")
                    }
                } else if !Self.connectionParameters.contains(item.name) {
                    let supported = (Self.connectionParameters + Self.migrateParameters).joined(separator: ", ")
                    throw MigrateError(
                        .invalidURL,
                        "unknown parameter \(item.name) in database URL \(url.redacted); supported: \(supported)"
                    )
                }
            }
            func parameter(_ name: String) -> String? {
                url.queryValue(name).flatMap { $0.isEmpty ? nil : $0 }
            }
            func env(_ name: String) -> String? {
                environment[name].flatMap { $0.isEmpty ? nil : $0 }
            }

            user = parameter("user") ?? url.user.flatMap { $0.isEmpty ? nil : $0 } ?? env("PGUSER") ?? Self.osUser(environment)
            // An empty password in the URL (`user:@host`) is a password of zero length, as in libpq.
            password = url.queryValue("password") ?? url.password ?? env("PGPASSWORD")
            let pathDatabase = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
            database = parameter("dbname") ?? (pathDatabase.isEmpty ? nil : pathDatabase) ?? env("PGDATABASE") ?? user
            lockDatabaseName = url.path.isEmpty ? nil : url.path

            let port: Int
            if let text = parameter("port") ?? (url.port == nil ? env("PGPORT") : nil) {
                guard let value = Int(text), (1...65535).contains(value) else {
                    throw MigrateError(.invalidURL, "invalid port \"\(text)\" in database URL \(url.redacted)")
                }
                port = value
            } else {
                port = url.port ?? 5432
            }
            let host = parameter("host") ?? url.host ?? env("PGHOST") ?? "localhost"
            if host.hasPrefix("/") {
                let directory = host.count > 1 && host.hasSuffix("/") ? String(host.dropLast()) : host
                endpoint = .unixSocket(path: "\(directory)/.s.PGSQL.\(port)")
            } else {
                endpoint = .tcp(host: host, port: port)
            }

            let modeText = parameter("sslmode") ?? env("PGSSLMODE") ?? "prefer"
            guard let mode = SSLMode(rawValue: modeText) else {
                let modes = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                throw MigrateError(
                    .invalidURL, "invalid sslmode \"\(modeText)\" in database URL \(url.redacted); expected one of: \(modes)"
                )
            }
            sslMode = mode
            sslRootCert = parameter("sslrootcert")
            sslCert = parameter("sslcert")
            sslKey = parameter("sslkey")

            // PostgreSQL accepts any GUC in the startup message; `options` is libpq's `-c name=value` string.
            startupParameters = ["search_path", "application_name", "options"].compactMap { name in
                parameter(name).map { (name: name, value: $0) }
            }

            if let text = parameter("connect_timeout") {
                // libpq's is an `int`; above it the timeout would overflow PostgresNIO's nanoseconds.
                guard let seconds = Int(text.trimmingCharacters(in: .whitespaces)), seconds <= Int32.max else {
                    throw MigrateError(
                        .invalidURL,
                        "invalid connect_timeout \"\(text)\" in database URL \(url.redacted): expected whole seconds, at most \(Int32.max)"
                    )
                }
                connectTimeout = seconds > 0 ? .seconds(seconds) : nil
            } else {
                connectTimeout = .seconds(10)
            }

            migrationsTable = try Self.migrationsTable(url)

            statementTimeoutMilliseconds = try Self.milliseconds("x-statement-timeout", parameter("x-statement-timeout"), url)
            lockTimeoutMilliseconds = try Self.milliseconds("x-lock-timeout", parameter("x-lock-timeout"), url)
            // Accepted for compatibility and checked like golang-migrate, then ignored: scripts are always split by
            // the lexer, statement by statement.
            if let text = parameter("x-multi-statement") { _ = try Self.parseBool(text, option: "x-multi-statement") }
            if let text = parameter("x-multi-statement-max-size"), Int(text) == nil {
                throw MigrateError(
                    .invalidURL,
                    "invalid x-multi-statement-max-size \"\(text)\" in database URL \(url.redacted): expected bytes"
                )
            }
        }

        /// A timeout parameter in milliseconds; nil when absent or 0 (no limit). PostgreSQL's `statement_timeout`
        /// and `lock_timeout` are `int`s: a larger value would fail only after connecting, with a vaguer error.
        static func milliseconds(_ name: String, _ text: String?, _ url: DatabaseURL) throws(MigrateError) -> Int? {
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
        static func migrationsTable(_ url: DatabaseURL) throws(MigrateError) -> TableName {
            let value = url.queryValue("x-migrations-table") ?? ""
            let quoted = try url.queryValue("x-migrations-table-quoted")
                .flatMap { $0.isEmpty ? nil : $0 }
                .map { text throws(MigrateError) in try parseBool(text, option: "x-migrations-table-quoted") } ?? false
            guard !value.isEmpty else { return TableName(schema: nil, name: defaultMigrationsTable) }
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
        static func quotedParts(_ value: String) -> [String] {
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
        static func parseBool(_ text: String, option: String) throws(MigrateError) -> Bool {
            switch text {
            case "1", "t", "T", "TRUE", "true", "True": return true
            case "0", "f", "F", "FALSE", "false", "False": return false
            default:
                throw MigrateError(
                    .invalidURL, "unable to parse option \(option): parsing \"\(text)\": invalid syntax (expected true or false)"
                )
            }
        }

        /// libpq's default user: the operating-system user running the process.
        static func osUser(_ environment: [String: String]) -> String {
            if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
                return String(cString: name)
            }
            return environment["USER"] ?? "postgres"
        }
    }
}

extension PostgresDriver.Options {
    /// The driver's configuration from the URL's `x-` parameters.
    var driverConfiguration: PostgresDriver.Configuration {
        var configuration = PostgresDriver.Configuration(
            migrationsTable: migrationsTable.name, migrationsSchema: migrationsTable.schema,
            statementTimeout: statementTimeoutMilliseconds.map { .milliseconds($0) },
            lockTimeout: lockTimeoutMilliseconds.map { .milliseconds($0) },
            advisoryLockDatabaseName: lockDatabaseName
        )
        configuration.advisoryLockUsesBareDatabaseName = lockDatabaseName == nil
        return configuration
    }
}
