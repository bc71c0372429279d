import Foundation
import Testing

/// File names may hold a newline or an escape sequence (Linux allows both). Printed raw, `1_a<LF>no change.up.sql`
/// forged golang-migrate's `no change` line and `2_<ESC>[31mred.up.sql` colored the terminal; stored raw, they went
/// into the history table's `name`. Every name and path is now shown and stored with its control characters
/// escaped (`\n`, `\u{1B}`), while the files themselves are still read and renamed under their real names.
@Suite struct ControlCharacterNamesCLITests {
    static let newline = "1_create_items\nno change.up.sql"
    static let escape = "2_\u{1B}[31mred\u{1B}[0m.up.sql"
    static let carriageReturn = "3_broken\rline.up.sql"

    /// Whether `text` holds a control character other than a line feed (tabs do not occur in these outputs).
    static func hasRawControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
    }

    @Test func namesAreEscapedInProgressStatusErrorsJSONAndTheHistoryTable() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write([
            Self.newline: "CREATE TABLE items (id int);\n",
            Self.escape: "CREATE TABLE notes (id int);\n",
            Self.carriageReturn: "CREATE TABL oops (id int);\n",
            "4\nnear_miss.up.sql": "-- not a migration\n",
        ])
        let db = dir.path("app.db")
        let base = ["-path", migrations, "-database", "sqlite://\(db)"]

        let up = try CLI.run(base + ["up"])
        #expect(up.status == 1, "\(up)")
        #expect(!Self.hasRawControl(up.all), "\(up.all.debugDescription)")
        let lines = up.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains { $0.hasPrefix(#"1/u create_items\nno change ("#) }, "\(up)")
        #expect(lines.contains { $0.hasPrefix(#"2/u \u{1B}[31mred\u{1B}[0m ("#) }, "\(up)")
        #expect(lines.contains { $0.hasPrefix(#"\#(migrations)/3_broken\rline.up.sql:1:8: error: "#) }, "\(up)")
        #expect(lines.contains { $0.hasPrefix(#"warning: \#(migrations)/4\nnear_miss.up.sql: "#) }, "\(up)")
        #expect(!lines.contains { $0.hasPrefix("no change") }, "a forged line: \(up)")

        // What is stored: the escaped names, no newline or ESC byte.
        #expect(try SQLite3.query(db, "SELECT name FROM schema_migrations_history ORDER BY id")
            == #"create_items\nno change"# + "\n" + #"\u{1B}[31mred\u{1B}[0m"#)
        #expect(try SQLite3.query(db, "SELECT count(*) FROM schema_migrations_history WHERE instr(name, char(10)) OR instr(name, char(27))") == "0")

        let status = try CLI.run(base + ["status"])
        #expect(status.status == 0, "\(status)")
        #expect(!Self.hasRawControl(status.all), "\(status.all.debugDescription)")
        #expect(status.stdout.contains(#"1        create_items\nno change  applied"#), "\(status)")
        #expect(status.stdout.contains(#"3        broken\rline"#), "\(status)")

        let json = try CLI.run(base + ["status", "--json"])
        #expect(json.status == 0, "\(json)")
        let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let names = (decoded?["entries"] as? [[String: Any]])?.map { $0["name"] as? String }
        #expect(names == [#"create_items\nno change"#, #"\u{1B}[31mred\u{1B}[0m"#, #"broken\rline"#], "\(json)")

        let lint = try CLI.run(["-path", migrations, "lint"])
        #expect(!Self.hasRawControl(lint.all), "\(lint.all.debugDescription)")
        #expect(lint.stdout.contains(#"\#(migrations)/2_\u{1B}[31mred\u{1B}[0m.up.sql:1:1: warning[missing-down]"#), "\(lint)")
    }

    /// A raw name read back from a history table written before names were escaped (or by hand) is escaped too.
    @Test func rawNamesAlreadyInTheHistoryTableAreEscapedWhenShown() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(["1_create_items.up.sql": "CREATE TABLE items (id int);\n"])
        let db = dir.path("app.db")
        let base = ["-path", migrations, "-database", "sqlite://\(db)"]
        #expect(try CLI.run(base + ["up"]).status == 0)
        _ = try SQLite3.query(db, """
            INSERT INTO schema_migrations_history (version, direction, name, checksum, applied_at, duration_ms, applied_by)
            VALUES (0, 'up', 'gone' || char(10) || 'forged' || char(27) || '[2K', NULL, '2024-01-01T00:00:00.000Z', 1, 'x');
            """)
        let status = try CLI.run(base + ["status"])
        #expect(status.status == 0, "\(status)")
        #expect(!Self.hasRawControl(status.all), "\(status.all.debugDescription)")
        // Version 0 is below the current version and missing from the source: its name comes from the row.
        #expect(status.stdout.contains(#"0        gone\nforged\u{1B}[2K"#), "\(status)")
    }

    /// `renumber` prints the paths escaped and still moves the real files.
    @Test func renumberShowsEscapedPathsAndMovesTheRealFiles() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let odd = "1_b\u{1B}[2K\nx.up.sql"
        let migrations = try dir.write(["1_a.up.sql": "CREATE TABLE a (id int);\n", odd: "CREATE TABLE b (id int);\n"])
        let dryRun = try CLI.run(["-path", migrations, "renumber", "--dry-run"])
        #expect(dryRun.status == 0, "\(dryRun)")
        #expect(!Self.hasRawControl(dryRun.all), "\(dryRun.all.debugDescription)")
        #expect(dryRun.stdout.contains(#"would rename \#(migrations)/1_b\u{1B}[2K\nx.up.sql -> \#(migrations)/2_b\u{1B}[2K\nx.up.sql"#), "\(dryRun)")
        let moved = try CLI.run(["-path", migrations, "renumber"])
        #expect(moved.status == 0, "\(moved)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: migrations).sorted() == ["1_a.up.sql", "2_b\u{1B}[2K\nx.up.sql"])
    }

    /// A table name reaches `//` comments of the generated Swift: a raw CR there ended the comment (Swift counts
    /// CR as a line break) and the rest of the name became code: `public let injected = 1`.
    @Test func modelsKeepTableNamesInsideTheirComments() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let db = dir.path("app.db")
        _ = try SQLite3.query(db, "CREATE TABLE \"notes\rpublic let injected = 1 // x\" (id INTEGER PRIMARY KEY, \"body\nx\" TEXT);")
        let models = dir.path("Models")
        let generate = try CLI.run(["models", "-database", "sqlite://\(db)", "-dir", models])
        #expect(generate.status == 0, "\(generate)")
        #expect(!Self.hasRawControl(generate.all), "\(generate.all.debugDescription)")
        let names = try FileManager.default.contentsOfDirectory(atPath: models)
        #expect(names.count == 3, "\(names)")
        for name in names {
            let text = try String(contentsOfFile: models + "/" + name, encoding: .utf8)
            #expect(!Self.hasRawControl(text), "\(name): \(text.debugDescription)")
            // Swift's line breaks are LF and CR: none splits a comment, so no line starts with the injected code.
            let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            #expect(!lines.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("public let injected") }, "\(name)")
        }
        let generated = try String(contentsOfFile: models + "/NotesPublicLetInjected1XModel.generated.swift", encoding: .utf8)
        #expect(generated.contains(#"/// A row of table `notes\rpublic let injected = 1 // x`."#), "\(generated)")
        // The SQL name itself is kept exactly, as a Swift escape inside the literal.
        #expect(generated.contains(#"public static let relation = "\"notes\rpublic let injected = 1 // x\"""#), "\(generated)")
    }
}
