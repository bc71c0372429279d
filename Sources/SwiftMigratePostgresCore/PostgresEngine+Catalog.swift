import Logging
import SwiftMigrate
import Synchronization

extension PostgresEngine {
    /// Reads the tables, views, materialized views and enums of `schema` from `pg_catalog` for model
    /// generation: columns with types (enums, arrays and domains resolved), nullability, defaults, identity,
    /// serial and generated columns, primary keys, unique indexes (with partial predicates, expression keys
    /// flagged) and comments. Partitions, objects of extensions, and the version and history tables are left out.
    ///
    /// The queries run in one read-only repeatable-read transaction with `search_path` set to the schema, so
    /// they see one state of the catalog and defaults and predicates print the same whatever the role's settings
    /// (names in the schema unqualified, others qualified). Inside an open transaction, they run as they are.
    ///
    /// - throws: ``MigrateError`` with ``MigrateError/Code/driver`` when the schema does not exist or a query fails.
    package func catalog(schema: String?) async throws -> DatabaseCatalog {
        let ownTransaction = !inTransaction
        if ownTransaction {
            try await run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", what: "begin reading the catalog")
        }
        do {
            let resolved = try await resolveSchema(schema)
            if ownTransaction {
                try await run("SELECT set_config('search_path', quote_ident($1), true)", [resolved], what: "prepare to read the catalog")
            }
            let catalog = try await readCatalog(resolved)
            if ownTransaction { try await run("COMMIT", what: "finish reading the catalog") }
            return catalog
        } catch {
            if ownTransaction { try? await run("ROLLBACK", what: "finish reading the catalog") }
            throw error
        }
    }

    private func readCatalog(_ schema: String) async throws -> DatabaseCatalog {
        var relations = try await catalogRelations(schema)
        let columns = try await catalogColumns(schema)
        let types = try await catalogTypes(Set(columns.map(\.typeOID)))
        var enumOIDs = Set<Int64>()
        for column in columns { types.collectEnums(column.typeOID, into: &enumOIDs) }
        let indexes = try await catalogIndexes(Array(relations.keys))
        for column in columns {
            guard var relation = relations[column.relation] else { continue }
            var generation: CatalogColumn.Generation?
            switch (column.identity, column.generated) {
            case ("a", _): generation = .identityAlways
            case ("d", _): generation = .identityByDefault
            case (_, "s"): generation = .computed
            default:
                if column.defaultExpression?.hasPrefix("nextval(") == true { generation = .serial }
            }
            relation.columns.append(
                CatalogColumn(
                    name: column.name, type: try types.type(column.typeOID, modifier: column.typeModifier, sqlName: column.sqlName),
                    isNullable: !column.notNull, defaultExpression: generation == .computed ? nil : column.defaultExpression,
                    generation: generation, comment: column.comment
                )
            )
            relation.attributeNames[column.number] = column.name
            relations[column.relation] = relation
        }
        for index in indexes {
            guard var relation = relations[index.relation] else { continue }
            let names = index.keys.compactMap { relation.attributeNames[$0] }
            let isExpression = index.hasExpressions || index.keys.contains(0)
            if index.isPrimary {
                relation.primaryKey = names
            } else {
                relation.uniqueIndexes.append(
                    CatalogUniqueIndex(
                        name: index.name, columns: isExpression ? [] : names, predicate: index.predicate,
                        isExpression: isExpression, definition: index.definition
                    )
                )
            }
            relations[index.relation] = relation
        }
        let enums = try await catalogEnums(schema: schema, referenced: enumOIDs)
        return DatabaseCatalog(
            dialect: .postgres, schema: schema,
            relations: relations.values.map {
                CatalogRelation(
                    kind: $0.kind, schema: schema, name: $0.name, comment: $0.comment, columns: $0.columns,
                    primaryKey: $0.primaryKey, uniqueIndexes: $0.uniqueIndexes
                )
            },
            enums: enums
        )
    }

    private func resolveSchema(_ schema: String?) async throws -> String {
        guard let schema else {
            // Read when connecting: through a pooler, the session of this query may have another search_path.
            guard let current = currentSchema else {
                throw MigrateError(.driver, "cannot read the catalog: the search_path names no existing schema; pass -schema NAME")
            }
            return current
        }
        let count = try await single(
            "SELECT count(*)::text FROM pg_namespace WHERE nspname = $1", [schema], what: "look up the schema"
        )
        guard let count, count != "0" else { throw MigrateError(.driver, "cannot read the catalog: schema \"\(schema)\" does not exist") }
        return schema
    }

    /// A relation while it is being assembled.
    private struct PendingRelation {
        var kind: CatalogRelation.Kind
        var name: String
        var comment: String?
        var columns: [CatalogColumn] = []
        var primaryKey: [String] = []
        var uniqueIndexes: [CatalogUniqueIndex] = []
        var attributeNames: [Int16: String] = [:]
    }

    private func catalogRelations(_ schema: String) async throws -> [Int64: PendingRelation] {
        var result: [Int64: PendingRelation] = [:]
        let sql = """
            SELECT c.oid::text, c.relname::text, c.relkind::text, obj_description(c.oid, 'pg_class')
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
            AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
            """
        for row in try await rows(sql, [schema], what: "read the relations") {
            let (oid, name, kind, comment) = (try row.int64(0), try row.text(1), try row.text(2), row.optionalText(3))
            let own = [versionTable, historyTable].contains { $0.schema == schema && $0.name == name }
            guard !own else { continue }
            let relationKind: CatalogRelation.Kind = kind == "v" ? .view : kind == "m" ? .materializedView : .table
            result[oid] = PendingRelation(kind: relationKind, name: name, comment: comment)
        }
        return result
    }

    private struct ColumnRow {
        var relation: Int64
        var number: Int16
        var name: String
        var notNull: Bool
        var defaultExpression: String?
        var identity: String
        var generated: String
        var comment: String?
        var typeOID: Int64
        var typeModifier: Int32
        var sqlName: String
    }

    private func catalogColumns(_ schema: String) async throws -> [ColumnRow] {
        var result: [ColumnRow] = []
        let sql = """
            SELECT a.attrelid::text, a.attnum::text, a.attname::text, a.attnotnull::text, pg_get_expr(d.adbin, d.adrelid),
            a.attidentity::text, a.attgenerated::text, col_description(a.attrelid, a.attnum), a.atttypid::text,
            a.atttypmod::text, format_type(a.atttypid, a.atttypmod)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attrelid, a.attnum
            """
        for row in try await rows(sql, [schema], what: "read the columns") {
            let (relation, number, name, notNull, defaultExpression) = (
                try row.int64(0), try row.int16(1), try row.text(2), try row.bool(3), row.optionalText(4)
            )
            let (identity, generated, comment, type, modifier, sqlName) = (
                try row.text(5), try row.text(6), row.optionalText(7), try row.int64(8), try row.int32(9), try row.text(10)
            )
            result.append(
                ColumnRow(
                    relation: relation, number: number, name: name, notNull: notNull,
                    defaultExpression: defaultExpression, identity: identity, generated: generated, comment: comment,
                    typeOID: type, typeModifier: modifier, sqlName: sqlName
                )
            )
        }
        return result
    }

    private func catalogTypes(_ oids: Set<Int64>) async throws -> TypeTable {
        var table = TypeTable()
        var wanted = oids
        while !wanted.isEmpty {
            let list = wanted.sorted()
            wanted = []
            let sql = """
                SELECT t.oid::text, t.typname::text, n.nspname::text, t.typtype::text, t.typelem::text,
                t.typbasetype::text, t.typtypmod::text, t.typcategory::text, format_type(t.oid, NULL)
                FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid::bigint = ANY($1::bigint[])
                """
            for row in try await rows(sql, [Self.bigintArray(list)], what: "read the column types") {
                let (oid, name, schema, type, element) = (
                    try row.int64(0), try row.text(1), try row.text(2), try row.text(3), try row.int64(4)
                )
                let (base, baseModifier, category, sqlName) = (try row.int64(5), try row.int32(6), try row.text(7), try row.text(8))
                let info = TypeTable.Info(
                    name: name, schema: schema, type: type, element: category == "A" ? element : 0, base: base,
                    baseModifier: baseModifier, sqlName: sqlName
                )
                table.types[oid] = info
                for next in [info.element, info.base] where next != 0 && table.types[next] == nil { wanted.insert(next) }
            }
        }
        return table
    }

    private struct IndexRow {
        var relation: Int64
        var name: String
        var isPrimary: Bool
        var keys: [Int16]
        var hasExpressions: Bool
        var predicate: String?
        var definition: String
    }

    private func catalogIndexes(_ relations: [Int64]) async throws -> [IndexRow] {
        var result: [IndexRow] = []
        let sql = """
            SELECT i.indrelid::text, ic.relname::text, i.indisprimary::text,
            (SELECT array_agg(k ORDER BY o) FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS u(k, o) WHERE o <= i.indnkeyatts)::text,
            (i.indexprs IS NOT NULL)::text, pg_get_expr(i.indpred, i.indrelid), pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
            WHERE i.indisunique AND i.indisvalid AND i.indrelid::bigint = ANY($1::bigint[])
            ORDER BY ic.relname
            """
        for row in try await rows(sql, [Self.bigintArray(relations.sorted())], what: "read the unique indexes") {
            let (relation, name, isPrimary, keys) = (try row.int64(0), try row.text(1), try row.bool(2), try row.int16Array(3))
            let (hasExpressions, predicate, definition) = (try row.bool(4), row.optionalText(5), try row.text(6))
            result.append(
                IndexRow(
                    relation: relation, name: name, isPrimary: isPrimary, keys: keys, hasExpressions: hasExpressions,
                    predicate: predicate, definition: definition
                )
            )
        }
        return result
    }

    private func catalogEnums(schema: String, referenced: Set<Int64>) async throws -> [CatalogEnum] {
        var result: [CatalogEnum] = []
        let sql = """
            SELECT n.nspname::text, t.typname::text, e.enumlabel::text, obj_description(t.oid, 'pg_type')
            FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = $1 OR t.oid::bigint = ANY($2::bigint[])
            ORDER BY n.nspname, t.typname, e.enumsortorder
            """
        for row in try await rows(sql, [schema, Self.bigintArray(referenced.sorted())], what: "read the enums") {
            let (typeSchema, name, label, comment) = (try row.text(0), try row.text(1), try row.text(2), row.optionalText(3))
            if let last = result.last, last.schema == typeSchema, last.name == name {
                result[result.count - 1].labels.append(label)
            } else {
                result.append(CatalogEnum(schema: typeSchema, name: name, labels: [label], comment: comment))
            }
        }
        return result
    }
}

extension PostgresEngine {
    /// A `bigint[]` literal, for a `$n::bigint[]` parameter.
    static func bigintArray(_ values: [Int64]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }
}

/// `pg_type` rows by OID, turned into ``CatalogType`` values.
private struct TypeTable {
    struct Info {
        var name: String
        var schema: String
        /// `typtype`: b base, e enum, d domain, c composite, r range, m multirange, p pseudo.
        var type: String
        /// The element type of an array; 0 otherwise.
        var element: Int64
        /// The base type of a domain; 0 otherwise.
        var base: Int64
        var baseModifier: Int32
        var sqlName: String
    }

    var types: [Int64: Info] = [:]

    func type(_ oid: Int64, modifier: Int32, sqlName: String? = nil) throws -> CatalogType {
        guard let info = types[oid] else {
            throw MigrateError(.driver, "cannot read the catalog: type OID \(oid) not found")
        }
        let schema = info.schema == "pg_catalog" ? nil : info.schema
        var kind = CatalogType.Kind.base
        if info.type == "e" {
            kind = .enumeration
        } else if info.type == "d" {
            kind = .domain(base: try type(info.base, modifier: info.baseModifier))
        } else if info.element != 0 {
            kind = .array(element: try type(info.element, modifier: modifier))
        }
        var precision: Int?
        var scale: Int?
        // NUMERIC's typmod is ((precision << 16) | scale) + VARHDRSZ (4); -1 when unconstrained.
        if info.name == "numeric", modifier >= 4 {
            precision = Int((modifier - 4) >> 16) & 0xFFFF
            scale = Int(modifier - 4) & 0xFFFF
        }
        return CatalogType(
            name: info.name, schema: schema, sqlName: sqlName ?? info.sqlName, kind: kind, precision: precision, scale: scale
        )
    }

    /// Adds the OIDs of the enums `oid` is or contains (as an array element or a domain's base).
    func collectEnums(_ oid: Int64, into result: inout Set<Int64>) {
        guard let info = types[oid] else { return }
        if info.type == "e" { result.insert(oid) }
        if info.element != 0 { collectEnums(info.element, into: &result) }
        if info.base != 0 { collectEnums(info.base, into: &result) }
    }
}
