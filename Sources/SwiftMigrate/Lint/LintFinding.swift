#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One problem `migrate lint` found: which rule, how serious, what, and where.
public struct LintFinding: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The rule's stable id (``LintRule/id``).
    public var rule: String
    public var severity: LintSeverity
    /// One line naming the table, column or construct at fault.
    public var message: String
    /// The offending token (or the file's first line for file-level findings such as a missing down file).
    public var location: SourceLocation
    /// The migration's version.
    public var version: Int64
    /// Whether the finding is in the up or the down file.
    public var direction: Direction

    public init(
        rule: String, severity: LintSeverity, message: String, location: SourceLocation, version: Int64,
        direction: Direction
    ) {
        self.rule = rule
        self.severity = severity
        self.message = message
        self.location = location
        self.version = version
        self.direction = direction
    }

    /// `FILE:LINE:COL: warning[rule-id]: message`, the form compilers print and editors jump to.
    public var description: String {
        "\(location): \(severity.rawValue)[\(rule)]: \(message)"
    }

    /// Ordered by file, line, column, then rule id, so that output is stable.
    public static func < (lhs: LintFinding, rhs: LintFinding) -> Bool {
        (lhs.location.file, lhs.location.line, lhs.location.column, lhs.rule)
            < (rhs.location.file, rhs.location.line, rhs.location.column, rhs.rule)
    }

    // A flat JSON object: {"column":1,"direction":"up","file":"...","line":3,"message":"...","rule":"...",
    // "severity":"warning","version":1}.
    private enum CodingKeys: String, CodingKey {
        case rule, severity, message, file, line, column, version, direction
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rule = try container.decode(String.self, forKey: .rule)
        severity = try container.decode(LintSeverity.self, forKey: .severity)
        message = try container.decode(String.self, forKey: .message)
        location = SourceLocation(
            file: try container.decode(String.self, forKey: .file),
            line: try container.decode(Int.self, forKey: .line),
            column: try container.decode(Int.self, forKey: .column)
        )
        version = try container.decode(Int64.self, forKey: .version)
        direction = try container.decode(Direction.self, forKey: .direction)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rule, forKey: .rule)
        try container.encode(severity, forKey: .severity)
        try container.encode(message, forKey: .message)
        try container.encode(location.file, forKey: .file)
        try container.encode(location.line, forKey: .line)
        try container.encode(location.column, forKey: .column)
        try container.encode(version, forKey: .version)
        try container.encode(direction, forKey: .direction)
    }
}

/// The findings of one lint run, with the counts and renderings the CLI needs.
///
/// ```swift
/// let report = Linter(configuration: .init(dialect: .postgres)).lint(source.migrations)
/// print(report.text(), terminator: "")
/// exit(report.failed ? 1 : 0)
/// ```
public struct LintReport: Sendable, Hashable, Codable {
    /// Sorted by file, line and column.
    public var findings: [LintFinding]

    public init(findings: [LintFinding]) {
        self.findings = findings.sorted()
    }

    public var errorCount: Int { findings.count { $0.severity == .error } }
    public var warningCount: Int { findings.count { $0.severity == .warning } }
    /// True when any finding is an error: `migrate lint` then exits non-zero.
    public var failed: Bool { errorCount > 0 }

    /// Compiler-style lines, each finding followed by `  help: RECIPE` when `help` is true, and a summary line
    /// (`2 warnings, 1 error`; `no problems found` when empty). Ends with a newline.
    public func text(help: Bool = true) -> String {
        var output = ""
        for finding in findings {
            output += finding.description + "\n"
            if help, let rule = LintRule.named(finding.rule) { output += "  help: \(rule.recipe)\n" }
        }
        if findings.isEmpty {
            output += "no problems found\n"
        } else {
            output += "\(Self.plural(warningCount, "warning")), \(Self.plural(errorCount, "error"))\n"
        }
        return output
    }

    /// `{"errors":N,"findings":[...],"warnings":N}` with sorted keys (stable for tools and tests), pretty-printed
    /// when `pretty` is true. Ends with a newline.
    public func json(pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and integers cannot fail.
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private enum CodingKeys: String, CodingKey { case findings, errors, warnings }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(findings: try container.decode([LintFinding].self, forKey: .findings))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(findings, forKey: .findings)
        try container.encode(errorCount, forKey: .errors)
        try container.encode(warningCount, forKey: .warnings)
    }

    private static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}
