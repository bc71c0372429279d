import Foundation
import Testing

/// The bad-input corpus: each case runs `migrate` once on a database holding a table `keep`, and asserts the
/// exit code, that the message names the culprit, and what became of the database. The migration files of a
/// case are in Tests/Fixtures/bad-input/NAME/ (or `_valid/`); big, binary and line-ending-sensitive files are
/// generated at run time (see ``BadInputCase/generate``).
@Suite struct BadInputCLITests {
    static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/Fixtures/bad-input")

    @Test(arguments: BadInputCase.all)
    func badInput(_ badCase: BadInputCase) throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = dir.url.appendingPathComponent("migrations")
        let fixture = Self.fixtures.appendingPathComponent(badCase.fixture ?? badCase.name)
        let source = FileManager.default.fileExists(atPath: fixture.path) ? fixture : Self.fixtures.appendingPathComponent("_valid")
        try FileManager.default.copyItem(at: source, to: migrations)
        try badCase.generate?(migrations)

        let database: any BadInputDatabase = badCase.database == .postgres
            ? try PostgresKeep() : try SQLiteKeep(path: dir.path("app.db"))
        defer { database.remove() }
        let before = try database.snapshot()
        let bytesBefore = database.fileBytes()

        var arguments = badCase.arguments
        if badCase.standardOptions { arguments = ["-path", "$MIGRATIONS", "-database", "$DB"] + arguments }
        arguments = arguments.map {
            $0.replacingOccurrences(of: "$MIGRATIONS", with: migrations.path)
                .replacingOccurrences(of: "$DBFILE", with: dir.path("app.db"))
                .replacingOccurrences(of: "$DB", with: database.url)
                .replacingOccurrences(of: "$DIR", with: dir.url.path)
        }
        let result = try RunningCLI(arguments, in: dir.url).finish(timeout: 120)
        #expect(result.status == badCase.status, "\(result)")
        for words in badCase.messages {
            let expected = words.replacingOccurrences(of: "$MIGRATIONS", with: migrations.path)
                .replacingOccurrences(of: "$DIR", with: dir.url.path).replacingOccurrences(of: "$YEAR", with: "\(BadInputCase.year)")
            #expect(result.stderr.contains(expected), "expected \(expected.debugDescription) in\n\(result)")
        }
        if badCase.status != 0 { #expect(result.stderr.lowercased().contains("error"), "\(result)") }
        // Whatever the input held, no output line is forged and no escape sequence reaches the terminal.
        let raw = result.all.unicodeScalars.filter { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F...0x9F).contains($0.value) }
        #expect(raw.isEmpty, "raw control characters \(raw.map { $0.value }) in\n\(result.all.debugDescription)")

        switch badCase.outcome {
        case .untouched:
            #expect(try database.snapshot() == before)
            if let bytesBefore { #expect(database.fileBytes() == bytesBefore, "the SQLite file changed") }
        case .unchanged:
            // The run reached the database and failed there: nothing of it remains but the empty version tables.
            #expect(try database.snapshot(excludingVersionTables: true) == before)
            #expect(try database.version() == nil)
        case .applied(let version, let objects):
            #expect(try database.version() == version)
            #expect(try database.userObjects() == (["keep"] + objects).sorted())
        }
        try badCase.check?(migrations)
    }

    @Test func corpusHasAtLeastSixtyCases() {
        #expect(BadInputCase.all.count >= 60)
        #expect(Set(BadInputCase.all.map(\.name)).count == BadInputCase.all.count)
        let postgres = BadInputCase.all.filter { $0.database == .postgres }.count
        print("bad-input: \(BadInputCase.all.count) cases (\(BadInputCase.all.count - postgres) SQLite, \(postgres) PostgreSQL)")
    }
}

/// A database for one case, holding the table `keep` with one row.
protocol BadInputDatabase {
    var url: String { get }
    /// Every object with its definition, the rows of `keep`, and the version row; as text to compare.
    func snapshot(excludingVersionTables: Bool) throws -> String
    func version() throws -> Int?
    /// The names of the tables, sorted, without the version and history tables.
    func userObjects() throws -> [String]
    /// The file's bytes (SQLite), to prove that a refused run did not write at all.
    func fileBytes() -> Data?
    func remove()
}

extension BadInputDatabase {
    func snapshot() throws -> String { try snapshot(excludingVersionTables: false) }
}

struct SQLiteKeep: BadInputDatabase {
    let path: String
    init(path: String) throws {
        self.path = path
        _ = try SQLite3.query(path, "CREATE TABLE keep (x INTEGER); INSERT INTO keep VALUES (42);")
    }
    var url: String { "sqlite://\(path)" }
    func snapshot(excludingVersionTables: Bool) throws -> String {
        let filter = excludingVersionTables ? "WHERE tbl_name NOT LIKE 'schema_migrations%'" : ""
        return try SQLite3.query(path, "SELECT type, name, sql FROM sqlite_master \(filter) ORDER BY name; SELECT * FROM keep;")
    }
    func version() throws -> Int? {
        Int(try SQLite3.query(path, "SELECT version FROM schema_migrations WHERE dirty = 0").split(separator: "\n").first ?? "")
    }
    func userObjects() throws -> [String] {
        try SQLite3.query(path, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'schema_migrations%' ORDER BY name")
            .split(separator: "\n").map(String.init)
    }
    func fileBytes() -> Data? { FileManager.default.contents(atPath: path) }
    func remove() {}
}

struct PostgresKeep: BadInputDatabase {
    let db: PostgresScratch
    init() throws {
        db = try PostgresScratch()
        _ = try db.query("CREATE TABLE keep (x int); INSERT INTO keep VALUES (42)")
    }
    var url: String { db.url }
    func snapshot(excludingVersionTables: Bool) throws -> String {
        let filter = excludingVersionTables ? "AND c.relname NOT LIKE 'schema_migrations%'" : ""
        return try db.query("""
            SELECT coalesce(string_agg(c.relname || ':' || c.relkind::text, ',' ORDER BY c.relname), '') FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' \(filter)
            UNION ALL SELECT count(*)::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
            UNION ALL SELECT string_agg(x::text, ',') FROM keep
            """)
    }
    func version() throws -> Int? {
        guard try db.query("SELECT to_regclass('schema_migrations') IS NOT NULL") == "t" else { return nil }
        return Int(try db.query("SELECT version FROM schema_migrations WHERE NOT dirty"))
    }
    func userObjects() throws -> [String] {
        try db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'schema_migrations%' ORDER BY tablename")
            .split(separator: "\n").map(String.init)
    }
    func fileBytes() -> Data? { nil }
    func remove() { db.drop() }
}
