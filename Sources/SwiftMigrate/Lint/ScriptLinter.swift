/// Lints one file: lexes it, reads its `-- migrate:` comments, runs the statement rules in order (tables created
/// earlier in the file are "new", everything else is "existing"), and collects findings.
struct ScriptLinter {
    let linter: Linter
    let script: MigrationScript
    let version: Int64
    let direction: Direction
    var dialect: SQLDialect { linter.configuration.dialect }
    private(set) var findings: [LintFinding] = []

    // What the statements so far have shown.
    var statements: [SQLStatement] = []
    var directives: [LintDirectives] = []
    /// Directives above the first statement: they also apply to file-level findings.
    var fileDirectives = LintDirectives()
    /// Tables created by earlier statements of this file (last name part, normalised).
    var createdTables: Set<String> = []
    var inExplicitTransaction = false
    var lockTimeoutSet = false
    var lockTimeoutReported = false
    /// The first schema change, and data changes whose table this file did not create (statement, token, verb).
    var firstDDL: Int?
    var dataChanges: [(statement: Int, token: Int, verb: String, table: String?)] = []

    init(linter: Linter, script: MigrationScript, version: Int64, direction: Direction) {
        self.linter = linter
        self.script = script
        self.version = version
        self.direction = direction
    }

    mutating func run() {
        let lexed: SQLScript
        do {
            lexed = try SQLScript(script, dialect: dialect)
        } catch {
            let location = error.location ?? SourceLocation(file: script.path, line: script.firstLine, column: 1)
            emit(.invalidScript, error.message, at: location, ignoredBy: nil)
            return
        }
        statements = lexed.statements
        readDirectives()
        if direction == .down && statements.isEmpty && !script.declaresIrreversible {
            emitFileLevel(
                .emptyDown,
                "the down file of migration \(version) has no statements: `migrate down` would undo nothing "
                    + "(write the SQL that undoes the up file, or a `-- migrate:irreversible` line)"
            )
        }
        for index in statements.indices {
            let tokens = LintTokens(statements[index].text, dialect: dialect)
            check(statement: index, tokens)
        }
        checkMixedDDLAndData()
        checkNonTransactionalAlone()
    }

    // MARK: - Findings

    /// Reports `rule` at token `token` of statement `statement` (its first character when nil), unless the
    /// rule does not apply here or a comment silences it.
    mutating func emit(_ rule: LintRule, _ message: String, statement: Int, token: LintTokens.Token?) {
        let location = self.location(statement: statement, utf8Offset: token?.start ?? 0)
        emit(rule, message, at: location, ignoredBy: directives[statement])
    }

    /// Reports a finding about the whole file, at its first line.
    mutating func emitFileLevel(_ rule: LintRule, _ message: String) {
        let location = SourceLocation(file: script.path, line: script.firstLine, column: 1)
        emit(rule, message, at: location, ignoredBy: fileDirectives)
    }

    private mutating func emit(
        _ rule: LintRule, _ message: String, at location: SourceLocation, ignoredBy: LintDirectives?
    ) {
        guard linter.checks(rule, direction: direction), ignoredBy?.ignored.contains(rule.id) != true else { return }
        findings.append(
            LintFinding(
                rule: rule.id, severity: linter.severity(of: rule), message: message, location: location,
                version: version, direction: direction
            )
        )
    }

    /// The file location of a byte offset inside a statement's text; columns count Unicode scalars.
    func location(statement index: Int, utf8Offset: Int) -> SourceLocation {
        let statement = statements[index]
        var line = statement.line
        var column = statement.column
        for byte in statement.text.utf8.prefix(utf8Offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte != UInt8(ascii: "\r") && byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return SourceLocation(file: script.path, line: line, column: column)
    }

    // MARK: - Directives

    /// Assigns each `--` comment between statements to a statement: comments on the line where a statement ends
    /// belong to it, the others to the next statement.
    private mutating func readDirectives() {
        directives = Array(repeating: LintDirectives(), count: statements.count)
        let bytes = Array(script.contents.utf8)
        var gapStart = 0
        for index in 0...statements.count {
            let gapEnd = index < statements.count ? statements[index].utf8Offset : bytes.count
            readComments(in: bytes, gapStart..<max(gapStart, gapEnd), previous: index - 1, next: index)
            if index < statements.count {
                gapStart = statements[index].utf8Offset + statements[index].text.utf8.count
            }
        }
    }

    private mutating func readComments(in bytes: [UInt8], _ range: Range<Int>, previous: Int, next: Int) {
        var position = range.lowerBound
        var sawNewline = previous < 0
        while position < range.upperBound {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\n") {
                sawNewline = true
                position += 1
            } else if byte == UInt8(ascii: "-") && position + 1 < range.upperBound && bytes[position + 1] == byte {
                var end = position + 2
                while end < range.upperBound && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                let comment = Substring(String(decoding: bytes[(position + 2)..<end], as: UTF8.self))
                if !sawNewline {
                    directives[previous].read(comment: comment)
                } else if next < statements.count {
                    directives[next].read(comment: comment)
                }
                if previous < 0 { fileDirectives.read(comment: comment) }
                position = end
            } else if byte == UInt8(ascii: "/") && position + 1 < range.upperBound
                && bytes[position + 1] == UInt8(ascii: "*")
            {
                position += 2
                while position + 1 < range.upperBound
                    && !(bytes[position] == UInt8(ascii: "*") && bytes[position + 1] == UInt8(ascii: "/"))
                {
                    if bytes[position] == UInt8(ascii: "\n") { sawNewline = true }
                    position += 1
                }
                position += 2
            } else {
                position += 1
            }
        }
    }
}
