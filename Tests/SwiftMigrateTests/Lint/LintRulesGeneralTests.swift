import Testing

@testable import SwiftMigrate

/// The rules from the migrations guide, `rename`, and SQLite's ALTER TABLE limits: positive and negative cases.
@Suite struct LintRulesGeneralTests {
    @Test func missingDown() {
        let findings = LintFixture.findings("CREATE TABLE t (a text);", down: nil)
        #expect(
            findings.map(\.description) == [
                "migrations/001_test.up.sql:1:1: warning[missing-down]: migration 1 has no down file"
            ])
        // A down file marked `-- migrate:irreversible` is a deliberate "irreversible" (issue 18: a plain
        // comment-only down file no longer counts as one, it is `empty-down`, see LintRulesEdgesTests).
        #expect(LintFixture.findings("CREATE TABLE t (a text);", down: "-- migrate:irreversible").isEmpty)
        // A down file without an up file is not this rule's business.
        #expect(LintFixture.findings(nil, down: "DROP TABLE t;").isEmpty)
    }

    @Test func mixedDDLAndData() {
        let sql = "ALTER TABLE users ADD COLUMN IF NOT EXISTS plan text;\nUPDATE users SET plan = 'free';"
        let findings = LintFixture.findings(sql, dialect: .sqlite).filter { $0.rule == "mixed-ddl-and-data" }
        #expect(
            findings.map(\.description) == [
                "migrations/001_test.up.sql:2:1: warning[mixed-ddl-and-data]: UPDATE on \"users\" in a migration that also changes the schema (line 1)"
            ])
        #expect(
            LintFixture.positions(
                of: .mixedDDLAndData, "CREATE INDEX CONCURRENTLY i ON t (a);\nWITH x AS (SELECT 1) DELETE FROM t;") == [
                    "2:22"
                ])
        // Seeding a table created in the same file, and data-only files, are fine.
        #expect(
            LintFixture.positions(
                of: .mixedDDLAndData, "CREATE TABLE plans (name text);\nINSERT INTO plans VALUES ('free');"
            ).isEmpty)
        #expect(
            LintFixture.positions(
                of: .mixedDDLAndData, "UPDATE users SET plan = 'free';\nDELETE FROM users WHERE id = 1;"
            ).isEmpty)
    }

    @Test func modifiedAppliedMigration() {
        let up = "CREATE TABLE t (a text);"
        let recorded = MigrationScript(path: "x", contents: "CREATE TABLE t (a int);").checksum
        let changed = LintFixture.findings(up) { $0.appliedChecksums = [1: recorded] }
        #expect(changed.map(\.rule) == ["modified-applied-migration"])
        #expect(changed.first?.severity == .error)
        #expect(changed.first?.location == SourceLocation(file: LintFixture.upPath, line: 1, column: 1))
        // Same text (line endings and trailing blanks do not count), or a version not applied.
        let same = MigrationScript(path: "x", contents: "CREATE TABLE t (a text);  \r\n").checksum
        #expect(LintFixture.findings(up) { $0.appliedChecksums = [1: same] }.isEmpty)
        #expect(LintFixture.findings(up) { $0.appliedChecksums = [2: recorded] }.isEmpty)
    }

    @Test func destructiveWithoutNote() {
        let sql =
            "SET lock_timeout = '1s';\nDROP TABLE IF EXISTS a, b;\nALTER TABLE c DROP COLUMN d;\nTRUNCATE TABLE e;"
        #expect(LintFixture.positions(of: .destructive, sql) == ["2:1", "3:15", "4:1"])
        #expect(LintFixture.positions(of: .destructive, sql, dialect: .sqlite) == ["2:1", "3:15", "4:1"])
        let noted = """
            -- migrate:destructive copied to archive.events on 2026-11-01
            DROP TABLE events;
            ALTER TABLE c DROP COLUMN d; -- migrate:destructive unused since v3
            CREATE TABLE tmp (a int);
            DROP TABLE tmp;
            ALTER TABLE c DROP CONSTRAINT c_check, ALTER d DROP DEFAULT;
            """
        #expect(LintFixture.positions(of: .destructive, noted).isEmpty)
        // Down files are expected to drop what the up file created.
        #expect(LintFixture.positions(of: .destructive, "CREATE TABLE t (a int);", down: "DROP TABLE t;").isEmpty)
    }

    @Test func rename() {
        #expect(LintFixture.positions(of: .rename, "ALTER TABLE users RENAME COLUMN name TO full_name;") == ["1:19"])
        #expect(LintFixture.positions(of: .rename, "ALTER TABLE users RENAME TO people;", dialect: .sqlite) == ["1:19"])
        #expect(LintFixture.positions(of: .rename, "ALTER TABLE users ADD COLUMN renamed_at timestamptz;").isEmpty)
        #expect(LintFixture.positions(of: .rename, "CREATE TABLE t (a int);\nALTER TABLE t RENAME a TO b;").isEmpty)
    }

    @Test func sqliteUnsupportedAlterTable() {
        let rule = LintRule.sqliteAlterTable
        #expect(
            LintFixture.positions(of: rule, "ALTER TABLE t ALTER COLUMN a SET NOT NULL;", dialect: .sqlite) == ["1:15"])
        #expect(
            LintFixture.positions(of: rule, "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);", dialect: .sqlite) == [
                "1:19"
            ])
        #expect(LintFixture.positions(of: rule, "ALTER TABLE t DROP CONSTRAINT c;", dialect: .sqlite) == ["1:15"])
        #expect(
            LintFixture.positions(of: rule, "ALTER TABLE t ADD COLUMN a text NOT NULL;", dialect: .sqlite) == ["1:33"])
        #expect(
            LintFixture.positions(of: rule, "ALTER TABLE t ADD COLUMN a text UNIQUE;", dialect: .sqlite) == ["1:33"])
        #expect(
            LintFixture.positions(
                of: rule, "ALTER TABLE t ADD COLUMN at text DEFAULT CURRENT_TIMESTAMP;", dialect: .sqlite) == ["1:42"])
        #expect(LintFixture.positions(of: rule, "ALTER TABLE t ADD a text, ADD b text;", dialect: .sqlite) == ["1:27"])
        #expect(
            LintFixture.positions(of: rule, "SELECT 1;", down: "ALTER TABLE t ALTER a TYPE int;", dialect: .sqlite) == [
                "1:15"
            ])
        let supported = """
            ALTER TABLE t ADD COLUMN a text NOT NULL DEFAULT '';
            ALTER TABLE t ADD b integer DEFAULT 0 CHECK (b >= 0);
            ALTER TABLE t RENAME COLUMN a TO c;
            ALTER TABLE t RENAME TO u;
            ALTER TABLE u DROP COLUMN b;
            """
        #expect(LintFixture.positions(of: rule, supported, dialect: .sqlite).isEmpty)
        #expect(
            LintFixture.positions(of: rule, "ALTER TABLE t ALTER COLUMN a SET NOT NULL;", dialect: .postgres).isEmpty)
    }

    @Test func invalidScript() {
        let findings = LintFixture.findings("CREATE TABLE t (a text DEFAULT 'oops);")
        #expect(findings.map(\.rule) == ["invalid-script"])
        #expect(findings.first?.severity == .error)
        #expect(findings.first?.location == SourceLocation(file: LintFixture.upPath, line: 1, column: 32))
        #expect(LintFixture.findings("CREATE TABLE t (a text DEFAULT 'fine');").isEmpty)
    }
}
