import Testing
@testable import SwiftMigrate

@Suite struct ErrorRenderingTests {
    @Test func rendersLikeACompilerWithCaretDetailAndHint() {
        let error = MigrateError(
            .statementFailed, "syntax error at or near \"TABL\"", version: 3,
            location: SourceLocation(file: "migrations/003_add.up.sql", line: 12, column: 8),
            statement: "CREATE TABL notes (id int)", sourceLine: "CREATE TABL notes (id int);", sqlState: "42601",
            detail: "some detail", hint: "some hint"
        )
        #expect(error.rendered() == """
            migrations/003_add.up.sql:12:8: error: syntax error at or near "TABL" (SQLSTATE 42601)
                12 | CREATE TABL notes (id int);
                   |        ^
            DETAIL: some detail
            HINT: some hint
            """)
        #expect(error.description == "migrations/003_add.up.sql:12:8: syntax error at or near \"TABL\" (SQLSTATE 42601)")
    }

    @Test func caretFollowsTabs() {
        let error = MigrateError(
            .statementFailed, "boom", location: SourceLocation(file: "f.sql", line: 1, column: 3), sourceLine: "\t\tX"
        )
        #expect(error.rendered().split(separator: "\n")[2] == "      | \t\t^")
    }

    @Test func errorsWithoutLocationStartWithError() {
        #expect(MigrateError(.shortLimit, "limit 2 short").rendered() == "error: limit 2 short")
    }

    @Test func durationsFormatLikeGo() {
        #expect(AppliedMigration.format(.microseconds(812)) == "812µs")
        #expect(AppliedMigration.format(.microseconds(43_100)) == "43.1ms")
        #expect(AppliedMigration.format(.milliseconds(1200)) == "1.2s")
        #expect(AppliedMigration.format(.milliseconds(3)) == "3ms")
        // A hand-edited history row can hold anything: a sign, not "0.-3".
        #expect(AppliedMigration.format(.nanoseconds(-300)) == "-0.3µs")
        #expect(AppliedMigration.format(.microseconds(-812)) == "-812µs")
        #expect(AppliedMigration.format(.seconds(86_400 * 365)) == "31536000s")
    }
}
