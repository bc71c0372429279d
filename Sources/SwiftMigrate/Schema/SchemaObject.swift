import Foundation

/// One object of a database schema as a ``SchemaSnapshot`` records it: what it is, its name, and a canonical
/// definition text that changes exactly when the object does.
///
/// Names are qualified the way the database scopes them: `public.accounts` (a table), `public.accounts.notes`
/// (a column), `public.idx_positions_status` (an index: schema-scoped in PostgreSQL),
/// `public.refresh_daily_pnl()` (a function, with its argument types). A comment is named after the object it
/// describes: `column public.accounts.model_id`.
public struct SchemaObject: Sendable, Hashable, Codable {
    /// What kind of object this is. The raw value is the word used in the rendering and in messages.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case schema
        case `extension`
        /// An enum, composite, domain or range type.
        case type
        case sequence
        case table
        case view
        case materializedView = "materialized view"
        case function
        case procedure
        case aggregate
        case column
        case constraint
        case index
        case trigger
        case policy
        case comment

        /// Position of a top-level object in the snapshot: kinds that others depend on first.
        var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

        /// Position under a parent: a table's columns, then what is built on them, then its comments.
        var childRank: Int {
            switch self {
            case .column: 0
            case .constraint: 1
            case .index: 2
            case .trigger: 3
            case .policy: 4
            case .sequence: 5
            case .comment: 7
            default: 6
            }
        }
    }

    /// What identifies an object across two snapshots: its kind and its qualified name.
    public struct ID: Sendable, Hashable, Codable, CustomStringConvertible {
        public var kind: Kind
        public var name: String

        public init(_ kind: Kind, _ name: String) {
            self.kind = kind
            self.name = name
        }

        /// `table public.accounts`, `comment on column public.accounts.model_id`.
        public var description: String {
            kind == .comment ? "comment on \(name)" : "\(kind.rawValue) \(name)"
        }
    }

    public var kind: Kind
    /// The qualified name, unique among the objects of its kind.
    public var name: String
    /// The object this one belongs to and is listed under (a column's or an index's table, the table that
    /// owns a serial sequence, the object a comment describes), or nil for a top-level object.
    public var parent: ID?
    /// The canonical definition: the database's own rendering where it has one (`pg_get_indexdef`, the SQL
    /// SQLite stored), line endings normalised and trailing whitespace removed. Never holds OIDs or times.
    public var definition: String

    /// Makes an object; the definition is normalised so that equal objects compare equal.
    public init(kind: Kind, name: String, parent: ID? = nil, definition: String) {
        self.kind = kind
        self.name = name
        self.parent = parent
        self.definition = Self.normalize(definition)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            kind: try container.decode(Kind.self, forKey: .kind),
            name: try container.decode(String.self, forKey: .name),
            parent: try container.decodeIfPresent(ID.self, forKey: .parent),
            definition: try container.decode(String.self, forKey: .definition)
        )
    }

    /// The kind and name.
    public var id: ID { ID(kind, name) }

    /// CRLF and CR become LF, each line loses its trailing whitespace, leading and trailing empty lines go:
    /// the differences a text editor or a driver introduces without changing the object.
    static func normalize(_ text: String) -> String {
        let unified = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var lines = unified.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var line = Substring(line)
            while let last = line.last, last == " " || last == "\t" { line = line.dropLast() }
            return line
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// The key a snapshot sorts by: objects group under their parent (a table with its columns, indexes and
    /// comments), groups in kind order then by name, children in kind order then by name.
    var sortKey: SortKey {
        guard let parent else {
            return SortKey(group: ID(kind, name), isMember: false, rank: 0, id: id, definition: definition)
        }
        return SortKey(group: parent, isMember: true, rank: kind.childRank, id: id, definition: definition)
    }

    struct SortKey: Comparable {
        var group: ID
        /// False for the group's own object, which comes before its members.
        var isMember: Bool
        var rank: Int
        var id: ID
        /// Only two objects with the same kind and name (which a database does not produce) get this far.
        var definition: String

        static func < (lhs: SortKey, rhs: SortKey) -> Bool {
            if lhs.group.kind.rank != rhs.group.kind.rank { return lhs.group.kind.rank < rhs.group.kind.rank }
            if lhs.group.name != rhs.group.name { return lhs.group.name < rhs.group.name }
            if lhs.group.kind != rhs.group.kind { return lhs.group.kind.rawValue < rhs.group.kind.rawValue }
            if lhs.isMember != rhs.isMember { return !lhs.isMember }
            if lhs.rank != rhs.rank { return lhs.rank < rhs.rank }
            if lhs.id.name != rhs.id.name { return lhs.id.name < rhs.id.name }
            if lhs.id.kind != rhs.id.kind { return lhs.id.kind.rawValue < rhs.id.kind.rawValue }
            return lhs.definition < rhs.definition
        }
    }
}
