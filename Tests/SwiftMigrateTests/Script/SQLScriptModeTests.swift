import SwiftMigrate
import Testing

@Suite("SQLScript classification and execution mode")
struct SQLScriptModeTests {
    typealias F = SQLScriptFixture
    typealias Kind = SQLStatement.Kind

    @Test(arguments: [
        ("CREATE INDEX CONCURRENTLY i ON t (x)", Kind.nonTransactional("CREATE INDEX CONCURRENTLY")),
        ("create unique index concurrently if not exists i on t (x)", .nonTransactional("CREATE INDEX CONCURRENTLY")),
        ("CREATE INDEX \"concurrently_idx\" ON t (x)", .regular),
        ("CREATE INDEX \"concurrently\" ON t (x)", .regular),
        ("CREATE INDEX /* CONCURRENTLY */ i ON t (x)", .regular),
        ("COMMENT ON TABLE t IS 'VACUUM; CREATE INDEX CONCURRENTLY'", .regular),
        ("DROP INDEX CONCURRENTLY IF EXISTS i", .nonTransactional("DROP INDEX CONCURRENTLY")),
        ("REINDEX TABLE CONCURRENTLY t", .nonTransactional("REINDEX CONCURRENTLY")),
        ("REINDEX (VERBOSE) DATABASE app", .nonTransactional("REINDEX DATABASE")),
        ("REINDEX SYSTEM", .nonTransactional("REINDEX SYSTEM")),
        ("REINDEX SCHEMA public", .nonTransactional("REINDEX SCHEMA")),
        ("REINDEX TABLE t", .regular),
        ("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", .nonTransactional("ALTER TABLE ... DETACH CONCURRENTLY")),
        ("ALTER TABLE p DETACH PARTITION p1", .regular),
        ("VACUUM ANALYZE t", .nonTransactional("VACUUM")),
        ("CREATE DATABASE app", .nonTransactional("CREATE DATABASE")),
        ("DROP DATABASE IF EXISTS app", .nonTransactional("DROP DATABASE")),
        ("ALTER SYSTEM SET work_mem = '64MB'", .nonTransactional("ALTER SYSTEM")),
        ("CREATE TABLESPACE fast LOCATION '/ssd'", .nonTransactional("CREATE TABLESPACE")),
        ("DROP TABLESPACE fast", .nonTransactional("DROP TABLESPACE")),
        ("CREATE SUBSCRIPTION s CONNECTION 'dbname=a' PUBLICATION p",
         .nonTransactional("CREATE SUBSCRIPTION ... WITH (create_slot = true)")),
        ("CREATE SUBSCRIPTION s CONNECTION 'dbname=a' PUBLICATION p WITH (create_slot = false, slot_name = NONE)",
         .regular),
        ("CREATE SUBSCRIPTION s CONNECTION 'dbname=a' PUBLICATION p WITH (connect = 'off')", .regular),
        ("DROP SUBSCRIPTION s", .nonTransactional("DROP SUBSCRIPTION")),
        ("ALTER SUBSCRIPTION s REFRESH PUBLICATION", .nonTransactional("ALTER SUBSCRIPTION ... REFRESH")),
        ("ALTER SUBSCRIPTION s SET PUBLICATION p", .nonTransactional("ALTER SUBSCRIPTION with refresh")),
        ("ALTER SUBSCRIPTION s SET PUBLICATION p WITH (refresh = false)", .regular),
        ("ALTER SUBSCRIPTION s DISABLE", .regular),
        ("ALTER DATABASE app SET TABLESPACE fast", .nonTransactional("ALTER DATABASE SET TABLESPACE")),
        ("ALTER DATABASE app SET work_mem = '1MB'", .regular),
        ("CLUSTER", .nonTransactional("CLUSTER")),
        ("CLUSTER (VERBOSE)", .nonTransactional("CLUSTER")),
        ("CLUSTER t USING i", .regular),
        ("DISCARD ALL", .nonTransactional("DISCARD ALL")),
        ("COMMIT PREPARED 'x'", .nonTransactional("COMMIT PREPARED")),
        ("BEGIN", .begin),
        ("begin work", .begin),
        ("BEGIN ISOLATION LEVEL SERIALIZABLE", .begin),
        ("START TRANSACTION READ WRITE", .begin),
        ("COMMIT", .commit),
        ("END TRANSACTION", .commit),
        ("ROLLBACK", .rollback),
        ("ABORT", .rollback),
        ("ROLLBACK TO SAVEPOINT s", .regular),
        ("ROLLBACK WORK TO s", .regular),
        ("SAVEPOINT s", .regular),
        ("\"begin\"", .regular),
    ])
    func postgresStatementKinds(sql: String, kind: Kind) throws {
        #expect(try Self.kinds(sql, .postgres, expecting: kind) == [kind])
    }

    /// The kinds of `sql`'s statements. A lone BEGIN, COMMIT or ROLLBACK is refused as a file, so it is lexed
    /// inside a balanced pair (under `notransaction`, which keeps the pair), and the pair's other half dropped.
    static func kinds(_ sql: String, _ dialect: SQLDialect, expecting kind: Kind) throws -> [Kind] {
        switch kind {
        case .begin: return Array(try F.script(sql + ";\nCOMMIT", dialect, noTransaction: true).statements.map(\.kind).dropLast())
        case .commit, .rollback: return Array(try F.script("BEGIN;\n" + sql, dialect, noTransaction: true).statements.map(\.kind).dropFirst())
        default: return try F.script(sql, dialect).statements.map(\.kind)
        }
    }

    @Test(arguments: [
        ("VACUUM", Kind.nonTransactional("VACUUM")),
        ("BEGIN IMMEDIATE TRANSACTION", .begin),
        ("BEGIN DEFERRED", .begin),
        ("BEGIN EXCLUSIVE", .begin),
        ("END", .commit),
        ("COMMIT TRANSACTION", .commit),
        ("ROLLBACK", .rollback),
        ("ROLLBACK TRANSACTION TO SAVEPOINT s", .regular),
        ("CREATE INDEX CONCURRENTLY ON t (x)", .regular),
        ("CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END", .regular),
        ("PRAGMA foreign_keys = OFF", .nonTransactional("PRAGMA foreign_keys")),
        ("pragma FOREIGN_KEYS(0)", .nonTransactional("PRAGMA foreign_keys")),
        ("PRAGMA foreign_keys", .regular),
        ("PRAGMA foreign_key_check", .regular),
    ])
    func sqliteStatementKinds(sql: String, kind: Kind) throws {
        #expect(try Self.kinds(sql, .sqlite, expecting: kind) == [kind])
    }

    @Test func ordinaryScriptsRunInATransaction() throws {
        let script = try F.script("CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);")
        #expect(script.executionMode == .transaction)
        #expect(script.statements.count == 2)
        #expect(script.path == F.path)
        #expect(script.dialect == .postgres)
    }

    @Test func nonTransactionalStatementsForceNoTransaction() throws {
        let script = try F.script("CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY a_id ON a (id);\nVACUUM a;")
        #expect(script.executionMode == .noTransaction(reason: "CREATE INDEX CONCURRENTLY"))
        #expect(script.statements.count == 3)
    }

    @Test func anOuterBeginCommitIsStripped() throws {
        let script = try F.script("-- wrapped\nBEGIN;\nCREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\nCOMMIT;\n")
        #expect(script.executionMode == .transaction)
        #expect(script.statements.map(\.text) == ["CREATE TABLE a (id int)", "INSERT INTO a VALUES (1)"])
        #expect(script.statements.map(\.line) == [3, 4])
        let sqlite = try F.script("BEGIN IMMEDIATE;\nCREATE TABLE a (id INTEGER);\nEND TRANSACTION;", .sqlite)
        #expect(sqlite.executionMode == .transaction)
        #expect(sqlite.statements.map(\.text) == ["CREATE TABLE a (id INTEGER)"])
    }

    @Test func severalTransactionsRunWithoutOurs() throws {
        let sql = "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\nBEGIN;\nCREATE TABLE b (id int);\nCOMMIT;"
        let script = try F.script(sql)
        #expect(script.executionMode == .noTransaction(reason: "explicit BEGIN/COMMIT"))
        #expect(script.statements.map(\.kind) == [.begin, .regular, .commit, .begin, .regular, .commit])
    }

    /// Unbalanced transaction control: PostgreSQL only warns and goes on, SQLite failed half-way and left the
    /// database dirty. Both dialects refuse the file before it runs, at the statement at fault.
    @Test(arguments: [
        ("BEGIN;\nCREATE TABLE a (id int);", "BEGIN is never committed: the file ends inside its transaction", 1),
        ("CREATE TABLE a (id int);\nCOMMIT;", "COMMIT without a transaction begun in this file", 2),
        ("CREATE TABLE a (id int);\nROLLBACK;", "ROLLBACK without a transaction begun in this file", 2),
        ("BEGIN;\nBEGIN;\nCOMMIT;\nCOMMIT;", "BEGIN inside the transaction that line 1 began", 2),
    ])
    func unbalancedTransactionControlIsRefusedInBothDialects(sql: String, message: String, line: Int) throws {
        for dialect in [SQLDialect.postgres, .sqlite] {
            let error = #expect(throws: MigrateError.self) { try F.script(sql, dialect) }
            #expect(error?.code == .invalidScript)
            #expect(error?.message == message)
            #expect(error?.location?.line == line)
        }
    }

    @Test(arguments: [
        "BEGIN;\nCREATE TABLE a (id int);\nROLLBACK;",
        "CREATE TABLE a (id int);\nBEGIN;\nCREATE TABLE b (id int);\nCOMMIT;",
    ])
    func otherTransactionControlRunsWithoutOurs(sql: String) throws {
        let script = try F.script(sql)
        #expect(script.executionMode == .noTransaction(reason: "explicit BEGIN/COMMIT"))
        #expect(script.statements.count == sql.split(separator: ";").count)
    }

    @Test func savepointsStayInOurTransaction() throws {
        let script = try F.script("SAVEPOINT s;\nINSERT INTO a VALUES (1);\nROLLBACK TO SAVEPOINT s;\nRELEASE s;")
        #expect(script.executionMode == .transaction)
        #expect(script.statements.count == 4)
    }

    @Test func theNoTransactionAnnotationWins() throws {
        let script = try F.script("BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;", noTransaction: true)
        #expect(script.executionMode == .noTransaction(reason: "-- +migrate notransaction"))
        // Nothing is stripped: the script's own transaction runs as written.
        #expect(script.statements.map(\.kind) == [.begin, .regular, .commit])
    }

    @Test func aNonTransactionalStatementInsideBeginCommitKeepsEverything() throws {
        let script = try F.script("BEGIN;\nVACUUM;\nCOMMIT;")
        #expect(script.executionMode == .noTransaction(reason: "VACUUM"))
        #expect(script.statements.count == 3)
    }

    @Test func statementBlocksAreClassifiedToo() throws {
        let script = try F.script("-- +migrate StatementBegin\nCREATE INDEX CONCURRENTLY i ON t (x);\n-- +migrate StatementEnd")
        #expect(script.statements.map(\.kind) == [.nonTransactional("CREATE INDEX CONCURRENTLY")])
        #expect(script.executionMode == .noTransaction(reason: "CREATE INDEX CONCURRENTLY"))
    }
}
