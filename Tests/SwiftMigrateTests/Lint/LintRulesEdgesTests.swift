import Testing

@testable import SwiftMigrate

/// The rules issue 18 added: `empty-down`, `not-null-without-default`, `concurrently-with-other-statements` and
/// `ignored-file`.
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

    @Test func notNullWithoutDefault() {
        let rule = LintRule.requiredColumn
        #expect(LintFixture.positions(of: rule, "ALTER TABLE users ADD COLUMN plan text NOT NULL;") == ["1:40"])
        #expect(LintFixture.positions(of: rule, "alter table users add plan text not null references plans (id);") == ["1:33"])
        #expect(LintFixture.findings("ALTER TABLE users ADD COLUMN plan text NOT NULL;").first { $0.rule == rule.id }?.message
            == "ADD COLUMN \"plan\" NOT NULL without a DEFAULT fails on existing table \"users\" as soon as it has a row")
        // A default, an identity or generated column, a serial, a nullable column, a NOT NULL inside a CHECK, a
        // table created in the same file, SQLite (its own rule): all fine here.
        for sql in [
            "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';",
            "ALTER TABLE users ADD COLUMN n bigint NOT NULL GENERATED ALWAYS AS IDENTITY;",
            "ALTER TABLE users ADD COLUMN n bigint NOT NULL GENERATED ALWAYS AS (id * 2) STORED;",
            "ALTER TABLE users ADD COLUMN n bigserial NOT NULL;",
            "ALTER TABLE users ADD COLUMN plan text;",
            "ALTER TABLE users ADD COLUMN plan text CHECK (plan IS NOT NULL);",
            "CREATE TABLE users (id bigint);\nALTER TABLE users ADD COLUMN plan text NOT NULL;",
        ] {
            #expect(LintFixture.positions(of: rule, sql).isEmpty, "\(sql)")
        }
        #expect(LintFixture.positions(of: rule, "ALTER TABLE users ADD COLUMN plan text NOT NULL;", dialect: .sqlite).isEmpty)
    }

    @Test func concurrentlyWithOtherStatements() {
        let rule = LintRule.concurrentlyNotAlone
        let sql = "CREATE INDEX CONCURRENTLY i ON users (email);\nALTER TABLE users ADD COLUMN note text;\nVACUUM users;\n"
        #expect(LintFixture.positions(of: rule, sql) == ["1:14"])
        #expect(LintFixture.findings(sql).first { $0.rule == rule.id }?.message
            == "CREATE INDEX CONCURRENTLY makes the whole file run outside a transaction, with 2 other statements (lines 2, 3): a failure half-way leaves part of the file applied and the database dirty")
        #expect(LintFixture.positions(of: rule, "UPDATE users SET a = 1;\nDROP INDEX CONCURRENTLY i;") == ["2:12"])
        // Alone, with SET / RESET around it, inside BEGIN/COMMIT (the error of concurrently-in-transaction),
        // and on SQLite: not reported.
        for sql in [
            "CREATE INDEX CONCURRENTLY i ON users (email);",
            "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY i ON users (email);\nRESET lock_timeout;",
            "BEGIN;\nCREATE INDEX CONCURRENTLY i ON users (email);\nCREATE TABLE t (a int);\nCOMMIT;",
        ] {
            #expect(LintFixture.positions(of: rule, sql).isEmpty, "\(sql)")
        }
        #expect(LintFixture.positions(of: rule, "VACUUM;\nCREATE TABLE t (a int);", dialect: .sqlite).isEmpty)
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
