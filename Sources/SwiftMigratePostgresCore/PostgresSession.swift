import Logging
import SwiftMigrate
import Synchronization

/// A connection to PostgreSQL as the migration logic needs it: text in, text out. The PostgresNIO driver and the
/// libpq driver each provide one, and ``PostgresEngine`` runs everything that is the same for both on it (the
/// version and history tables, the advisory locks, transactions, `drop`, the schema snapshot and the catalog),
/// so the two drivers cannot drift apart.
package protocol PostgresSession: Sendable {
    /// Runs one statement of the driver's own with text parameters (`$1`, `$2`, ...: cast them in the SQL,
    /// `$1::bigint`) and returns its rows, every column as text and NULL as nil: select `::text` where a column
    /// is not text.
    ///
    /// - throws: ``PostgresServerError`` when the server rejects the statement; ``MigrateError`` with
    ///   ``MigrateError/Code/connection`` when the connection is lost.
    func rows(_ sql: String, _ parameters: [String?]) async throws -> [PostgresTextRow]
}

/// An error the server reported for a statement (an ErrorResponse that did not end the session).
package struct PostgresServerError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package var sqlState: String?
    package var detail: String?
    package var hint: String?
    /// 1-based character position in the statement text.
    package var position: Int?
    /// The client library's own error, for debug descriptions.
    package var underlying: (any Error)?

    package init(
        message: String, sqlState: String?, detail: String? = nil, hint: String? = nil, position: Int? = nil,
        underlying: (any Error)? = nil
    ) {
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.position = position
        self.underlying = underlying
    }

    package var description: String { sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message }

    /// The same error as a failed statement of a migration, with its position for the file location.
    package func databaseFailure(scrub: (String) -> String) -> DatabaseFailure {
        // 55P03 lock_not_available: lock_timeout expired (or NOWAIT); nothing ran, so the migration may be retried.
        DatabaseFailure(
            sqlState == "55P03" ? .tableLockTimeout : .statementFailed, message: scrub(message), sqlState: sqlState,
            detail: detail.map(scrub), hint: hint.map(scrub), position: position.map { .character($0) },
            underlying: underlying
        )
    }
}

/// One row of a ``PostgresSession`` result: each column as the server's text, NULL as nil.
package struct PostgresTextRow: Sendable {
    package var values: [String?]

    package init(_ values: [String?]) { self.values = values }

    package func optionalText(_ column: Int) -> String? {
        column < values.count ? values[column] : nil
    }

    package func text(_ column: Int) throws(MigrateError) -> String {
        guard let value = optionalText(column) else {
            throw MigrateError(.driver, "unexpected NULL in column \(column + 1) of a catalog row")
        }
        return value
    }

    package func int64(_ column: Int) throws(MigrateError) -> Int64 { try number(column) }
    package func int32(_ column: Int) throws(MigrateError) -> Int32 { try number(column) }
    package func int16(_ column: Int) throws(MigrateError) -> Int16 { try number(column) }

    package func optionalInt32(_ column: Int) throws(MigrateError) -> Int32? {
        optionalText(column) == nil ? nil : try number(column)
    }

    /// `t`/`true` or `f`/`false`: the text of a boolean.
    package func bool(_ column: Int) throws(MigrateError) -> Bool {
        switch try text(column) {
        case "t", "true": return true
        case "f", "false": return false
        case let other: throw MigrateError(.driver, "unexpected boolean \"\(other)\" in column \(column + 1)")
        }
    }

    package func double(_ column: Int) throws(MigrateError) -> Double {
        let text = try text(column)
        guard let value = Double(text) else { throw MigrateError(.driver, "unexpected number \"\(text)\" in column \(column + 1)") }
        return value
    }

    /// An `int2[]`'s text, `{1,2,3}`; NULL is empty.
    package func int16Array(_ column: Int) throws(MigrateError) -> [Int16] {
        guard let text = optionalText(column), text.count > 2 else { return [] }
        var values: [Int16] = []
        for part in text.dropFirst().dropLast().split(separator: ",") {
            guard let value = Int16(part) else { throw MigrateError(.driver, "unexpected array \"\(text)\" in column \(column + 1)") }
            values.append(value)
        }
        return values
    }

    private func number<T: FixedWidthInteger>(_ column: Int) throws(MigrateError) -> T {
        let text = try text(column)
        guard let value = T(text) else { throw MigrateError(.driver, "unexpected number \"\(text)\" in column \(column + 1)") }
        return value
    }
}

/// A schema-qualified name; its description is the quoted SQL form, safe to splice into a statement.
package struct QualifiedName: Sendable, Hashable, CustomStringConvertible {
    package var schema: String
    package var name: String

    package init(schema: String, name: String) {
        self.schema = schema
        self.name = name
    }

    package var description: String { "\(quoteIdentifier(schema)).\(quoteIdentifier(name))" }
}

/// A PostgreSQL identifier in double quotes, inner quotes doubled: no value can break out of it.
package func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingAll("\"", with: "\"\"") + "\""
}
