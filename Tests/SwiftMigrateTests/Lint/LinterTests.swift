import Foundation
import Testing

@testable import SwiftMigrate

/// The engine around the rules: ignore comments, configuration, ordering, rendering, speed.
@Suite struct LinterTests {
    @Test func lintIgnoreSilencesOneStatement() {
        let sql = """
            -- migrate:lint-ignore index-not-concurrently, missing-lock-timeout
            CREATE INDEX a_idx ON users (a);
            CREATE INDEX b_idx ON users (b);
            """
        #expect(LintFixture.positions(of: .indexNotConcurrent, sql) == ["3:8"])
        // An id that names another rule silences nothing.
        #expect(
            LintFixture.positions(of: .indexNotConcurrent, "-- migrate:lint-ignore rename\nCREATE INDEX a ON t (a);")
                == ["2:8"])
        // A comment above the first statement also covers the file-level findings.
        #expect(
            LintFixture.findings("-- migrate:lint-ignore missing-down\nCREATE TABLE t (a text);", down: nil).isEmpty)
        // Not a directive: inside a string, or another word that only starts like it.
        #expect(
            LintFixture.positions(
                of: .indexNotConcurrent, "-- migrate:lint-ignored index-not-concurrently\nCREATE INDEX a ON t (a);")
                == ["2:8"])
    }

    @Test func commentsAndStringsAreNotKeywords() {
        let sql = """
            SET lock_timeout = '5s';
            INSERT INTO audit (note) VALUES ('DROP TABLE users; ALTER TABLE x RENAME TO y');
            /* ALTER TABLE users ALTER COLUMN a SET NOT NULL; */
            SELECT $body$ TRUNCATE users $body$;
            CREATE INDEX CONCURRENTLY "create index" ON "Users" (a);
            """
        // Only the INSERT next to the CREATE INDEX counts; and the INSERT and the SELECT beside CONCURRENTLY
        // (issue 18's concurrently-with-other-statements; the SET does not count).
        #expect(
            LintFixture.findings(sql).map(\.description) == [
                "migrations/001_test.up.sql:2:1: warning[mixed-ddl-and-data]: INSERT on \"audit\" in a migration that also changes the schema (line 5)",
                "migrations/001_test.up.sql:5:14: warning[concurrently-with-other-statements]: CREATE INDEX CONCURRENTLY makes the whole file run outside a transaction, with 2 other statements (lines 2, 4): a failure half-way leaves part of the file applied and the database dirty",
            ])
    }

    @Test func configuration() {
        let sql = "CREATE INDEX i ON users (a);"
        let asErrors = LintFixture.findings(sql) { $0.warningsAsErrors = true }
        #expect(asErrors.map(\.severity) == [.error, .error])
        let disabled = LintFixture.findings(sql) { $0.disabledRules = ["index-not-concurrently"] }
        #expect(disabled.map(\.rule) == ["missing-lock-timeout"])
    }

    @Test func findingsAreSortedAndLocatedAtTheToken() {
        let migrations = [
            LintFixture.migration("SET lock_timeout = '1s';\n\n   ALTER TABLE t\n     RENAME é TO b;", version: 2),
            Migration(version: 1, name: "a", up: MigrationScript(path: "a/001_a.up.sql", contents: "SELECT 1;")),
        ]
        let report = Linter(configuration: .init(dialect: .postgres)).lint(migrations)
        #expect(
            report.findings.map(\.description) == [
                "a/001_a.up.sql:1:1: warning[missing-down]: migration 1 has no down file",
                "migrations/001_test.up.sql:4:6: warning[rename]: renaming a column of \"t\" breaks code that still uses the old name",
            ])
        #expect(report.warningCount == 2 && report.errorCount == 0 && !report.failed)
    }

    @Test func textReport() {
        let report = LintReport(
            findings: LintFixture.findings("BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;"))
        #expect(report.failed)
        #expect(
            report.text() == """
                migrations/001_test.up.sql:2:14: error[concurrently-in-transaction]: CREATE INDEX CONCURRENTLY cannot run inside the explicit transaction opened above
                  help: \(LintRule.concurrentlyInTransaction.recipe)
                0 warnings, 1 error

                """)
        #expect(LintReport(findings: []).text(help: false) == "no problems found\n")
    }

    @Test func jsonReport() throws {
        let report = LintReport(findings: LintFixture.findings("ALTER TABLE t RENAME TO u;", dialect: .sqlite))
        #expect(
            report.json() == """
                {"errors":0,"findings":[{"column":15,"direction":"up","file":"migrations/001_test.up.sql","line":1,\
                "message":"renaming table \\"t\\" breaks code that still uses the old name","rule":"rename",\
                "severity":"warning","version":1}],"warnings":1}

                """)
        let decoded = try JSONDecoder().decode(LintReport.self, from: Data(report.json(pretty: true).utf8))
        #expect(decoded == report)
    }

    @Test func ruleCatalogue() {
        let ids = LintRule.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.allSatisfy { $0.isLowercase || $0 == "-" } })
        #expect(LintRule.named("set-not-null")?.dialects == [.postgres])
        #expect(LintRule.named("nope") == nil)
    }

    @Test func tenThousandFilesLintQuickly() {
        let up = """
            SET lock_timeout = '5s';
            CREATE TABLE IF NOT EXISTS t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
            ALTER TABLE users ADD COLUMN IF NOT EXISTS note text;
            -- migrate:lint-ignore concurrently-with-other-statements
            CREATE INDEX CONCURRENTLY IF NOT EXISTS users_note_idx ON users (note);
            """
        let migrations = (1...10_000).map { version in
            Migration(
                version: Int64(version), name: "m",
                up: MigrationScript(path: "m/\(version)_m.up.sql", contents: up),
                down: MigrationScript(path: "m/\(version)_m.down.sql", contents: "DROP TABLE t;")
            )
        }
        let clock = ContinuousClock()
        var report = LintReport(findings: [])
        let elapsed = clock.measure { report = Linter(configuration: .init(dialect: .postgres)).lint(migrations) }
        #expect(report.findings.isEmpty)
        // A loose bound against quadratic behaviour (debug build, shared machine).
        #expect(elapsed < .seconds(20))
    }
}
