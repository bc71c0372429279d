import SwiftMigrate
import SwiftMigrateModels
import Testing

@Suite struct SwiftTypeMapTests {
    /// The Swift type generated for one column of `type`.
    func swiftType(_ type: CatalogType, nullable: Bool = false, overrides: [String: String] = [:]) throws -> String {
        let relation = CatalogRelation(
            kind: .view, schema: "public", name: "t", columns: [CatalogColumn(name: "c", type: type, isNullable: nullable)]
        )
        let catalog = DatabaseCatalog(
            dialect: .postgres, schema: "public", relations: [relation],
            enums: [CatalogEnum(schema: "public", name: "trade_side", labels: ["buy", "sell"])]
        )
        let files = try ModelGenerator(.init(typeMap: SwiftTypeMap(overrides: overrides))).files(for: catalog)
        let text = try #require(files.first { $0.name == "TModel.generated.swift" }).contents
        let line = try #require(text.split(separator: "\n").first { $0.contains("public var c: ") })
        return String(line.split(separator: ": ", maxSplits: 1)[1])
    }

    @Test(arguments: [
        ("bool", "boolean", "Bool"), ("int2", "smallint", "Int16"), ("int4", "integer", "Int32"), ("int8", "bigint", "Int64"),
        ("float4", "real", "Float"), ("float8", "double precision", "Double"), ("text", "text", "String"),
        ("varchar", "character varying(20)", "String"), ("uuid", "uuid", "UUID"), ("timestamptz", "timestamp with time zone", "Date"),
        ("timestamp", "timestamp without time zone", "Date"), ("date", "date", "Date"), ("jsonb", "jsonb", "JSONText"),
        ("json", "json", "JSONText"), ("bytea", "bytea", "Data"), ("numeric", "numeric", "SQLNumeric"),
    ])
    func baseTypes(name: String, sqlName: String, swift: String) throws {
        #expect(try swiftType(CatalogType(name: name, sqlName: sqlName)) == swift)
    }

    @Test func numericKeepsItsExactValue() throws {
        #expect(try swiftType(CatalogType(name: "numeric", sqlName: "numeric(20,8)", precision: 20, scale: 8)) == "Decimal")
        #expect(try swiftType(CatalogType(name: "numeric", sqlName: "numeric(38,0)", precision: 38, scale: 0)) == "Decimal")
        #expect(try swiftType(CatalogType(name: "numeric", sqlName: "numeric(39,2)", precision: 39, scale: 2)) == "SQLNumeric")
        #expect(try swiftType(CatalogType(name: "numeric", sqlName: "numeric(20,8)", precision: 20, scale: 8), nullable: true) == "Decimal?")
    }

    @Test func enumsArraysAndDomains() throws {
        #expect(try swiftType(CatalogType(name: "trade_side", schema: "public", sqlName: "trade_side", kind: .enumeration)) == "TradeSide")
        let text = CatalogType(name: "text", sqlName: "text")
        #expect(try swiftType(CatalogType(name: "_text", sqlName: "text[]", kind: .array(element: text))) == "[String]")
        let money = CatalogType(name: "numeric", sqlName: "numeric(12,2)", precision: 12, scale: 2)
        #expect(try swiftType(CatalogType(name: "money_amount", schema: "public", sqlName: "money_amount", kind: .domain(base: money))) == "Decimal")
        // Overrides win, by name, SQL spelling or schema-qualified name.
        #expect(try swiftType(CatalogType(name: "money_amount", schema: "public", sqlName: "money_amount", kind: .domain(base: money)), overrides: ["public.money_amount": "Cents"]) == "Cents")
        #expect(try swiftType(money, overrides: ["numeric(12,2)": "Double"]) == "Double")
    }

    @Test func arraysOfUnsupportedElementsAreErrors() throws {
        let side = CatalogType(name: "trade_side", schema: "public", sqlName: "trade_side", kind: .enumeration)
        let error = try #require(throws: MigrateError.self) {
            try swiftType(CatalogType(name: "_trade_side", schema: "public", sqlName: "trade_side[]", kind: .array(element: side)))
        }
        #expect(error.message == "no Swift type for column t.c of type trade_side[] (_trade_side)")
    }

    @Test(arguments: [
        ("model_id", "modelId", "ModelId"), ("user_notifications", "userNotifications", "UserNotifications"),
        ("ID", "id", "ID"), ("default", "`default`", "Default"), ("2fa_code", "_2faCode", "T2faCode"),
        ("v_daily_pnl", "vDailyPnl", "VDailyPnl"), ("in-progress", "inProgress", "InProgress"),
    ])
    func naming(sql: String, member: String, type: String) {
        #expect(SwiftNaming.memberName(sql) == member)
        #expect(SwiftNaming.typeName(sql) == type)
    }
}
