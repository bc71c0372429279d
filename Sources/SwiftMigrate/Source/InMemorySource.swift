/// Migrations held in memory, keyed by file name: for apps that embed their SQL in code, and for tests.
///
/// The same name rules as on disk apply. A key may contain a folder (`sql/1_a.up.sql`): only its last component is
/// parsed, and the whole key is shown in messages after the display name (`memory/sql/1_a.up.sql`).
///
/// ```swift
/// let source = InMemorySource(files: [
///     "1_create_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY);",
///     "1_create_users.down.sql": "DROP TABLE users;",
/// ])
/// ```
public struct InMemorySource: MigrationSource {
    /// File name → contents.
    public var files: [String: String]
    public var displayName: String

    public init(files: [String: String], displayName: String = "memory") {
        self.files = files
        self.displayName = displayName
    }

    public func load() throws(MigrateError) -> LoadedSource { try load(collectsDuplicates: false) }

    public func loadCollectingDuplicates() throws(MigrateError) -> LoadedSource { try load(collectsDuplicates: true) }

    private func load(collectsDuplicates: Bool) throws(MigrateError) -> LoadedSource {
        var assembler = MigrationAssembler()
        assembler.collectsDuplicates = collectsDuplicates
        for key in FileLoader.byteOrder(Array(files.keys)) {
            let fileName = key.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? key
            let contents = files[key]
            try assembler.add(fileName: fileName, displayPath: SourceDirectory.displayPath(displayName, key)) {
                () throws(MigrateError) -> String? in contents
            }
        }
        return try assembler.finish(displayName: displayName)
    }
}
