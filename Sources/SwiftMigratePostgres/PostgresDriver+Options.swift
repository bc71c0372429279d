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
        typealias TableName = PostgresURLParameters.TableName

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
        /// The URL's `x-` parameters, read by the parser both PostgreSQL drivers share.
        var driverConfiguration: PostgresDriver.Configuration

        var migrationsTable: TableName {
            TableName(schema: driverConfiguration.migrationsSchema, name: driverConfiguration.migrationsTable)
        }
        var statementTimeoutMilliseconds: Int? {
            driverConfiguration.statementTimeout.map { Int(PostgresMigrationConfiguration.milliseconds($0)) }
        }
        /// The database name of the lock key: golang-migrate uses the URL path, leading `/` included, and
        /// `current_database()` only when the path is empty.
        var lockDatabaseName: String? { driverConfiguration.advisoryLockDatabaseName }

        /// The libpq parameters we honour.
        static let connectionParameters = [
            "application_name", "connect_timeout", "dbname", "host", "options", "password", "port", "search_path",
            "sslcert", "sslkey", "sslmode", "sslrootcert", "user",
        ]
        /// golang-migrate's own parameters (its postgres driver accepts exactly these).
        static let migrateParameters = PostgresURLParameters.names

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
            guard !host.contains(",") else {
                throw MigrateError(
                    .invalidURL,
                    "several hosts in database URL \(url.redacted): PostgresDriver connects to one; LibPQDriver (the migrate command's) tries each with target_session_attrs"
                )
            }
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

            if let seconds = try PostgresURLParameters.connectTimeoutSeconds(url) {
                connectTimeout = seconds > 0 ? .seconds(seconds) : nil
            } else {
                connectTimeout = .seconds(10)
            }

            driverConfiguration = try PostgresURLParameters.configuration(url)
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
