/// A migration script split into statements, each with its place in the file, and how the script must run.
///
/// Databases run one statement per query here, and report errors as positions inside that statement, so the
/// lexer keeps every statement's exact text and offset to map an error back to `FILE:LINE:COL`:
///
/// ```swift
/// let script = try SQLScript(migration.up!, dialect: .postgres)
/// for (index, statement) in script.statements.enumerated() {
///     // on a database error at character 17 of statement.text:
///     let location = script.location(statement: index, characterPosition: 17)
/// }
/// ```
public struct SQLScript: Sendable {
    /// Whether the runner may wrap the script, with its version write, in one transaction.
    public enum ExecutionMode: Sendable, Hashable {
        /// All statements, the version and the history row in one transaction: a failure changes nothing.
        case transaction
        /// Statement by statement outside a transaction; `reason` names why (shown to the user).
        case noTransaction(reason: String)
    }

    /// The file, as shown to users.
    public let path: String
    /// The dialect the script was lexed as.
    public let dialect: SQLDialect
    /// The statements in order; empty and comment-only ones are dropped. An outer `BEGIN` ... `COMMIT` pair is
    /// removed when the script runs in a transaction (the runner opens its own).
    public let statements: [SQLStatement]
    /// How the script must run.
    public let executionMode: ExecutionMode
    private let contents: String
    private let firstLine: Int

    /// Lexes a script.
    ///
    /// - Throws: ``MigrateError/Code/invalidScript`` located where the problem starts: an unterminated string,
    ///   dollar quote, quoted identifier, block comment, function or trigger body, or
    ///   `-- +migrate StatementBegin`; a psql meta-command (`\set`, `\copy`, ...); or PostgreSQL
    ///   `COPY ... FROM STDIN` (its rows would follow as text only psql can send).
    ///
    /// - Parameters:
    ///   - script: the migration file to split.
    ///   - dialect: the SQL dialect of the database it will run on.
    ///   - noTransactionReason: when set, the script runs outside a transaction whatever it contains, and this
    ///     says why (a driver's ``DriverTraits/TransactionPolicy/scriptsManageTransactions(setting:)``); its own
    ///     BEGIN and COMMIT then run as written.
    public init(_ script: MigrationScript, dialect: SQLDialect, noTransactionReason: String? = nil) throws(MigrateError) {
        guard !script.isOmitted else {
            throw MigrateError(.invalidSource, "\(script.path) was listed but not read: load the source with its \(script.path.contains(".down.") ? "down" : "up") files")
        }
        var contents = script.contents
        let lexed = contents.withUTF8 { bytes in
            Result { () throws(MigrateError) -> [SQLStatement] in
                var lexer = SQLLexer(bytes: bytes, dialect: dialect, path: script.path, firstLine: script.firstLine)
                try lexer.run()
                return lexer.statements
            }
        }
        var statements = try lexed.get()
        try Self.checkTransactionControl(statements, path: script.path)
        if let noTransactionReason {
            executionMode = .noTransaction(reason: noTransactionReason)
        } else {
            executionMode = Self.executionMode(of: &statements, forcedNoTransaction: script.forcesNoTransaction)
        }
        self.statements = statements
        self.path = script.path
        self.dialect = dialect
        self.contents = contents
        self.firstLine = script.firstLine
    }

    /// Refuses a COMMIT or ROLLBACK with no transaction open, a BEGIN inside an open one, and a BEGIN never
    /// closed: PostgreSQL only warns about them and goes on, SQLite fails half-way (and the version write that
    /// follows fails too), so the same file would leave the two databases in different states. Refused here,
    /// before anything runs, they fail the same way everywhere, and `lint`, `validate` and `plan` report them.
    static func checkTransactionControl(_ statements: [SQLStatement], path: String) throws(MigrateError) {
        var open: SQLStatement?
        func refuse(_ statement: SQLStatement, _ message: String, _ hint: String) -> MigrateError {
            MigrateError(
                .invalidScript, message, location: SourceLocation(file: path, line: statement.line, column: statement.column),
                statement: statement.text, hint: hint
            )
        }
        for statement in statements {
            switch statement.kind {
            case .begin:
                if let open {
                    throw refuse(
                        statement, "BEGIN inside the transaction that line \(open.line) began",
                        "close the first transaction with COMMIT before beginning another"
                    )
                }
                open = statement
            case .commit, .rollback:
                guard open != nil else {
                    throw refuse(
                        statement, "\(statement.kind == .commit ? "COMMIT" : "ROLLBACK") without a transaction begun in this file",
                        "remove it: the runner wraps each migration in a transaction of its own (or begin one above it)"
                    )
                }
                open = nil
            default:
                break
            }
        }
        if let open {
            throw refuse(
                open, "BEGIN is never committed: the file ends inside its transaction",
                "end the file's transaction with COMMIT, or remove the BEGIN (the runner wraps each migration in a transaction of its own)"
            )
        }
    }

    /// Chooses the mode, and strips an outer BEGIN ... COMMIT when the runner's own transaction replaces it.
    static func executionMode(of statements: inout [SQLStatement], forcedNoTransaction: Bool) -> ExecutionMode {
        if forcedNoTransaction { return .noTransaction(reason: "-- +migrate notransaction") }
        for statement in statements {
            if case .nonTransactional(let reason) = statement.kind { return .noTransaction(reason: reason) }
        }
        let control = statements.indices.filter { statements[$0].kind.isTransactionControl }
        if control.isEmpty { return .transaction }
        if control == [0, statements.count - 1] && statements[0].kind == .begin
            && statements[statements.count - 1].kind == .commit
        {
            statements.removeLast()
            statements.removeFirst()
            return .transaction
        }
        return .noTransaction(reason: "explicit BEGIN/COMMIT")
    }

    /// The file location of a PostgreSQL error position: a 1-based character (Unicode scalar) position within
    /// the text of statement `index`. Positions past the end point just after the statement's last character.
    public func location(statement index: Int, characterPosition: Int) -> SourceLocation {
        guard let statement = statement(at: index) else { return SourceLocation(file: path, line: firstLine, column: 1) }
        var line = statement.line
        var column = statement.column
        var remaining = max(characterPosition, 1) - 1
        for scalar in statement.text.unicodeScalars {
            guard remaining > 0 else { break }
            remaining -= 1
            if scalar == "\n" {
                line += 1
                column = 1
            } else if scalar != "\r" {
                column += 1
            }
        }
        return SourceLocation(file: path, line: line, column: column)
    }

    /// The file location of a SQLite error offset: a 0-based byte offset within the text of statement `index`.
    /// An offset inside a multi-byte character points at that character; past the end, just after the text.
    public func location(statement index: Int, utf8Offset: Int) -> SourceLocation {
        guard let statement = statement(at: index) else { return SourceLocation(file: path, line: firstLine, column: 1) }
        let utf8 = statement.text.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: min(max(utf8Offset, 0), utf8.count))
        while end > utf8.startIndex && end < utf8.endIndex && UTF8.isContinuation(utf8[end]) {
            end = utf8.index(before: end)
        }
        var line = statement.line
        var column = statement.column
        for byte in utf8[..<end] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte != UInt8(ascii: "\r") && !UTF8.isContinuation(byte) {
                column += 1
            }
        }
        return SourceLocation(file: path, line: line, column: column)
    }

    /// The full text of a 1-based file line (as in ``SourceLocation``), without its line ending (`\r\n` or
    /// `\n`) or a byte order mark; `""` when the line is not part of this script.
    public func sourceLine(_ line: Int) -> String {
        let wanted = line - firstLine
        guard wanted >= 0 else { return "" }
        var contents = contents
        return contents.withUTF8 { bytes in
            var start = SQLLexer.byteOrderMarkLength(bytes)
            var current = 0
            while current < wanted {
                while start < bytes.count && bytes[start] != UInt8(ascii: "\n") { start += 1 }
                guard start < bytes.count else { return "" }
                start += 1
                current += 1
            }
            return SQLLexer.lineText(in: bytes, around: start, textStart: start)
        }
    }

    /// The statement at `index`, clamped into range; nil when there is none.
    private func statement(at index: Int) -> SQLStatement? {
        guard !statements.isEmpty else { return nil }
        return statements[min(max(index, 0), statements.count - 1)]
    }
}
