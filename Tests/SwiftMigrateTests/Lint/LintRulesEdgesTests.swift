import Testing

@testable import SwiftMigrate

/// The rules issue 18 added: `empty-down` and `ignored-file`.
@Suite struct LintRulesEdgesTests {
    @Test func emptyDown() {
        let create = "CREATE TABLE t (a text);"
        for down in ["", "   \n\t\n", "-- irreversible\n", "/* nothing */\n-- to undo\n", "BEGIN;\nCOMMIT;\n"] {
            let findings = LintFixture.findings(create, down: down)
            #expect(findings.map(\.rule) == ["empty-down"], "down file \(down.debugDescription)")
            #expect(findings.first?.location.description == "migrations/001_test.down.sql:1:1")
            #expect(findings.first?.direction == .down)
            #expect(findings.first?.severity == .warning)
        }
        #expect(LintFixture.findings(create, down: "").first?.message
            == "the down file of migration 1 has no statements: `migrate down` would undo nothing (write the SQL that undoes the up file, or a `-- migrate:irreversible` line)")
        // The marker, in any case and with a reason; a statement; lint-ignore.
        for down in ["-- migrate:irreversible\n", "  -- MIGRATE:IRREVERSIBLE the data is gone\n", "DROP TABLE t;\n",
                     "-- migrate:lint-ignore empty-down\n"] {
            #expect(LintFixture.findings(create, down: down).isEmpty, "down file \(down.debugDescription)")
        }
        // The marker must open its comment: create's template mentions it in a sentence and is still reported.
        let template = MigrationCreator.downTemplate(upFile: "001_test.up.sql")
        #expect(!MigrationScript(path: "x", contents: template).declaresIrreversible)
        #expect(LintFixture.findings(create, down: template).map(\.rule) == ["empty-down"])
        #expect(Linter(configuration: .init(dialect: .postgres, disabledRules: ["empty-down"]))
            .findings(for: LintFixture.migration(create, down: "")).isEmpty)
    }

    @Test func ignoredFileIsAnError() throws {
        let loaded = try InMemorySource(files: [
            "1_a.up.sql": "CREATE TABLE a (id bigint);\n", "1_a.down.sql": "DROP TABLE a;\n",
            "20250105130000_add_user_preferences.sql": "ALTER TABLE a ADD COLUMN prefs text;\n",
            "2_b.down.sql.bak": "DROP TABLE b;\n",
        ]).load()
        let report = Linter(configuration: .init(dialect: .postgres)).lint(loaded)
        #expect(report.findings.map(\.rule) == ["ignored-file", "ignored-file"])
        #expect(report.failed)
        #expect(report.findings.map(\.location.file) == ["memory/20250105130000_add_user_preferences.sql", "memory/2_b.down.sql.bak"])
        #expect(report.findings.map(\.version) == [20250105130000, 2])
        #expect(report.findings.map(\.direction) == [.up, .down])
        #expect(report.findings[0].message.hasPrefix(
            "20250105130000_add_user_preferences.sql has a version but no '-- +migrate Up' directive"))
        #expect(Linter(configuration: .init(dialect: .postgres, disabledRules: ["ignored-file"])).lint(loaded).findings.isEmpty)
    }
}
