/// The SQL flavour a script is lexed as: it decides quoting, comment nesting and which statements cannot run in a
/// transaction.
public enum SQLDialect: String, Sendable, Hashable {
    /// PostgreSQL: dollar quotes, `E'...'` strings, nested block comments, `BEGIN ATOMIC` function bodies.
    case postgres
    /// SQLite: `[ident]` and backtick-quoted identifiers, `CREATE TRIGGER ... BEGIN ... END` bodies.
    case sqlite
}

/// One statement of a migration script, as written in the file, with where it starts.
public struct SQLStatement: Sendable, Hashable {
    /// How a statement relates to transactions.
    public enum Kind: Sendable, Hashable {
        /// May run inside a transaction (almost everything).
        case regular
        /// Cannot run inside a transaction block; the string names the construct, e.g. `CREATE INDEX CONCURRENTLY`.
        case nonTransactional(String)
        /// `BEGIN [WORK | TRANSACTION]`, `START TRANSACTION`, SQLite `BEGIN DEFERRED | IMMEDIATE | EXCLUSIVE`.
        case begin
        /// `COMMIT` or `END`.
        case commit
        /// `ROLLBACK` or `ABORT` (not `ROLLBACK TO SAVEPOINT`).
        case rollback
    }

    /// The exact source text from the statement's first token up to, not including, its terminating `;`, with
    /// trailing whitespace trimmed. Comments before the first token are not included.
    public var text: String
    /// The byte offset of `text`'s first byte within ``MigrationScript/contents``.
    public var utf8Offset: Int
    /// The 1-based line in the file (``MigrationScript/firstLine`` applied).
    public var line: Int
    /// The 1-based column, in Unicode scalars.
    public var column: Int
    /// Whether the statement may run in a transaction, or controls one itself.
    public var kind: Kind

    /// Creates a statement; ``SQLScript`` makes them from a script's text.
    public init(text: String, utf8Offset: Int, line: Int, column: Int, kind: Kind = .regular) {
        self.text = text
        self.utf8Offset = utf8Offset
        self.line = line
        self.column = column
        self.kind = kind
    }
}

extension SQLStatement.Kind {
    /// True for the explicit transaction control statements (`BEGIN`, `COMMIT`, `ROLLBACK` and their synonyms).
    public var isTransactionControl: Bool {
        switch self {
        case .begin, .commit, .rollback: true
        case .regular, .nonTransactional: false
        }
    }
}
