import Foundation
import Testing
@testable import SwiftMigrate

/// `validate`'s checks of the source alone: duplicates, missing halves, scripts the lexer cannot split.
@Suite struct ValidationTests {
    static func problems(_ files: [String: String], dialect: SQLDialect = .postgres) throws -> [ValidationProblem] {
        SourceValidation.problems(in: try InMemorySource(files: files).loadCollectingDuplicates(), dialect: dialect)
    }

    @Test func aCompleteSourceHasNoProblem() throws {
        let files = [
            "1_a.up.sql": "CREATE TABLE a (id int);\n", "1_a.down.sql": "DROP TABLE a;\n",
            "2_b.sql": "-- +migrate Up\nCREATE TABLE b (id int);\n-- +migrate Down\nDROP TABLE b;\n",
        ]
        #expect(try Self.problems(files).isEmpty)
    }

    @Test func duplicatesAreCollectedAndBothMigrationsNamed() throws {
        let files = [
            "1_a.up.sql": "SELECT 1;\n", "1_a.down.sql": "SELECT 1;\n",
            "003_add_email.up.sql": "SELECT 3;\n", "003_add_email.down.sql": "SELECT -3;\n",
            "003_add_phone.up.sql": "SELECT 33;\n", "003_add_phone.down.sql": "SELECT -33;\n",
        ]
        // load() stops at the first conflict; the collecting load keeps the first by name and lists both files.
        let error = #expect(throws: MigrateError.self) { try InMemorySource(files: files).load() }
        #expect(error?.code == .duplicateMigration)
        let loaded = try InMemorySource(files: files).loadCollectingDuplicates()
        #expect(loaded.migrations.map(\.version) == [1, 3])
        #expect(loaded.migrations[1].name == "add_email")
        #expect(loaded.duplicates.map(\.direction).sorted { $0.rawValue < $1.rawValue } == [.down, .up])
        let up = try #require(loaded.duplicates.first { $0.direction == .up })
        #expect(up == MigrationDuplicate(
            version: 3, direction: .up, keptPath: "memory/003_add_email.up.sql", otherPath: "memory/003_add_phone.up.sql",
            keptName: "add_email", otherName: "add_phone"
        ))

        let problems = try Self.problems(files)
        #expect(problems.count == 1)
        #expect(problems.first?.kind == .duplicateVersion)
        #expect(problems.first?.version == 3)
        #expect(problems.first?.path == "memory/003_add_phone.down.sql" || problems.first?.path == "memory/003_add_phone.up.sql")
        #expect(problems.first?.message == "version 3 is claimed by more than one migration: memory/003_add_email.down.sql and memory/003_add_phone.down.sql; give the newer one the next free version with `migrate renumber`"
            || problems.first?.message == "version 3 is claimed by more than one migration: memory/003_add_email.up.sql and memory/003_add_phone.up.sql; give the newer one the next free version with `migrate renumber`")
    }

    @Test func threeMigrationsOnOneVersionAreOneProblemNamingAllThree() throws {
        let files = ["2_x.up.sql": "SELECT 1;\n", "2_y.up.sql": "SELECT 2;\n", "2_z.up.sql": "SELECT 3;\n"]
        let problems = try Self.problems(files).filter { $0.kind == .duplicateVersion }
        #expect(problems.count == 1)
        #expect(problems.first?.message.hasPrefix("version 2 is claimed by more than one migration: memory/2_x.up.sql and memory/2_y.up.sql and memory/2_z.up.sql;") == true)
    }

    @Test func missingDownAndMissingUp() throws {
        let files = [
            "1_a.up.sql": "SELECT 1;\n",
            "2_b.down.sql": "SELECT 2;\n",
            "3_c.sql": "-- +migrate Up\nSELECT 3;\n",
        ]
        let problems = try Self.problems(files)
        #expect(problems.map(\.kind) == [.missingDown, .missingUp, .missingDown])
        #expect(problems.map(\.version) == [1, 2, 3])
        #expect(problems[0].description == "memory/1_a.up.sql: error[missing-down]: no down file: version 1 cannot be reverted; add memory/1_a.down.sql")
        #expect(problems[1].description == "memory/2_b.down.sql: error[missing-up]: a down file without an up file: `up` only moves the version past 2")
        #expect(problems[2].message.hasSuffix("add a '-- +migrate Down' section to memory/3_c.sql"))
    }

    @Test func invalidScriptsPointAtWhereTheConstructOpens() throws {
        let files = [
            "1_a.up.sql": "SELECT 1;\nSELECT 'abc;\n", "1_a.down.sql": "SELECT 1;\n",
            "2_b.up.sql": "SELECT 2;\n", "2_b.down.sql": "SELECT 2;\n/* forgot\n",
        ]
        let problems = try Self.problems(files)
        #expect(problems.map(\.kind) == [.invalidScript, .invalidScript])
        #expect(problems.map(\.version) == [1, 2])
        #expect(problems[0].path == "memory/1_a.up.sql:2:8")
        #expect(problems[0].description == "memory/1_a.up.sql:2:8: error[invalid-script]: unterminated quoted string (opened here)")
        #expect(problems[1].path == "memory/2_b.down.sql:2:1")
        #expect(problems[1].message == "unterminated block comment /* (opened here)")
    }

    @Test func theDialectDecidesWhatSplits() throws {
        // A dollar quote is a string in PostgreSQL only; in SQLite `$$` is not special, so the quote inside is.
        let files = ["1_f.up.sql": "SELECT $$it's$$;\n", "1_f.down.sql": "SELECT 1;\n"]
        #expect(try Self.problems(files, dialect: .postgres).isEmpty)
        #expect(try Self.problems(files, dialect: .sqlite).map(\.kind) == [.invalidScript])
    }

    @Test func kindsHaveStableIdsAndEncodeAsJSON() throws {
        #expect(ValidationProblem.Kind.allCases.map(\.rawValue) == [
            "duplicate-version", "missing-down", "missing-up", "empty-down", "invalid-script", "ignored-file", "modified",
            "missing-from-source", "out-of-order", "dirty",
        ])
        let problem = ValidationProblem(kind: .dirty, version: 7, path: nil, message: "the database is dirty")
        #expect(problem.description == "error[dirty]: the database is dirty")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(problem), as: UTF8.self)
        #expect(json == #"{"kind":"dirty","message":"the database is dirty","version":7}"#)
    }
}
