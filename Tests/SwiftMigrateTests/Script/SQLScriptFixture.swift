import SwiftMigrate

/// Builds scripts for the lexer tests from inline SQL.
enum SQLScriptFixture {
    static let path = "migrations/001_test.up.sql"

    static func script(
        _ sql: String, _ dialect: SQLDialect = .postgres, firstLine: Int = 1, noTransaction: Bool = false
    ) throws(MigrateError) -> SQLScript {
        let script = MigrationScript(path: path, contents: sql, firstLine: firstLine, forcesNoTransaction: noTransaction)
        return try SQLScript(script, dialect: dialect)
    }

    /// The statements' texts.
    static func texts(_ sql: String, _ dialect: SQLDialect = .postgres) throws(MigrateError) -> [String] {
        try script(sql, dialect).statements.map(\.text)
    }

    /// The error lexing throws, or nil when it succeeds.
    static func error(_ sql: String, _ dialect: SQLDialect = .postgres, firstLine: Int = 1) -> MigrateError? {
        do {
            _ = try script(sql, dialect, firstLine: firstLine)
            return nil
        } catch {
            return error
        }
    }

    static func location(_ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: path, line: line, column: column)
    }
}
