import Foundation
import Testing
@testable import SwiftMigrate

/// What a fleet is made of before any database is opened: schema patterns, the -targets file, SQLite file globs.
@Suite struct FleetInputTests {
    @Test func globPatternsMatchWholeNames() throws {
        let tenants = try GlobPattern("tenant_*")
        #expect(tenants.matches("tenant_001"))
        #expect(tenants.matches("tenant_"))
        #expect(!tenants.matches("tenants"))
        #expect(!tenants.matches("public"))
        #expect(!tenants.matches("Tenant_1"), "case-sensitive")
        #expect(!tenants.matches("x_tenant_1"), "anchored at the start")
        let middle = try GlobPattern("t*_?x")
        #expect(middle.matches("t_ax"))
        #expect(middle.matches("tenant_7_bx"))
        #expect(!middle.matches("tenant_7_bbx"))
        let sets = try GlobPattern("shard_[0-2][!a-z]")
        #expect(sets.matches("shard_19"))
        #expect(!sets.matches("shard_39"))
        #expect(!sets.matches("shard_1a"))
        #expect(try GlobPattern(#"a\*"#).matches("a*"))
        #expect(try !GlobPattern(#"a\*"#).matches("ab"))
        #expect(try GlobPattern("*").matches(""))
        #expect(try GlobPattern("**b").matches("aab"))
        #expect(try GlobPattern("[]]").matches("]"))
    }

    @Test func malformedPatternsAreRefusedNamingThem() {
        for text in ["tenant_[0-9", "a\\", "[z-a]"] {
            let error = #expect(throws: MigrateError.self) { try GlobPattern(text) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("\"\(text)\"") == true, "\(String(describing: error))")
        }
    }

    @Test func targetsFileSkipsCommentsAndBlankLinesAndExpandsVariables() throws {
        let text = """
            # eu-west
            postgres://app:${EU_PASSWORD}@db1:5432/shop?sslmode=disable

              postgres://app@db2/shop   # the big customers
            sqlite://edge/a.db\r
            postgres://u:p%23ss@db3/x
            """
        let entries = try FleetTargetFile.parse(text, path: "targets.txt", environment: ["EU_PASSWORD": "S3cret"])
        try #require(entries.map(\.origin) == ["targets.txt:2", "targets.txt:4", "targets.txt:5", "targets.txt:6"])
        #expect(entries[0].text == "postgres://app:S3cret@db1:5432/shop?sslmode=disable")
        #expect(entries[0].url.password == "S3cret")
        #expect(entries[1].url.host == "db2")
        #expect(entries[2].url.path == "edge/a.db")
        // A `#` inside a URL is not a comment.
        #expect(entries[3].url.password == "p#ss")
    }

    @Test func targetsFileErrorsNameFileAndLineWithoutThePassword() {
        let unset = #expect(throws: MigrateError.self) {
            try FleetTargetFile.parse("# x\n\npostgres://app:${NOPE_PW}@db/x\n", path: "t.txt", environment: [:])
        }
        #expect(unset?.message == "t.txt:3: the environment variable NOPE_PW is not set (used as ${NOPE_PW})")
        let open = #expect(throws: MigrateError.self) {
            try FleetTargetFile.parse("postgres://app:${PW@db/x", path: "t.txt", environment: [:])
        }
        #expect(open?.message.hasPrefix("t.txt:1: ") == true)
        let name = #expect(throws: MigrateError.self) {
            try FleetTargetFile.parse("postgres://${1X}@db/x", path: "t.txt", environment: ["1X": "a"])
        }
        #expect(name?.message.contains("is not a variable name") == true)
        let bad = #expect(throws: MigrateError.self) {
            try FleetTargetFile.parse("postgres://db/x\napp:${PW}@db/y", path: "t.txt", environment: ["PW": "hunter2"])
        }
        #expect(bad?.code == .invalidURL)
        #expect(bad?.message.hasPrefix("t.txt:2: malformed database URL") == true, "\(String(describing: bad))")
        #expect(bad?.message.contains("hunter2") == false)
        let empty = #expect(throws: MigrateError.self) {
            try FleetTargetFile.parse("# nothing\n\n", path: "t.txt", environment: [:])
        }
        #expect(empty?.message == "the targets file t.txt lists no database URL (only blank lines and comments)")
    }

    @Test func sqliteGlobsExpandToTheExistingFilesSorted() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-glob-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["b.db", "a.db", "c.txt", ".hidden.db", "sub/d.db", "sub/e.db"] {
            let file = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data().write(to: file)
        }
        let root = directory.path
        let top = try DatabaseURL("sqlite://\(root)/*.db?_busy_timeout=5000").expandingFileGlob()
        #expect(top.map(\.path) == ["\(root)/a.db", "\(root)/b.db"])
        #expect(top.allSatisfy { $0.queryValue("_busy_timeout") == "5000" })
        let nested = try DatabaseURL("sqlite://\(root)/*/*.db").expandingFileGlob()
        #expect(nested.map(\.path) == ["\(root)/sub/d.db", "\(root)/sub/e.db"])
        // Not a glob: as it is, existing or not.
        let plain = try DatabaseURL("sqlite://\(root)/new.db")
        #expect(!plain.isFileGlob)
        #expect(try plain.expandingFileGlob() == [plain])
        #expect(!(try DatabaseURL("postgres://db/x*")).isFileGlob)
        let none = #expect(throws: MigrateError.self) { try DatabaseURL("sqlite://\(root)/*.sqlite").expandingFileGlob() }
        #expect(none?.message == "sqlite://\(root)/*.sqlite matches no file")
    }
}
