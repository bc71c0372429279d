/// The tokens of one statement, as the lint rules see them: words (lowercased), identifiers, literals and
/// punctuation, with comments and whitespace dropped, so that `DROP /* TABLE */ INDEX` or `'drop table'` never
/// look like a DROP TABLE.
///
/// One forward pass over the statement's UTF-8 bytes; no backtracking, so the cost is linear in the text.
struct LintTokens {
    struct Token {
        enum Kind: UInt8 { case word, quotedIdentifier, string, number, openParen, closeParen, comma, dot, other }
        var kind: Kind
        /// Byte range in the statement's text.
        var start: Int
        var end: Int
        /// Parenthesis depth at the token (an opening parenthesis has the depth outside it).
        var depth: Int
        /// Words lowercased; quoted identifiers without their quotes; empty for the rest.
        var value: String
    }

    var tokens: [Token] = []

    init(_ text: String, dialect: SQLDialect) {
        var text = text
        tokens = text.withUTF8 { Self.scan($0, dialect: dialect) }
    }

    subscript(index: Int) -> Token { tokens[index] }
    var count: Int { tokens.count }
    var indices: Range<Int> { tokens.indices }

    /// True when token `index` is the (unquoted) word `keyword`.
    func isWord(_ index: Int, _ keyword: String) -> Bool {
        index >= 0 && index < tokens.count && tokens[index].kind == .word && tokens[index].value == keyword
    }

    /// True when token `index` is a word in `keywords`.
    func isWord(_ index: Int, in keywords: Set<String>) -> Bool {
        index >= 0 && index < tokens.count && tokens[index].kind == .word && keywords.contains(tokens[index].value)
    }

    /// The first index at or after `from` (before `end`) that is the word `keyword` at depth `depth`.
    func firstWord(_ keyword: String, from: Int = 0, end: Int? = nil, depth: Int? = nil) -> Int? {
        let end = min(end ?? tokens.count, tokens.count)
        var index = from
        while index < end {
            if isWord(index, keyword) && (depth == nil || tokens[index].depth == depth) { return index }
            index += 1
        }
        return nil
    }

    /// Reads a possibly qualified name (`a`, `"A"`, `s.a`) at `index`: its last part, normalised (unquoted names
    /// lowercased), and the index after it. Nil when no name starts there.
    func name(at index: Int) -> (name: String, next: Int)? {
        guard index < tokens.count, tokens[index].kind == .word || tokens[index].kind == .quotedIdentifier else {
            return nil
        }
        var last = index
        while last + 2 < tokens.count && tokens[last + 1].kind == .dot
            && (tokens[last + 2].kind == .word || tokens[last + 2].kind == .quotedIdentifier)
        {
            last += 2
        }
        return (tokens[last].value, last + 1)
    }

    /// The index after the parenthesised group that opens at `index` (or `index + 1` when it is no parenthesis).
    func skipGroup(at index: Int) -> Int {
        guard index < tokens.count, tokens[index].kind == .openParen else { return index + 1 }
        let depth = tokens[index].depth
        var next = index + 1
        while next < tokens.count && !(tokens[next].kind == .closeParen && tokens[next].depth == depth) { next += 1 }
        return min(next + 1, tokens.count)
    }

    /// Splits `range` at the commas of depth `depth`: the items of a column list or of an ALTER TABLE's actions.
    func items(in range: Range<Int>, depth: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = range.lowerBound
        for index in range where tokens[index].kind == .comma && tokens[index].depth == depth {
            result.append(start..<index)
            start = index + 1
        }
        result.append(start..<range.upperBound)
        return result.filter { !$0.isEmpty }
    }

    // MARK: - Scanning

    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>, dialect: SQLDialect) -> [Token] {
        var tokens: [Token] = []
        var pos = 0
        var depth = 0
        let count = bytes.count
        func add(_ kind: Token.Kind, _ start: Int, value: String = "") {
            tokens.append(Token(kind: kind, start: start, end: pos, depth: depth, value: value))
        }
        func skipQuoted(_ closing: UInt8, backslash: Bool) {
            pos += 1
            while pos < count {
                let byte = bytes[pos]
                if backslash && byte == UInt8(ascii: "\\") {
                    pos += 2
                    continue
                }
                pos += 1
                if byte == closing {
                    if pos < count && bytes[pos] == closing { pos += 1 } else { return }
                }
            }
        }
        func quotedValue(_ start: Int) -> String {
            // The lexer has already rejected unterminated quotes; strip one quote character on each side.
            let inner = min(start + 1, pos)..<max(start + 1, pos - 1)
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[inner]), as: UTF8.self)
        }
        while pos < count {
            let byte = bytes[pos]
            let start = pos
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C:
                pos += 1
            case UInt8(ascii: "-") where pos + 1 < count && bytes[pos + 1] == UInt8(ascii: "-"):
                while pos < count && bytes[pos] != 0x0A { pos += 1 }
            case UInt8(ascii: "/") where pos + 1 < count && bytes[pos + 1] == UInt8(ascii: "*"):
                pos += 2
                var nesting = 1
                while pos < count && nesting > 0 {
                    if bytes[pos] == UInt8(ascii: "*") && pos + 1 < count && bytes[pos + 1] == UInt8(ascii: "/") {
                        nesting -= 1
                        pos += 2
                    } else if dialect == .postgres && bytes[pos] == UInt8(ascii: "/") && pos + 1 < count
                        && bytes[pos + 1] == UInt8(ascii: "*")
                    {
                        nesting += 1
                        pos += 2
                    } else {
                        pos += 1
                    }
                }
            case UInt8(ascii: "'"):
                skipQuoted(byte, backslash: false)
                add(.string, start)
            case UInt8(ascii: "\""):
                skipQuoted(byte, backslash: false)
                add(.quotedIdentifier, start, value: quotedValue(start).replacingDoubled("\""))
            case UInt8(ascii: "`") where dialect == .sqlite:
                skipQuoted(byte, backslash: false)
                add(.quotedIdentifier, start, value: quotedValue(start).replacingDoubled("`"))
            case UInt8(ascii: "[") where dialect == .sqlite:
                while pos < count && bytes[pos] != UInt8(ascii: "]") { pos += 1 }
                pos = min(pos + 1, count)
                add(.quotedIdentifier, start, value: quotedValue(start))
            case UInt8(ascii: "$") where dialect == .postgres:
                scanDollar(bytes, &pos)
                add(pos - start > 1 ? .string : .other, start)
            case UInt8(ascii: "("):
                pos += 1
                add(.openParen, start)
                depth += 1
            case UInt8(ascii: ")"):
                pos += 1
                depth = max(depth - 1, 0)
                add(.closeParen, start)
            case UInt8(ascii: ","):
                pos += 1
                add(.comma, start)
            case UInt8(ascii: "."):
                pos += 1
                add(.dot, start)
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                while pos < count && (SQLLexer.isTagContinue(bytes[pos]) && bytes[pos] < 0x80 || bytes[pos] == 0x2E) {
                    pos += 1
                }
                add(.number, start)
            default:
                guard SQLLexer.isIdentifierStart(byte) else {
                    pos += 1
                    add(.other, start)
                    continue
                }
                pos += 1
                while pos < count && SQLLexer.isIdentifierContinue(bytes[pos]) { pos += 1 }
                if dialect == .postgres && pos == start + 1 && byte | 0x20 == UInt8(ascii: "e") && pos < count
                    && bytes[pos] == UInt8(ascii: "'")
                {
                    skipQuoted(UInt8(ascii: "'"), backslash: true)
                    add(.string, start)
                } else {
                    add(.word, start, value: lowercasedWord(bytes, start..<pos))
                }
            }
        }
        return tokens
    }

    /// An unquoted word folded to lower case the way PostgreSQL folds identifiers (ASCII letters only); one
    /// allocation at most (none for words of up to 15 bytes).
    private static func lowercasedWord(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(unsafeUninitializedCapacity: range.count) { buffer in
            for (offset, byte) in bytes[range].enumerated() {
                buffer[offset] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            }
            return range.count
        }
    }

    /// Skips a `$` at `pos`: a dollar-quoted string (`$$...$$`, `$tag$...$tag$`), a parameter, or an operator.
    private static func scanDollar(_ bytes: UnsafeBufferPointer<UInt8>, _ pos: inout Int) {
        let start = pos
        let count = bytes.count
        var close = pos + 1
        if close < count && bytes[close] != UInt8(ascii: "$") {
            guard SQLLexer.isIdentifierStart(bytes[close]) else {
                while close < count && SQLLexer.isDigit(bytes[close]) { close += 1 }
                pos = close
                return
            }
            while close < count && SQLLexer.isTagContinue(bytes[close]) { close += 1 }
            guard close < count && bytes[close] == UInt8(ascii: "$") else {
                pos = close
                return
            }
        }
        guard close < count else {
            pos = count
            return
        }
        let tagLength = close + 1 - start
        var candidate = close + 1
        while candidate + tagLength <= count {
            if bytes[candidate] == UInt8(ascii: "$")
                && (0..<tagLength).allSatisfy({ bytes[candidate + $0] == bytes[start + $0] })
            {
                pos = candidate + tagLength
                return
            }
            candidate += 1
        }
        pos = count
    }
}

extension String {
    /// The text with every doubled `quote` (the escape inside a quoted identifier) made single.
    fileprivate func replacingDoubled(_ quote: String) -> String {
        contains(quote) ? replacing(quote + quote, with: quote) : self
    }
}
