extension SQLLexer {
    // MARK: - Statement boundaries

    /// Records a token of the current statement: its start, the classifier's view, and body nesting.
    mutating func note(_ kind: Token.Kind, from start: Int) {
        let token = Token(kind: kind, start: start, end: pos)
        if statement.start < 0 { statement.start = start }
        statement.trailingSemicolon = -1
        if kind == .word {
            if token.end - token.start == 12 && isKeyword(token, "concurrently") { statement.concurrently = true }
            if statement.body != .none { trackBody(token) }
        } else {
            statement.pendingBegin = -1
        }
        if statement.subscription { trackOption(token) }
        if kind == .openParen && statement.parenDepth == 0 { statement.topLevelParen = true }
        guard statement.parenDepth == 0, kind != .openParen, kind != .closeParen else { return }
        statement.topLevelCount += 1
        if statement.tokens.count < Self.tokenCapacity { statement.tokens.append(token) }
        if statement.topLevelCount <= 4 { recognizeShape() }
    }

    mutating func semicolon() throws(MigrateError) {
        if inBlock {
            pos += 1
            note(.punctuation, from: pos - 1)
            statement.trailingSemicolon = pos - 1
            return
        }
        // Like psql, PostgreSQL does not split inside parentheses (CREATE RULE ... DO (a; b)).
        let ends = statement.bodyDepth == 0 && (dialect == .sqlite || statement.parenDepth == 0)
        pos += 1
        if !ends {
            note(.punctuation, from: pos - 1)
        } else if statement.start >= 0 {
            try finishStatement(end: pos - 1)
        }
    }

    /// Appends the current statement, its text ending before `end` with trailing whitespace trimmed.
    mutating func finishStatement(end: Int) throws(MigrateError) {
        defer { statement.reset() }
        let start = statement.start
        guard start >= 0 else { return }
        // pg_dump writes the rows after COPY ... FROM STDIN for psql to send; they are not SQL. Stop here,
        // before the rows are lexed as statements.
        if dialect == .postgres && word(0, "copy") && hasWords("from", "stdin") {
            throw error(
                at: start, "COPY ... FROM STDIN needs psql to send the rows after it; swift-migrate runs plain SQL "
                    + "statements (use INSERT, or COPY FROM a file on the server)"
            )
        }
        var end = end
        while end > start && Self.isWhitespace(bytes[end - 1]) { end -= 1 }
        guard end > start else { return }
        let (line, column) = position(of: start)
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        statements.append(SQLStatement(text: text, utf8Offset: start, line: line, column: column, kind: classify()))
    }

    // MARK: - Function and trigger bodies

    mutating func trackBody(_ token: Token) {
        switch statement.body {
        case .atomic:
            if statement.pendingBegin >= 0 {
                let opener = statement.pendingBegin
                statement.pendingBegin = -1
                if isKeyword(token, "atomic") {
                    statement.bodyDepth = 1
                    statement.bodyOpener = opener
                    return
                }
            }
            if statement.bodyDepth == 0 {
                // Only BEGIN ATOMIC opens a body, so a parameter or function named "begin" does not.
                if statement.parenDepth == 0 && isKeyword(token, "begin") { statement.pendingBegin = token.start }
            } else {
                trackCaseEnd(token)
            }
        case .trigger:
            if statement.bodyDepth == 0 {
                if isKeyword(token, "begin") {
                    statement.bodyDepth = 1
                    statement.bodyOpener = token.start
                }
            } else {
                trackCaseEnd(token)
            }
        case .none:
            break
        }
    }

    /// Inside a body, CASE ... END nests, so its END does not close the body.
    mutating func trackCaseEnd(_ token: Token) {
        if isKeyword(token, "case") {
            statement.bodyDepth += 1
        } else if isKeyword(token, "end") {
            statement.bodyDepth -= 1
        }
    }

    // MARK: - sql-migrate StatementBegin / StatementEnd

    /// True when the comment text in `from..<to` (after `--`) is `+migrate <keyword>`, case-insensitive.
    func matchesDirective(from: Int, to: Int, _ keyword: StaticString) -> Bool {
        var index = from
        while index < to && Self.isBlank(bytes[index]) { index += 1 }
        guard matchesLowercase("+migrate", at: index, end: to) else { return false }
        index += 8
        guard index < to && Self.isBlank(bytes[index]) else { return false }
        while index < to && Self.isBlank(bytes[index]) { index += 1 }
        guard matchesLowercase(keyword, at: index, end: to) else { return false }
        index += keyword.utf8CodeUnitCount
        return index == to || Self.isWhitespace(bytes[index])
    }

    /// Handles the lines from a StatementBegin directive (at `directive`) to its StatementEnd: one statement,
    /// never split. The end is found line by line, as sql-migrate does, so it is the escape hatch for text
    /// the lexer would split wrongly.
    mutating func statementBlock(directive: Int, directiveEnd: Int) throws(MigrateError) {
        // A statement left open without its ';' ends where the block begins.
        try finishStatement(end: directive)
        let contentStart = min(directiveEnd + 1, limit)
        var lineStart = contentStart
        while lineStart < limit {
            var lineEnd = lineStart
            while lineEnd < limit && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var first = lineStart
            while first < lineEnd && Self.isBlank(bytes[first]) { first += 1 }
            if first + 1 < lineEnd && bytes[first] == UInt8(ascii: "-") && bytes[first + 1] == UInt8(ascii: "-")
                && matchesDirective(from: first + 2, to: lineEnd, "statementend")
            {
                try blockStatement(from: contentStart, to: lineStart)
                pos = lineEnd
                return
            }
            lineStart = lineEnd + 1
        }
        throw error(
            at: directive, "unterminated -- +migrate StatementBegin: no -- +migrate StatementEnd follows (opened here)"
        )
    }

    /// Lexes a block's text without splitting it, to find its first token and a final `;`, to classify it and
    /// to report unterminated quotes inside it.
    mutating func blockStatement(from start: Int, to end: Int) throws(MigrateError) {
        let outerLimit = limit
        pos = start
        limit = end
        inBlock = true
        defer {
            limit = outerLimit
            inBlock = false
        }
        try scan()
        try finishStatement(end: statement.trailingSemicolon >= 0 ? statement.trailingSemicolon : end)
    }

    // MARK: - Positions and errors

    /// The file line and scalar column of a byte offset. Amortised linear: offsets mostly grow.
    mutating func position(of offset: Int) -> (line: Int, column: Int) {
        if offset < cursor.offset { cursor = (textStart, firstLine, 1) }
        var (index, line, column) = cursor
        while index < offset {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte != UInt8(ascii: "\r") && byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        cursor = (index, line, column)
        return (line, column)
    }

    /// An `.invalidScript` error located at a byte offset, with the line's text for a caret excerpt.
    mutating func error(at offset: Int, _ message: String) -> MigrateError {
        let (line, column) = position(of: offset)
        return MigrateError(
            .invalidScript, message, location: SourceLocation(file: path, line: line, column: column),
            sourceLine: Self.lineText(in: bytes, around: offset, textStart: textStart)
        )
    }

    /// The text of the line holding `offset`, without its line ending or a byte order mark.
    static func lineText(in bytes: UnsafeBufferPointer<UInt8>, around offset: Int, textStart: Int) -> String {
        var start = min(max(offset, textStart), bytes.count)
        while start > textStart && bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }
}
