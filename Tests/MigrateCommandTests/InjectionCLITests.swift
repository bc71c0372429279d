import Foundation
import Testing

/// A hostile `x-migrations-table` is a name, never SQL; `create` never overwrites a file. (That no output of any
/// CLI test contains the password is checked by the harness itself: ``RunningCLI/finish(timeout:sourceLocation:)``.)
@Suite(.serialized) struct InjectionCLITests {
    static let hostile = #"evil"; DROP TABLE keep; --"#
    static var encoded: String { hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }

    @Test func hostileMigrationsTableOnSQLiteIsJustAName() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_a.up.sql": "CREATE TABLE a (id int);\n"])
        let db = dir.path("app.db")
        _ = try SQLite3.query(db, "CREATE TABLE keep (x int); INSERT INTO keep VALUES (42);")
        let url = "sqlite://\(db)?x-migrations-table=\(Self.encoded)"
        let up = try CLI.run(["-path", migrations, "-database", url, "up"])
        #expect(up.status == 0, "\(up)")
        #expect(try SQLite3.query(db, "SELECT x FROM keep") == "42")
        #expect(try SQLite3.query(db, "SELECT count(*) FROM sqlite_master WHERE name = '\(Self.hostile.replacingOccurrences(of: "'", with: "''"))'") == "1")
        let version = try CLI.run(["-path", migrations, "-database", url, "version"])
        #expect(version.stdout == "1\n", "\(version)")
        let status = try CLI.run(["-path", migrations, "-database", url, "status", "--json"])
        #expect(status.status == 0, "\(status)")
        #expect(try SQLite3.query(db, "SELECT x FROM keep") == "42")
    }

    @Test(arguments: ["x-migrations-table=\(encoded)", "x-migrations-table=\(encoded)&x-migrations-table-quoted=1",
                      "x-migrations-table=%22public%22.%22evil%22%22%3B%20DROP%20TABLE%20keep%3B%20--%22&x-migrations-table-quoted=1"])
    func hostileMigrationsTableOnPostgresIsJustAName(_ parameters: String) throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_a.up.sql": "CREATE TABLE a (id int);\n"])
        _ = try db.query("CREATE TABLE keep (x int); INSERT INTO keep VALUES (42)")
        let url = db.url + "&" + parameters
        let up = try CLI.run(["-path", migrations, "-database", url, "up"])
        // Either a table with that odd name holds the version, or the name is refused with a clear error.
        if up.status == 0 {
            #expect(try db.query("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'evil%DROP TABLE keep%'") != "0")
            let version = try CLI.run(["-path", migrations, "-database", url, "version"])
            #expect(version.stdout == "1\n", "\(version)")
        } else {
            #expect(up.status == 1)
            #expect(up.stderr.contains("x-migrations-table") || up.stderr.contains("MigrationsTable"), "\(up)")
        }
        #expect(try db.query("SELECT x FROM keep") == "42")
        #expect(try db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'keep'") == "1")
    }

    /// The refusal itself is the bad-input case `create-never-overwrites`; here, creating beside existing files
    /// leaves them as they were.
    @Test func createLeavesExistingFilesAlone() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["000001_add.up.sql": "-- mine, up\n", "000001_add.down.sql": "-- mine, down\n"])
        let created = try CLI.run(["create", "-dir", migrations, "-seq", "-digits", "6", "add"])
        #expect(created.status == 0, "\(created)")
        #expect(try String(contentsOfFile: migrations + "/000001_add.up.sql", encoding: .utf8) == "-- mine, up\n")
        #expect(try String(contentsOfFile: migrations + "/000001_add.down.sql", encoding: .utf8) == "-- mine, down\n")
        #expect(FileManager.default.fileExists(atPath: migrations + "/000002_add.up.sql"))
    }
}
