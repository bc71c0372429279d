@testable import SwiftMigrate

/// Lints one migration written inline, as files `001_test.up.sql` / `001_test.down.sql`.
enum LintFixture {
    static let upPath = "migrations/001_test.up.sql"
    static let downPath = "migrations/001_test.down.sql"

    static func migration(_ up: String?, down: String? = "-- migrate:irreversible", version: Int64 = 1) -> Migration {
        Migration(
            version: version, name: "test",
            up: up.map { MigrationScript(path: upPath, contents: $0) },
            down: down.map { MigrationScript(path: downPath, contents: $0) }
        )
    }

    /// All findings of the migration.
    static func findings(
        _ up: String?, down: String? = "-- migrate:irreversible", dialect: SQLDialect = .postgres,
        configure: (inout Linter.Configuration) -> Void = { _ in }
    ) -> [LintFinding] {
        var configuration = Linter.Configuration(dialect: dialect)
        configure(&configuration)
        return Linter(configuration: configuration).findings(for: migration(up, down: down))
    }

    /// The findings of one rule, as `LINE:COL` strings (file names checked separately).
    static func positions(
        of rule: LintRule, _ up: String?, down: String? = "-- migrate:irreversible", dialect: SQLDialect = .postgres
    ) -> [String] {
        findings(up, down: down, dialect: dialect).filter { $0.rule == rule.id }.map {
            "\($0.location.line):\($0.location.column)"
        }
    }
}
