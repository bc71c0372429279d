/// Which way a migration runs.
public enum Direction: String, Sendable, Hashable, Codable {
    case up, down

    /// golang-migrate's one-letter form, used in progress lines such as `1/u create_users`.
    public var letter: String { self == .up ? "u" : "d" }
}

/// The SQL of one migration in one direction, with where it came from.
public struct MigrationScript: Sendable, Hashable {
    /// The file, as shown to users (e.g. `migrations/001_domain.up.sql`).
    public var path: String
    /// The SQL text of this direction. For an annotated single file, only this direction's section.
    public var contents: String
    /// The 1-based line of the file at which `contents` starts (1 for a plain up/down file).
    public var firstLine: Int
    /// True when an annotation (`-- +migrate notransaction`) forces statement-by-statement execution
    /// outside a transaction.
    public var forcesNoTransaction: Bool
    /// True when the source listed the file without reading it (``MigrationSource/load(reading:)``): `contents`
    /// is empty and the script must not run.
    public internal(set) var isOmitted = false

    public init(path: String, contents: String, firstLine: Int = 1, forcesNoTransaction: Bool = false) {
        self.path = path
        self.contents = contents
        self.firstLine = firstLine
        self.forcesNoTransaction = forcesNoTransaction
    }

    /// True when a line of the script is the comment `-- migrate:irreversible`: the author says the migration
    /// cannot be undone. Only this marker makes a down file without statements intentional; an empty or
    /// comment-only one is lint's `empty-down` and a `validate` problem, since `down` would undo nothing.
    public var declaresIrreversible: Bool {
        contents.split(whereSeparator: \.isNewline).contains { line in
            let text = line.drop { $0 == " " || $0 == "\t" }
            guard text.hasPrefix("--") else { return false }
            let words = text.dropFirst(2).split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
            guard var word = words.first?.lowercased() else { return false }
            // `-- migrate:irreversible: why` too.
            while let last = word.last, ":,.".contains(last) { word.removeLast() }
            return word == Self.irreversibleMarker
        }
    }

    /// The marker of ``declaresIrreversible``, without its `--`.
    public static let irreversibleMarker = "migrate:irreversible"

    /// Hex SHA-256 of the contents with line endings normalised to LF and trailing whitespace removed from
    /// every line, so that a checkout with other line endings does not count as a change.
    public var checksum: String { Checksum.normalizedSHA256(contents) }
}

/// One version of the schema: its number, its description, and the up and down scripts (either may be absent).
public struct Migration: Sendable, Hashable, Identifiable {
    /// The version number parsed from the file name (leading zeros ignored).
    public var version: Int64
    /// The description part of the file name (`create_users` in `001_create_users.up.sql`).
    public var name: String
    public var up: MigrationScript?
    public var down: MigrationScript?

    public var id: Int64 { version }

    public init(version: Int64, name: String, up: MigrationScript? = nil, down: MigrationScript? = nil) {
        self.version = version
        self.name = name
        self.up = up
        self.down = down
    }

    /// The script for a direction.
    public func script(_ direction: Direction) -> MigrationScript? {
        direction == .up ? up : down
    }
}
