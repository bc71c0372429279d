import Foundation
import SwiftMigrate

extension SQLiteDriver {
    /// How to open a SQLite database: the file, the migrations table and the connection settings.
    ///
    /// Usually made from a URL (``init(url:)``); a Swift app can also build one in code:
    /// ```swift
    /// var configuration = SQLiteDriver.Configuration(filename: "app.db")
    /// configuration.foreignKeys = true
    /// let driver = try await SQLiteDriver.open(configuration: configuration, logger: logger)
    /// ```
    public struct Configuration: Sendable, Hashable {
        /// How `BEGIN` takes its locks (go-sqlite3's `_txlock`).
        public enum TransactionLock: String, Sendable, Hashable, CaseIterable {
            /// `BEGIN DEFERRED`: locks are taken by the first read and the first write.
            case deferred
            /// `BEGIN IMMEDIATE`: the write lock is taken at once, so a busy database is waited for
            /// (busy timeout) instead of failing half-way with `SQLITE_BUSY` when the first write comes.
            case immediate
            /// `BEGIN EXCLUSIVE`: also keeps readers out (in rollback-journal mode).
            case exclusive
        }

        /// The name given to `sqlite3_open_v2`: a file path (relative to the working directory or absolute),
        /// `:memory:`, or a `file:` URI.
        public var filename: String
        /// The version table, golang-migrate's `x-migrations-table` (default `schema_migrations`). Any name is
        /// safe: it is always quoted.
        public var migrationsTable: String
        /// golang-migrate's `x-no-tx-wrap`: never wrap a migration in a transaction of ours.
        public var noTransactionWrap: Bool
        /// How long a statement waits for another connection's lock before failing with `SQLITE_BUSY`.
        public var busyTimeout: Duration
        /// How long one statement of a migration may run (`x-statement-timeout`, milliseconds, as for
        /// PostgreSQL): it is interrupted after that and its migration fails (and rolls back). Nil: no limit.
        public var statementTimeout: Duration?
        /// `PRAGMA foreign_keys`, when set (`_foreign_keys` / `_fk`).
        public var foreignKeys: Bool?
        /// `PRAGMA journal_mode`, when set (`_journal_mode` / `_journal`): DELETE, TRUNCATE, PERSIST, MEMORY,
        /// WAL or OFF.
        public var journalMode: String?
        /// How transactions begin (`_txlock`).
        public var transactionLock: TransactionLock
        /// `PRAGMA synchronous` (`_synchronous` / `_sync`): OFF, NORMAL, FULL or EXTRA. Defaults to NORMAL, as
        /// go-sqlite3 (so golang-migrate and dbmate) opens every database: one fsync fewer per migration than
        /// SQLite's own FULL. In WAL mode NORMAL cannot corrupt the database; in the default rollback-journal
        /// mode SQLite documents a very small risk on a power failure with older file systems. Use
        /// `_sync=FULL` (or EXTRA) where every commit must also survive power loss.
        public var synchronous: String
        /// The database URL as shown in messages, password redacted.
        public var displayURL: String

        /// The version table's name when no `x-migrations-table` is given.
        public static let defaultMigrationsTable = "schema_migrations"
        /// The busy timeout when no `_busy_timeout` is given: long enough for another process's migration
        /// statement to finish.
        public static let defaultBusyTimeout = Duration.milliseconds(5000)
        /// The journal modes `PRAGMA journal_mode` accepts.
        public static let journalModes = ["DELETE", "TRUNCATE", "PERSIST", "MEMORY", "WAL", "OFF"]
        /// The levels `PRAGMA synchronous` accepts (also as their numbers 0 to 3, as go-sqlite3 does).
        public static let synchronousLevels = ["OFF", "NORMAL", "FULL", "EXTRA"]
        /// go-sqlite3's default, which golang-migrate's sqlite3 driver and dbmate run with.
        public static let defaultSynchronous = "NORMAL"

        /// A configuration for a file path, `:memory:` or a `file:` URI, with the defaults.
        public init(filename: String, migrationsTable: String = Configuration.defaultMigrationsTable) {
            self.filename = filename
            self.migrationsTable = migrationsTable
            noTransactionWrap = false
            busyTimeout = Self.defaultBusyTimeout
            statementTimeout = nil
            foreignKeys = nil
            journalMode = nil
            transactionLock = .immediate
            synchronous = Self.defaultSynchronous
            displayURL = "sqlite://\(filename)"
        }

        /// Reads a `sqlite://PATH`, `sqlite:///ABSOLUTE/PATH` or `sqlite3://file:URI` URL and its parameters:
        /// golang-migrate's `x-migrations-table` and `x-no-tx-wrap`, go-sqlite3's `_busy_timeout` (`_timeout`,
        /// milliseconds), `_foreign_keys` (`_fk`), `_journal_mode` (`_journal`), `_synchronous` (`_sync`) and
        /// `_txlock`, and with a `file:` URI SQLite's own URI parameters (`mode`, `cache`, `vfs`, `immutable`,
        /// `nolock`, `psow`).
        ///
        /// - Throws: ``MigrateError/Code/invalidURL`` for an empty path, an unknown parameter or a bad value;
        ///   ``MigrateError/Code/unsupportedScheme`` for a scheme other than `sqlite` and `sqlite3`.
        public init(url: DatabaseURL) throws(MigrateError) {
            let shown = url.redacted
            guard SQLiteDriver.schemes.contains(url.scheme) else {
                throw MigrateError(.unsupportedScheme, "the SQLite driver cannot open \(shown): expected sqlite:// or sqlite3://")
            }
            guard !url.opaquePath.isEmpty else {
                throw MigrateError(
                    .invalidURL,
                    "no database file in database URL \(shown): expected sqlite://PATH, sqlite:///ABSOLUTE/PATH or sqlite3://file:PATH"
                )
            }
            let isURI = url.opaquePath.hasPrefix("file:")
            self.init(filename: isURI ? url.opaquePath : (url.opaquePath.removingPercentEncoding ?? url.opaquePath))
            displayURL = shown

            var uriParameters: [String] = []
            for item in url.queryItems {
                let value = item.value
                switch item.name {
                case "x-migrations-table":
                    // A NUL, which would cut the SQL text short in the C API, never gets here: DatabaseURL refuses it.
                    if !value.isEmpty { migrationsTable = value }
                case "x-no-tx-wrap":
                    noTransactionWrap = try Self.bool(value, item.name, shown)
                case "x-statement-timeout":
                    guard let ms = Int(value), ms >= 0, ms <= Int(Int32.max) else {
                        throw MigrateError(
                            .invalidURL,
                            "invalid value \"\(value)\" for x-statement-timeout in database URL \(shown): expected milliseconds (0 for no limit)"
                        )
                    }
                    statementTimeout = ms == 0 ? nil : .milliseconds(ms)
                case "_busy_timeout", "_timeout":
                    // SQLite takes an `int` of milliseconds.
                    guard let ms = Int(value), ms >= 0, ms <= Int32.max else {
                        throw MigrateError(
                            .invalidURL,
                            "invalid value \"\(value)\" for \(item.name) in database URL \(shown): expected a number of milliseconds from 0 to \(Int32.max)"
                        )
                    }
                    busyTimeout = .milliseconds(ms)
                case "_foreign_keys", "_fk":
                    foreignKeys = try Self.bool(value, item.name, shown)
                case "_journal_mode", "_journal":
                    guard Self.journalModes.contains(value.uppercased()) else {
                        throw MigrateError(
                            .invalidURL,
                            "invalid value \"\(value)\" for \(item.name) in database URL \(shown): expected one of \(Self.journalModes.joined(separator: ", "))"
                        )
                    }
                    journalMode = value.uppercased()
                case "_synchronous", "_sync":
                    let level = Int(value).flatMap { Self.synchronousLevels.indices.contains($0) ? Self.synchronousLevels[$0] : nil }
                        ?? value.uppercased()
                    guard Self.synchronousLevels.contains(level) else {
                        throw MigrateError(
                            .invalidURL,
                            "invalid value \"\(value)\" for \(item.name) in database URL \(shown): expected one of \(Self.synchronousLevels.joined(separator: ", ")) (or 0 to 3)"
                        )
                    }
                    synchronous = level
                case "_txlock":
                    guard let lock = TransactionLock(rawValue: value.lowercased()) else {
                        throw MigrateError(
                            .invalidURL,
                            "invalid value \"\(value)\" for _txlock in database URL \(shown): expected deferred, immediate or exclusive"
                        )
                    }
                    transactionLock = lock
                case let name where isURI && Self.uriParameterNames.contains(name):
                    // SQLite reads these itself from the URI filename.
                    uriParameters.append("\(Self.uriEncode(name))=\(Self.uriEncode(value))")
                case let name where name.hasPrefix("x-"):
                    throw MigrateError(.invalidURL, "unknown parameter \(name) in database URL \(shown)")
                default:
                    let uriNote = isURI
                        ? ", \(Self.uriParameterNames.joined(separator: ", "))"
                        : " (and with a sqlite3://file:PATH URI: \(Self.uriParameterNames.joined(separator: ", ")))"
                    throw MigrateError(
                        .invalidURL,
                        "unknown parameter \(item.name) in database URL \(shown); supported: x-migrations-table, x-no-tx-wrap, x-statement-timeout, _busy_timeout (_timeout), _foreign_keys (_fk), _journal_mode (_journal), _synchronous (_sync), _txlock\(uriNote)"
                    )
                }
            }
            if !uriParameters.isEmpty {
                filename += (filename.contains("?") ? "&" : "?") + uriParameters.joined(separator: "&")
            }
        }

        /// SQLite's URI parameters, passed through in a `file:` URI.
        static let uriParameterNames = ["mode", "cache", "vfs", "immutable", "nolock", "psow"]

        /// Whether ``filename`` is a `file:` URI, opened with `SQLITE_OPEN_URI`.
        var isURI: Bool { filename.hasPrefix("file:") }

        /// The history table beside the version table.
        var historyTable: String { migrationsTable + "_history" }

        /// The file system path of the database, or nil for an in-memory or temporary database.
        var fileSystemPath: String? {
            guard isURI else {
                return filename.isEmpty || filename == ":memory:" ? nil : filename
            }
            var rest = Substring(filename.dropFirst("file:".count))
            let queryStart = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? rest.endIndex
            let query = rest[queryStart...]
            rest = rest[..<queryStart]
            if rest.hasPrefix("//") {
                // file://AUTHORITY/PATH: the authority is empty or localhost.
                let afterSlashes = rest.dropFirst(2)
                rest = afterSlashes[(afterSlashes.firstIndex(of: "/") ?? afterSlashes.endIndex)...]
            }
            let path = String(rest).removingPercentEncoding ?? String(rest)
            if path.isEmpty || path == ":memory:" || query.contains("mode=memory") { return nil }
            return path
        }

        /// True when the URI asks for a read-only database (`mode=ro`, `immutable=1`), so opening one is not
        /// an error.
        var requestsReadOnly: Bool {
            guard isURI, let queryStart = filename.firstIndex(of: "?") else { return false }
            let parameters = filename[filename.index(after: queryStart)...].split(separator: "&")
            return parameters.contains("mode=ro") || parameters.contains("immutable=1")
        }

        private static func bool(_ value: String, _ name: String, _ shown: String) throws(MigrateError) -> Bool {
            switch value.lowercased() {
            case "1", "t", "true", "yes", "on": return true
            case "0", "f", "false", "no", "off": return false
            default:
                throw MigrateError(
                    .invalidURL, "invalid value \"\(value)\" for \(name) in database URL \(shown): expected true or false"
                )
            }
        }

        private static func uriEncode(_ text: String) -> String {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~/")
            return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
        }
    }
}
