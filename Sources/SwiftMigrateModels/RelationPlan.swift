import SwiftMigrate

/// A relation with every name and type decided: what the renderer writes, without further choices.
struct RelationPlan {
    struct Column {
        var column: CatalogColumn
        /// The Swift member name, escaped when it is a keyword.
        var member: String
        var type: MappedType
        /// `Decimal?` for a nullable column, else `Decimal`.
        var rowType: String { column.isNullable ? type.swiftName + "?" : type.swiftName }
        /// `"balance"`, or `"amount"::text` when read in another form.
        var selectExpression: String { SQLText.identifier(column.name) + type.selectSuffix }
    }

    /// A finder over a unique index.
    struct Finder {
        var method: String
        var index: CatalogUniqueIndex
        var columns: [Column]
    }

    let relation: CatalogRelation
    let typeName: String
    let columns: [Column]
    let primaryKey: [Column]
    let finders: [Finder]
    /// Unique indexes without a finder, with the reason (written as comments).
    let skipped: [(index: CatalogUniqueIndex, reason: String)]

    var isTable: Bool { relation.kind == .table }
    /// The relation's name as SQL: quoted, schema-qualified outside `public`.
    var sqlName: String {
        let name = SQLText.identifier(relation.name)
        guard let schema = relation.schema, schema != "public" else { return name }
        return SQLText.identifier(schema) + "." + name
    }

    init(_ relation: CatalogRelation, typeName: String, typeMap: SwiftTypeMap, dialect: SQLDialect, enums: [String: String]) throws {
        self.relation = relation
        self.typeName = typeName
        var columns: [Column] = []
        var members: [String: String] = [:]
        for column in relation.columns {
            let member = SwiftNaming.memberName(column.name)
            if let other = members[member] {
                throw MigrateError(
                    .invalidArgument, "columns \(relation.name).\(other) and \(relation.name).\(column.name) both become the Swift name \(member)"
                )
            }
            members[member] = column.name
            columns.append(Column(column: column, member: member, type: try typeMap.map(column, of: relation, dialect: dialect, enums: enums)))
        }
        self.columns = columns
        let byName = Dictionary(uniqueKeysWithValues: columns.map { ($0.column.name, $0) })
        primaryKey = relation.primaryKey.compactMap { byName[$0] }
        var finders: [Finder] = []
        var skipped: [(index: CatalogUniqueIndex, reason: String)] = []
        var methods = Set<String>()
        for index in relation.uniqueIndexes {
            if index.isExpression {
                skipped.append((index, "an expression index has no column to bind a value to"))
                continue
            }
            if index.predicate == nil, Set(index.columns) == Set(relation.primaryKey) {
                skipped.append((index, "the same columns as the primary key (findOne)"))
                continue
            }
            let keyColumns = index.columns.compactMap { byName[$0] }
            guard keyColumns.count == index.columns.count, !keyColumns.isEmpty else {
                skipped.append((index, "its columns are not all readable"))
                continue
            }
            var method = "findOneBy" + keyColumns.map { SwiftNaming.typeName(SwiftNaming.bare($0.member)) }.joined(separator: "And")
            if methods.contains(method) { method += "Using" + SwiftNaming.typeName(index.name) }
            methods.insert(method)
            finders.append(Finder(method: method, index: index, columns: keyColumns))
        }
        self.finders = finders
        self.skipped = skipped
    }
}
