/// A shell-style pattern: `*` matches any run of characters, `?` one character, `[abc]`, `[a-z]` and `[!a-z]` one
/// character of (or not of) a set, and `\` takes the next character literally. Everything else matches itself,
/// case-sensitively, and the whole text must match.
///
/// Fleets use it for tenant schemas (`tenant_*`) and SQLite files (`sqlite://tenants/*.db`).
///
/// ```swift
/// let pattern = try GlobPattern("tenant_*")
/// pattern.matches("tenant_042")   // true
/// pattern.matches("public")       // false
/// ```
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    private enum Token: Sendable, Hashable {
        case literal(Character)
        case anyOne
        case anyRun
        case set([ClosedRange<Character>], negated: Bool)
    }

    /// The pattern as written.
    public let pattern: String
    private let tokens: [Token]

    /// Parses `pattern`.
    ///
    /// - throws: ``MigrateError/Code/invalidArgument`` for a `[` without its `]` or a pattern ending in `\`.
    public init(_ pattern: String) throws(MigrateError) {
        self.pattern = pattern
        var tokens: [Token] = []
        var characters = Array(pattern)[...]
        while let character = characters.popFirst() {
            switch character {
            case "*":
                // `**` is `*`: one run.
                if tokens.last != .anyRun { tokens.append(.anyRun) }
            case "?":
                tokens.append(.anyOne)
            case "\\":
                guard let escaped = characters.popFirst() else {
                    throw MigrateError(.invalidArgument, "invalid pattern \"\(pattern)\": it ends with an escaping \\")
                }
                tokens.append(.literal(escaped))
            case "[":
                tokens.append(try Self.parseSet(&characters, pattern: pattern))
            default:
                tokens.append(.literal(character))
            }
        }
        self.tokens = tokens
    }

    /// Reads a set after its `[`, up to and including its `]` (a `]` first in the set is a member).
    private static func parseSet(_ characters: inout ArraySlice<Character>, pattern: String) throws(MigrateError) -> Token {
        var negated = false
        if let first = characters.first, first == "!" || first == "^" {
            negated = true
            characters.removeFirst()
        }
        var ranges: [ClosedRange<Character>] = []
        var isFirst = true
        while let character = characters.popFirst() {
            if character == "]" && !isFirst { return .set(ranges, negated: negated) }
            isFirst = false
            var low = character
            if low == "\\", let escaped = characters.popFirst() { low = escaped }
            if characters.count >= 2, characters.first == "-", characters.dropFirst().first != "]" {
                characters.removeFirst()
                var high = characters.removeFirst()
                if high == "\\", let escaped = characters.popFirst() { high = escaped }
                guard low <= high else {
                    throw MigrateError(.invalidArgument, "invalid pattern \"\(pattern)\": the range \(low)-\(high) is empty")
                }
                ranges.append(low...high)
            } else {
                ranges.append(low...low)
            }
        }
        throw MigrateError(.invalidArgument, "invalid pattern \"\(pattern)\": a [ without its closing ]")
    }

    /// Whether the whole of `text` matches.
    public func matches(_ text: String) -> Bool {
        let characters = Array(text)
        var position = 0, index = 0
        // Where the last `*` was and how much of the text it had taken: backtracking gives it one more character.
        var star: (index: Int, position: Int)?
        while position < characters.count {
            if index < tokens.count, tokens[index] == .anyRun {
                star = (index, position)
                index += 1
            } else if index < tokens.count, Self.matches(tokens[index], characters[position]) {
                index += 1
                position += 1
            } else if let last = star {
                star = (last.index, last.position + 1)
                index = last.index + 1
                position = last.position + 1
            } else {
                return false
            }
        }
        while index < tokens.count, tokens[index] == .anyRun { index += 1 }
        return index == tokens.count
    }

    private static func matches(_ token: Token, _ character: Character) -> Bool {
        switch token {
        case .literal(let literal): return literal == character
        case .anyOne: return true
        case .anyRun: return true
        case .set(let ranges, let negated): return ranges.contains { $0.contains(character) } != negated
        }
    }

    /// Whether `text` holds a character that makes it a pattern rather than a name (`*`, `?` or `[`).
    public static func hasWildcards(_ text: String) -> Bool {
        text.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    public var description: String { pattern }
}
