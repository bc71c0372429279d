import SwiftMigrate

/// What differs between the code generated for PostgreSQL (PostgresNIO) and for SQLite (SwiftMigrateSQLite):
/// the import, the database handle, how a row is decoded. Queries, binds and files are the same.
struct CodeTarget: Sendable {
    /// The library the generated code imports.
    var library: String
    /// The type of the model's `database`.
    var database: String
    /// PostgresNIO takes a `Logger` per query; the SQLite driver has its own.
    var takesLogger: Bool
    /// The type a row arrives as.
    var rowType: String
    /// The first line of `init(row:)`, if any.
    var rowPreamble: String?
    /// The expression that decodes column `index` as `type`.
    var decode: @Sendable (_ index: Int, _ type: String) -> String

    static let postgres = CodeTarget(
        library: "PostgresNIO", database: "any PostgresQueryRunner", takesLogger: true, rowType: "PostgresRow",
        rowPreamble: "let cells = row.makeRandomAccess()", decode: { "cells[\($0)].decode(\($1).self)" }
    )

    static let sqlite = CodeTarget(
        library: "SwiftMigrateSQLite", database: "SQLiteDriver", takesLogger: false, rowType: "[SQLiteValue]",
        rowPreamble: nil, decode: { "row.decode(\($0), as: \($1).self)" }
    )

    static func of(_ dialect: SQLDialect) -> CodeTarget {
        dialect == .sqlite ? .sqlite : .postgres
    }
}
