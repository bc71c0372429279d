/// `ModelSupport.generated.swift`: what every generated model uses. The same text for every schema.
enum PostgresSupportRenderer {
    static func render() -> String {
        #"""
        \#(ModelGenerator.headerMarker). DO NOT EDIT.
        // Regenerate with `migrate models`. What every generated model uses.

        import Foundation
        import PostgresNIO

        /// What runs a model's queries: a `PostgresConnection` (for example inside a transaction) or a
        /// `PostgresClient` (a pool).
        public protocol PostgresQueryRunner: Sendable {
            /// Runs one query with bound parameters.
            func runQuery(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence
        }

        extension PostgresConnection: PostgresQueryRunner {
            public func runQuery(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
                try await self.query(query, logger: logger)
            }
        }

        extension PostgresClient: PostgresQueryRunner {
            public func runQuery(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
                try await self.query(query, logger: logger)
            }
        }

        /// A statement's parameters: each value is bound and its placeholder (`$1`) returned to write into the SQL,
        /// so no value is ever spliced into a statement.
        struct ModelBindings: Sendable {
            private(set) var bindings = PostgresBindings()

            /// Binds `value`; returns `prefix$nsuffix` (a cast such as `::"trade_side"` goes in the suffix).
            mutating func bind<Value: PostgresThrowingDynamicTypeEncodable>(
                _ value: Value, prefix: String = "", suffix: String = ""
            ) throws -> String {
                try bindings.append(value)
                return "\(prefix)$\(bindings.count)\(suffix)"
            }

            /// Binds `value`, or NULL.
            mutating func bind<Value: PostgresThrowingDynamicTypeEncodable>(
                _ value: Value?, prefix: String = "", suffix: String = ""
            ) throws -> String {
                try bindings.append(value)
                return "\(prefix)$\(bindings.count)\(suffix)"
            }
        }

        extension PostgresQueryRunner {
            /// Every row of `sql`, decoded.
            func fetchAll<Row>(
                _ sql: String, _ binds: ModelBindings, logger: Logger, _ decode: (PostgresRow) throws -> Row
            ) async throws -> [Row] {
                let rows = try await runQuery(PostgresQuery(unsafeSQL: sql, binds: binds.bindings), logger: logger)
                var result: [Row] = []
                for try await row in rows { result.append(try decode(row)) }
                return result
            }

            /// The first row of `sql`, decoded; nil when there is none.
            func fetchFirst<Row>(
                _ sql: String, _ binds: ModelBindings, logger: Logger, _ decode: (PostgresRow) throws -> Row
            ) async throws -> Row? {
                try await fetchAll(sql, binds, logger: logger, decode).first
            }
        }

        /// An error of a generated model.
        public struct ModelQueryError: Error, CustomStringConvertible, Sendable {
            public var description: String
        }

        /// A NUMERIC too wide for `Decimal` (no declared precision, or more than 38 digits), as its exact decimal
        /// text (`"12345678901234567890123456789012345678901.5"`). Read as `::text`, written as `::numeric`.
        public struct SQLNumeric: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, PostgresCodable {
            public var rawValue: String

            public init(rawValue: String) {
                self.rawValue = rawValue
            }

            /// The value of a `Decimal`, exactly.
            public init(_ decimal: Decimal) {
                self.rawValue = decimal.description
            }

            public var description: String { rawValue }

            public init(from decoder: any Decoder) throws {
                rawValue = try decoder.singleValueContainer().decode(String.self)
            }

            public func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(rawValue)
            }

            public static var psqlType: PostgresDataType { .text }
            public static var psqlFormat: PostgresFormat { .binary }

            public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
                byteBuffer.writeString(rawValue)
            }

            public init<JSONDecoder: PostgresJSONDecoder>(
                from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
            ) throws {
                guard type != .numeric || format == .text, let text = buffer.readString(length: buffer.readableBytes) else {
                    throw PostgresDecodingError.Code.typeMismatch
                }
                rawValue = text
            }
        }

        /// A `json` or `jsonb` value as its JSON text, exactly as stored; `decode(_:)` reads it into a type.
        public struct JSONText: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible, PostgresCodable {
            public var rawValue: String

            public init(rawValue: String) {
                self.rawValue = rawValue
            }

            /// The JSON encoding of `value`.
            public init<Value: Encodable>(encoding value: Value, encoder: JSONEncoder = JSONEncoder()) throws {
                rawValue = String(decoding: try encoder.encode(value), as: UTF8.self)
            }

            /// The value decoded as `type`.
            public func decode<Value: Decodable>(_ type: Value.Type, decoder: JSONDecoder = JSONDecoder()) throws -> Value {
                try decoder.decode(type, from: Data(rawValue.utf8))
            }

            public var description: String { rawValue }

            public init(from decoder: any Decoder) throws {
                rawValue = try decoder.singleValueContainer().decode(String.self)
            }

            public func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(rawValue)
            }

            public static var psqlType: PostgresDataType { .jsonb }
            public static var psqlFormat: PostgresFormat { .binary }

            public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
                byteBuffer.writeInteger(UInt8(1))  // jsonb's binary format: a version byte, then the text
                byteBuffer.writeString(rawValue)
            }

            public init<JSONDecoder: PostgresJSONDecoder>(
                from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
            ) throws {
                if type == .jsonb, format == .binary {
                    guard buffer.readInteger(as: UInt8.self) == 1 else { throw PostgresDecodingError.Code.failure }
                }
                guard let text = buffer.readString(length: buffer.readableBytes) else { throw PostgresDecodingError.Code.failure }
                rawValue = text
            }
        }

        """#
    }
}
