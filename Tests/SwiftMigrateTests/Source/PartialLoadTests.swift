import Foundation
import SwiftMigrate
import Testing

/// `load(reading:)`: `up` reads no down file, yet knows which versions have one.
@Suite struct PartialLoadTests {
    @Test func upOnlyLoadListsDownFilesWithoutReadingThem() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("1_a.up.sql", "CREATE TABLE a (id int);\n")
        // Invalid UTF-8 in a down file: a full load fails, an up-only load never opens it.
        try directory.write("1_a.down.sql", Data([0x44, 0x52, 0xFF, 0x0A]))
        try directory.write("2_b.sql", "-- +migrate Up\nCREATE TABLE b (id int);\n-- +migrate Down\nDROP TABLE b;\n")
        let source = DirectorySource(path: directory.path)

        #expect(throws: MigrateError.self) { try source.load() }
        let loaded = try source.load(reading: [.up])
        #expect(loaded.migrations.map(\.version) == [1, 2])
        let first = try #require(loaded.migrations.first)
        #expect(first.up?.contents == "CREATE TABLE a (id int);\n")
        #expect(first.up?.isOmitted == false)
        #expect(first.down?.isOmitted == true)
        #expect(first.down?.contents == "")
        // An annotated file is one file: both sections are read.
        #expect(loaded.migrations[1].down?.contents == "DROP TABLE b;\n")
        #expect(loaded.migrations[1].down?.isOmitted == false)

        // An omitted script never runs: lexing it is refused with the file named.
        let error = #expect(throws: MigrateError.self) { try SQLScript(#require(first.down), dialect: .postgres) }
        #expect(error?.message == "\(directory.path)/1_a.down.sql was listed but not read: load the source with its down files")
    }

    @Test func manyFilesLoadInFileOrderWithTheFirstErrorByName() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for version in 1...300 {
            try directory.write(String(format: "%03d_t%d.up.sql", version, version), "CREATE TABLE t\(version) (id int);\n")
            try directory.write(String(format: "%03d_t%d.down.sql", version, version), "DROP TABLE t\(version);\n")
        }
        let loaded = try DirectorySource(path: directory.path).load()
        #expect(loaded.migrations.map(\.version) == Array(1...300))
        #expect(loaded.migrations[149].up?.contents == "CREATE TABLE t150 (id int);\n")
        // Two bad files read by different workers: the error names the first in file order.
        try directory.write("120_t120.up.sql", Data([0xC3]))
        try directory.write("250_t250.up.sql", Data([0xFF]))
        let error = #expect(throws: MigrateError.self) { try DirectorySource(path: directory.path).load() }
        #expect(error?.message == "\(directory.path)/120_t120.up.sql: invalid UTF-8 at byte offset 0; migration files must be UTF-8")
    }
}
