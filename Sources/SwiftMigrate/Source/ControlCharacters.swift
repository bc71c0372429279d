/// Control characters in what comes from outside: in a migration file they are refused (a NUL hides the rest of
/// a statement from review, while SQLite runs it); in a name that is printed or stored they are escaped (a
/// newline or `ESC[` in a file name forges log lines and terminal output).
package enum ControlCharacters {
    /// Whether a byte may not appear in a migration file: the C0 controls except tab, line feed, form feed and
    /// carriage return, and DEL. (Bytes of multi-byte UTF-8 characters are all 0x80 or above.)
    static func isRefusedInFile(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0C && byte != 0x0D) || byte == 0x7F
    }

    /// Whether a scalar is escaped in names: every control character (C0, DEL and C1), tab and newline included.
    static func isEscaped(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// `text` with every control character written as a visible escape, as Swift writes them: `\n`, `\r`, `\t`,
    /// `\0`, else `\u{1B}`. Text without one is returned as it is. `kept` are left alone: tabs in an excerpt of a
    /// file line (so that a caret under it lines up), line breaks in multi-line output.
    package static func escaped(_ text: String, except kept: Set<Unicode.Scalar> = []) -> String {
        func needsEscape(_ scalar: Unicode.Scalar) -> Bool { isEscaped(scalar) && !kept.contains(scalar) }
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case _ where !needsEscape(scalar): result.unicodeScalars.append(scalar)
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\0": result += "\\0"
            default: result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            }
        }
        return result
    }

    /// Throws for the first control character a migration file may not contain, naming the file, line and
    /// column; the excerpt shows it escaped, so that the error itself prints no control character.
    ///
    /// - Throws: ``MigrateError/Code/invalidSource`` with a ``SourceLocation``.
    static func checkFile(_ text: String, path: String) throws(MigrateError) {
        var text = text
        let found: (offset: Int, line: Int, column: Int, excerpt: String)? = text.withUTF8 { bytes in
            // One plain pass (files reach 50 MB); most have no such byte.
            var offset = 0
            while offset < bytes.count && !isRefusedInFile(bytes[offset]) { offset += 1 }
            guard offset < bytes.count else { return nil }
            let textStart = SQLLexer.byteOrderMarkLength(bytes)
            var line = 1
            var column = 1
            for byte in bytes[textStart..<offset] {
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else if byte != UInt8(ascii: "\r") && !UTF8.isContinuation(byte) {
                    column += 1
                }
            }
            return (offset, line, column, SQLLexer.lineText(in: bytes, around: offset, textStart: textStart))
        }
        guard let found else { return }
        let byte = text.utf8[text.utf8.index(text.utf8.startIndex, offsetBy: found.offset)]
        let hex = (byte < 0x10 ? "0x0" : "0x") + String(byte, radix: 16, uppercase: true)
        let name = switch byte {
        case 0x00: "a NUL byte"
        case 0x7F: "a DEL byte"
        default: "a control character \(escaped(String(UnicodeScalar(byte))))"
        }
        throw MigrateError(
            .invalidSource,
            "\(name) (\(hex)) in a migration file: only tab, line feed, form feed and carriage return may appear "
                + "(what follows a NUL is hidden from review and lint, yet SQLite runs it)",
            location: SourceLocation(file: path, line: found.line, column: found.column),
            // The culprit is the first refused byte, so escaping leaves the text before it, and the caret, in place.
            sourceLine: escaped(found.excerpt, except: ["\t"])
        )
    }
}
