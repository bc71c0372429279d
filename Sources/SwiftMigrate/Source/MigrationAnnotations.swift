/// sql-migrate's `-- +migrate ...` comment directives, as far as the source needs them: splitting an annotated
/// single file into its Up and Down sections, and finding `notransaction` in plain files.
///
/// `StatementBegin` / `StatementEnd` are recognised (so they are not "unknown") but left in the text: the lexer
/// handles them.
enum MigrationAnnotations {
    enum Directive: Equatable {
        case up(noTransaction: Bool)
        case down(noTransaction: Bool)
        case statementBegin
        case statementEnd
        case noTransaction
    }

    /// The Up and Down sections of an annotated single file.
    struct Sections {
        var up: MigrationScript
        var down: MigrationScript?
    }

    /// Splits an annotated file into its sections.
    ///
    /// - Returns: nil when the file has no `-- +migrate Up` directive (the caller warns and ignores it).
    /// - Throws: `.invalidSource` at the offending line for text before the first directive (only when an Up
    ///   directive exists), a repeated Up or Down, or a malformed `-- +migrate` line.
    static func sections(of text: String, path: String) throws(MigrateError) -> Sections? {
        var text = text
        // `withUTF8` rethrows untyped errors: carry ours through a Result.
        let result = text.withUTF8 { bytes in
            Result { () throws(MigrateError) in try sections(of: bytes, path: path) }
        }
        return try result.get()
    }

    private static func sections(of bytes: UnsafeBufferPointer<UInt8>, path: String) throws(MigrateError) -> Sections? {
        var up: (start: Int, line: Int, noTransaction: Bool)?
        var down: (start: Int, line: Int, noTransaction: Bool)?
        var upEnd = bytes.count
        var downEnd = bytes.count
        var current: Direction?
        // Anything but comments and blank lines before the first section: reported only if an Up section exists.
        var strayText: MigrateError?
        var inBlockComment = false

        var lineNumber = 0
        var lineStart = 0
        var finished = false
        while !finished {  // at least once, so that an empty file is one empty line
            lineNumber += 1
            let newline = firstNewline(in: bytes, from: lineStart)
            let next = newline.map { $0 + 1 } ?? bytes.count
            finished = next == bytes.count
            defer { lineStart = next }
            let line = lineStart..<(newline ?? bytes.count)

            guard let parsed = directive(in: bytes, line: line) else {
                if current == nil, strayText == nil,
                    let column = firstCode(in: bytes, line: line, inBlockComment: &inBlockComment)
                {
                    strayText = error(
                        "text before the first '-- +migrate Up' or '-- +migrate Down' directive",
                        path: path, line: lineNumber, column: column
                    )
                }
                continue
            }
            let column = scalarColumn(in: bytes, line: line, at: firstNonBlank(in: bytes, line: line))
            let directive: Directive
            switch parsed {
            case .directive(let value): directive = value
            case .malformed(let message): throw error(message, path: path, line: lineNumber, column: column)
            }
            switch directive {
            case .up(let noTransaction), .down(let noTransaction):
                let direction: Direction = if case .up = directive { .up } else { .down }
                if direction == .up ? up != nil : down != nil {
                    let keyword = direction == .up ? "Up" : "Down"
                    throw error(
                        "a second '-- +migrate \(keyword)' directive", path: path, line: lineNumber, column: column)
                }
                // The section before ends where this directive's line starts.
                if current == .up { upEnd = lineStart } else if current == .down { downEnd = lineStart }
                let section = (start: next, line: lineNumber + 1, noTransaction: noTransaction)
                if direction == .up { up = section } else { down = section }
                current = direction
            case .noTransaction:
                if current == .up { up?.noTransaction = true } else if current == .down { down?.noTransaction = true }
            case .statementBegin, .statementEnd:
                if current == nil, strayText == nil {
                    strayText = error(
                        "'-- +migrate StatementBegin/StatementEnd' before the first '-- +migrate Up' or '-- +migrate Down'",
                        path: path, line: lineNumber, column: column
                    )
                }
            }
        }

        guard let up else { return nil }
        if let strayText { throw strayText }
        func script(_ section: (start: Int, line: Int, noTransaction: Bool), end: Int) -> MigrationScript {
            let start = min(section.start, end)
            return MigrationScript(
                path: path,
                contents: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self),
                firstLine: section.line,
                forcesNoTransaction: section.noTransaction
            )
        }
        return Sections(up: script(up, end: upEnd), down: down.map { script($0, end: downEnd) })
    }

    /// Whether a plain up/down file carries `-- +migrate notransaction`.
    ///
    /// - Throws: `.invalidSource` for `-- +migrate Up` / `Down` in a plain file (its "down" half would run on the way
    ///   up) and for malformed `-- +migrate` lines.
    static func plainForcesNoTransaction(_ text: String, path: String) throws(MigrateError) -> Bool {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(MigrateError) in try plainForcesNoTransaction(bytes, path: path) }
        }
        return try result.get()
    }

    private static func plainForcesNoTransaction(
        _ bytes: UnsafeBufferPointer<UInt8>, path: String
    ) throws(MigrateError) -> Bool {
        var forces = false
        var lineNumber = 0
        var lineStart = 0
        while lineStart < bytes.count {
            lineNumber += 1
            let newline = firstNewline(in: bytes, from: lineStart)
            let line = lineStart..<(newline ?? bytes.count)
            lineStart = newline.map { $0 + 1 } ?? bytes.count
            guard let parsed = directive(in: bytes, line: line) else { continue }
            let column = scalarColumn(in: bytes, line: line, at: firstNonBlank(in: bytes, line: line))
            switch parsed {
            case .malformed(let message):
                throw error(message, path: path, line: lineNumber, column: column)
            case .directive(.noTransaction):
                forces = true
            case .directive(.up), .directive(.down):
                throw error(
                    "'-- +migrate Up' / '-- +migrate Down' in a plain up/down file: name a file with both sections "
                        + "VERSION_NAME.sql, or remove the directive",
                    path: path, line: lineNumber, column: column
                )
            case .directive(.statementBegin), .directive(.statementEnd):
                break
            }
        }
        return forces
    }

    /// A `-- +migrate` line: a directive, or a message saying what is wrong with it.
    enum ParsedLine: Equatable {
        case directive(Directive)
        case malformed(String)
    }

    private static let expectedKeywords = "(expected Up, Down, StatementBegin, StatementEnd or notransaction)"

    /// Parses a line as a `-- +migrate ...` directive: nil when it is not one.
    ///
    /// The `+migrate` marker, keywords and options are case-insensitive; blanks may surround everything.
    static func directive(in bytes: UnsafeBufferPointer<UInt8>, line: Range<Int>) -> ParsedLine? {
        var index = firstNonBlank(in: bytes, line: line)
        let end = line.upperBound
        guard index + 2 <= end, bytes[index] == UInt8(ascii: "-"), bytes[index + 1] == UInt8(ascii: "-") else {
            return nil
        }
        index += 2
        while index < end, isBlank(bytes[index]) { index += 1 }
        let marker = Array("+migrate".utf8)
        guard index + marker.count <= end,
            (0..<marker.count).allSatisfy({ SourceByte.lower(bytes[index + $0]) == marker[$0] })
        else { return nil }
        index += marker.count
        guard index == end || isBlank(bytes[index]) else { return nil }  // `-- +migrated ...` is prose

        var words: [String] = []
        while index < end {
            while index < end, isBlank(bytes[index]) { index += 1 }
            let start = index
            while index < end, !isBlank(bytes[index]) { index += 1 }
            if start < index {
                words.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
            }
        }
        guard let keyword = words.first else {
            return .malformed("'-- +migrate' without a directive \(expectedKeywords)")
        }
        let options = words.dropFirst()
        switch keyword.lowercased() {
        case "up", "down":
            if let unknown = options.first(where: { $0.lowercased() != "notransaction" }) {
                return .malformed(
                    "unknown option '\(unknown)' in '-- +migrate \(keyword)' (only notransaction is allowed)")
            }
            let noTransaction = !options.isEmpty
            let isUp = keyword.lowercased() == "up"
            return .directive(isUp ? .up(noTransaction: noTransaction) : .down(noTransaction: noTransaction))
        case "statementbegin", "statementend", "notransaction":
            if let extra = options.first {
                return .malformed("unexpected '\(extra)' after '-- +migrate \(keyword)'")
            }
            switch keyword.lowercased() {
            case "statementbegin": return .directive(.statementBegin)
            case "statementend": return .directive(.statementEnd)
            default: return .directive(.noTransaction)
            }
        default:
            return .malformed("unknown directive '-- +migrate \(keyword)' \(expectedKeywords)")
        }
    }

    // MARK: - Line helpers

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0C }

    private static func firstNewline(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == 0x0A { return index }
            index += 1
        }
        return nil
    }

    private static func firstNonBlank(in bytes: UnsafeBufferPointer<UInt8>, line: Range<Int>) -> Int {
        var index = line.lowerBound
        while index < line.upperBound, isBlank(bytes[index]) { index += 1 }
        return index
    }

    /// The 1-based column, in Unicode scalars, of byte `offset` on `line`.
    private static func scalarColumn(in bytes: UnsafeBufferPointer<UInt8>, line: Range<Int>, at offset: Int) -> Int {
        // Every scalar has exactly one byte that is not a continuation byte (10xxxxxx).
        1 + bytes[line.lowerBound..<offset].reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    /// The 1-based column of the first character on `line` that is neither blank nor inside a `--` or `/* */`
    /// comment, or nil. `inBlockComment` carries an open `/*` over to the next line.
    private static func firstCode(
        in bytes: UnsafeBufferPointer<UInt8>, line: Range<Int>, inBlockComment: inout Bool
    ) -> Int? {
        var index = line.lowerBound
        let end = line.upperBound
        while index < end {
            if inBlockComment {
                while index + 1 < end, !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/")) {
                    index += 1
                }
                guard index + 1 < end else { return nil }
                index += 2
                inBlockComment = false
                continue
            }
            if isBlank(bytes[index]) {
                index += 1
            } else if index + 1 < end, bytes[index] == UInt8(ascii: "-"), bytes[index + 1] == UInt8(ascii: "-") {
                return nil
            } else if index + 1 < end, bytes[index] == UInt8(ascii: "/"), bytes[index + 1] == UInt8(ascii: "*") {
                inBlockComment = true
                index += 2
            } else {
                return scalarColumn(in: bytes, line: line, at: index)
            }
        }
        return nil
    }

    private static func error(_ message: String, path: String, line: Int, column: Int) -> MigrateError {
        MigrateError(.invalidSource, message, location: SourceLocation(file: path, line: line, column: column))
    }
}
