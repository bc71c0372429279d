import Foundation
import SwiftMigrate
import Testing

/// Property-based fuzzing of the three parsers that read user files: the SQL lexer (both dialects), the file-name
/// parser and the annotation parser. Inputs are drawn by a seeded generator from fragments that matter to each
/// parser (quotes, dollar tags, comment openers, annotations, BOMs, CR LF, non-ASCII, NUL), mixed with random
/// scalars. Each target runs for $MIGRATE_FUZZ_SECONDS (default 2) with seed $MIGRATE_FUZZ_SEED; scripts/fuzz.sh
/// runs them longer. Properties: no crash, no input slower than a loose bound (a hang), only `MigrateError`s with
/// a location inside the file, and statements that are exact, ordered slices of the input.
@Suite struct FuzzTests {
    static let environment = ProcessInfo.processInfo.environment
    static var budget: Duration { .milliseconds(Int64((Double(environment["MIGRATE_FUZZ_SECONDS"] ?? "") ?? 2) * 1000)) }
    static var seed: UInt64 { UInt64(environment["MIGRATE_FUZZ_SEED"] ?? "") ?? 0x5EED_2026 }
    /// Far above any real input's time here; only a hang or a quadratic blow-up exceeds it.
    static let slowInput: Duration = .seconds(2)

    /// Runs `body` on generated inputs until the budget is spent; returns how many ran.
    static func fuzz(_ name: String, salt: UInt64, _ body: (inout FuzzGenerator) throws -> Void) rethrows -> Int {
        var generator = FuzzGenerator(seed: seed ^ salt)
        let clock = ContinuousClock()
        let deadline = clock.now + budget
        var count = 0
        while clock.now < deadline {
            let start = clock.now
            try body(&generator)
            let elapsed = clock.now - start
            if elapsed > slowInput { Issue.record("\(name): input \(count) took \(elapsed) (seed \(seed))") }
            count += 1
        }
        print("fuzz \(name): \(count) inputs in \(budget), seed \(seed)")
        return count
    }

    static let sqlFragments = [
        "'", "''", "\"", "\"\"", "$$", "$a$", "$b$", "$1", "--", "-- c\n", "/*", "*/", "/* c */", "\n", "\r\n", "\r", ";",
        " ", "\t", "BEGIN", "COMMIT", "END", "ROLLBACK", "START TRANSACTION", "CREATE", "TRIGGER", "FUNCTION", "ATOMIC",
        "CASE", "INDEX", "CONCURRENTLY", "VACUUM", "E'", "e'\\''", "\\", "\\set x 1\n", "[", "]", "`", "é", "😀",
        "\u{FEFF}", "x", "t", "1", "(", ")", "COPY t FROM STDIN", "\0", "AS", "LANGUAGE sql", "SELECT", "U&'", "N'",
        "-- +migrate StatementBegin\n", "-- +migrate StatementEnd\n", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN ",
        "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", "BEGIN ATOMIC SELECT 1; END",
    ]

    /// A script of up to 40 fragments or random scalars.
    static func script(_ g: inout FuzzGenerator) -> String {
        var text = ""
        for _ in 0..<g.int(below: 41) {
            if g.int(below: 6) == 0 {
                text.unicodeScalars.append(g.scalar())
            } else {
                text += g.pick(sqlFragments)
            }
        }
        return text
    }

    @Test(arguments: [SQLDialect.postgres, .sqlite])
    func lexerSplitsIntoExactOrderedSlicesOrFailsWithALocation(_ dialect: SQLDialect) throws {
        let count = Self.fuzz("lexer-\(dialect.rawValue)", salt: dialect == .postgres ? 1 : 2) { g in
            let text = Self.script(&g)
            let firstLine = g.int(below: 3) == 0 ? 1 + g.int(below: 50) : 1
            let input = MigrationScript(path: "m/1_f.up.sql", contents: text, firstLine: firstLine)
            let lineCount = text.utf8.filter { $0 == UInt8(ascii: "\n") }.count + 1
            do {
                let script = try SQLScript(input, dialect: dialect)
                let again = try SQLScript(input, dialect: dialect)
                #expect(again.statements == script.statements, "deterministic: \(text.debugDescription)")
                let bytes = Array(text.utf8)
                var previousEnd = 0
                for statement in script.statements {
                    let slice = Array(statement.text.utf8)
                    #expect(!slice.isEmpty, "\(text.debugDescription)")
                    #expect(statement.utf8Offset >= previousEnd, "ordered: \(text.debugDescription)")
                    let end = statement.utf8Offset + slice.count
                    #expect(end <= bytes.count && Array(bytes[statement.utf8Offset..<end]) == slice, "exact slice: \(text.debugDescription)")
                    let newlines = bytes[..<min(statement.utf8Offset, bytes.count)].filter { $0 == UInt8(ascii: "\n") }.count
                    #expect(statement.line == firstLine + newlines, "line: \(text.debugDescription)")
                    #expect(statement.column >= 1)
                    previousEnd = end
                }
            } catch let error as MigrateError {
                #expect(error.code == .invalidScript, "\(error) for \(text.debugDescription)")
                if let location = error.location {
                    #expect(location.file == "m/1_f.up.sql")
                    #expect(location.line >= firstLine && location.line < firstLine + lineCount, "\(error) for \(text.debugDescription)")
                    #expect(location.column >= 1)
                } else {
                    Issue.record("lexer error without a location: \(error) for \(text.debugDescription)")
                }
            } catch {
                Issue.record("not a MigrateError: \(error) for \(text.debugDescription)")
            }
        }
        #expect(count > 0)
    }

    static let nameFragments = [
        "1", "001", "20250105120000", "9223372036854775807", "9223372036854775808", "99999999999999999999", "-1",
        "_", "__", "-", ".", "..", "up", "down", "UP", "Down", "sql", "SQL", "psql", "bak", "~", " ", "V", "é", "x",
        "create_users", ".up", ".down", ".sql", "README", "\u{FEFF}",
    ]

    @Test func fileNameParserRoundTripsWhatItAccepts() throws {
        let count = Self.fuzz("file-names", salt: 3) { g in
            var name = ""
            for _ in 0..<(1 + g.int(below: 8)) {
                if g.int(below: 8) == 0 { name.unicodeScalars.append(g.scalar()) } else { name += g.pick(Self.nameFragments) }
            }
            do {
                guard let parsed = try MigrationFileName.parse(name) else {
                    _ = MigrationFileName.nearMissReason(name)
                    return
                }
                #expect(parsed.version >= 0, "\(name.debugDescription)")
                #expect(name.hasSuffix("." + parsed.fileExtension))
                // The canonical spelling of what was parsed parses to the same thing.
                let canonical = "\(parsed.version)_\(parsed.name)" + (parsed.direction.map { ".\($0.rawValue)" } ?? "") + ".\(parsed.fileExtension)"
                let reparsed = try MigrationFileName.parse(canonical)
                #expect(reparsed == parsed, "\(name.debugDescription) -> \(canonical.debugDescription)")
            } catch let error as MigrateError {
                #expect(error.code == .invalidSource, "\(error) for \(name.debugDescription)")
                #expect(error.message.contains(name) || error.description.contains(name), "names the file: \(error)")
            } catch {
                Issue.record("not a MigrateError: \(error) for \(name.debugDescription)")
            }
        }
        #expect(count > 0)
    }

    static let annotationLines = [
        "-- +migrate Up", "-- +migrate Down", "-- +migrate StatementBegin", "-- +migrate StatementEnd",
        "-- +migrate notransaction", "--+migrate up", "  -- +migrate Up  ", "-- +migrate Up notransaction",
        "-- +migrate", "-- +migrate Sideways", "CREATE TABLE t (id int);", "DROP TABLE t;", "'", "/*", "*/", "", "$$",
        "SELECT 1", ";", "\u{FEFF}-- +migrate Up", "-- +migrate Down\r", "é",
    ]

    @Test func annotationParserYieldsSectionsOfTheFileOrALocatedError() throws {
        let count = Self.fuzz("annotations", salt: 4) { g in
            var lines: [String] = []
            for _ in 0..<g.int(below: 14) {
                lines.append(g.int(below: 7) == 0 ? String(g.scalar()) : g.pick(Self.annotationLines))
            }
            let text = lines.joined(separator: g.int(below: 4) == 0 ? "\r\n" : "\n")
            let fileName = g.int(below: 3) == 0 ? "1_t.up.sql" : "1_t.sql"
            // Fragments may themselves be line breaks: count the file's lines in its text.
            let lineCount = text.utf8.filter { $0 == UInt8(ascii: "\n") }.count + 1
            do {
                let loaded = try InMemorySource(files: [fileName: text], displayName: "m").load()
                for migration in loaded.migrations {
                    for script in [migration.up, migration.down].compactMap({ $0 }) {
                        #expect(text.contains(script.contents) || script.contents.isEmpty, "a section of the file: \(text.debugDescription)")
                        #expect(script.firstLine >= 1 && script.firstLine <= lineCount + 1, "\(script.firstLine) in \(text.debugDescription)")
                        // Whatever the sections are, the lexer takes them without crashing.
                        _ = try? SQLScript(script, dialect: .postgres)
                        _ = try? SQLScript(script, dialect: .sqlite)
                    }
                }
            } catch let error as MigrateError {
                let expected: [MigrateError.Code] = [.invalidSource, .noMigrations, .invalidScript]
                #expect(expected.contains(error.code), "\(error) for \(text.debugDescription)")
                if let location = error.location {
                    #expect(location.line >= 1 && location.line <= lineCount, "\(error) for \(text.debugDescription)")
                }
            } catch {
                Issue.record("not a MigrateError: \(error) for \(text.debugDescription)")
            }
        }
        #expect(count > 0)
    }
}

/// SplitMix64 with helpers to draw fragments and Unicode scalars.
struct FuzzGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(below bound: Int) -> Int { Int(next() % UInt64(bound)) }

    mutating func pick<T>(_ values: [T]) -> T { values[int(below: values.count)] }

    /// Mostly ASCII (controls included), sometimes any scalar (not a surrogate).
    mutating func scalar() -> Unicode.Scalar {
        if int(below: 4) > 0 { return Unicode.Scalar(UInt8(int(below: 128))) }
        while true {
            if let scalar = Unicode.Scalar(UInt32(int(below: 0x11_0000))) { return scalar }
        }
    }
}
