import Foundation
import SwiftMigrate
import Testing

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "swift-migrate-source-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try write(name, Data(text.utf8))
    }

    func write(_ name: String, _ data: Data) throws {
        try data.write(to: URL(fileURLWithPath: path + "/" + name))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

@Suite struct MigrationSourceTests {
    private func loadError(_ source: some MigrationSource) -> MigrateError? {
        do {
            _ = try source.load()
            return nil
        } catch {
            return error
        }
    }

    @Test func inMemorySourceSortsByVersionAndPairsHalves() throws {
        let source = InMemorySource(files: [
            "10_ten.up.sql": "SELECT 10;",
            "2_two.down.sql": "SELECT -2;",
            "002_two.up.sql": "SELECT 2;",
            "1_first.up.sql": "SELECT 1;",
            "3_only_down.down.sql": "SELECT -3;",
        ])
        let loaded = try source.load()
        #expect(loaded.displayName == "memory")
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.migrations.map(\.version) == [1, 2, 10, 3].sorted())
        #expect(loaded.migrations.map(\.name) == ["first", "two", "only_down", "ten"])
        #expect(loaded.migrations[1].up == MigrationScript(path: "memory/002_two.up.sql", contents: "SELECT 2;"))
        #expect(loaded.migrations[1].down == MigrationScript(path: "memory/2_two.down.sql", contents: "SELECT -2;"))
        #expect(loaded.migrations[0].down == nil)
        #expect(loaded.migrations[2].up == nil)
        #expect(loaded.migrations[2].down?.contents == "SELECT -3;")
    }

    @Test func nameComesFromTheUpFile() throws {
        let loaded = try InMemorySource(files: ["1_b_down_name.down.sql": "", "1_a_up_name.up.sql": ""]).load()
        #expect(loaded.migrations.map(\.name) == ["a_up_name"])
    }

    @Test func duplicateVersionAndDirectionNamesBothFiles() {
        let plain = loadError(InMemorySource(files: ["1_a.up.sql": "", "001_b.up.sql": ""], displayName: "migrations"))
        #expect(plain?.code == .duplicateMigration)
        #expect(plain?.version == 1)
        #expect(
            plain?.message == "duplicate migration version 1 (up): migrations/001_b.up.sql and migrations/1_a.up.sql")

        let annotated = loadError(
            InMemorySource(
                files: ["2_a.sql": "-- +migrate Up\n-- +migrate Down\n", "2_b.down.sql": ""], displayName: "migrations"
            ))
        #expect(
            annotated?.message == "duplicate migration version 2 (down): migrations/2_a.sql and migrations/2_b.down.sql"
        )
    }

    @Test func nearMissesAreWarnedAndIgnored() throws {
        let names = [
            "3_add.up.sql.bak", "3-add.up.sql", "add.up.sql", "3_add.UP.sql", "V3__add.sql", "3.up.sql", "3_add.sql",
        ]
        var files = Dictionary(uniqueKeysWithValues: names.map { ($0, "SELECT 1;\n") })
        files["1_init.up.sql"] = "SELECT 1;"
        files["notes.txt"] = "x"
        files["README.md"] = "x"
        files[".DS_Store"] = "x"
        let loaded = try InMemorySource(files: files, displayName: "migrations").load()
        #expect(loaded.migrations.map(\.version) == [1])
        let template = "looks like a migration but does not match VERSION_NAME.up.EXT / .down.EXT: "
        #expect(
            loaded.warnings.map(\.description) == [
                "migrations/3-add.up.sql: " + template + "the version must be followed by '_', not '-'; ignored",
                "migrations/3.up.sql: " + template + "the version must be followed by '_' and a name (3_NAME); ignored",
                "migrations/3_add.UP.sql: " + template + "the direction 'UP' must be lowercase 'up'; ignored",
                "migrations/3_add.sql: has a version but no '-- +migrate Up' directive, so it is neither "
                    + "VERSION_NAME.up.EXT / .down.EXT nor an annotated migration; ignored",
                "migrations/3_add.up.sql.bak: " + template
                    + "the extension 'sql.bak' contains a dot (a backup or renamed copy?); ignored",
                "migrations/V3__add.sql: " + template
                    + "a Flyway-style name; golang-migrate names it 3_add.up.sql; ignored",
                "migrations/add.up.sql: " + template + "the name does not start with a version number; ignored",
            ])
    }

    @Test func emptySourceIsAnErrorCarryingTheWarnings() {
        let empty = loadError(InMemorySource(files: [:]))
        #expect(empty?.code == .noMigrations)
        #expect(empty?.message == "no migrations found in memory")
        #expect(empty?.hint == nil)

        let onlyNearMisses = loadError(InMemorySource(files: ["V1__init.sql": "", "notes.txt": ""], displayName: "db"))
        #expect(onlyNearMisses?.message == "no migrations found in db")
        #expect(
            onlyNearMisses?.hint == "db/V1__init.sql: looks like a migration but does not match VERSION_NAME.up.EXT / "
                + ".down.EXT: a Flyway-style name; golang-migrate names it 1_init.up.sql; ignored")
    }

    @Test func directorySourceReadsFilesAndSkipsSubdirectories() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("001_domain.up.sql", "CREATE TABLE a (id int);\n")
        try directory.write("001_domain.down.sql", "DROP TABLE a;\n")
        try directory.write(
            "002_tags.sql", "-- +migrate Up\nCREATE TABLE t (id int);\n-- +migrate Down\nDROP TABLE t;\n")
        try directory.write("notes.txt", "not a migration")
        try directory.write("3_add.up.sql.bak", "old")
        try FileManager.default.createDirectory(
            atPath: directory.path + "/4_dir.up.sql", withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: directory.path + "/archive", withIntermediateDirectories: false)
        try directory.write("archive/5_old.up.sql", "SELECT 5;")

        let loaded = try DirectorySource(path: directory.path).load()
        #expect(loaded.displayName == directory.path)
        #expect(loaded.migrations.map(\.version) == [1, 2])
        #expect(
            loaded.migrations[0].up
                == MigrationScript(path: directory.path + "/001_domain.up.sql", contents: "CREATE TABLE a (id int);\n"))
        #expect(loaded.migrations[0].down?.contents == "DROP TABLE a;\n")
        #expect(
            loaded.migrations[1].up
                == MigrationScript(
                    path: directory.path + "/002_tags.sql", contents: "CREATE TABLE t (id int);\n", firstLine: 2))
        #expect(loaded.warnings.map(\.path) == [directory.path + "/3_add.up.sql.bak"])

        // The directory as given, with or without a trailing slash, prefixes every path.
        let slashed = try DirectorySource(path: directory.path + "/").load()
        #expect(slashed.migrations[0].up?.path == directory.path + "/001_domain.up.sql")
    }

    @Test func directorySourceReportsEmptyMissingAndFilePaths() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let empty = loadError(DirectorySource(path: directory.path))
        #expect(empty?.code == .noMigrations)
        #expect(empty?.message == "no migrations found in \(directory.path)")

        let missing = loadError(DirectorySource(path: directory.path + "/nope"))
        #expect(missing?.code == .noMigrations)
        #expect(missing?.message == "no migrations found in \(directory.path)/nope: the directory does not exist")

        try directory.write("1_a.up.sql", "SELECT 1;")
        let file = loadError(DirectorySource(path: directory.path + "/1_a.up.sql"))
        #expect(file?.code == .noMigrations)
        #expect(file?.message == "no migrations found in \(directory.path)/1_a.up.sql: it is a file, not a directory")
    }

    @Test func unreadableFileIsAnIOError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // A dangling symbolic link: listed, but reading it fails.
        try FileManager.default.createSymbolicLink(
            atPath: directory.path + "/1_a.up.sql", withDestinationPath: directory.path + "/missing.sql")
        let error = loadError(DirectorySource(path: directory.path))
        #expect(error?.code == .io)
        #expect(error?.message == "cannot read \(directory.path)/1_a.up.sql: No such file or directory")
    }

    @Test func invalidUTF8NamesTheFileAndOffset() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("1_a.up.sql", Data([0x53, 0x45, 0x4C, 0xC3, 0xA9, 0x20, 0xFF, 0x31]))
        let error = loadError(DirectorySource(path: directory.path))
        #expect(error?.code == .invalidSource)
        #expect(
            error?.message
                == "\(directory.path)/1_a.up.sql: invalid UTF-8 at byte offset 6; migration files must be UTF-8")
    }

    @Test(
        arguments: [
            ([0xC0, 0x80], 0),  // overlong NUL
            ([0x41, 0xED, 0xA0, 0x80], 1),  // UTF-16 surrogate
            ([0xF4, 0x90, 0x80, 0x80], 0),  // above U+10FFFF
            ([0x41, 0x42, 0xE2, 0x82], 2),  // truncated at the end
            ([0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80], nil),  // € and 😀
        ] as [([UInt8], Int?)])
    func strictUTF8(bytes: [UInt8], offset: Int?) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("1_a.up.sql", Data(bytes))
        let source = DirectorySource(path: directory.path)
        if let offset {
            #expect(
                loadError(source)?.message
                    == "\(directory.path)/1_a.up.sql: invalid UTF-8 at byte offset \(offset); migration files must be UTF-8"
            )
        } else {
            #expect(try source.load().migrations.first?.up?.contents == "€😀")
        }
    }

    /// Every source refuses a control byte other than tab, LF, FF and CR (a NUL hid a `DROP TABLE` from lint and
    /// plan while SQLite ran it), as `.invalidSource` located at the byte, in scalars, after a BOM and CR LF.
    @Test(arguments: Array(0x00...0x1F).filter { ![0x09, 0x0A, 0x0C, 0x0D].contains($0) } + [0x7F])
    func controlBytesAreRefusedWhereTheyAre(byte: Int) throws {
        let text = "\u{FEFF}-- é\r\nSELECT 1;\t" + String(UnicodeScalar(UInt8(byte))) + "DROP TABLE users;\n"
        let memory = loadError(InMemorySource(files: ["1_a.up.sql": text]))
        #expect(memory?.code == .invalidSource)
        #expect(memory?.location == SourceLocation(file: "memory/1_a.up.sql", line: 2, column: 11))
        #expect(memory?.sourceLine?.hasPrefix("SELECT 1;\t\\") == true)
        #expect(memory?.sourceLine?.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F } == false)

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("1_a.up.sql", text)
        try directory.write("2_b.up.sql", "SELECT 2;\n")
        for error in [loadError(DirectorySource(path: directory.path)), loadError(PrefetchingSource(DirectorySource(path: directory.path), reading: [.up]))] {
            #expect(error?.code == .invalidSource)
            #expect(error?.location == SourceLocation(file: "\(directory.path)/1_a.up.sql", line: 2, column: 11))
        }
    }

    @Test func tabFormFeedAndLineEndingsAreWhitespace() throws {
        let text = "SELECT 1;\t\u{0C}\r\n\u{85}SELECT 2;\n"
        #expect(try InMemorySource(files: ["1_a.up.sql": text]).load().migrations.first?.up?.contents == text)
    }

    @Test func bundleSourceReadsTheResourceDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(
            atPath: directory.path + "/Migrations", withIntermediateDirectories: false)
        try directory.write("Migrations/1_init.up.sql", "CREATE TABLE a (id int);")
        try directory.write("Migrations/1_init.down.sql", "DROP TABLE a;")
        let bundle = try #require(Bundle(path: directory.path))

        let loaded = try BundleSource(bundle: bundle, subdirectory: "Migrations").load()
        #expect(loaded.displayName == "Migrations")
        #expect(loaded.migrations.map(\.version) == [1])
        #expect(loaded.migrations[0].up?.path == "Migrations/1_init.up.sql")
        #expect(loaded.migrations[0].down?.contents == "DROP TABLE a;")

        let missing = loadError(BundleSource(bundle: bundle, subdirectory: "Nope"))
        #expect(missing?.code == .noMigrations)
        #expect(missing?.message.hasPrefix("no migrations found in Nope (") == true)
        #expect(missing?.message.hasSuffix("/Nope): the directory does not exist") == true)
    }
}
