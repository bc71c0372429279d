/// How serious a lint finding is: errors make `migrate lint` exit non-zero, warnings do not (unless the
/// configuration treats warnings as errors).
public enum LintSeverity: String, Sendable, Hashable, Codable, Comparable {
    case warning
    case error

    public static func < (lhs: LintSeverity, rhs: LintSeverity) -> Bool {
        lhs == .warning && rhs == .error
    }
}

/// One check of `migrate lint`: a stable kebab-case id, a default severity, why it matters and the safe recipe.
///
/// The catalogue is ``LintRule/all``; look a rule up with ``LintRule/named(_:)``.
public struct LintRule: Sendable, Hashable, Identifiable {
    /// The stable id, used in output (`warning[set-not-null]`) and in `-- migrate:lint-ignore set-not-null`.
    public let id: String
    /// The severity findings of this rule get by default.
    public let severity: LintSeverity
    /// One line: why the pattern is a problem.
    public let summary: String
    /// One or two lines: the safe way to do the same thing.
    public let recipe: String
    /// The dialects the rule applies to.
    public let dialects: Set<SQLDialect>
    /// True when the rule also checks down files (most rules only check up files: a down file is expected to
    /// drop what the up file created).
    public let checksDownFiles: Bool

    init(
        _ id: String, _ severity: LintSeverity, dialects: Set<SQLDialect> = [.postgres, .sqlite],
        checksDownFiles: Bool = false, summary: String, recipe: String
    ) {
        self.id = id
        self.severity = severity
        self.summary = summary
        self.recipe = recipe
        self.dialects = dialects
        self.checksDownFiles = checksDownFiles
    }

    /// The rule with this id, or nil.
    public static func named(_ id: String) -> LintRule? {
        all.first { $0.id == id }
    }
}

extension LintRule {
    public static let invalidScript = LintRule(
        "invalid-script", .error, checksDownFiles: true,
        summary: "the file cannot be split into statements, so it cannot run and no other rule can check it",
        recipe:
            "fix the problem named in the message (unterminated quote or comment, psql meta-command, COPY FROM STDIN)"
    )
    public static let missingDown = LintRule(
        "missing-down", .warning,
        summary: "without a down file the migration cannot be rolled back with `migrate down`",
        recipe: "add VERSION_NAME.down.sql that undoes the up file; if the migration cannot be undone, a down file "
            + "with the line `-- migrate:irreversible` says so"
    )
    public static let emptyDown = LintRule(
        "empty-down", .warning, checksDownFiles: true,
        summary: "a down file without statements undoes nothing: `migrate down` only moves the version, and the "
            + "schema keeps what the up file made",
        recipe: "write the SQL that undoes the up file; if the migration cannot be undone, say so with a "
            + "`-- migrate:irreversible` line (then `down` still moves the version, saying that nothing was undone)"
    )
    public static let mixedDDLAndData = LintRule(
        "mixed-ddl-and-data", .warning,
        summary: "schema changes and data changes in one migration hold DDL locks for as long as the data change "
            + "runs, and cannot be retried separately",
        recipe: "move the INSERT/UPDATE/DELETE into its own migration (seeding a table created in the same file is "
            + "fine)"
    )
    public static let modifiedApplied = LintRule(
        "modified-applied-migration", .error,
        summary: "the file changed after it was applied: databases that ran the old text and new ones now differ",
        recipe: "restore the applied text and put the change in a new migration"
    )
    public static let destructive = LintRule(
        "destructive-without-note", .warning,
        summary: "DROP TABLE, DROP COLUMN and TRUNCATE lose data that a down migration cannot bring back",
        recipe: "back the data up first, then acknowledge with a `-- migrate:destructive REASON` comment on the "
            + "line above the statement"
    )
    public static let indexNotConcurrent = LintRule(
        "index-not-concurrently", .warning, dialects: [.postgres],
        summary: "CREATE INDEX without CONCURRENTLY blocks all writes to the table while the index builds",
        recipe: "CREATE INDEX CONCURRENTLY in a migration of its own (it cannot run inside a transaction)"
    )
    public static let concurrentlyInTransaction = LintRule(
        "concurrently-in-transaction", .error, dialects: [.postgres], checksDownFiles: true,
        summary: "CONCURRENTLY (and VACUUM, ALTER SYSTEM, ...) cannot run inside a transaction block: the "
            + "migration fails",
        recipe: "remove the BEGIN/COMMIT around it; the runner executes such a file statement by statement"
    )
    public static let concurrentlyNotAlone = LintRule(
        "concurrently-with-other-statements", .warning, dialects: [.postgres],
        summary: "a file with CREATE INDEX CONCURRENTLY (or another statement that cannot run in a transaction) "
            + "runs all its statements outside a transaction: a failure half-way leaves the database dirty with "
            + "part of the file applied",
        recipe: "one statement per file: put the CONCURRENTLY statement in a migration of its own and the other "
            + "statements in another one, which then runs in a transaction (`SET` statements may stay)"
    )
    public static let ignoredFile = LintRule(
        "ignored-file", .error, checksDownFiles: true,
        summary: "a file that looks like a migration but is not one by its name or contents: no command runs it",
        recipe: "rename it (VERSION_NAME.up.sql / VERSION_NAME.down.sql), add its `-- +migrate Up` section, or move "
            + "it out of the migrations directory"
    )
    public static let setNotNull = LintRule(
        "set-not-null", .warning, dialects: [.postgres],
        summary: "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes",
        recipe: "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (in a later migration); "
            + "then SET NOT NULL (PostgreSQL 12+ uses the check and skips the scan) and DROP CONSTRAINT c"
    )
    public static let volatileDefault = LintRule(
        "add-column-volatile-default", .warning, dialects: [.postgres],
        summary: "ADD COLUMN with a volatile default (random(), gen_random_uuid(), clock_timestamp(), nextval, "
            + "serial) rewrites the whole table under an ACCESS EXCLUSIVE lock",
        recipe: "add the column without a default (or with a constant one), SET DEFAULT afterwards, and backfill "
            + "existing rows in batches"
    )
    public static let requiredColumn = LintRule(
        "not-null-without-default", .warning, dialects: [.postgres],
        summary: "ADD COLUMN ... NOT NULL without a DEFAULT fails on a table that has rows (the existing rows "
            + "would be null), so the migration passes on an empty development database and fails in production",
        recipe: "give the column a DEFAULT (a constant one costs nothing since PostgreSQL 11), or add it nullable, "
            + "backfill it in batches, and set NOT NULL afterwards as `set-not-null` describes"
    )
    public static let constraintNotValid = LintRule(
        "constraint-without-not-valid", .warning, dialects: [.postgres],
        summary: "adding a FOREIGN KEY or CHECK validates every row while holding a lock that blocks writes",
        recipe: "ADD CONSTRAINT ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT in a later migration (it "
            + "takes a weaker lock)"
    )
    public static let columnTypeChange = LintRule(
        "column-type-change", .warning, dialects: [.postgres],
        summary: "ALTER COLUMN ... TYPE usually rewrites the table and its indexes under an ACCESS EXCLUSIVE lock",
        recipe: "add a column of the new type, backfill it in batches, switch the application, then drop the old "
            + "column (varchar(n) to a larger n or to text is safe: silence with lint-ignore)"
    )
    public static let rename = LintRule(
        "rename", .warning,
        summary: "renaming a table or column breaks the application code still running against the old name",
        recipe: "add the new column or table (or a view with the new name), move the application over, and drop "
            + "the old name in a later release"
    )
    public static let lockTimeout = LintRule(
        "missing-lock-timeout", .warning, dialects: [.postgres],
        summary: "a statement that waits for an ACCESS EXCLUSIVE lock queues every later query on the table behind "
            + "it; without lock_timeout the wait is unbounded",
        recipe: "start the file with `SET lock_timeout = '5s';` (and retry on failure), or let the runner set it"
    )
    public static let charType = LintRule(
        "prefer-text-over-char", .warning, dialects: [.postgres],
        summary: "char(n) pads with spaces, compares surprisingly and is no faster than text or varchar",
        recipe: "use text (with a CHECK on length if needed) or varchar(n)"
    )
    public static let timestampWithoutTimeZone = LintRule(
        "timestamp-without-time-zone", .warning, dialects: [.postgres],
        summary: "timestamp without time zone stores wall-clock time with no zone, so values shift meaning when "
            + "the server or session zone changes",
        recipe: "use timestamptz (timestamp with time zone)"
    )
    public static let intPrimaryKey = LintRule(
        "int-primary-key", .warning, dialects: [.postgres],
        summary: "a 32-bit primary key (integer, serial) runs out at 2,147,483,647 rows; widening it later "
            + "rewrites the table",
        recipe: "use bigint (bigint GENERATED ALWAYS AS IDENTITY or bigserial)"
    )
    public static let sqliteAlterTable = LintRule(
        "sqlite-unsupported-alter-table", .error, dialects: [.sqlite], checksDownFiles: true,
        summary: "SQLite's ALTER TABLE only renames, adds a plain column or drops a column; anything else fails",
        recipe: "rebuild the table: CREATE TABLE new_t (...); INSERT INTO new_t SELECT ... FROM t; DROP TABLE t; "
            + "ALTER TABLE new_t RENAME TO t; then recreate indexes, triggers and views (with foreign keys "
            + "enforced and other tables referencing t, PRAGMA foreign_keys = OFF first and ON last)"
    )

    /// Every rule, in the order the documentation lists them.
    public static let all: [LintRule] = [
        invalidScript, ignoredFile, missingDown, emptyDown, mixedDDLAndData, modifiedApplied, destructive,
        indexNotConcurrent, concurrentlyInTransaction, concurrentlyNotAlone, setNotNull, requiredColumn,
        volatileDefault, constraintNotValid, columnTypeChange, rename, lockTimeout, charType,
        timestampWithoutTimeZone, intPrimaryKey, sqliteAlterTable,
    ]
}
