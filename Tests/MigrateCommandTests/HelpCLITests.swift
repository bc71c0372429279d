import Foundation
import Testing

/// Issue 18, item 11: help texts read by a newcomer. The argument parser wraps prose to the terminal's width
/// itself, so a line break written by hand inside a paragraph shows up as a line that stops half-way, and a list
/// item or example longer than the width is wrapped to column 0. Checked at 80 columns (no terminal) and at a wide
/// terminal, for every command; each help also names the flags of its command.
@Suite struct HelpCLITests {
    /// The flags each command's help must name (every command also has the global ones: --path, --database, ...).
    static let flags: [String: [String]] = [
        "up": ["--dry-run", "--single-transaction", "--allow-out-of-order", "--allow-modified", "--json", "--targets", "--schemas", "--parallel", "--canary", "--continue-on-error"],
        "down": ["--all", "--dry-run", "--json", "--targets", "--schemas", "--parallel", "--canary", "--continue-on-error"],
        "goto": ["--dry-run", "--allow-out-of-order", "--json", "--targets", "--schemas", "--parallel", "--canary", "--continue-on-error"],
        "force": [],
        "version": ["--json", "--targets", "--schemas", "--parallel", "--canary", "--continue-on-error"],
        "status": ["--json", "--all", "--targets", "--schemas", "--parallel", "--canary", "--continue-on-error"],
        "schema": ["--json"],
        "plan": ["--all", "--json", "--allow-out-of-order", "--targets", "--schemas", "--parallel", "--canary", "--continue-on-error"],
        "verify": [],
        "lint": ["--format", "--dialect", "--strict", "--disable"],
        "validate": ["--json", "--dialect", "--targets", "--schemas", "--parallel", "--canary", "--continue-on-error"],
        "renumber": ["--dry-run"],
        "models": ["--dir", "--table", "--schema", "--type", "--check", "--json"],
        "drop": ["-f"],
        "create": ["--dir", "--ext", "--seq", "--digits", "--format", "--tz"],
    ]

    /// Lines of the prose (before USAGE) that end where no sentence or item ends, although the next word would
    /// have fit: a break by hand; and unindented text right after an indented line: a wrapped list item or
    /// example, or text glued to a list.
    static func brokenLines(_ help: String, width: Int) -> [String] {
        let prose = help.components(separatedBy: "\n").prefix { !$0.hasPrefix("USAGE:") }
        var problems: [String] = []
        for (line, next) in zip(prose, prose.dropFirst()) where !line.isEmpty && !next.isEmpty && !next.hasPrefix(" ") {
            if line.hasPrefix(" ") {
                problems.append("unindented text after an indented line: \"\(line)\" / \"\(next)\"")
                continue
            }
            guard let last = line.last, !".:!?".contains(last) else { continue }
            let word = next.prefix { $0 != " " }
            // The parser's lines hold at most width - 1 characters (it breaks at the last blank of each
            // `width`-character chunk).
            if line.count + 1 + word.count <= width - 1 {
                problems.append("broken mid-sentence at \(line.count) of \(width) columns: \"\(line)\" / \"\(next)\"")
            }
        }
        return problems
    }

    @Test(arguments: [nil] + flags.keys.sorted())
    func helpProseIsWrappedByTheParserAndNamesTheFlags(command: String?) throws {
        for width in [80, 160] {
            let result = try CLI.run((command.map { [$0] } ?? []) + ["--help"], environment: ["COLUMNS": String(width)])
            #expect(result.status == 0, "\(result)")
            let help = result.stdout
            #expect(help.hasPrefix("OVERVIEW: "), "\(result)")
            let problems = Self.brokenLines(help, width: width)
            #expect(problems.isEmpty, "migrate \(command ?? "") --help at \(width) columns:\n\(problems.joined(separator: "\n"))")
            guard let command else {
                for name in Self.flags.keys { #expect(help.contains("\n  \(name) "), "the top-level help lists \(name)") }
                continue
            }
            // The first word of each line of the option lists, OPTIONS and FLEET OPTIONS (`-h, --help`: both).
            let options = help.components(separatedBy: "\n").drop { !$0.hasSuffix("OPTIONS:") }
                .flatMap { $0.split(separator: " ").prefix(2).map { String($0.trimmingCharacters(in: [","])) } }
            for flag in ["--path", "--database", "--help"] + Self.flags[command, default: []] {
                #expect(options.contains(flag), "migrate \(command) --help names \(flag)")
            }
        }
    }

    /// The checker itself: a hand break is found, the parser's own wrapping is not.
    @Test func theCheckerFindsHandBreaksOnly() {
        let wrapped = "OVERVIEW: x\n\n" + String(repeating: "word ", count: 16).trimmingCharacters(in: .whitespaces)
            + "\nmore words.\n\nUSAGE: x"
        #expect(Self.brokenLines(wrapped, width: 80) == [])
        #expect(Self.brokenLines("short line\nnext part.\nUSAGE:", width: 80).count == 1)
        #expect(Self.brokenLines("Examples:\n  migrate up --dry-run\n(wrapped)\nUSAGE:", width: 80).count == 1)
        #expect(Self.brokenLines("Ends here.\nNext sentence.\nUSAGE:", width: 80) == [])
    }
}
