/// `ModelSupport.generated.swift` for SQLite models: how Swift values become SQLite values and back, bound
/// parameters, and the queries on `SQLiteDriver`. The same text for every schema.
enum SQLiteSupportRenderer {
    static func render() -> String {
        #"""
        \#(ModelGenerator.headerMarker). DO NOT EDIT.
        // Regenerate with `migrate models`. What every generated model uses.

        import Foundation
        import SwiftMigrateSQLite

        /// A Swift value stored in an SQLite column.
        public protocol SQLiteModelValue: Sendable {
            /// Reads the value; throws when the column holds another storage class.
            init(sqliteValue: SQLiteValue) throws
            /// The value to bind.
            var sqliteValue: SQLiteValue { get }
        }

        /// An error of a generated model: a value of an unexpected kind, or a statement that returned no row.
        public struct ModelQueryError: Error, CustomStringConvertible, Sendable {
            public var description: String
        }

        func mismatch(_ value: SQLiteValue, _ expected: String) -> ModelQueryError {
            ModelQueryError(description: "expected \(expected), got \(value)")
        }

        extension Int64: SQLiteModelValue {
            public init(sqliteValue: SQLiteValue) throws {
                guard case .integer(let value) = sqliteValue else { throw mismatch(sqliteValue, "an integer") }
                self = value
            }
            public var sqliteValue: SQLiteValue { .integer(self) }
        }

        extension Double: SQLiteModelValue {
            public init(sqliteValue: SQLiteValue) throws {
                switch sqliteValue {
                case .real(let value): self = value
                case .integer(let value): self = Double(value)
                default: throw mismatch(sqliteValue, "a number")
                }
            }
            public var sqliteValue: SQLiteValue { .real(self) }
        }

        extension Bool: SQLiteModelValue {
            public init(sqliteValue: SQLiteValue) throws {
                guard case .integer(let value) = sqliteValue else { throw mismatch(sqliteValue, "0 or 1") }
                self = value != 0
            }
            public var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
        }

        extension String: SQLiteModelValue {
            public init(sqliteValue: SQLiteValue) throws {
                switch sqliteValue {
                case .text(let value): self = value
                case .integer(let value): self = String(value)
                case .real(let value): self = String(value)
                default: throw mismatch(sqliteValue, "text")
                }
            }
            public var sqliteValue: SQLiteValue { .text(self) }
        }

        extension Data: SQLiteModelValue {
            public init(sqliteValue: SQLiteValue) throws {
                switch sqliteValue {
                case .blob(let bytes): self = Data(bytes)
                case .text(let text): self = Data(text.utf8)
                default: throw mismatch(sqliteValue, "a blob")
                }
            }
            public var sqliteValue: SQLiteValue { .blob(Array(self)) }
        }

        /// Written as its decimal text; SQLite may store it as an integer or a real when that is exact, and a
        /// real is read back through its shortest text, so the digits written are the digits read.
        extension Decimal: SQLiteModelValue {
            public init(sqliteValue: SQLiteValue) throws {
                let text: String
                switch sqliteValue {
                case .integer(let value): text = String(value)
                case .real(let value): text = String(value)
                case .text(let value): text = value
                default: throw mismatch(sqliteValue, "a number")
                }
                guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
                    throw mismatch(sqliteValue, "a decimal number")
                }
                self = value
            }
            public var sqliteValue: SQLiteValue { .text(description) }
        }

        /// Stored as UTC text, `YYYY-MM-DD HH:MM:SS.SSS` (what SQLite's date functions read); read from that
        /// text with or without fractions, a bare date, or a number of seconds since 1970.
        extension Date: SQLiteModelValue {
            static func sqliteFormatter(_ format: String) -> DateFormatter {
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(identifier: "UTC")
                formatter.dateFormat = format
                return formatter
            }

            public init(sqliteValue: SQLiteValue) throws {
                switch sqliteValue {
                case .integer(let seconds): self = Date(timeIntervalSince1970: TimeInterval(seconds))
                case .real(let seconds): self = Date(timeIntervalSince1970: seconds)
                case .text(let text):
                    let formats = ["yyyy-MM-dd HH:mm:ss.SSS", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.SSSXXXXX", "yyyy-MM-dd'T'HH:mm:ssXXXXX", "yyyy-MM-dd"]
                    guard let date = formats.lazy.compactMap({ Self.sqliteFormatter($0).date(from: text) }).first else {
                        throw mismatch(sqliteValue, "a date")
                    }
                    self = date
                default: throw mismatch(sqliteValue, "a date")
                }
            }
            public var sqliteValue: SQLiteValue { .text(Self.sqliteFormatter("yyyy-MM-dd HH:mm:ss.SSS").string(from: self)) }
        }

        extension Optional: SQLiteModelValue where Wrapped: SQLiteModelValue {
            public init(sqliteValue: SQLiteValue) throws {
                if case .null = sqliteValue {
                    self = nil
                } else {
                    self = try Wrapped(sqliteValue: sqliteValue)
                }
            }
            public var sqliteValue: SQLiteValue { self?.sqliteValue ?? .null }
        }

        /// A NUMERIC too wide for `Decimal`, as its exact decimal text.
        public struct SQLNumeric: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, SQLiteModelValue {
            public var rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }
            public var description: String { rawValue }
            public init(sqliteValue: SQLiteValue) throws { rawValue = try String(sqliteValue: sqliteValue) }
            public var sqliteValue: SQLiteValue { .text(rawValue) }
        }

        /// A JSON column as its text; `decode(_:)` reads it into a type.
        public struct JSONText: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, SQLiteModelValue {
            public var rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }
            public var description: String { rawValue }
            /// The value decoded as `type`.
            public func decode<Value: Decodable>(_ type: Value.Type, decoder: JSONDecoder = JSONDecoder()) throws -> Value {
                try decoder.decode(type, from: Data(rawValue.utf8))
            }
            public init(sqliteValue: SQLiteValue) throws { rawValue = try String(sqliteValue: sqliteValue) }
            public var sqliteValue: SQLiteValue { .text(rawValue) }
        }

        /// A statement's parameters: each value is bound and its placeholder (`?1`) returned to write into the SQL,
        /// so no value is ever spliced into a statement.
        struct ModelBindings: Sendable {
            private(set) var values: [SQLiteValue] = []

            /// Binds `value` (nil binds NULL); returns `prefix?nsuffix`.
            mutating func bind<Value: SQLiteModelValue>(_ value: Value, prefix: String = "", suffix: String = "") throws -> String {
                values.append(value.sqliteValue)
                return "\(prefix)?\(values.count)\(suffix)"
            }
        }

        extension Array where Element == SQLiteValue {
            /// Column `index` of a row, as `type`.
            func decode<Value: SQLiteModelValue>(_ index: Int, as type: Value.Type) throws -> Value {
                guard indices.contains(index) else { throw ModelQueryError(description: "no column \(index) in the row") }
                return try Value(sqliteValue: self[index])
            }
        }

        extension SQLiteDriver {
            /// Every row of `sql`, decoded.
            func fetchAll<Row>(_ sql: String, _ binds: ModelBindings, _ decode: ([SQLiteValue]) throws -> Row) async throws -> [Row] {
                try await query(sql, binds.values).map(decode)
            }

            /// The first row of `sql`, decoded; nil when there is none.
            func fetchFirst<Row>(_ sql: String, _ binds: ModelBindings, _ decode: ([SQLiteValue]) throws -> Row) async throws -> Row? {
                try await fetchAll(sql, binds, decode).first
            }
        }

        """#
    }
}
