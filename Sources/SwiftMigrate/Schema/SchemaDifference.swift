/// One way in which a schema differs from the one expected, with a message that names the object:
/// `column public.accounts.notes is missing`, `index public.idx_positions_status still exists`,
/// `function public.refresh_daily_pnl() differs: line 4: expected ..., found ...` (the two lines in backticks).
public struct SchemaDifference: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What happened to the object.
    public enum Change: String, Sendable, Hashable, Codable {
        /// Expected, but not in the schema.
        case missing
        /// In the schema, but not expected (a down migration that left it behind).
        case extra
        /// In both, with different definitions.
        case changed
    }

    /// The object's kind and name.
    public var object: SchemaObject.ID
    public var change: Change
    /// The expected object; nil when it is ``Change/extra``.
    public var expected: SchemaObject?
    /// The object found; nil when it is ``Change/missing``.
    public var actual: SchemaObject?

    public init(object: SchemaObject.ID, change: Change, expected: SchemaObject?, actual: SchemaObject?) {
        self.object = object
        self.change = change
        self.expected = expected
        self.actual = actual
    }

    /// The message for people: the object, then what differs. For a changed multi-line definition (a view, a
    /// function), the first line that differs.
    public var description: String {
        switch change {
        case .missing:
            return "\(object) is missing"
        case .extra:
            return "\(object) still exists"
        case .changed:
            return "\(object) differs: " + Self.detail(expected: expected, actual: actual)
        }
    }

    static func detail(expected: SchemaObject?, actual: SchemaObject?) -> String {
        let old = expected?.definition ?? ""
        let new = actual?.definition ?? ""
        if old == new {
            let oldParent = expected?.parent.map { "`\($0)`" } ?? "none"
            let newParent = actual?.parent.map { "`\($0)`" } ?? "none"
            return "belongs to \(newParent) instead of \(oldParent)"
        }
        let oldLines = old.split(separator: "\n", omittingEmptySubsequences: false)
        let newLines = new.split(separator: "\n", omittingEmptySubsequences: false)
        if oldLines.count == 1, newLines.count == 1 {
            return "expected `\(old)`, found `\(new)`"
        }
        var line = 0
        while line < min(oldLines.count, newLines.count), oldLines[line] == newLines[line] { line += 1 }
        func shown(_ lines: [Substring]) -> String {
            guard line < lines.count else { return "nothing" }
            let text = lines[line].drop { $0 == " " || $0 == "\t" }
            return "`\(text)`"
        }
        return "line \(line + 1): expected \(shown(oldLines)), found \(shown(newLines))"
    }
}

extension SchemaSnapshot {
    /// How this snapshot differs from `expected`, object by object, in snapshot order: objects of `expected`
    /// that are missing here, objects here that `expected` lacks ("still exists"), and objects whose
    /// definitions differ. Empty when the snapshots are equal.
    ///
    /// `verify` calls it on the snapshot taken after a down migration, with the one taken before the up.
    public func differences(from expected: SchemaSnapshot) -> [SchemaDifference] {
        let mine = Dictionary(objects.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let theirs = Dictionary(expected.objects.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var found: [(key: SchemaObject.SortKey, difference: SchemaDifference)] = []
        for object in expected.objects where mine[object.id] == nil {
            found.append((object.sortKey, SchemaDifference(object: object.id, change: .missing, expected: object, actual: nil)))
        }
        for object in objects {
            guard let old = theirs[object.id] else {
                found.append((object.sortKey, SchemaDifference(object: object.id, change: .extra, expected: nil, actual: object)))
                continue
            }
            if old != object {
                found.append((object.sortKey, SchemaDifference(object: object.id, change: .changed, expected: old, actual: object)))
            }
        }
        return found.sorted { $0.key < $1.key }.map(\.difference)
    }
}
