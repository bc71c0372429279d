/// How SQL names become Swift names: `snake_case` words joined in camel case, no singularising (the table
/// `accounts` gives `AccountsRow`, `AccountsInsert`, `AccountsModel`), keywords escaped with backticks.
/// Predictable over pretty: the Swift name can always be guessed from the SQL name.
public enum SwiftNaming {
    /// `user_notifications` → `UserNotifications`; `v_daily_pnl` → `VDailyPnl`.
    public static func typeName(_ sql: String) -> String {
        let words = self.words(sql)
        var name = words.map(capitalized).joined()
        if name.isEmpty { name = "Unnamed" }
        if name.first?.isNumber == true { name = "T" + name }
        return name
    }

    /// `model_id` → `modelId`, `ID` → `id`; keywords escaped (`` `default` ``).
    public static func memberName(_ sql: String) -> String {
        let words = self.words(sql)
        guard let first = words.first else { return "_" }
        // An all-capitals first word (`ID`, `URL_PATH`) is lowered whole; otherwise only its first letter.
        let head = first.allSatisfy { !$0.isLowercase } ? first.lowercased() : first.prefix(1).lowercased() + first.dropFirst()
        var name = head + words.dropFirst().map(capitalized).joined()
        if name.first?.isNumber == true { name = "_" + name }
        return escaped(name)
    }

    /// The name as an identifier anywhere: in backticks when it is a keyword.
    public static func escaped(_ name: String) -> String {
        keywords.contains(name) ? "`\(name)`" : name
    }

    /// The name as an argument label at a call site: keywords need no backticks there, but for `inout`, `var`
    /// and `let` (escaping others is a warning).
    static func argumentLabel(_ name: String) -> String {
        let bare = bare(name)
        return ["inout", "var", "let"].contains(bare) ? name : bare
    }

    /// The name without the backticks ``escaped(_:)`` may have added.
    static func bare(_ name: String) -> String {
        name.hasPrefix("`") ? String(name.dropFirst().dropLast()) : name
    }

    /// Letters and digits in runs; anything else (underscores, spaces, dashes) separates words.
    private static func words(_ sql: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in sql {
            if character.isASCII && (character.isLetter || character.isNumber) {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    private static func capitalized(_ word: String) -> String {
        word.prefix(1).uppercased() + word.dropFirst()
    }

    /// Swift's reserved words, and names that would clash with what the generated types declare.
    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default",
        "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch",
        "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true",
        "try", "_", "async", "some", "any", "Type", "Protocol",
    ]
}
