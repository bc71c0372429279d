/// Checks migrations for patterns that lock production tables, lose data, or break rollbacks: the engine of
/// `migrate lint` and of the findings `migrate plan` shows per pending migration.
///
/// It never touches a database: applied checksums come in through the configuration.
///
/// ```swift
/// let loaded = try DirectorySource(path: "migrations").load()
/// let linter = Linter(configuration: .init(dialect: .postgres))
/// let report = linter.lint(loaded.migrations)
/// print(report.text(), terminator: "")   // migrations/002_x.up.sql:3:1: warning[set-not-null]: ...
/// ```
///
/// A finding is silenced by `-- migrate:lint-ignore RULE-ID [RULE-ID...]` in the comments right above the
/// statement (or on the same line, after it); a destructive statement is acknowledged by
/// `-- migrate:destructive REASON`. Comments above a file's first statement also apply to the file-level findings
/// (`missing-down`, `modified-applied-migration`, `mixed-ddl-and-data`).
public struct Linter: Sendable {
    /// What the linter knows beyond the files.
    public struct Configuration: Sendable, Hashable {
        /// The dialect the scripts are written in; rules of other dialects stay silent.
        public var dialect: SQLDialect
        /// The checksum recorded in the history table for each applied version (the up script's
        /// ``MigrationScript/checksum``); enables `modified-applied-migration`.
        public var appliedChecksums: [Int64: String]
        /// True when the runner sets `lock_timeout` itself before each migration: `missing-lock-timeout` is
        /// then silent.
        public var runnerSetsLockTimeout: Bool
        /// Report every warning as an error (so that `migrate lint` fails on it).
        public var warningsAsErrors: Bool
        /// Rule ids that are not checked at all.
        public var disabledRules: Set<String>

        public init(
            dialect: SQLDialect, appliedChecksums: [Int64: String] = [:], runnerSetsLockTimeout: Bool = false,
            warningsAsErrors: Bool = false, disabledRules: Set<String> = []
        ) {
            self.dialect = dialect
            self.appliedChecksums = appliedChecksums
            self.runnerSetsLockTimeout = runnerSetsLockTimeout
            self.warningsAsErrors = warningsAsErrors
            self.disabledRules = disabledRules
        }
    }

    public var configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Lints every migration; the report's findings are sorted by file, line and column.
    public func lint(_ migrations: [Migration]) -> LintReport {
        var findings: [LintFinding] = []
        for migration in migrations { findings += self.findings(for: migration) }
        return LintReport(findings: findings)
    }

    /// Lints a loaded source: every migration, plus an `ignored-file` error for each file the source ignored
    /// although it looks like a migration (``LoadedSource/warnings``): no command would run it, which is
    /// almost always a mistake (the guide's `20250105130000_add_user_preferences.sql` without `-- +migrate Up`).
    public func lint(_ loaded: LoadedSource) -> LintReport {
        var findings = lint(loaded.migrations).findings
        let rule = LintRule.ignoredFile
        for warning in loaded.warnings {
            let name = warning.path.split(separator: "/").last.map(String.init) ?? warning.path
            let direction: Direction = name.lowercased().contains(".down.") ? .down : .up
            guard checks(rule, direction: direction) else { continue }
            findings.append(LintFinding(
                rule: rule.id, severity: severity(of: rule), message: "\(name) \(warning.message)",
                location: SourceLocation(file: warning.path, line: 1, column: 1),
                // The version its name starts with, or 0 when it has none.
                version: Int64(name.prefix(while: { $0.isASCII && $0.isNumber })) ?? 0, direction: direction
            ))
        }
        return LintReport(findings: findings)
    }

    /// The findings of one migration (its up and down files), sorted by file, line and column.
    public func findings(for migration: Migration) -> [LintFinding] {
        var findings: [LintFinding] = []
        if let up = migration.up {
            var linter = ScriptLinter(linter: self, script: up, version: migration.version, direction: .up)
            linter.run()
            if migration.down == nil {
                linter.emitFileLevel(.missingDown, "migration \(migration.version) has no down file")
            }
            if let recorded = configuration.appliedChecksums[migration.version], recorded != up.checksum {
                linter.emitFileLevel(
                    .modifiedApplied,
                    "migration \(migration.version) was applied with checksum \(recorded.prefix(12)), "
                        + "the file now has \(up.checksum.prefix(12))"
                )
            }
            findings += linter.findings
        }
        if let down = migration.down {
            var linter = ScriptLinter(linter: self, script: down, version: migration.version, direction: .down)
            linter.run()
            findings += linter.findings
        }
        return findings.sorted()
    }

    /// Whether `rule` is checked for a file in `direction` under this configuration.
    func checks(_ rule: LintRule, direction: Direction) -> Bool {
        rule.dialects.contains(configuration.dialect) && (direction == .up || rule.checksDownFiles)
            && !configuration.disabledRules.contains(rule.id)
            && !(rule == .lockTimeout && configuration.runnerSetsLockTimeout)
    }

    /// The severity a finding of `rule` gets.
    func severity(of rule: LintRule) -> LintSeverity {
        configuration.warningsAsErrors ? .error : rule.severity
    }
}

/// The `-- migrate:...` comments that apply to one statement.
struct LintDirectives {
    var ignored: Set<String> = []
    var destructiveNoted = false

    /// Reads one `--` comment's text (after the dashes).
    mutating func read(comment: Substring) {
        let text = comment.drop { $0 == " " || $0 == "\t" }
        if let rest = Self.after(prefix: "migrate:lint-ignore", in: text) {
            let ids = rest.split { $0 == " " || $0 == "," || $0 == "\t" || $0 == "\r" }
            ignored.formUnion(ids.map { String($0).lowercased() })
        } else if Self.after(prefix: "migrate:destructive", in: text) != nil {
            destructiveNoted = true
        }
    }

    /// The text after `prefix` (ASCII case-insensitive) when it is followed by the end or a blank.
    private static func after(prefix: String, in text: Substring) -> Substring? {
        guard text.count >= prefix.count, text.prefix(prefix.count).lowercased() == prefix else { return nil }
        let rest = text.dropFirst(prefix.count)
        guard let next = rest.first else { return rest }
        return next == " " || next == "\t" || next == "\r" || next == "," ? rest : nil
    }
}
