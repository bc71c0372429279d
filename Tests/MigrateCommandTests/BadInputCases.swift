import Foundation
import Testing

/// One case of the bad-input corpus (run by ``BadInputCLITests``).
struct BadInputCase: Sendable, CustomTestStringConvertible {
    enum Database: Sendable { case sqlite, postgres }

    /// What the run must leave behind.
    enum Outcome: Sendable {
        /// Refused before writing anything: schema and rows as before (and, on SQLite, the very same bytes).
        case untouched
        /// Failed inside the database: rolled back, only the (empty) version tables remain.
        case unchanged
        /// Accepted (or stopped after earlier migrations): at this clean version, with exactly these tables.
        case applied(version: Int, objects: [String])
    }

    /// The fixture folder under Tests/Fixtures/bad-input/ (falls back to `_valid/`), and the test's name.
    var name: String
    var fixture: String?
    var database: Database = .sqlite
    /// Arguments after `-path $MIGRATIONS -database $DB` (or all of them when `standardOptions` is false).
    /// `$MIGRATIONS`, `$DB`, `$DBFILE` (the SQLite file) and `$DIR` (the case's directory) are substituted.
    var arguments: [String] = ["up"]
    var standardOptions = true
    var status: Int32
    /// Words standard error must contain: the culprit (file and line, parameter, argument) and the problem.
    var messages: [String]
    var outcome: Outcome = .untouched
    /// Writes generated files into the migrations directory.
    var generate: (@Sendable (URL) throws -> Void)?
    /// Extra checks on the migrations directory afterwards.
    var check: (@Sendable (URL) throws -> Void)?

    var testDescription: String { name }

    static func write(_ bytes: [UInt8], _ name: String) -> @Sendable (URL) throws -> Void {
        { directory in try Data(bytes).write(to: directory.appendingPathComponent(name)) }
    }

    static let all: [BadInputCase] = fileNames + contents + generated + commandLine + urls
}

extension BadInputCase {
    static let fileNames: [BadInputCase] = [
        .init(name: "name-backup-suffix", status: 1, messages: ["1_create_items.up.sql.bak", "no migrations found"]),
        .init(name: "name-dash-separator", status: 1, messages: ["1-create_items.up.sql", "no migrations found"]),
        .init(name: "name-no-version", status: 1, messages: ["create_items.up.sql", "no migrations found"]),
        .init(name: "name-flyway-style", status: 1, messages: ["V1__create_items.sql", "no migrations found"]),
        .init(name: "name-uppercase-direction", status: 1, messages: ["1_create_items.UP.sql", "no migrations found"]),
        .init(name: "name-no-description", status: 1, messages: ["1.up.sql", "no migrations found"]),
        .init(name: "name-space-separator", status: 1, messages: ["1 create_items.up.sql", "no migrations found"]),
        .init(name: "name-no-extension", status: 1, messages: ["1_create_items.up", "no migrations found"]),
        .init(name: "name-misspelled-direction", status: 1, messages: ["1_create_items.upp.sql", "no migrations found"]),
        .init(name: "name-near-miss-beside-valid", status: 0, messages: ["warning: ", "2_add_notes.up.sql~"],
              outcome: .applied(version: 1, objects: ["items"])),
        .init(name: "version-above-int64-max", status: 1, messages: ["9223372036854775808_huge.up.sql"]),
        .init(name: "version-thirty-digits", status: 1, messages: ["123456789012345678901234567890_huge.up.sql"]),
        .init(name: "duplicate-version-leading-zero", status: 1, messages: ["1_create_items.up.sql", "001_create_other.up.sql"]),
        .init(name: "duplicate-version-other-extension", status: 1, messages: ["1_create_items.up.sql", "1_create_items.up.psql"]),
        .init(name: "duplicate-annotated-and-plain", status: 1, messages: ["1_create_items.up.sql", "1_create_items.sql"]),
        // golang-migrate's rule: a version without an up file still counts when going up (nothing runs).
        .init(name: "missing-up-half", status: 0, messages: [], outcome: .applied(version: 3, objects: ["items", "notes"])),
    ]

    static let contents: [BadInputCase] = [
        // Empty, blank and comment-only files are no-ops that still advance the version (golang-migrate #244).
        .init(name: "empty-file", status: 0, messages: [], outcome: .applied(version: 2, objects: ["items"])),
        .init(name: "whitespace-only-file", status: 0, messages: [], outcome: .applied(version: 2, objects: ["items"])),
        .init(name: "comment-only-file", status: 0, messages: [], outcome: .applied(version: 2, objects: ["items"])),
        .init(name: "semicolons-only-file", status: 0, messages: [], outcome: .applied(version: 2, objects: ["items"])),
        .init(name: "unterminated-string", status: 1, messages: ["1_create_items.up.sql:2:", "unterminated"]),
        .init(name: "unterminated-string-postgres", fixture: "unterminated-string", database: .postgres, status: 1,
              messages: ["1_create_items.up.sql:2:", "unterminated"]),
        .init(name: "unterminated-quoted-identifier", status: 1, messages: ["1_create_items.up.sql:1:14", "unterminated"]),
        .init(name: "unterminated-block-comment", status: 1, messages: ["1_create_items.up.sql:2:1", "unterminated"]),
        .init(name: "unterminated-nested-comment", database: .postgres, status: 1,
              messages: ["1_create_items.up.sql:2:1", "unterminated"]),
        .init(name: "unterminated-dollar-quote", database: .postgres, status: 1,
              messages: ["1_create_function.up.sql:1:", "unterminated"]),
        .init(name: "unterminated-tagged-dollar-quote", database: .postgres, status: 1,
              messages: ["1_create_function.up.sql:1:", "$body$"]),
        .init(name: "unterminated-trigger-body", status: 1, messages: ["1_create_trigger.up.sql:2:", "unterminated"]),
        .init(name: "psql-meta-set", database: .postgres, status: 1, messages: ["1_create_items.up.sql:1:1", "\\set"]),
        .init(name: "psql-meta-include", database: .postgres, status: 1, messages: ["1_create_items.up.sql:2:1", "\\i"]),
        .init(name: "psql-meta-copy", database: .postgres, status: 1, messages: ["1_create_items.up.sql:2:1", "\\copy"]),
        .init(name: "copy-from-stdin", database: .postgres, status: 1, messages: ["1_create_items.up.sql:2:1", "STDIN"]),
        .init(name: "syntax-error-last-line", status: 1, messages: ["2_add_notes.up.sql:3:8", "syntax error"],
              outcome: .applied(version: 1, objects: ["items"])),
        .init(name: "syntax-error-last-line-postgres", fixture: "syntax-error-last-line", database: .postgres, status: 1,
              messages: ["2_add_notes.up.sql:3:8", "syntax error", "SQLSTATE 42601"], outcome: .applied(version: 1, objects: ["items"])),
        .init(name: "runtime-error-rolls-back", status: 1, messages: ["1_create_items.up.sql:3:", "missing_table"],
              outcome: .unchanged),
        .init(name: "runtime-error-rolls-back-postgres", fixture: "runtime-error-rolls-back", database: .postgres, status: 1,
              messages: ["1_create_items.up.sql:3:", "missing_table", "SQLSTATE 42P01"], outcome: .unchanged),
        .init(name: "statement-begin-unterminated", status: 1, messages: ["1_create_items.sql:2:", "StatementBegin"]),
        .init(name: "annotation-no-up-section", status: 1, messages: ["1_create_items.sql", "no '-- +migrate Up' directive", "no migrations found"]),
        .init(name: "annotation-near-miss-directive", status: 1, messages: ["2_index_items.up.sql:1:1", "unknown directive '-- +migrate notransaction?'"]),
        .init(name: "annotation-unknown-directive", status: 1, messages: ["1_create_items.sql:3:", "Sideways"]),
        .init(name: "annotation-up-twice", status: 1, messages: ["1_create_items.sql:3:", "Up"]),
        // A stray COMMIT or an unclosed BEGIN: PostgreSQL only warned and went on, SQLite stopped half-way, dirty.
        // Both refuse the file before it runs, at the statement at fault.
        .init(name: "stray-commit", status: 1, messages: ["1_create_items.up.sql:2:1", "COMMIT without a transaction"]),
        .init(name: "stray-commit-postgres", fixture: "stray-commit", database: .postgres, status: 1,
              messages: ["1_create_items.up.sql:2:1", "COMMIT without a transaction"]),
        .init(name: "unclosed-begin", status: 1, messages: ["1_create_items.up.sql:1:1", "BEGIN is never committed"]),
        .init(name: "unclosed-begin-postgres", fixture: "unclosed-begin", database: .postgres, status: 1,
              messages: ["1_create_items.up.sql:1:1", "BEGIN is never committed"]),
        // golang-migrate's behaviour, kept: the script's own ROLLBACK undoes its work, the version is recorded.
        .init(name: "explicit-rollback-inside", status: 0, messages: [], outcome: .applied(version: 1, objects: [])),
    ]

    static let generated: [BadInputCase] = [
        .init(name: "invalid-utf8", status: 1, messages: ["1_create_items.up.sql", "UTF-8"],
              generate: write(Array("CREATE TABLE items (note text);\nINSERT INTO items VALUES ('".utf8) + [0xFF, 0xFE, 0xC3] + Array("');\n".utf8), "1_create_items.up.sql")),
        .init(name: "byte-order-mark", status: 0, messages: [], outcome: .applied(version: 1, objects: ["items"]),
              generate: write([0xEF, 0xBB, 0xBF] + Array("CREATE TABLE items (id int);\n".utf8), "1_create_items.up.sql")),
        .init(name: "byte-order-mark-with-error", status: 1, messages: ["1_create_items.up.sql:2:8", "syntax error"], outcome: .unchanged,
              generate: write([0xEF, 0xBB, 0xBF] + Array("CREATE TABLE items (id int);\nCREATE TABL notes (id int);\n".utf8), "1_create_items.up.sql")),
        .init(name: "crlf-line-endings", status: 0, messages: [], outcome: .applied(version: 1, objects: ["items", "notes"]),
              generate: write(Array("CREATE TABLE items (id int);\r\n-- a comment\r\nCREATE TABLE notes (\r\n  id int\r\n);\r\n".utf8), "1_create_items.up.sql")),
        .init(name: "crlf-error-location", status: 1, messages: ["1_create_items.up.sql:3:8", "syntax error"], outcome: .unchanged,
              generate: write(Array("CREATE TABLE items (id int);\r\n\r\nCREATE TABL notes (id int);\r\n".utf8), "1_create_items.up.sql")),
        .init(name: "file-50mb-error-on-last-line", status: 1, messages: ["1_create_items.up.sql:800001:8", "syntax error"], outcome: .unchanged,
              generate: { directory in
                  // 800,000 comment lines of 64 bytes (51.2 MB), then a statement with a typo.
                  var data = Data(capacity: 51_300_000)
                  let line = Data(("-- " + String(repeating: "padding ", count: 7) + "....\n").utf8)
                  precondition(line.count == 64)
                  for _ in 0..<800_000 { data.append(line) }
                  data.append(Data("CREATE TABL oops (id int);\n".utf8))
                  try data.write(to: directory.appendingPathComponent("1_create_items.up.sql"))
              }),
        // `CREATE TABLE items (id int);\0DROP TABLE keep;`: lint found nothing destructive, plan said "2 statements",
        // and SQLite ran the DROP. Every command that reads the file refuses it now, naming the NUL's place.
        .init(name: "nul-byte-hides-statement", status: 1, messages: ["1_create_items.up.sql:1:29: error: a NUL byte (0x00)"],
              generate: write(nulHidingDrop, "1_create_items.up.sql")),
        .init(name: "nul-byte-lint", arguments: ["lint"], status: 1, messages: ["1_create_items.up.sql:1:29", "NUL byte"],
              generate: write(nulHidingDrop, "1_create_items.up.sql")),
        .init(name: "nul-byte-plan", arguments: ["plan"], status: 1, messages: ["1_create_items.up.sql:1:29", "NUL byte"],
              generate: write(nulHidingDrop, "1_create_items.up.sql")),
        .init(name: "nul-byte-validate", arguments: ["validate"], status: 1, messages: ["1_create_items.up.sql:1:29", "NUL byte"],
              generate: write(nulHidingDrop, "1_create_items.up.sql")),
        .init(name: "nul-byte-verify", arguments: ["verify"], status: 1, messages: ["1_create_items.up.sql:1:29", "NUL byte"],
              generate: write(nulHidingDrop, "1_create_items.up.sql")),
        .init(name: "nul-byte-postgres", database: .postgres, status: 1, messages: ["1_create_items.up.sql:1:29", "NUL byte"],
              generate: write(nulHidingDrop, "1_create_items.up.sql")),
        // In the down section of an annotated file: `up` reads the whole file, and the line is the file's.
        .init(name: "nul-byte-annotated-down-section", status: 1, messages: ["1_create_items.sql:4:18", "NUL byte"],
              generate: { directory in
                  for name in ["1_create_items.up.sql", "1_create_items.down.sql"] {
                      try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
                  }
                  try write(Array("-- +migrate Up\nCREATE TABLE items (id int);\n-- +migrate Down\nDROP TABLE items;".utf8) + [0]
                      + Array(" DROP TABLE keep;\n".utf8), "1_create_items.sql")(directory)
              }),
        // An escape sequence in a comment rewrites the terminal line a reviewer reads; shown escaped in the error.
        .init(name: "escape-byte-in-comment", status: 1,
              messages: ["1_create_items.up.sql:2:4: error: a control character \\u{1B} (0x1B)", "-- \\u{1B}[2K"],
              generate: write(Array("CREATE TABLE items (id int);\n-- ".utf8) + [0x1B] + Array("[2Kharmless\n".utf8), "1_create_items.up.sql")),
        .init(name: "del-byte-in-file", status: 1, messages: ["1_create_items.up.sql:1:14", "DEL byte (0x7F)"],
              generate: write(Array("CREATE TABLE ".utf8) + [0x7F] + Array("items (id int);\n".utf8), "1_create_items.up.sql")),
        // Tab, form feed and CR LF are whitespace, not refused.
        .init(name: "tab-form-feed-crlf-allowed", status: 0, messages: [], outcome: .applied(version: 1, objects: ["items"]),
              generate: write(Array("CREATE TABLE items\t(id int);\r\n\u{0C}\r\n".utf8), "1_create_items.up.sql")),
        .init(name: "create-never-overwrites", arguments: ["create", "-dir", "$MIGRATIONS", "-format", "2006", "create_items"],
              standardOptions: false, status: 1, messages: ["error: duplicate migration version: $YEAR"],
              generate: { directory in
                  try "-- mine\n".write(to: directory.appendingPathComponent("\(Self.year)_create_items.up.sql"), atomically: true, encoding: .utf8)
              },
              check: { directory in
                  let mine = try String(contentsOf: directory.appendingPathComponent("\(Self.year)_create_items.up.sql"), encoding: .utf8)
                  #expect(mine == "-- mine\n")
                  #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("\(Self.year)_create_items.down.sql").path))
              }),
    ]

    static let nulHidingDrop = Array("CREATE TABLE items (id int);".utf8) + [0] + Array("DROP TABLE keep;\n".utf8)

    /// A version table name of 63 bytes, PostgreSQL's longest identifier.
    static let longTableName = "schema_migrations_of_the_billing_service_in_the_eu_west_regions"

    static var year: Int { Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).year! }

    static let commandLine: [BadInputCase] = [
        .init(name: "cli-unknown-command", arguments: ["upp"], status: 2, messages: ["Unexpected argument 'upp'"]),
        // As `-pathh` the argument parser once read short flags -p -a -t -h -h, printed the help and exited 0.
        .init(name: "cli-unknown-option", arguments: ["-pathh", "x", "up"], status: 2, messages: ["Unknown option '--pathh'"]),
        .init(name: "cli-up-not-a-number", arguments: ["up", "two"], status: 2, messages: ["two"]),
        .init(name: "cli-up-negative", arguments: ["up", "-1"], status: 2, messages: ["-1"]),
        .init(name: "cli-down-two-arguments", arguments: ["down", "1", "2"], status: 2, messages: ["2"]),
        .init(name: "cli-goto-without-version", arguments: ["goto"], status: 2, messages: ["version"]),
        .init(name: "cli-goto-unknown-version", arguments: ["goto", "99"], status: 1, messages: ["99"]),
        .init(name: "cli-force-not-a-number", arguments: ["force", "latest"], status: 2, messages: ["can't read version argument V: \"latest\" is not a whole number"]),
        .init(name: "cli-force-below-minus-one", arguments: ["force", "-2"], status: 2, messages: [">= -1"]),
        // Once "Missing value for '--lock-timeout'": the parser read -5 as an option.
        .init(name: "cli-lock-timeout-negative", arguments: ["-lock-timeout", "-5", "up"], status: 2,
              messages: ["The value '-5' is invalid for '--lock-timeout <seconds>'"]),
        .init(name: "cli-lock-timeout-negative-after-command", arguments: ["up", "-lock-timeout", "-5"], status: 2,
              messages: ["The value '-5' is invalid for '--lock-timeout <seconds>'"]),
        .init(name: "cli-lock-timeout-not-a-number", arguments: ["-lock-timeout", "soon", "up"], status: 2, messages: ["soon"]),
        // Numbers that fit the parser's UInt but not what they become: each once trapped ("Not enough bits").
        .init(name: "cli-lock-timeout-too-large", arguments: ["-lock-timeout", "18446744073709551615", "up"], status: 2,
              messages: ["invalid -lock-timeout 18446744073709551615: expected whole seconds from 0 to 2147483647"]),
        .init(name: "cli-lock-retries-too-large", arguments: ["up", "-lock-retries", "18446744073709551615"], status: 2,
              messages: ["invalid -lock-retries 18446744073709551615: expected a number of retries from 0 to 2147483647"]),
        .init(name: "cli-up-count-too-large", arguments: ["up", "18446744073709551615"], status: 2,
              messages: ["invalid N 18446744073709551615 for up: expected a count from 0 to 9223372036854775807"]),
        .init(name: "cli-down-count-too-large", arguments: ["down", "18446744073709551615"], status: 2,
              messages: ["invalid N 18446744073709551615 for down: expected a count from 0 to 9223372036854775807"]),
        // Once a crash asking for a string of 10^11 zeros.
        .init(name: "cli-create-digits-too-large", arguments: ["create", "-dir", "$MIGRATIONS", "-seq", "-digits", "100000000000", "add"],
              standardOptions: false, status: 2, messages: ["invalid -digits 100000000000: expected 1 to 19"],
              check: { directory in
                  let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
                  #expect(names == ["1_create_items.down.sql", "1_create_items.up.sql"])
              }),
        // Once a trap computing the next version after the largest UInt64.
        .init(name: "cli-create-after-largest-version", arguments: ["create", "-dir", "$MIGRATIONS", "-seq", "add"],
              standardOptions: false, status: 1, messages: ["no sequence number after 18446744073709551615"],
              generate: write(Array("-- never applied\n".utf8), "18446744073709551615_huge.up.sql"),
              check: { directory in
                  let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                  #expect(names.count == 3, "\(names)")
              }),
        .init(name: "cli-path-does-not-exist", arguments: ["-path", "$DIR/nowhere", "-database", "$DB", "up"], standardOptions: false,
              status: 1, messages: ["$DIR/nowhere"]),
        .init(name: "cli-path-is-a-file", arguments: ["-path", "$MIGRATIONS/1_create_items.up.sql", "-database", "$DB", "up"],
              standardOptions: false, status: 1, messages: ["1_create_items.up.sql"]),
        .init(name: "cli-source-unsupported-scheme", arguments: ["-source", "s3://bucket/migrations", "-database", "$DB", "up"],
              standardOptions: false, status: 2, messages: ["s3://bucket/migrations"]),
        .init(name: "cli-no-database", arguments: ["-path", "$MIGRATIONS", "up"], standardOptions: false, status: 2,
              messages: ["no database"]),
        // Once "Unknown option '--path'": the options were handed to the root command, which has none of them.
        .init(name: "cli-no-command", arguments: ["-path", "$MIGRATIONS", "-database", "$DB", "-lock-timeout", "5"],
              standardOptions: false, status: 2, messages: ["Error: no command given", "USAGE:"]),
        .init(name: "cli-no-command-option-without-value", arguments: ["-path", "$MIGRATIONS", "-lock-timeout"],
              standardOptions: false, status: 2, messages: ["Error: no command given"]),
        // Control characters in what the command line quotes back: escaped, never written raw.
        .init(name: "cli-create-name-with-control-characters", arguments: ["create", "-dir", "$MIGRATIONS", "-seq", "a\u{1B}[2K\nb"],
              standardOptions: false, status: 1, messages: [#"invalid migration name "a\u{1B}[2K\nb": it may not contain control characters"#],
              check: { directory in
                  let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
                  #expect(names == ["1_create_items.down.sql", "1_create_items.up.sql"])
              }),
        .init(name: "cli-argument-with-escape-sequence", arguments: ["up", "\u{1B}[2J"], status: 2, messages: [#"\u{1B}[2J"#]),
        .init(name: "cli-create-without-name", arguments: ["create", "-dir", "$MIGRATIONS"], standardOptions: false, status: 2,
              messages: ["name"]),
    ]

    static let urls: [BadInputCase] = [
        .init(name: "url-unknown-scheme", arguments: ["-path", "$MIGRATIONS", "-database", "mysql://root@localhost/app", "up"],
              standardOptions: false, status: 1, messages: ["mysql"]),
        .init(name: "url-no-scheme", arguments: ["-path", "$MIGRATIONS", "-database", "$DBFILE", "up"],
              standardOptions: false, status: 1, messages: ["app.db"]),
        .init(name: "url-port-not-a-number", arguments: ["-path", "$MIGRATIONS", "-database", "postgres://u@127.0.0.1:port/app", "up"],
              standardOptions: false, status: 1, messages: ["port"]),
        .init(name: "url-port-out-of-range", arguments: ["-path", "$MIGRATIONS", "-database", "postgres://u@127.0.0.1:70000/app", "up"],
              standardOptions: false, status: 1, messages: ["70000"]),
        .init(name: "url-unterminated-ipv6-host", arguments: ["-path", "$MIGRATIONS", "-database", "postgres://u@[::1/app", "up"],
              standardOptions: false, status: 1, messages: ["unterminated ["]),
        .init(name: "url-password-with-bad-escape", arguments: ["-path", "$MIGRATIONS", "-database", "postgres://u:\(CLI.sentinelPassword)%zz@127.0.0.1/app", "up"],
              standardOptions: false, status: 1, messages: ["postgres://u:***@"]),
        .init(name: "url-empty-parameter-name", arguments: ["-path", "$MIGRATIONS", "-database", "sqlite://$DBFILE?=1", "up"],
              standardOptions: false, status: 1, messages: ["empty parameter name"]),
        .init(name: "url-unknown-x-parameter-sqlite", arguments: ["-path", "$MIGRATIONS", "-database", "sqlite://$DBFILE?x-unknown=1", "up"],
              standardOptions: false, status: 1, messages: ["x-unknown"]),
        .init(name: "url-unknown-parameter-sqlite", arguments: ["-path", "$MIGRATIONS", "-database", "sqlite://$DBFILE?cache=shared", "up"],
              standardOptions: false, status: 1, messages: ["cache"]),
        .init(name: "url-bad-busy-timeout", arguments: ["-path", "$MIGRATIONS", "-database", "sqlite://$DBFILE?_busy_timeout=-1", "up"],
              standardOptions: false, status: 1, messages: ["_busy_timeout"]),
        // Once accepted and clamped: SQLite's busy timeout is an `int` of milliseconds.
        .init(name: "url-busy-timeout-too-large", arguments: ["-path", "$MIGRATIONS", "-database", "sqlite://$DBFILE?_busy_timeout=2147483648", "up"],
              standardOptions: false, status: 1, messages: ["_busy_timeout", "from 0 to 2147483647"]),
        .init(name: "url-value-with-escape-sequence", arguments: ["-path", "$MIGRATIONS", "-database", "sqlite://$DBFILE?_journal_mode=%1B%5B2Kfast", "up"],
              standardOptions: false, status: 1, messages: [#""\u{1B}[2Kfast" for _journal_mode"#, #"_journal_mode=\u{1B}[2Kfast"#]),
        .init(name: "url-bad-journal-mode", arguments: ["-path", "$MIGRATIONS", "-database", "sqlite://$DBFILE?_journal_mode=fast", "up"],
              standardOptions: false, status: 1, messages: ["fast"]),
        .init(name: "url-unknown-x-parameter-postgres", database: .postgres, arguments: ["-path", "$MIGRATIONS", "-database", "$DB&x-unknown=1", "up"],
              standardOptions: false, status: 1, messages: ["x-unknown"]),
        .init(name: "url-unknown-parameter-postgres", database: .postgres, arguments: ["-path", "$MIGRATIONS", "-database", "$DB&fallback=1", "up"],
              standardOptions: false, status: 1, messages: ["fallback"]),
        .init(name: "url-bad-sslmode", database: .postgres, arguments: ["-path", "$MIGRATIONS", "-database", "$DB&sslmode=sometimes", "up"],
              standardOptions: false, status: 1, messages: ["sometimes"]),
        .init(name: "url-bad-statement-timeout", database: .postgres, arguments: ["-path", "$MIGRATIONS", "-database", "$DB&x-statement-timeout=soon", "up"],
              standardOptions: false, status: 1, messages: ["x-statement-timeout"]),
        // Once a trap (connect_timeout, in PostgresNIO's nanoseconds) or a vague `cannot set statement_timeout`
        // after connecting.
        .init(name: "url-connect-timeout-too-large-postgres", database: .postgres,
              arguments: ["-path", "$MIGRATIONS", "-database", "$DB&connect_timeout=9223372036854775807", "up"],
              standardOptions: false, status: 1, messages: ["invalid connect_timeout \"9223372036854775807\"", "at most 2147483647"]),
        .init(name: "url-statement-timeout-too-large-postgres", database: .postgres,
              arguments: ["-path", "$MIGRATIONS", "-database", "$DB&x-statement-timeout=2147483648", "up"],
              standardOptions: false, status: 1, messages: ["invalid x-statement-timeout \"2147483648\"", "from 0 to 2147483647"]),
        .init(name: "url-lock-timeout-too-large-postgres", database: .postgres,
              arguments: ["-path", "$MIGRATIONS", "-database", "$DB&x-lock-timeout=9223372036854775807", "up"],
              standardOptions: false, status: 1, messages: ["invalid x-lock-timeout \"9223372036854775807\"", "from 0 to 2147483647"]),
        // 63 bytes: PostgreSQL cuts NAME_history to NAME, and every migration once failed writing its history row
        // into the version table ("column direction does not exist").
        .init(name: "url-migrations-table-too-long-postgres", database: .postgres,
              arguments: ["-path", "$MIGRATIONS", "-database", "$DB&x-migrations-table=\(longTableName)", "up"],
              standardOptions: false, status: 1,
              messages: ["invalid x-migrations-table", "\"\(longTableName)\" is 63 bytes", "cuts names to 63 bytes: use at most 55 bytes"]),
        .init(name: "url-migrations-table-quoted-too-long-postgres", database: .postgres,
              arguments: ["-path", "$MIGRATIONS", "-database", "$DB&x-migrations-table=%22public%22.%22\(longTableName)%22&x-migrations-table-quoted=1", "up"],
              standardOptions: false, status: 1, messages: ["invalid x-migrations-table", "\"\(longTableName)\" is 63 bytes"]),
        // Once "insufficient data left in message": PostgreSQL read the query up to the NUL. (SQLite refused it.)
        .init(name: "url-migrations-table-nul-postgres", database: .postgres,
              arguments: ["-path", "$MIGRATIONS", "-database", "$DB&x-migrations-table=a%00b", "up"],
              standardOptions: false, status: 1, messages: ["a NUL byte (%00) in parameter x-migrations-table"]),
        .init(name: "url-migrations-table-nul-sqlite", arguments: ["-path", "$MIGRATIONS", "-database", "sqlite://$DBFILE?x-migrations-table=a%00b", "up"],
              standardOptions: false, status: 1, messages: ["a NUL byte (%00) in parameter x-migrations-table"]),
        // A NUL ends a C string: PostgreSQL's startup packet once took this for a second parameter, search_path=evil;
        // SQLite opened the file `app` for `app%00.db`.
        .init(name: "url-nul-in-startup-parameter-postgres", database: .postgres,
              arguments: ["-path", "$MIGRATIONS", "-database", "$DB&application_name=a%00search_path%00evil", "up"],
              standardOptions: false, status: 1, messages: ["a NUL byte (%00) in parameter application_name"]),
        .init(name: "url-nul-in-database-name-postgres", database: .postgres,
              arguments: ["-path", "$MIGRATIONS", "-database", "postgres://u@127.0.0.1:1/app%00x", "up"],
              standardOptions: false, status: 1, messages: ["a NUL byte (%00) in the path"]),
        .init(name: "url-nul-in-sqlite-path", arguments: ["-path", "$MIGRATIONS", "-database", "sqlite://$DBFILE%00.other", "up"],
              standardOptions: false, status: 1, messages: ["a NUL byte (%00) in the path"]),
        .init(name: "sqlite-path-is-a-directory", arguments: ["-path", "$MIGRATIONS", "-database", "sqlite://$MIGRATIONS", "up"],
              standardOptions: false, status: 1, messages: ["$MIGRATIONS"]),
        .init(name: "sqlite-missing-parent-directory", arguments: ["-path", "$MIGRATIONS", "-database", "sqlite://$DIR/missing/app.db", "up"],
              standardOptions: false, status: 1, messages: ["$DIR/missing/app.db"],
              check: { directory in
                  #expect(!FileManager.default.fileExists(atPath: directory.deletingLastPathComponent().appendingPathComponent("missing").path))
              }),
        .init(name: "sqlite-read-only", arguments: ["-path", "$MIGRATIONS", "-database", "sqlite3://file:$DBFILE?mode=ro", "up"],
              standardOptions: false, status: 1, messages: ["readonly"]),
        .init(name: "sqlite-empty-path", arguments: ["-path", "$MIGRATIONS", "-database", "sqlite://", "up"],
              standardOptions: false, status: 1, messages: ["no database file"]),
    ]
}
