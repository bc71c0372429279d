/// ALTER TABLE actions and column definitions.
extension ScriptLinter {
    static let volatileFunctions: Set<String> = [
        "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "clock_timestamp",
        "timeofday", "nextval", "txid_current", "gen_random_bytes",
    ]
    static let serialTypes: Set<String> = ["serial", "serial4", "serial2", "smallserial", "bigserial", "serial8"]
    static let int32Types: Set<String> = [
        "int", "integer", "int4", "int2", "smallint", "serial", "serial4", "serial2", "smallserial",
    ]
    static let constraintChecks: Set<String> = ["foreign", "check"]
    static let currentTimeWords: Set<String> = ["current_time", "current_date", "current_timestamp"]
    static let dropNonColumn: Set<String> = ["default", "not", "expression", "identity"]
    static let tableConstraintWords: Set<String> = [
        "constraint", "primary", "unique", "foreign", "check", "exclude", "like",
    ]

    mutating func checkAlterTable(_ index: Int, _ tokens: LintTokens) {
        var position = 2
        if tokens.isWord(position, "if") { position += 2 }  // IF EXISTS
        if tokens.isWord(position, "only") { position += 1 }
        guard let (table, afterName) = tokens.name(at: position) else { return }
        var actionsStart = afterName
        if actionsStart < tokens.count && tokens[actionsStart].kind == .other { actionsStart += 1 }  // name *
        let existing = !createdTables.contains(table)
        let actions = tokens.items(in: actionsStart..<tokens.count, depth: 0)

        if dialect == .sqlite && actions.count > 1 {
            emit(
                .sqliteAlterTable, "SQLite's ALTER TABLE takes one action; split the \(actions.count) actions",
                statement: index, token: tokens[actions[1].lowerBound]
            )
        }
        var takesExclusiveLock = false
        for action in actions {
            let first = action.lowerBound
            switch tokens[first].value {
            case "add":
                takesExclusiveLock = true
                checkAdd(index, tokens, action, table: table, existing: existing)
            case "alter":
                takesExclusiveLock = true
                checkAlterColumn(index, tokens, action, table: table, existing: existing)
            case "drop":
                takesExclusiveLock = true
                checkDropInAlter(index, tokens, action, table: table, existing: existing)
            case "rename":
                takesExclusiveLock = true
                if existing {
                    let what =
                        tokens.isWord(first + 1, "to") ? "table \(quoted(table))" : "a column of \(quoted(table))"
                    emit(
                        .rename, "renaming \(what) breaks code that still uses the old name", statement: index,
                        token: tokens[first])
                }
            case "validate":
                // VALIDATE CONSTRAINT takes SHARE UPDATE EXCLUSIVE: reads and writes go on.
                unsupportedInSQLite(index, tokens, first)
            default:
                takesExclusiveLock = true
                unsupportedInSQLite(index, tokens, first)
            }
        }
        if existing && takesExclusiveLock {
            needsLockTimeout(index, tokens, "ALTER TABLE \(quoted(table)) takes an ACCESS EXCLUSIVE lock")
        }
    }

    private mutating func unsupportedInSQLite(_ index: Int, _ tokens: LintTokens, _ token: Int) {
        guard dialect == .sqlite else { return }
        emit(
            .sqliteAlterTable,
            "SQLite's ALTER TABLE does not support \(tokens[token].value.uppercased())"
                + (token + 1 < tokens.count && tokens[token + 1].kind == .word
                    ? " \(tokens[token + 1].value.uppercased())" : ""),
            statement: index, token: tokens[token]
        )
    }

    // MARK: - ADD

    private mutating func checkAdd(
        _ index: Int, _ tokens: LintTokens, _ action: Range<Int>, table: String, existing: Bool
    ) {
        var position = action.lowerBound + 1
        if tokens.isWord(position, in: Self.tableConstraintWords) {
            checkAddConstraint(index, tokens, action, table: table, existing: existing)
            return
        }
        if tokens.isWord(position, "column") { position += 1 }
        if tokens.isWord(position, "if") { position += 3 }  // IF NOT EXISTS
        guard let (column, typePosition) = tokens.name(at: position) else { return }
        let definition = typePosition..<action.upperBound
        checkColumnType(index, tokens, at: typePosition, definition: definition)
        if dialect == .sqlite {
            checkSQLiteAddColumn(index, tokens, definition)
        } else if existing {
            let defaultPosition = tokens.firstWord("default", from: typePosition, end: action.upperBound)
            let volatile = defaultPosition.flatMap { start in
                (start..<action.upperBound).first { tokens.isWord($0, in: Self.volatileFunctions) }
            }
            if let volatile {
                emit(
                    .volatileDefault,
                    "ADD COLUMN \(quoted(column)) with volatile default \(tokens[volatile].value)() "
                        + "rewrites existing table \(quoted(table))", statement: index, token: tokens[volatile]
                )
            } else if tokens.isWord(typePosition, in: Self.serialTypes) {
                emit(
                    .volatileDefault,
                    "ADD COLUMN \(quoted(column)) \(tokens[typePosition].value) fills every row "
                        + "from a sequence, rewriting existing table \(quoted(table))", statement: index,
                    token: tokens[typePosition]
                )
            } else {
                checkRequiredColumn(index, tokens, definition, table: table, column: column)
            }
        }
    }

    /// NOT NULL with nothing to fill the existing rows: no DEFAULT, not GENERATED (identity or stored), not serial.
    /// Only the column's own words count, not a NOT NULL inside a CHECK's parentheses.
    private mutating func checkRequiredColumn(
        _ index: Int, _ tokens: LintTokens, _ definition: Range<Int>, table: String, column: String
    ) {
        let depth = tokens[definition.lowerBound].depth
        let words = definition.filter { tokens[$0].depth == depth }
        guard let notNull = words.first(where: { tokens.isWord($0, "not") && tokens.isWord($0 + 1, "null") }),
            !words.contains(where: { tokens.isWord($0, "default") || tokens.isWord($0, "generated") })
        else { return }
        emit(
            .requiredColumn,
            "ADD COLUMN \(quoted(column)) NOT NULL without a DEFAULT fails on existing table \(quoted(table)) as "
                + "soon as it has a row", statement: index, token: tokens[notNull]
        )
    }

    private mutating func checkAddConstraint(
        _ index: Int, _ tokens: LintTokens, _ action: Range<Int>, table: String, existing: Bool
    ) {
        var kind = action.lowerBound + 1
        if tokens.isWord(kind, "constraint") { kind = tokens.name(at: kind + 1)?.next ?? kind + 2 }
        if dialect == .sqlite {
            unsupportedInSQLite(index, tokens, action.lowerBound + 1)
            return
        }
        guard existing, tokens.isWord(kind, in: Self.constraintChecks) else { return }
        let notValid = (action.lowerBound..<action.upperBound - 1).contains {
            tokens.isWord($0, "not") && tokens.isWord($0 + 1, "valid")
        }
        guard !notValid else { return }
        let what = tokens[kind].value == "foreign" ? "FOREIGN KEY" : "CHECK"
        emit(
            .constraintNotValid,
            "ADD \(what) on existing table \(quoted(table)) without NOT VALID checks every row "
                + "under lock", statement: index, token: tokens[kind]
        )
    }

    /// SQLite refuses ADD COLUMN with PRIMARY KEY or UNIQUE, NOT NULL without a non-null default, and a
    /// non-constant default.
    private mutating func checkSQLiteAddColumn(_ index: Int, _ tokens: LintTokens, _ definition: Range<Int>) {
        let depth = tokens[definition.lowerBound].depth
        var problem: (String, Int)?
        var hasDefault = false
        for position in definition where tokens[position].depth == depth && problem == nil {
            if tokens.isWord(position, "primary") || tokens.isWord(position, "unique") {
                problem = ("a \(tokens[position].value.uppercased()) column", position)
            } else if tokens.isWord(position, "default") {
                hasDefault = true
                let next = position + 1
                if next < tokens.count && tokens[next].kind == .openParen
                    || tokens.isWord(next, in: Self.currentTimeWords)
                {
                    problem = ("a column with a non-constant default", next)
                }
            } else if tokens.isWord(position, "not") && tokens.isWord(position + 1, "null") && !hasDefault
                && tokens.firstWord("default", from: position, end: definition.upperBound) == nil
            {
                problem = ("a NOT NULL column without a default", position)
            }
        }
        guard let (what, position) = problem else { return }
        emit(.sqliteAlterTable, "SQLite cannot ADD \(what)", statement: index, token: tokens[position])
    }

    // MARK: - ALTER COLUMN, DROP

    private mutating func checkAlterColumn(
        _ index: Int, _ tokens: LintTokens, _ action: Range<Int>, table: String, existing: Bool
    ) {
        if dialect == .sqlite {
            unsupportedInSQLite(index, tokens, action.lowerBound)
            return
        }
        var position = action.lowerBound + 1
        if tokens.isWord(position, "column") { position += 1 }
        guard let (column, next) = tokens.name(at: position) else { return }
        if tokens.isWord(next, "set") && tokens.isWord(next + 1, "not") && tokens.isWord(next + 2, "null") {
            if existing {
                emit(
                    .setNotNull,
                    "SET NOT NULL on \(quoted(table)).\(quoted(column)) scans the table under an "
                        + "ACCESS EXCLUSIVE lock", statement: index, token: tokens[next]
                )
            }
        } else if tokens.isWord(next, "type") || tokens.isWord(next, "set") && tokens.isWord(next + 1, "data") {
            let typePosition = tokens.isWord(next, "type") ? next + 1 : next + 3
            checkColumnType(index, tokens, at: typePosition, definition: typePosition..<action.upperBound)
            if existing {
                emit(
                    .columnTypeChange,
                    "changing the type of \(quoted(table)).\(quoted(column)) may rewrite the "
                        + "table under an ACCESS EXCLUSIVE lock", statement: index, token: tokens[next]
                )
            }
        }
    }

    private mutating func checkDropInAlter(
        _ index: Int, _ tokens: LintTokens, _ action: Range<Int>, table: String, existing: Bool
    ) {
        var position = action.lowerBound + 1
        if tokens.isWord(position, "constraint") {
            unsupportedInSQLite(index, tokens, action.lowerBound)
            return
        }
        guard !tokens.isWord(position, in: Self.dropNonColumn) else { return }
        if tokens.isWord(position, "column") { position += 1 }
        if tokens.isWord(position, "if") { position += 2 }  // IF EXISTS
        guard existing, let (column, _) = tokens.name(at: position), !directives[index].destructiveNoted else { return }
        emit(
            .destructive,
            "DROP COLUMN \(quoted(table)).\(quoted(column)) deletes its data without a "
                + "`-- migrate:destructive` note", statement: index, token: tokens[action.lowerBound]
        )
    }

    // MARK: - Column types

    /// Checks the columns of CREATE TABLE's parenthesised list opening at `open`.
    mutating func checkColumnList(_ index: Int, _ tokens: LintTokens, open: Int) {
        let close = tokens.skipGroup(at: open) - 1
        let depth = tokens[open].depth + 1
        var int32Columns: [String: Int] = [:]
        for item in tokens.items(in: (open + 1)..<close, depth: depth) {
            if tokens.isWord(item.lowerBound, in: Self.tableConstraintWords) {
                // A table constraint: PRIMARY KEY (id) over a 32-bit column.
                guard let primary = tokens.firstWord("primary", from: item.lowerBound, end: item.upperBound),
                    tokens.isWord(primary + 1, "key"), primary + 2 < item.upperBound,
                    tokens[primary + 2].kind == .openParen
                else { continue }
                let columnsEnd = tokens.skipGroup(at: primary + 2) - 1
                let columns = tokens.items(in: (primary + 3)..<columnsEnd, depth: depth + 1)
                if columns.count == 1, let name = tokens.name(at: columns[0].lowerBound)?.name,
                    let typePosition = int32Columns[name]
                {
                    reportIntPrimaryKey(index, tokens, typePosition)
                }
                continue
            }
            guard let (column, typePosition) = tokens.name(at: item.lowerBound), typePosition < item.upperBound else {
                continue
            }
            checkColumnType(index, tokens, at: typePosition, definition: typePosition..<item.upperBound)
            if tokens.isWord(typePosition, in: Self.int32Types) { int32Columns[column] = typePosition }
        }
    }

    /// Checks the type starting at `position` of a column definition (`definition` runs to its end).
    mutating func checkColumnType(_ index: Int, _ tokens: LintTokens, at position: Int, definition: Range<Int>) {
        guard dialect == .postgres, position < tokens.count, tokens[position].kind == .word else { return }
        switch tokens[position].value {
        case "char", "character", "bpchar", "nchar":
            guard !tokens.isWord(position + 1, "varying") else { return }
            emit(
                .charType, "\(tokens[position].value)(n) pads values with spaces; use text or varchar",
                statement: index, token: tokens[position])
        case "timestamp":
            // timestamp [(p)] [with | without time zone]
            let next =
                position + 1 < tokens.count && tokens[position + 1].kind == .openParen
                ? tokens.skipGroup(at: position + 1) : position + 1
            guard !tokens.isWord(next, "with") else { return }
            emit(
                .timestampWithoutTimeZone, "timestamp without time zone loses the zone; use timestamptz",
                statement: index, token: tokens[position]
            )
        case let type where Self.int32Types.contains(type):
            let primary = tokens.firstWord("primary", from: position, end: definition.upperBound)
            if let primary, tokens.isWord(primary + 1, "key") { reportIntPrimaryKey(index, tokens, position) }
        default:
            break
        }
    }

    private mutating func reportIntPrimaryKey(_ index: Int, _ tokens: LintTokens, _ position: Int) {
        emit(
            .intPrimaryKey,
            "\(tokens[position].value) primary key is 32 bits or smaller and runs out (integer at "
                + "2,147,483,647); use bigint", statement: index, token: tokens[position]
        )
    }
}
