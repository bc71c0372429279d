import SwiftMigrate

/// A small catalog with one of everything the generator handles, as a driver would read it.
enum ModelTestCatalog {
    static let int8 = CatalogType(name: "int8", sqlName: "bigint")
    static let text = CatalogType(name: "text", sqlName: "text")
    static let timestamptz = CatalogType(name: "timestamptz", sqlName: "timestamp with time zone")
    static let money = CatalogType(name: "numeric", sqlName: "numeric(20,8)", precision: 20, scale: 8)
    static let side = CatalogType(name: "order_side", schema: "public", sqlName: "order_side", kind: .enumeration)

    static let orders = CatalogRelation(
        kind: .table, schema: "public", name: "orders", comment: "Orders placed by a client.",
        columns: [
            CatalogColumn(name: "id", type: int8, isNullable: false, generation: .identityAlways),
            CatalogColumn(name: "client_ref", type: text, isNullable: false, comment: "The client's own reference."),
            CatalogColumn(name: "side", type: side, isNullable: false),
            CatalogColumn(name: "price", type: money, isNullable: false, defaultExpression: "0"),
            CatalogColumn(name: "note", type: text, isNullable: true),
            CatalogColumn(name: "default", type: text, isNullable: true, defaultExpression: "'x'::text"),
            CatalogColumn(name: "created_at", type: timestamptz, isNullable: false, defaultExpression: "now()"),
        ],
        primaryKey: ["id"],
        uniqueIndexes: [
            CatalogUniqueIndex(
                name: "orders_client_ref_key", columns: ["client_ref"],
                definition: "CREATE UNIQUE INDEX orders_client_ref_key ON public.orders USING btree (client_ref)"
            ),
            CatalogUniqueIndex(
                name: "orders_open_note_key", columns: ["note"], predicate: "(side = 'buy'::order_side)",
                definition: "CREATE UNIQUE INDEX orders_open_note_key ON public.orders USING btree (note) WHERE (side = 'buy'::order_side)"
            ),
            CatalogUniqueIndex(
                name: "orders_lower_ref_key", columns: [], isExpression: true,
                definition: "CREATE UNIQUE INDEX orders_lower_ref_key ON public.orders USING btree (lower(client_ref))"
            ),
        ]
    )

    static let totals = CatalogRelation(
        kind: .materializedView, schema: "public", name: "order_totals",
        columns: [
            CatalogColumn(name: "side", type: side, isNullable: true),
            CatalogColumn(name: "total", type: CatalogType(name: "numeric", sqlName: "numeric"), isNullable: true),
        ],
        uniqueIndexes: [
            CatalogUniqueIndex(
                name: "order_totals_side_key", columns: ["side"],
                definition: "CREATE UNIQUE INDEX order_totals_side_key ON public.order_totals USING btree (side)"
            )
        ]
    )

    /// A composite primary key, an array, JSON and a column named like a keyword.
    static let lines = CatalogRelation(
        kind: .table, schema: "public", name: "order_lines",
        columns: [
            CatalogColumn(name: "order_id", type: int8, isNullable: false),
            CatalogColumn(name: "line", type: CatalogType(name: "int4", sqlName: "integer"), isNullable: false),
            CatalogColumn(name: "tags", type: CatalogType(name: "_text", sqlName: "text[]", kind: .array(element: text)), isNullable: false, defaultExpression: "'{}'::text[]"),
            CatalogColumn(name: "details", type: CatalogType(name: "jsonb", sqlName: "jsonb"), isNullable: true),
            CatalogColumn(name: "in", type: CatalogType(name: "date", sqlName: "date"), isNullable: false),
        ],
        primaryKey: ["order_id", "line"]
    )

    static let catalog = DatabaseCatalog(
        dialect: .postgres, schema: "public", relations: [orders, totals, lines],
        enums: [CatalogEnum(schema: "public", name: "order_side", labels: ["buy", "sell", "in-between"], comment: "Which way.")]
    )
}
