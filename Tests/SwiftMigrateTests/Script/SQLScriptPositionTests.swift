import SwiftMigrate
import Testing

@Suite("SQLScript positions")
struct SQLScriptPositionTests {
    typealias F = SQLScriptFixture

    @Test func statementsKnowTheirOffsetLineAndColumn() throws {
        let script = try F.script("SELECT 1;\n  SELECT 2; SELECT 3;\n\n\tSELECT\n4", firstLine: 10)
        #expect(script.statements.map(\.utf8Offset) == [0, 12, 22, 34])
        #expect(script.statements.map(\.line) == [10, 11, 11, 13])
        #expect(script.statements.map(\.column) == [1, 3, 13, 2])
        #expect(script.statements[3].text == "SELECT\n4")
    }

    @Test func columnsCountUnicodeScalarsNotBytes() throws {
        let script = try F.script("SELECT 'ü🙂'; SELECT 2;")
        #expect(script.statements[1].utf8Offset == 17)
        #expect(script.statements[1].column == 14)
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let script = try F.script("\u{FEFF}SELECT 1; SELECT 2;")
        #expect(script.statements.map(\.text) == ["SELECT 1", "SELECT 2"])
        #expect(script.statements.map(\.utf8Offset) == [3, 13])
        #expect(script.statements.map(\.column) == [1, 11])
        #expect(script.sourceLine(1) == "SELECT 1; SELECT 2;")
        #expect(script.location(statement: 1, characterPosition: 8) == F.location(1, 18))
    }

    @Test func crlfIsOneLineBreakAndNeverAColumn() throws {
        let script = try F.script("SELECT 1;\r\n  SELECT\r\n    bogus FROM t;\r\n", firstLine: 4)
        #expect(script.statements.map(\.text) == ["SELECT 1", "SELECT\r\n    bogus FROM t"])
        #expect(script.statements[1].line == 5)
        #expect(script.statements[1].column == 3)
        // "SELECT\r\n    bogus": b is character 13 (the \r and \n count as characters for PostgreSQL).
        #expect(script.location(statement: 1, characterPosition: 13) == F.location(6, 5))
        #expect(script.location(statement: 1, utf8Offset: 12) == F.location(6, 5))
        #expect(script.sourceLine(5) == "  SELECT")
        #expect(script.sourceLine(6) == "    bogus FROM t;")
    }

    @Test func postgresCharacterPositionsCountNonASCIICharacters() throws {
        let script = try F.script("SELECT 1;\nSELECT 'héllo wörld 🙂', bogus FROM t;")
        // 'héllo wörld 🙂' is 15 characters: bogus starts at character 25.
        #expect(script.location(statement: 1, characterPosition: 25) == F.location(2, 25))
        #expect(script.location(statement: 1, characterPosition: 1) == F.location(2, 1))
    }

    @Test func sqliteByteOffsetsCountNonASCIIBytes() throws {
        let script = try F.script("SELECT 1;\nSELECT 'héllo wörld 🙂', bogus FROM t;", .sqlite)
        // é and ö take 2 bytes, 🙂 takes 4: bogus starts at byte 29 (0-based).
        #expect(script.location(statement: 1, utf8Offset: 29) == F.location(2, 25))
        #expect(script.location(statement: 1, utf8Offset: 0) == F.location(2, 1))
        // An offset inside a multi-byte character points at that character.
        #expect(script.location(statement: 1, utf8Offset: 10) == F.location(2, 10))
    }

    @Test func positionsPastTheEndAreClamped() throws {
        let script = try F.script("SELECT 1;\nSELECT\n  2;")
        // Text "SELECT\n  2" has 10 characters: past the end points just after the 2.
        #expect(script.location(statement: 1, characterPosition: 11) == F.location(3, 4))
        #expect(script.location(statement: 1, characterPosition: 500) == F.location(3, 4))
        #expect(script.location(statement: 1, characterPosition: 0) == F.location(2, 1))
        #expect(script.location(statement: 1, utf8Offset: 500) == F.location(3, 4))
        #expect(script.location(statement: 1, utf8Offset: -3) == F.location(2, 1))
        // An index out of range is clamped to the nearest statement.
        #expect(script.location(statement: 9, characterPosition: 1) == F.location(2, 1))
        let empty = try F.script("-- nothing", firstLine: 7)
        #expect(empty.location(statement: 0, characterPosition: 3) == F.location(7, 1))
    }

    @Test func sourceLinesAreFileLines() throws {
        let script = try F.script("SELECT 1;\r\n\r\nSELECT 2;\n", firstLine: 20)
        #expect(script.sourceLine(20) == "SELECT 1;")
        #expect(script.sourceLine(21) == "")
        #expect(script.sourceLine(22) == "SELECT 2;")
        #expect(script.sourceLine(19) == "")
        #expect(script.sourceLine(30) == "")
    }
}
