/// Statement classification on tokens (keywords case-insensitive; comments, quoted identifiers and strings are
/// never keywords), so that `CREATE INDEX "concurrently_idx"` stays regular.
extension SQLLexer {
    // MARK: - Keywords

    /// True when the bytes at `offset` (before `end`) spell `lowercase`, ignoring ASCII case.
    func matchesLowercase(_ lowercase: StaticString, at offset: Int, end: Int) -> Bool {
        let count = lowercase.utf8CodeUnitCount
        guard offset >= 0, offset + count <= end else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<count {
            var byte = bytes[offset + index]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte |= 0x20 }
            if byte != expected[index] { return false }
        }
        return true
    }

    /// True when `token` is the word `lowercase` in any case.
    func isKeyword(_ token: Token, _ lowercase: StaticString) -> Bool {
        token.kind == .word && token.end - token.start == lowercase.utf8CodeUnitCount
            && matchesLowercase(lowercase, at: token.start, end: token.end)
    }

    /// True when the `index`th top-level token of the statement is the word `lowercase`.
    func word(_ index: Int, _ lowercase: StaticString) -> Bool {
        index < statement.tokens.count && isKeyword(statement.tokens[index], lowercase)
    }

    /// True when the words `first second` appear next to each other at the top level.
    func hasWords(_ first: StaticString, _ second: StaticString) -> Bool {
        let tokens = statement.tokens
        return tokens.indices.dropLast().contains { isKeyword(tokens[$0], first) && isKeyword(tokens[$0 + 1], second) }
    }

    // MARK: - While reading

    /// Looks at the first top-level words to decide what to track: bodies whose `;`s do not end the statement,
    /// and subscription options that decide whether it may run in a transaction.
    mutating func recognizeShape() {
        guard word(0, "create") || word(0, "alter") else { return }
        let create = word(0, "create")
        switch (statement.topLevelCount, dialect) {
        case (2, .postgres):
            if create && (word(1, "function") || word(1, "procedure")) { statement.body = .atomic }
            if word(1, "subscription") { statement.subscription = true }
        case (2, .sqlite):
            if create && word(1, "trigger") { statement.body = .trigger }
        case (3, .sqlite):
            if create && (word(1, "temp") || word(1, "temporary")) && word(2, "trigger") { statement.body = .trigger }
        case (4, .postgres):
            if create && word(1, "or") && word(2, "replace") && (word(3, "function") || word(3, "procedure")) {
                statement.body = .atomic
            }
        default:
            break
        }
    }

    /// Follows `name = value` in a subscription's options, noting `create_slot`, `connect` or `refresh` set to
    /// false: then no replication slot is created and no refresh runs, so the statement may run in a transaction.
    mutating func trackOption(_ token: Token) {
        switch statement.optionState {
        case 1:
            if token.kind == .punctuation && bytes[token.start] == UInt8(ascii: "=") {
                statement.optionState = 2
                return
            }
            statement.optionState = 0
        case 2:
            statement.optionState = 0
            if isFalse(token) { statement.optionDisabled = true }
            return
        default:
            break
        }
        if isKeyword(token, "create_slot") || isKeyword(token, "connect") || isKeyword(token, "refresh") {
            statement.optionState = 1
        }
    }

    /// `false`, `off`, `'false'`, `'off'` or `0`, as PostgreSQL's boolean options accept them.
    func isFalse(_ token: Token) -> Bool {
        switch token.kind {
        case .word:
            return isKeyword(token, "false") || isKeyword(token, "off")
        case .string where bytes[token.start] == UInt8(ascii: "'"):
            let start = token.start + 1, end = token.end - 1
            return end - start == 5 && matchesLowercase("false", at: start, end: end)
                || end - start == 3 && matchesLowercase("off", at: start, end: end)
        case .number:
            return token.end - token.start == 1 && bytes[token.start] == UInt8(ascii: "0")
        default:
            return false
        }
    }

    // MARK: - At the end of a statement

    /// What the current statement is, from its top-level tokens.
    func classify() -> SQLStatement.Kind {
        guard let first = statement.tokens.first, first.kind == .word else { return .regular }
        let postgres = dialect == .postgres
        if word(0, "begin") || word(0, "start") && word(1, "transaction") { return .begin }
        if word(0, "commit") || word(0, "end") {
            return postgres && word(1, "prepared") ? .nonTransactional("COMMIT PREPARED") : .commit
        }
        if word(0, "rollback") {
            if postgres && word(1, "prepared") { return .nonTransactional("ROLLBACK PREPARED") }
            // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name undoes part of the transaction and keeps it.
            return word(1, "to") || word(2, "to") ? .regular : .rollback
        }
        if postgres && word(0, "abort") { return .rollback }
        if word(0, "vacuum") { return .nonTransactional("VACUUM") }
        // SQLite ignores a change of foreign_keys inside a transaction, silently: a table rebuild that turns them
        // off would then cascade or fail at its DROP TABLE. Reading the setting (`PRAGMA foreign_keys`) is harmless.
        if !postgres && word(0, "pragma") && word(1, "foreign_keys")
            && (statement.tokens.count > 2 || statement.topLevelParen)
        {
            return .nonTransactional("PRAGMA foreign_keys")
        }
        return postgres ? postgresNonTransactional() ?? .regular : .regular
    }

    /// PostgreSQL statements that refuse to run in a transaction block (named as PostgreSQL names them in
    /// its "cannot run inside a transaction block" error).
    private func postgresNonTransactional() -> SQLStatement.Kind? {
        if word(0, "create") {
            let index = word(1, "unique") ? 2 : 1
            if word(index, "index") && word(index + 1, "concurrently") {
                return .nonTransactional("CREATE INDEX CONCURRENTLY")
            }
            if word(1, "database") { return .nonTransactional("CREATE DATABASE") }
            if word(1, "tablespace") { return .nonTransactional("CREATE TABLESPACE") }
            if word(1, "subscription") && !statement.optionDisabled {
                return .nonTransactional("CREATE SUBSCRIPTION ... WITH (create_slot = true)")
            }
        } else if word(0, "drop") {
            if word(1, "index") && word(2, "concurrently") { return .nonTransactional("DROP INDEX CONCURRENTLY") }
            if word(1, "database") { return .nonTransactional("DROP DATABASE") }
            if word(1, "tablespace") { return .nonTransactional("DROP TABLESPACE") }
            // Whether the subscription has a slot is not in the text; assume it does, as by default.
            if word(1, "subscription") { return .nonTransactional("DROP SUBSCRIPTION") }
        } else if word(0, "alter") {
            if word(1, "system") { return .nonTransactional("ALTER SYSTEM") }
            if word(1, "table") && statement.concurrently && hasWords("detach", "partition") {
                return .nonTransactional("ALTER TABLE ... DETACH CONCURRENTLY")
            }
            if word(1, "database") && hasWords("set", "tablespace") {
                return .nonTransactional("ALTER DATABASE SET TABLESPACE")
            }
            if word(1, "subscription") {
                if word(3, "refresh") { return .nonTransactional("ALTER SUBSCRIPTION ... REFRESH") }
                if (word(3, "set") || word(3, "add") || word(3, "drop")) && word(4, "publication")
                    && !statement.optionDisabled
                {
                    return .nonTransactional("ALTER SUBSCRIPTION with refresh")
                }
            }
        } else if word(0, "reindex") {
            if statement.concurrently { return .nonTransactional("REINDEX CONCURRENTLY") }
            if word(1, "database") { return .nonTransactional("REINDEX DATABASE") }
            if word(1, "system") { return .nonTransactional("REINDEX SYSTEM") }
            if word(1, "schema") { return .nonTransactional("REINDEX SCHEMA") }
        } else if word(0, "cluster") {
            // Only CLUSTER without a table (re-cluster everything) refuses a transaction block.
            let tokens = statement.tokens
            if statement.topLevelCount == tokens.count && tokens.indices.dropFirst().allSatisfy({ word($0, "verbose") }) {
                return .nonTransactional("CLUSTER")
            }
        } else if word(0, "discard") && word(1, "all") {
            return .nonTransactional("DISCARD ALL")
        }
        return nil
    }
}
