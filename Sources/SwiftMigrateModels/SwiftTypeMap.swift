import Foundation
import SwiftMigrate

/// The Swift type of a column, and how a bound value of it is written in SQL.
public struct MappedType: Sendable, Hashable {
    /// The Swift type, non-optional (`Decimal`, `[String]`, `TradeSide`).
    public var swiftName: String
    /// SQL around a bound parameter, when the value's wire type is not the column's: `$1::"trade_side"` for an
    /// enum, `($1 AT TIME ZONE 'UTC')::date` for a date.
    public var parameterPrefix = ""
    public var parameterSuffix = ""
    /// SQL around the column in a select list, when it is read in another form (`"amount"::text` for a
    /// NUMERIC too wide for `Decimal`).
    public var selectSuffix = ""

    public init(_ swiftName: String, parameterPrefix: String = "", parameterSuffix: String = "", selectSuffix: String = "") {
        self.swiftName = swiftName
        self.parameterPrefix = parameterPrefix
        self.parameterSuffix = parameterSuffix
        self.selectSuffix = selectSuffix
    }
}

/// PostgreSQL types → Swift types for PostgresNIO. The documented map (docs/models.md):
///
/// | PostgreSQL | Swift |
/// |---|---|
/// | `boolean` | `Bool` |
/// | `smallint`, `integer`, `bigint` (and serials) | `Int16`, `Int32`, `Int64` |
/// | `real`, `double precision` | `Float`, `Double` |
/// | `numeric(p, s)` with p ≤ 38 | `Decimal` (exact) |
/// | `numeric` without precision, or p > 38 | `SQLNumeric` (the exact decimal text) |
/// | `text`, `varchar`, `char`, `name` | `String` |
/// | `uuid` | `UUID` |
/// | `timestamptz`, `timestamp`, `date` | `Date` (timestamp and date read and written as UTC) |
/// | `json`, `jsonb` | `JSONText` (the JSON text; `decode(_:)` into a `Decodable`) |
/// | `bytea` | `Data` |
/// | enum types | a generated Swift `enum` (`String` raw values, the labels) |
/// | arrays of boolean, integer, float, text and uuid types | `[Element]` |
/// | domains | the base type's mapping |
///
/// Anything else is an error naming the column and the type, unless an override names it. SQLite columns map
/// by their declared type (``sqliteBase(_:)``).
public struct SwiftTypeMap: Sendable {
    /// `pg_type name` (`interval`, `citext`, or the SQL spelling `numeric(30,10)`) → Swift type name. An override
    /// wins over the built-in map; the type must conform to PostgresNIO's `PostgresCodable`.
    public var overrides: [String: String]

    public init(overrides: [String: String] = [:]) {
        self.overrides = overrides
    }

    /// Decimal holds 38 significant digits exactly; a NUMERIC that may need more is kept as text.
    public static let decimalPrecisionLimit = 38

    /// The Swift type of `column` of `relation`, or an error naming both and the type.
    func map(_ column: CatalogColumn, of relation: CatalogRelation, dialect: SQLDialect = .postgres, enums: [String: String]) throws -> MappedType {
        if let mapped = try map(column.type, dialect: dialect, enums: enums) { return mapped }
        throw MigrateError(
            .invalidArgument,
            "no Swift type for column \(relation.name).\(column.name) of type \(column.type.sqlName) (\(column.type.name))",
            hint: "pass -type \(column.type.name)=SwiftType with a type that conforms to PostgresCodable"
        )
    }

    /// nil when the type has no mapping.
    func map(_ type: CatalogType, dialect: SQLDialect = .postgres, enums: [String: String]) throws -> MappedType? {
        for key in [type.sqlName, type.name, type.schema.map { "\($0).\(type.name)" }].compactMap({ $0 }) {
            if let swift = overrides[key] { return MappedType(swift) }
        }
        switch type.kind {
        case .enumeration:
            guard let swift = enums[Self.enumKey(schema: type.schema, name: type.name)] else { return nil }
            return MappedType(swift, parameterSuffix: "::" + Self.qualifiedTypeName(type))
        case .domain(let base):
            return try map(base, dialect: dialect, enums: enums)
        case .array(let element):
            guard case .base = element.kind, let swift = Self.arrayElements[element.name] else { return nil }
            return MappedType("[\(swift)]")
        case .base:
            return dialect == .sqlite ? Self.sqliteBase(type) : Self.base(type)
        }
    }

    static func base(_ type: CatalogType) -> MappedType? {
        switch type.name {
        case "bool": return MappedType("Bool")
        case "int2": return MappedType("Int16")
        case "int4": return MappedType("Int32")
        case "int8": return MappedType("Int64")
        case "float4": return MappedType("Float")
        case "float8": return MappedType("Double")
        case "numeric":
            if let precision = type.precision, precision <= decimalPrecisionLimit { return MappedType("Decimal") }
            return MappedType("SQLNumeric", parameterSuffix: "::numeric", selectSuffix: "::text")
        case "text", "varchar", "bpchar", "name": return MappedType("String")
        case "uuid": return MappedType("UUID")
        case "timestamptz": return MappedType("Date")
        // PostgresNIO sends a Date as timestamptz and reads timestamp and date as UTC; convert in UTC to match.
        case "timestamp": return MappedType("Date", parameterPrefix: "(", parameterSuffix: " AT TIME ZONE 'UTC')")
        case "date": return MappedType("Date", parameterPrefix: "(", parameterSuffix: " AT TIME ZONE 'UTC')::date")
        case "jsonb": return MappedType("JSONText")
        case "json": return MappedType("JSONText", parameterSuffix: "::json")
        case "bytea": return MappedType("Data")
        default: return nil
        }
    }

    /// SQLite's declared types, by its affinity rules (a name containing `INT` is an integer, ...), with
    /// NUMERIC and DECIMAL exact and dates as UTC text (`YYYY-MM-DD HH:MM:SS.SSS`).
    static func sqliteBase(_ type: CatalogType) -> MappedType? {
        let name = type.name
        switch name {
        case "bool", "boolean": return MappedType("Bool")
        case "numeric", "decimal":
            if let precision = type.precision, precision <= decimalPrecisionLimit { return MappedType("Decimal") }
            return MappedType("SQLNumeric")
        case "date", "datetime", "timestamp": return MappedType("Date")
        case "json", "jsonb": return MappedType("JSONText")
        case "blob": return MappedType("Data")
        default: break
        }
        if name.contains("int") { return MappedType("Int64") }
        if name.contains("char") || name.contains("clob") || name.contains("text") { return MappedType("String") }
        if name.contains("real") || name.contains("floa") || name.contains("doub") { return MappedType("Double") }
        return nil
    }

    /// Element types PostgresNIO encodes and decodes in arrays.
    static let arrayElements: [String: String] = [
        "bool": "Bool", "int2": "Int16", "int4": "Int32", "int8": "Int64", "float4": "Float", "float8": "Double",
        "text": "String", "varchar": "String", "uuid": "UUID",
    ]

    static func enumKey(schema: String?, name: String) -> String {
        "\(schema ?? "").\(name)"
    }

    /// `"trade_side"`, or `"sales"."status"` outside `public`: SQL for a cast.
    static func qualifiedTypeName(_ type: CatalogType) -> String {
        let name = SQLText.identifier(type.name)
        guard let schema = type.schema, schema != "public" else { return name }
        return SQLText.identifier(schema) + "." + name
    }
}

/// Quoting for the SQL and Swift text the generator writes.
enum SQLText {
    /// A double-quoted SQL identifier, inner quotes doubled.
    static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The contents of a Swift string literal: backslashes, quotes and control characters escaped.
    static func swiftLiteral(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    result += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
