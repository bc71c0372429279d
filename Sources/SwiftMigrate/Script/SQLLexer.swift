/// The byte-level scanner behind ``SQLScript``: one forward pass over a script's UTF-8 bytes that cuts it into
/// statements, skipping what can hide a `;` (quotes, dollar quotes, comments, function and trigger bodies).
///
/// It allocates only per statement (the statement's text), never per character, and computes line and column
/// only where a statement starts or an error is reported.
struct SQLLexer {
    /// A token the classifier and the body tracker look at. Comments and whitespace never become tokens.
    struct Token {
        enum Kind: UInt8 { case word, quotedIdentifier, string, number, punctuation, openParen, closeParen }
        var kind: Kind
        var start: Int
        var end: Int
    }

    /// A construct whose `;`s belong to the statement: PostgreSQL `BEGIN ATOMIC ... END` in CREATE FUNCTION or
    /// PROCEDURE, SQLite `BEGIN ... END` in CREATE TRIGGER.
    enum Body { case none, atomic, trigger }

    /// What is known about the statement being read.
    struct StatementState {
        /// Offset of the first token, -1 while only whitespace and comments have been seen.
        var start = -1
        var parenDepth = 0
        var body = Body.none
        /// Open BEGIN ... END and CASE ... END inside a body; a `;` ends the statement only at 0.
        var bodyDepth = 0
        var bodyOpener = -1
        /// A PostgreSQL BEGIN that becomes a body if ATOMIC follows.
        var pendingBegin = -1
        /// The first tokens outside parentheses, for classification.
        var tokens: [Token] = []
        var topLevelCount = 0
        /// A parenthesis opened outside any other (`PRAGMA foreign_keys(0)`): not in `tokens`.
        var topLevelParen = false
        var concurrently = false
        /// CREATE / ALTER SUBSCRIPTION: watch for `create_slot = false`, `connect = false`, `refresh = false`.
        var subscription = false
        var optionState: UInt8 = 0
        var optionDisabled = false
        /// Inside a StatementBegin block: the offset of a `;` that is the last token so far.
        var trailingSemicolon = -1

        mutating func reset() {
            // Swap the array out first so that it is uniquely referenced and keeps its buffer.
            var tokens: [Token] = []
            swap(&tokens, &self.tokens)
            tokens.removeAll(keepingCapacity: true)
            self = StatementState()
            self.tokens = tokens
        }
    }

    static let tokenCapacity = 32

    let bytes: UnsafeBufferPointer<UInt8>
    let dialect: SQLDialect
    let path: String
    let firstLine: Int
    /// Where the text starts: 3 after a UTF-8 byte order mark, else 0.
    let textStart: Int
    var pos: Int
    /// The end of what `scan()` reads: the whole script, or a StatementBegin block.
    var limit: Int
    var inBlock = false
    var statement = StatementState()
    var statements: [SQLStatement] = []
    /// The last offset whose line and column were computed; statements start in increasing order.
    var cursor: (offset: Int, line: Int, column: Int)

    init(bytes: UnsafeBufferPointer<UInt8>, dialect: SQLDialect, path: String, firstLine: Int) {
        self.bytes = bytes
        self.dialect = dialect
        self.path = path
        self.firstLine = firstLine
        textStart = Self.byteOrderMarkLength(bytes)
        pos = textStart
        limit = bytes.count
        cursor = (textStart, firstLine, 1)
        statement.tokens.reserveCapacity(Self.tokenCapacity)
    }

    static func byteOrderMarkLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
    }

    /// Splits the whole script into ``statements``.
    mutating func run() throws(MigrateError) {
        try scan()
        guard statement.start >= 0 else { return }
        if statement.bodyDepth > 0 {
            throw error(at: statement.bodyOpener, unterminatedBodyMessage)
        }
        try finishStatement(end: limit)
    }

    var unterminatedBodyMessage: String {
        statement.body == .atomic
            ? "unterminated BEGIN ATOMIC body: no matching END (opened here)"
            : "unterminated trigger body: BEGIN has no matching END (opened here)"
    }

    /// Reads tokens up to `limit`, finishing a statement at every `;` that ends one.
    mutating func scan() throws(MigrateError) {
        while pos < limit {
            let byte = bytes[pos]
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C:
                pos += 1
            case UInt8(ascii: "-") where peek() == UInt8(ascii: "-"):
                try lineComment()
            case UInt8(ascii: "/") where peek() == UInt8(ascii: "*"):
                try blockComment()
            case UInt8(ascii: ";"):
                try semicolon()
            case UInt8(ascii: "'"):
                let start = pos
                try skipQuoted(closing: byte, backslashEscapes: false, opener: start, what: "quoted string")
                note(.string, from: start)
            case UInt8(ascii: "\""):
                let start = pos
                try skipQuoted(closing: byte, backslashEscapes: false, opener: start, what: "quoted identifier \"")
                note(.quotedIdentifier, from: start)
            case UInt8(ascii: "`") where dialect == .sqlite:
                let start = pos
                try skipQuoted(closing: byte, backslashEscapes: false, opener: start, what: "quoted identifier `")
                note(.quotedIdentifier, from: start)
            case UInt8(ascii: "[") where dialect == .sqlite:
                try bracketedIdentifier()
            case UInt8(ascii: "$"):
                try dollar()
            case UInt8(ascii: "\\") where statement.start < 0:
                throw metaCommandError()
            case UInt8(ascii: "("):
                pos += 1
                note(.openParen, from: pos - 1)
                statement.parenDepth += 1
            case UInt8(ascii: ")"):
                pos += 1
                if statement.parenDepth > 0 { statement.parenDepth -= 1 }
                note(.closeParen, from: pos - 1)
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                number()
            default:
                if Self.isIdentifierStart(byte) {
                    try word()
                } else {
                    pos += 1
                    note(.punctuation, from: pos - 1)
                }
            }
        }
    }

    func peek() -> UInt8 {
        pos + 1 < limit ? bytes[pos + 1] : 0
    }

    // MARK: - Character classes

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        // Bytes of non-ASCII characters count as letters, as in both PostgreSQL's and SQLite's scanners.
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") || byte == UInt8(ascii: "_")
            || byte >= 0x80
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// Identifier characters after the first: `$` included (`a$b` is one identifier, so `a$$` opens no quote).
    static func isIdentifierContinue(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || isDigit(byte) || byte == UInt8(ascii: "$")
    }

    /// Dollar-quote tag characters after the first: like identifiers, but without `$`.
    static func isTagContinue(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || isDigit(byte)
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09
    }

    // MARK: - Tokens

    mutating func word() throws(MigrateError) {
        let start = pos
        pos += 1
        while pos < limit && Self.isIdentifierContinue(bytes[pos]) { pos += 1 }
        // E'...' is a PostgreSQL string with backslash escapes, so \' does not close it.
        if dialect == .postgres, pos == start + 1, bytes[start] | 0x20 == UInt8(ascii: "e"), pos < limit,
            bytes[pos] == UInt8(ascii: "'")
        {
            try skipQuoted(closing: bytes[pos], backslashEscapes: true, opener: start, what: "escape string E'")
            note(.string, from: start)
            return
        }
        note(.word, from: start)
    }

    mutating func number() {
        let start = pos
        pos += 1
        while pos < limit {
            let byte = bytes[pos]
            guard Self.isTagContinue(byte) && byte < 0x80 || byte == UInt8(ascii: ".") else { break }
            pos += 1
        }
        note(.number, from: start)
    }

    /// Skips a quoted string or identifier starting at `pos`; a doubled closing quote stands for itself.
    mutating func skipQuoted(closing: UInt8, backslashEscapes: Bool, opener: Int, what: String) throws(MigrateError) {
        pos += 1
        while pos < limit {
            let byte = bytes[pos]
            if byte == closing {
                if pos + 1 < limit && bytes[pos + 1] == closing {
                    pos += 2
                    continue
                }
                pos += 1
                return
            }
            pos += backslashEscapes && byte == UInt8(ascii: "\\") ? 2 : 1
        }
        throw error(at: opener, "unterminated \(what) (opened here)")
    }

    /// SQLite's `[identifier]`: no escapes, it ends at the first `]`.
    mutating func bracketedIdentifier() throws(MigrateError) {
        let start = pos
        pos += 1
        while pos < limit && bytes[pos] != UInt8(ascii: "]") { pos += 1 }
        guard pos < limit else { throw error(at: start, "unterminated quoted identifier [ (opened here)") }
        pos += 1
        note(.quotedIdentifier, from: start)
    }

    /// A `$`: a PostgreSQL dollar quote (`$$` or `$tag$`), a parameter (`$1`, SQLite `$name`), or an operator.
    mutating func dollar() throws(MigrateError) {
        let start = pos
        pos += 1
        if dialect == .sqlite {
            while pos < limit && Self.isIdentifierContinue(bytes[pos]) { pos += 1 }
            note(.punctuation, from: start)
            return
        }
        guard pos < limit else { return note(.punctuation, from: start) }
        if Self.isDigit(bytes[pos]) {
            while pos < limit && Self.isDigit(bytes[pos]) { pos += 1 }
            return note(.number, from: start)
        }
        var close = pos
        if bytes[close] != UInt8(ascii: "$") {
            guard Self.isIdentifierStart(bytes[close]) else { return note(.punctuation, from: start) }
            close += 1
            while close < limit && Self.isTagContinue(bytes[close]) { close += 1 }
            guard close < limit && bytes[close] == UInt8(ascii: "$") else { return note(.punctuation, from: start) }
        }
        let tagLength = close + 1 - start
        var candidate = close + 1
        while candidate + tagLength <= limit {
            if bytes[candidate] == UInt8(ascii: "$") && sameBytes(candidate, start, count: tagLength) {
                pos = candidate + tagLength
                return note(.string, from: start)
            }
            candidate += 1
        }
        let tag = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<start + tagLength]), as: UTF8.self)
        throw error(at: start, "unterminated dollar-quoted string \(tag) (opened here)")
    }

    func sameBytes(_ first: Int, _ second: Int, count: Int) -> Bool {
        for index in 0..<count where bytes[first + index] != bytes[second + index] { return false }
        return true
    }

    // MARK: - Comments

    mutating func blockComment() throws(MigrateError) {
        let start = pos
        pos += 2
        var depth = 1
        while pos < limit {
            let byte = bytes[pos]
            if byte == UInt8(ascii: "*") && pos + 1 < limit && bytes[pos + 1] == UInt8(ascii: "/") {
                pos += 2
                depth -= 1
                if depth == 0 { return }
            } else if dialect == .postgres && byte == UInt8(ascii: "/") && pos + 1 < limit
                && bytes[pos + 1] == UInt8(ascii: "*")
            {
                // PostgreSQL nests block comments; SQLite ends at the first */.
                pos += 2
                depth += 1
            } else {
                pos += 1
            }
        }
        throw error(at: start, "unterminated block comment /* (opened here)")
    }

    mutating func lineComment() throws(MigrateError) {
        let start = pos
        var end = pos + 2
        while end < limit && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        if !inBlock && isAtLineStart(start) && matchesDirective(from: start + 2, to: end, "statementbegin") {
            try statementBlock(directive: start, directiveEnd: end)
        } else {
            pos = end
        }
    }

    func isAtLineStart(_ offset: Int) -> Bool {
        var index = offset
        while index > textStart && Self.isBlank(bytes[index - 1]) { index -= 1 }
        return index == textStart || bytes[index - 1] == UInt8(ascii: "\n")
    }

    /// The psql meta-command error for a `\` at `pos`, naming the command (`\set`, `\copy`, ...).
    mutating func metaCommandError() -> MigrateError {
        var end = pos + 1
        while end < limit && !Self.isWhitespace(bytes[end]) && bytes[end] != UInt8(ascii: "\\")
            && bytes[end] != UInt8(ascii: ";")
        {
            end += 1
        }
        let command = String(decoding: UnsafeBufferPointer(rebasing: bytes[pos..<end]), as: UTF8.self)
        return error(at: pos, "psql meta-command \(command) is not SQL; swift-migrate runs plain SQL statements")
    }
}
