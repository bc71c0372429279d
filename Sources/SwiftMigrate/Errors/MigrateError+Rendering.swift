extension MigrateError {
    /// The error as a compiler prints it: location and message, the source line with a caret under the
    /// column, then DETAIL and HINT lines.
    ///
    /// ```
    /// migrations/003_add.up.sql:2:8: error: syntax error at or near "TABL" (SQLSTATE 42601)
    ///     2 | CREATE TABL notes (id int);
    ///       |        ^
    /// ```
    public func rendered() -> String {
        var lines: [String] = []
        if let location {
            lines.append("\(location): error: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? ""))
            if let sourceLine, !sourceLine.isEmpty {
                let number = String(location.line)
                let gutter = String(repeating: " ", count: number.count)
                lines.append("    \(number) | \(sourceLine)")
                // Keep tabs in the padding so the caret lines up under tab-indented SQL.
                let padding = sourceLine.unicodeScalars.prefix(max(location.column - 1, 0)).map { $0 == "\t" ? "\t" : " " }
                lines.append("    \(gutter) | \(padding.joined())^")
            } else if let statement {
                lines.append("    in statement: \(Self.excerpt(statement))")
            }
        } else {
            lines.append("error: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? ""))
        }
        if let detail, !detail.isEmpty { lines.append("DETAIL: \(detail)") }
        if let hint, !hint.isEmpty { lines.append("HINT: \(hint)") }
        return lines.joined(separator: "\n")
    }

    /// The first line of a statement, shortened to 120 characters.
    static func excerpt(_ statement: String) -> String {
        let firstLine = statement.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let trimmed = firstLine.trimmingSuffix(while: { $0 == "\r" || $0 == " " })
        return trimmed.count > 120 ? String(trimmed.prefix(117)) + "..." : String(trimmed)
    }
}

extension Substring {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}
