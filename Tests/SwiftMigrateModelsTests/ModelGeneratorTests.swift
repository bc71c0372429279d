import Foundation
import SwiftMigrate
import SwiftMigrateModels
import Testing

@Suite struct ModelGeneratorTests {
    /// The golden files are the `GoldenModels` target, so the build proves they compile without warnings.
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("GoldenModels")

    /// The whole output for the test catalog, byte for byte. To update after an intended change, run the test
    /// with MODELS_GOLDEN_UPDATE=1 and review the diff of Tests/GoldenModels.
    @Test func generatedFilesMatchTheGoldenFiles() throws {
        let files = try ModelGenerator().files(for: ModelTestCatalog.catalog)
        #expect(files.map(\.name) == [
            "ModelEnums.generated.swift", "ModelSupport.generated.swift", "OrderLinesModel.generated.swift", "OrderLinesModel.swift",
            "OrderTotalsModel.generated.swift", "OrderTotalsModel.swift", "OrdersModel.generated.swift", "OrdersModel.swift",
        ])
        #expect(files.map(\.kind) == [.generated, .generated, .generated, .custom, .generated, .custom, .generated, .custom])
        let update = ProcessInfo.processInfo.environment["MODELS_GOLDEN_UPDATE"] == "1"
        for file in files {
            let golden = Self.goldenDirectory.appendingPathComponent(file.name)
            if update { try Data(file.contents.utf8).write(to: golden) }
            let expected = try String(contentsOf: golden, encoding: .utf8)
            #expect(file.contents == expected, "\(file.name) differs from its golden file")
        }
    }

    @Test func sameCatalogInAnyOrderGivesTheSameBytes() throws {
        let catalog = ModelTestCatalog.catalog
        let shuffled = DatabaseCatalog(
            dialect: .postgres, schema: "public", relations: catalog.relations.reversed(), enums: catalog.enums.reversed()
        )
        let first = try ModelGenerator().files(for: catalog)
        let second = try ModelGenerator().files(for: shuffled)
        #expect(first == second)
        for file in first {
            // No time or tool version in the headers: regenerating later gives the same bytes.
            #expect(!file.contents.contains("2026") && !file.contents.contains("0.1.0"), "\(file.name)")
        }
    }

    @Test func tableOutputHasTheCRUDAndInsertDefaults() throws {
        let files = try ModelGenerator().files(for: ModelTestCatalog.catalog)
        let orders = try #require(files.first { $0.name == "OrdersModel.generated.swift" }).contents
        // The identity column (GENERATED ALWAYS) is not insertable; defaulted columns are optional and left out when nil.
        #expect(!orders.contains("public var id: Int64?"))
        #expect(orders.contains("public var price: Decimal?"))
        #expect(orders.contains("public var `default`: String??"))
        #expect(orders.contains("public func findOne(id: Int64) async throws -> OrdersRow?"))
        #expect(orders.contains("public func findOneByClientRef(clientRef: String) async throws -> OrdersRow?"))
        // The partial index's finder carries the predicate; the enum parameter is cast.
        #expect(orders.contains(#"WHERE \"note\" = \(_p1) AND ((side = 'buy'::order_side))"#))
        #expect(orders.contains(#"try _binds.bind(values.side, suffix: "::\"order_side\"")"#))
        #expect(orders.contains("// No finder for unique index orders_lower_ref_key: an expression index has no column to bind a value to."))
        #expect(orders.contains("public func update(_ row: OrdersRow) async throws -> OrdersRow?"))
        #expect(orders.contains("public func delete(id: Int64) async throws -> Bool"))
    }

    @Test func compositeKeysArraysJSONAndDates() throws {
        let files = try ModelGenerator().files(for: ModelTestCatalog.catalog)
        let lines = try #require(files.first { $0.name == "OrderLinesModel.generated.swift" }).contents
        #expect(lines.contains("public func findOne(orderId: Int64, line: Int32) async throws -> OrderLinesRow?"))
        #expect(lines.contains(#"WHERE \"order_id\" = \(_p1) AND \"line\" = \(_p2)"#))
        #expect(lines.contains("public func delete(orderId: Int64, line: Int32) async throws -> Bool"))
        #expect(lines.contains("public var tags: [String]"))
        #expect(lines.contains("public var details: JSONText?"))
        #expect(lines.contains("public var `in`: Date"))
        #expect(lines.contains(#"try _binds.bind(row.`in`, prefix: "(", suffix: " AT TIME ZONE 'UTC')::date")"#))
    }

    @Test func viewsAreReadOnly() throws {
        let files = try ModelGenerator().files(for: ModelTestCatalog.catalog)
        let totals = try #require(files.first { $0.name == "OrderTotalsModel.generated.swift" }).contents
        #expect(totals.contains("public func fetchAll() async throws -> [OrderTotalsRow]"))
        #expect(totals.contains("public func findOneBySide(side: OrderSide) async throws -> OrderTotalsRow?"))
        #expect(!totals.contains("func insert"))
        #expect(!totals.contains("func update"))
        #expect(!totals.contains("func delete"))
        // Unconstrained NUMERIC: exact text, read as ::text.
        #expect(totals.contains("public var total: SQLNumeric?"))
        #expect(totals.contains(#"static let columnList = "\"side\", \"total\"::text""#))
    }

    @Test func tablePatternsSelectRelations() throws {
        let generator = ModelGenerator(.init(tablePatterns: ["order_t*"]))
        let names = try generator.files(for: ModelTestCatalog.catalog).map(\.name)
        #expect(names == ["ModelEnums.generated.swift", "ModelSupport.generated.swift", "OrderTotalsModel.generated.swift", "OrderTotalsModel.swift"])
        #expect(try ModelGenerator(.init(tablePatterns: ["order_*"])).files(for: ModelTestCatalog.catalog).count == 6)
        #expect(ModelGenerator(.init(tablePatterns: ["ord?rs", "nothing"])).selectedRelations(ModelTestCatalog.catalog).map(\.name) == ["orders"])
    }

    @Test func unmappedTypeIsAnErrorNamingColumnAndTypeUnlessOverridden() throws {
        var relation = ModelTestCatalog.orders
        relation.columns.append(CatalogColumn(name: "hold_for", type: CatalogType(name: "interval", sqlName: "interval"), isNullable: true))
        let catalog = DatabaseCatalog(dialect: .postgres, schema: "public", relations: [relation], enums: ModelTestCatalog.catalog.enums)
        let error = try #require(throws: MigrateError.self) { try ModelGenerator().files(for: catalog) }
        #expect(error.message == "no Swift type for column orders.hold_for of type interval (interval)")
        #expect(error.hint == "pass -type interval=SwiftType with a type that conforms to PostgresCodable")
        let overridden = try ModelGenerator(.init(typeMap: SwiftTypeMap(overrides: ["interval": "PostgresInterval"]))).files(for: catalog)
        let orders = try #require(overridden.first { $0.name == "OrdersModel.generated.swift" }).contents
        #expect(orders.contains("public var holdFor: PostgresInterval?"))
    }

    @Test func sqliteCatalogsGenerateModelsOverSQLiteDriver() throws {
        let users = CatalogRelation(
            kind: .table, schema: nil, name: "users",
            columns: [
                CatalogColumn(name: "id", type: CatalogType(name: "integer", sqlName: "INTEGER"), isNullable: false, generation: .serial),
                CatalogColumn(name: "email", type: CatalogType(name: "text", sqlName: "TEXT"), isNullable: false),
                CatalogColumn(name: "balance", type: CatalogType(name: "numeric", sqlName: "NUMERIC(20, 8)", precision: 20, scale: 8), isNullable: true),
                CatalogColumn(name: "joined", type: CatalogType(name: "datetime", sqlName: "DATETIME"), isNullable: false, defaultExpression: "CURRENT_TIMESTAMP"),
            ],
            primaryKey: ["id"]
        )
        let catalog = DatabaseCatalog(dialect: .sqlite, schema: nil, relations: [users], enums: [])
        let files = try ModelGenerator().files(for: catalog)
        #expect(files.map(\.name) == ["ModelSupport.generated.swift", "UsersModel.generated.swift", "UsersModel.swift"])
        let model = files[1].contents
        #expect(model.hasPrefix("// Code generated by migrate models from table users. DO NOT EDIT.\n"))
        #expect(model.contains("import SwiftMigrateSQLite\n"))
        #expect(model.contains("public init(_ database: SQLiteDriver) {"))
        #expect(model.contains("id: row.decode(0, as: Int64.self),"))
        #expect(model.contains("public var balance: Decimal?"))
        #expect(model.contains("public var joined: Date"))
        #expect(model.contains(#"fetchFirst("SELECT \(UsersRow.columnList) FROM \(Self.relation) WHERE \"id\" = \(_p1)", _binds, UsersRow.init(row:))"#))
        #expect(files[0].contents.contains(#"return "\(prefix)?\(values.count)\(suffix)""#))
        #expect(files[2].contents.contains("import SwiftMigrateSQLite\n"))
        var unknown = users
        unknown.columns.append(CatalogColumn(name: "shape", type: CatalogType(name: "geometry", sqlName: "GEOMETRY"), isNullable: true))
        let error = try #require(throws: MigrateError.self) {
            try ModelGenerator().files(for: DatabaseCatalog(dialect: .sqlite, schema: nil, relations: [unknown], enums: []))
        }
        #expect(error.message == "no Swift type for column users.shape of type GEOMETRY (geometry)")
    }
}
