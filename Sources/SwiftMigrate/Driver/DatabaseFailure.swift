/// A statement failed in the database. Drivers throw this from ``DatabaseDriver/execute(_:)``; the runner maps
/// the position back to the migration file and rethrows a ``MigrateError`` with the same ``code``.
public struct DatabaseFailure: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Where in the statement text the database located the error.
    public enum Position: Sendable, Hashable {
        /// 1-based character (Unicode scalar) index, as PostgreSQL reports it.
        case character(Int)
        /// 0-based UTF-8 byte offset, as SQLite's `sqlite3_error_offset` reports it.
        case utf8Offset(Int)
    }

    /// What kind of failure: ``MigrateError/Code/statementFailed``, or
    /// ``MigrateError/Code/tableLockTimeout`` when the statement gave up waiting for a table lock (PostgreSQL's
    /// `lock_timeout`): the transaction changed nothing, and running the migration again later may succeed.
    public var code: MigrateError.Code
    public var message: String
    /// PostgreSQL SQLSTATE, or the SQLite result code name (`SQLITE_ERROR`).
    public var sqlState: String?
    public var detail: String?
    public var hint: String?
    public var position: Position?
    /// The client library's own error (PostgresNIO's `PSQLError`), for ``debugDescription``; never printed by
    /// ``description``.
    public var underlying: (any Error)?

    public init(
        _ code: MigrateError.Code = .statementFailed, message: String, sqlState: String? = nil, detail: String? = nil,
        hint: String? = nil, position: Position? = nil, underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.position = position
        self.underlying = underlying
    }

    public var description: String {
        sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message
    }

    /// The description, the detail and the client library's error, passwords in URLs redacted.
    public var debugDescription: String {
        var text = description
        if let detail { text += "\nDETAIL: \(detail)" }
        if let underlying { text += "\nunderlying: \(String(reflecting: underlying))" }
        return DatabaseURL.redact(text)
    }
}
