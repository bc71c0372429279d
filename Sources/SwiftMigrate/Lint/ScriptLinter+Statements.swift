/// The statement rules: each statement is matched on its tokens (keywords lowercased, comments and literals never
/// keywords), in file order.
extension ScriptLinter {
    static let dataVerbs: Set<String> = ["insert", "update", "delete", "merge", "truncate"]
    static let schemaVerbs: Set<String> = ["create", "alter", "drop", "comment"]
    static let createModifiers: Set<String> = ["or", "replace", "global", "local", "temp", "temporary", "unlogged"]
    static let dataTargetPrefixes: Set<String> = [
        "into", "from", "only", "table", "or", "replace", "ignore", "abort", "fail", "rollback",
    ]
    static let dropBehaviours: Set<String> = ["cascade", "restrict"]

    mutating func check(statement index: Int, _ tokens: LintTokens) {
        let statement = statements[index]
        switch statement.kind {
        case .begin:
            inExplicitTransaction = true
            return
        case .commit, .rollback:
            inExplicitTransaction = false
            return
        case .nonTransactional(let construct):
            if inExplicitTransaction {
                let token = tokens.firstWord("concurrently").map { tokens[$0] }
                emit(
                    .concurrentlyInTransaction, "\(construct) cannot run inside the explicit transaction opened above",
                    statement: index, token: token
                )
            }
        case .regular:
            break
        }
        guard tokens.count > 0, tokens[0].kind == .word else { return }
        let verb = tokens[0].value
        if Self.schemaVerbs.contains(verb) && firstDDL == nil { firstDDL = index }
        switch verb {
        case "create": checkCreate(index, tokens)
        case "alter" where tokens.isWord(1, "table"): checkAlterTable(index, tokens)
        case "drop": checkDrop(index, tokens)
        case "truncate": checkTruncate(index, tokens)
        case "insert", "update", "delete", "merge": noteDataChange(index, tokens)
        case "with":
            // WITH ... INSERT / UPDATE / DELETE: the data verb is the first one at the top level.
            if let verbIndex = tokens.indices.first(where: {
                tokens[$0].depth == 0 && tokens.isWord($0, in: Self.dataVerbs) && !tokens.isWord($0, "truncate")
            }) {
                noteDataChange(index, tokens, verbAt: verbIndex)
            }
        case "set":
            if tokens.firstWord("lock_timeout") != nil { lockTimeoutSet = true }
        case "select":
            // SELECT set_config('lock_timeout', '5s', false)
            if tokens.firstWord("set_config") != nil && statement.text.lowercased().contains("'lock_timeout'") {
                lockTimeoutSet = true
            }
        default:
            break
        }
    }

    // MARK: - CREATE

    private mutating func checkCreate(_ index: Int, _ tokens: LintTokens) {
        var position = 1
        while tokens.isWord(position, in: Self.createModifiers) {
            position += 1
        }
        if tokens.isWord(position, "table") {
            var namePosition = position + 1
            if tokens.isWord(namePosition, "if") { namePosition += 3 }  // IF NOT EXISTS
            guard let (table, next) = tokens.name(at: namePosition) else { return }
            if next < tokens.count && tokens[next].kind == .openParen {
                checkColumnList(index, tokens, open: next)
            }
            createdTables.insert(table)
        } else if tokens.isWord(position, "materialized") && tokens.isWord(position + 1, "view") {
            // A materialized view made in this file is as new as a table: indexing it blocks nobody.
            var namePosition = position + 2
            if tokens.isWord(namePosition, "if") { namePosition += 3 }  // IF NOT EXISTS
            if let (view, _) = tokens.name(at: namePosition) { createdTables.insert(view) }
        } else if tokens.isWord(position, "index")
            || tokens.isWord(position, "unique") && tokens.isWord(position + 1, "index")
        {
            let indexToken = tokens.isWord(position, "index") ? position : position + 1
            checkCreateIndex(index, tokens, indexToken: indexToken)
        }
    }

    private mutating func checkCreateIndex(_ index: Int, _ tokens: LintTokens, indexToken: Int) {
        guard dialect == .postgres, tokens.firstWord("concurrently", depth: 0) == nil,
            let on = tokens.firstWord("on", from: indexToken, depth: 0)
        else { return }
        let tablePosition = tokens.isWord(on + 1, "only") ? on + 2 : on + 1
        guard let (table, _) = tokens.name(at: tablePosition), !createdTables.contains(table) else { return }
        needsLockTimeout(index, tokens, "CREATE INDEX takes a SHARE lock on \(quoted(table))")
        emit(
            .indexNotConcurrent, "CREATE INDEX on existing table \(quoted(table)) without CONCURRENTLY blocks writes",
            statement: index, token: tokens[indexToken]
        )
    }

    // MARK: - DROP, TRUNCATE, data changes

    private mutating func checkDrop(_ index: Int, _ tokens: LintTokens) {
        if tokens.isWord(1, "index") {
            if tokens.firstWord("concurrently", depth: 0) == nil {
                needsLockTimeout(index, tokens, "DROP INDEX takes an ACCESS EXCLUSIVE lock")
            }
            return
        }
        guard tokens.isWord(1, "table") else { return }
        var position = 2
        if tokens.isWord(position, "if") { position += 2 }  // IF EXISTS
        var existing: [String] = []
        while let (table, next) = tokens.name(at: position) {
            if !createdTables.contains(table) && !Self.dropBehaviours.contains(table) { existing.append(table) }
            guard next < tokens.count, tokens[next].kind == .comma else { break }
            position = next + 1
        }
        guard !existing.isEmpty else { return }
        if !directives[index].destructiveNoted {
            let names = existing.map(quoted).joined(separator: ", ")
            emit(
                .destructive,
                "DROP TABLE \(names) deletes the table and its data without a "
                    + "`-- migrate:destructive` note", statement: index, token: tokens[0]
            )
        }
        needsLockTimeout(index, tokens, "DROP TABLE takes an ACCESS EXCLUSIVE lock")
    }

    private mutating func checkTruncate(_ index: Int, _ tokens: LintTokens) {
        var position = 1
        if tokens.isWord(position, "table") { position += 1 }
        if tokens.isWord(position, "only") { position += 1 }
        let table = tokens.name(at: position)?.name
        if !directives[index].destructiveNoted {
            emit(
                .destructive,
                "TRUNCATE \(table.map(quoted) ?? "") deletes every row without a "
                    + "`-- migrate:destructive` note", statement: index, token: tokens[0]
            )
        }
        noteDataChange(index, tokens)
        if let table, !createdTables.contains(table) {
            needsLockTimeout(index, tokens, "TRUNCATE takes an ACCESS EXCLUSIVE lock")
        }
    }

    /// Records an INSERT / UPDATE / DELETE / MERGE / TRUNCATE and the table it changes.
    private mutating func noteDataChange(_ index: Int, _ tokens: LintTokens, verbAt verb: Int = 0) {
        var position = verb + 1
        while tokens.isWord(position, in: Self.dataTargetPrefixes) {
            position += 1
        }
        let table = tokens.name(at: position)?.name
        dataChanges.append((index, verb, tokens[verb].value.uppercased(), table))
    }

    /// Reports the first data change of a file that also changes the schema, unless it fills a table the file
    /// creates (seed data).
    mutating func checkMixedDDLAndData() {
        guard let firstDDL else { return }
        guard let change = dataChanges.first(where: { $0.table.map { !createdTables.contains($0) } ?? true })
        else { return }
        let tokens = LintTokens(statements[change.statement].text, dialect: dialect)
        let ddlLine = statements[firstDDL].line
        emit(
            .mixedDDLAndData,
            "\(change.verb)\(change.table.map { " on \(quoted($0))" } ?? "") in a migration that also changes "
                + "the schema (line \(ddlLine))",
            statement: change.statement, token: tokens.count > change.token ? tokens[change.token] : nil
        )
    }

    /// Reports a statement that cannot run in a transaction (CREATE INDEX CONCURRENTLY, ...) in a file with other
    /// statements: the whole file then runs outside a transaction. `SET`/`RESET` do not count (a `SET
    /// lock_timeout` before the statement is the advice of `missing-lock-timeout`); inside BEGIN ... COMMIT it is
    /// `concurrently-in-transaction`'s error instead.
    mutating func checkNonTransactionalAlone() {
        guard dialect == .postgres, !statements.contains(where: { $0.kind == .begin }),
            let index = statements.indices.first(where: {
                if case .nonTransactional = statements[$0].kind { return true } else { return false }
            }),
            case .nonTransactional(let construct) = statements[index].kind
        else { return }
        let others = statements.indices.filter { other in
            guard other != index else { return false }
            let tokens = LintTokens(statements[other].text, dialect: dialect)
            return !(tokens.isWord(0, "set") || tokens.isWord(0, "reset"))
        }
        guard !others.isEmpty else { return }
        let tokens = LintTokens(statements[index].text, dialect: dialect)
        let lines = others.map { String(statements[$0].line) }.joined(separator: ", ")
        emit(
            .concurrentlyNotAlone,
            "\(construct) makes the whole file run outside a transaction, with \(others.count) other "
                + "statement\(others.count == 1 ? "" : "s") (line\(others.count == 1 ? "" : "s") \(lines)): a failure "
                + "half-way leaves part of the file applied and the database dirty",
            statement: index, token: tokens.firstWord("concurrently").map { tokens[$0] }
        )
    }

    // MARK: - Locks

    /// Reports the first statement of the file that waits for a table lock blocking writes (ACCESS EXCLUSIVE, or
    /// SHARE for CREATE INDEX) before any `SET lock_timeout`; once per file, as one SET fixes them all.
    mutating func needsLockTimeout(_ index: Int, _ tokens: LintTokens, _ what: String) {
        guard !lockTimeoutSet, !lockTimeoutReported, dialect == .postgres else { return }
        lockTimeoutReported = true
        emit(
            .lockTimeout, "\(what) with no lock_timeout set earlier in the file: a long wait queues all later queries",
            statement: index, token: tokens[0]
        )
    }

    /// A name as shown in messages.
    func quoted(_ name: String) -> String { "\"\(name)\"" }
}
