/// Positions in a statement for errors SQLite reports without an offset (`sqlite3_error_offset` is -1).
///
/// A missing or duplicate name ("no such table: nowhere" in `INSERT ... SELECT ... FROM nowhere`, `DROP TABLE
/// gone`, a duplicate column) is found in the statement, so the error points at the name; anything else (a
/// run-time error such as a failed constraint) points at the statement's first token.
enum SQLiteErrorPosition {
    /// The messages whose last word is the name at fault, and which occurrence of it to point at: the first for
    /// a missing object, the last for a duplicate (the second `id` in `(id INTEGER, id TEXT)`).
    private static let patterns: [(prefix: String, last: Bool)] = [
        ("no such table: ", false), ("no such index: ", false), ("no such view: ", false),
        ("no such trigger: ", false), ("no such column: ", false), ("duplicate column name: ", true),
    ]

    /// The UTF-8 offset of the name `message` names within `text[start...]`, up to the end of that statement
    /// (the first `;` outside strings, comments and quotes); nil when the message names nothing or the name is
    /// not found there.
    static func name(in message: String, text: UnsafeBufferPointer<CChar>, from start: Int) -> Int? {
        guard let pattern = patterns.first(where: { message.hasPrefix($0.prefix) }) else { return nil }
        var name = message.dropFirst(pattern.prefix.count)
        // "no such table: main.t": the schema may be written apart from the name ("main . t"), so look for the name.
        if let dot = name.lastIndex(of: ".") { name = name[name.index(after: dot)...] }
        let wanted = Array(name.utf8).map(lowercased)
        guard !wanted.isEmpty else { return nil }
        var found: Int?
        forEachIdentifier(in: text, from: start) { tokenStart, identifier in
            guard identifier.count == wanted.count, zip(identifier, wanted).allSatisfy({ lowercased($0) == $1 }) else {
                return true
            }
            found = tokenStart
            return pattern.last
        }
        return found
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    /// Calls `body` with the start and the unquoted bytes of each identifier or keyword of one statement,
    /// skipping strings and comments, until it returns false or the statement ends.
    private static func forEachIdentifier(
        in text: UnsafeBufferPointer<CChar>, from start: Int, _ body: (Int, [UInt8]) -> Bool
    ) {
        let length = text.count - 1  // without the terminating NUL
        func byte(_ at: Int) -> UInt8 { at < length ? UInt8(bitPattern: text[at]) : 0 }
        func isWordByte(_ value: UInt8) -> Bool {
            value >= 0x80 || value == UInt8(ascii: "_") || value == UInt8(ascii: "$")
                || (value >= UInt8(ascii: "0") && value <= UInt8(ascii: "9"))
                || (lowercased(value) >= UInt8(ascii: "a") && lowercased(value) <= UInt8(ascii: "z"))
        }
        var index = start
        while index < length {
            if let end = commentEnd(in: text, at: index) {
                index = end
                continue
            }
            let current = byte(index)
            switch current {
            case UInt8(ascii: ";"):
                return
            case UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "["):
                // A string is skipped; a quoted identifier is reported without its quotes ("" and `` escape
                // their quote, as '' does in a string).
                let close = current == UInt8(ascii: "[") ? UInt8(ascii: "]") : current
                let tokenStart = index
                var value: [UInt8] = []
                index += 1
                while index < length {
                    if byte(index) == close {
                        if close != UInt8(ascii: "]") && byte(index + 1) == close {
                            value.append(close)
                            index += 2
                            continue
                        }
                        break
                    }
                    value.append(byte(index))
                    index += 1
                }
                index = min(index + 1, length)
                if current != UInt8(ascii: "'") && !body(tokenStart, value) { return }
            case _ where isWordByte(current):
                let tokenStart = index
                while index < length && isWordByte(byte(index)) { index += 1 }
                if !body(tokenStart, (tokenStart..<index).map(byte)) { return }
            default:
                index += 1
            }
        }
    }

    /// The offset of the first byte after whitespace and comments, from `start`.
    static func firstToken(in text: UnsafeBufferPointer<CChar>, from start: Int) -> Int {
        let length = text.count - 1
        var index = start
        while index < length {
            if let end = commentEnd(in: text, at: index) {
                index = end
            } else if [0x20, 0x09, 0x0A, 0x0D, 0x0C].contains(UInt8(bitPattern: text[index])) {
                index += 1
            } else {
                return index
            }
        }
        return start
    }

    /// Where the comment that starts at `index` ends (`--` to the line's end, `/* */` past its close; an
    /// unterminated one at the text's end), or nil when none starts there.
    private static func commentEnd(in text: UnsafeBufferPointer<CChar>, at index: Int) -> Int? {
        let length = text.count - 1  // without the terminating NUL
        func byte(_ at: Int) -> UInt8 { at < length ? UInt8(bitPattern: text[at]) : 0 }
        var end = index + 2
        switch (byte(index), byte(index + 1)) {
        case (UInt8(ascii: "-"), UInt8(ascii: "-")):
            while end < length && byte(end) != 0x0A { end += 1 }
            return end
        case (UInt8(ascii: "/"), UInt8(ascii: "*")):
            while end < length && !(byte(end) == UInt8(ascii: "*") && byte(end + 1) == UInt8(ascii: "/")) { end += 1 }
            return min(end + 2, length)
        default:
            return nil
        }
    }
}
