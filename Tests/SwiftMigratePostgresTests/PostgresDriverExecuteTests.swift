import Foundation
import PostgresNIO
import SwiftMigrate
import Testing

@testable import SwiftMigratePostgres

@Suite struct PostgresDriverExecuteTests {
    func failure(_ body: () async throws -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation) async -> DatabaseFailure? {
        do {
            try await body()
            Issue.record("expected a DatabaseFailure, nothing was thrown", sourceLocation: sourceLocation)
        } catch let failure as DatabaseFailure {
            return failure
        } catch {
            Issue.record("expected a DatabaseFailure, got \(String(reflecting: error))", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test func syntaxErrorCarriesSQLStateAndPosition() async throws {
        try await TestDatabase.with { db in
            try await withDriver(try await db.open()) { driver in
                let syntax = await failure { try await driver.execute("CREATE TABLE t (\n  id int,\n  name txet nul\n)") }
                #expect(syntax?.sqlState == "42601")
                #expect(syntax?.message == "syntax error at or near \"nul\"")
                #expect(syntax?.position == .character(40))

                let missing = await failure { try await driver.execute("SELECT * FROM nosuch") }
                #expect(missing?.sqlState == "42P01")
                #expect(missing?.message == "relation \"nosuch\" does not exist")
                #expect(missing?.position == .character(15))

                // Errors raised while rows stream are not lost.
                let late = await failure { try await driver.execute("SELECT 1 / (3 - g) FROM generate_series(1, 5) g") }
                #expect(late?.sqlState == "22012")

                try await db.execute("CREATE TABLE u (id int primary key)")
                try await driver.execute("INSERT INTO u VALUES (1)")
                let duplicate = await failure { try await driver.execute("INSERT INTO u VALUES (1)") }
                #expect(duplicate?.sqlState == "23505")
                #expect(duplicate?.detail == "Key (id)=(1) already exists.")

                let hinted = await failure { try await driver.execute("SELECT nosuchfunction(1)") }
                #expect(hinted?.hint?.hasPrefix("No function matches") == true)
            }
        }
    }

    @Test func statementsThatRefuseTransactionBlocksRun() async throws {
        try await TestDatabase.with { db in
            try await withDriver(try await db.open()) { driver in
                try await driver.execute("CREATE TABLE t (id int)")
                try await driver.execute("CREATE INDEX CONCURRENTLY t_id ON t (id)")
                try await driver.execute("VACUUM t")
                try await driver.execute("-- only a comment")
            }
            #expect(try await db.rows("SELECT indexname::text FROM pg_indexes WHERE tablename = 't'") == [["t_id"]])
        }
    }

    @Test func rollbackLeavesNothing() async throws {
        try await TestDatabase.with { db in
            try await withDriver(try await db.open()) { driver in
                try await driver.prepare()
                try await driver.beginTransaction()
                try await driver.execute("CREATE TABLE t (id int)")
                try await driver.writeVersion(
                    DatabaseVersion(version: 1, dirty: false),
                    recording: [HistoryRecord(version: 1, direction: .up, name: "t", checksum: nil, appliedAt: Date(), durationMs: 1, appliedBy: "me")]
                )
                try await driver.rollbackTransaction()
                try await driver.rollbackTransaction()  // nothing open: no-op
                #expect(try await driver.readVersion() == .none)
                #expect(try await driver.readHistory() == [])

                try await driver.beginTransaction()
                try await driver.execute("CREATE TABLE kept (id int)")
                try await driver.writeVersion(DatabaseVersion(version: 2, dirty: false))
                try await driver.commitTransaction()
            }
            #expect(try await db.rows("SELECT to_regclass('t')::text, to_regclass('kept')::text") == [[nil, "kept"]])
            #expect(try await db.rows("SELECT version::text FROM schema_migrations") == [["2"]])
        }
    }

    @Test func commitAfterAFailedStatementRollsBackAndSaysSo() async throws {
        try await TestDatabase.with { db in
            try await withDriver(try await db.open()) { driver in
                try await driver.beginTransaction()
                try await driver.execute("CREATE TABLE t (id int)")
                _ = await failure { try await driver.execute("SELEC 1") }
                let error = await migrateError { try await driver.commitTransaction() }
                #expect(error?.message == "cannot commit: a statement failed in the transaction, which was rolled back")
                try await driver.execute("SELECT 1")  // usable again
            }
            #expect(try await db.rows("SELECT to_regclass('t')::text") == [[nil]])
        }
    }

    @Test func cancellingAStatementDoesNotHang() async throws {
        try await TestDatabase.with { db in
            try await withDriver(try await db.open()) { driver in
                // A long sleep and a wide margin: the suite's synchronous CLI tests block threads of the
                // cooperative pool while they wait for their processes, which can delay this test's own resumption
                // by tens of seconds on a 2-core machine (once 33 s); a cancel that does not work takes 120 s.
                let task = Task { try await driver.execute("SELECT pg_sleep(120)") }
                try await Task.sleep(for: .milliseconds(300))
                let clock = ContinuousClock()
                let start = clock.now
                task.cancel()
                let result = await task.result
                #expect(clock.now - start < .seconds(90))  // far below pg_sleep(120): the cancel worked
                switch result {
                case .success: Issue.record("pg_sleep(120) returned after cancellation")
                case .failure(let error):
                    #expect((error as? MigrateError)?.code == .cancelled, "\(String(reflecting: error))")
                }
                // The server cancelled the statement, so the connection is still good.
                try await driver.execute("SELECT 1")
            }
        }
    }

    @Test func lostConnectionIsAConnectionError() async throws {
        try await TestDatabase.with { db in
            try await withDriver(try await db.open()) { driver in
                try await db.execute("SELECT pg_terminate_backend(\(driver.backendPID))")
                for _ in 0..<100 where !driver.connection.isClosed { try await Task.sleep(for: .milliseconds(20)) }
                let error = await migrateError { try await driver.execute("SELECT 1") }
                #expect(error?.code == .connection)
                #expect(error?.message.hasPrefix("lost the connection to \(driver.displayURL): ") == true)
            }
        }
    }

    @Test func dropEmptiesTheSchema() async throws {
        try await TestDatabase.with { db in
            try await db.execute("CREATE EXTENSION pgcrypto")
            try await db.execute("CREATE SCHEMA other")
            try await db.execute("CREATE TABLE other.keep (id int)")
            try await withDriver(try await db.open()) { driver in
                try await driver.prepare()
                try await driver.writeVersion(DatabaseVersion(version: 3, dirty: false))
                for statement in [
                    "CREATE TYPE mood AS ENUM ('sad', 'ok')",
                    "CREATE TYPE pair AS (a int, b text)",
                    "CREATE DOMAIN positive AS int CHECK (VALUE > 0)",
                    "CREATE TYPE floatrange AS RANGE (subtype = float8)",
                    "CREATE SEQUENCE counter",
                    "CREATE TABLE users (id serial primary key, mood mood, score positive)",
                    "CREATE TABLE posts (id int primary key, user_id int references users(id))",
                    "CREATE TABLE events (at date) PARTITION BY RANGE (at)",
                    "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
                    "CREATE VIEW user_names AS SELECT id FROM users",
                    "CREATE MATERIALIZED VIEW user_count AS SELECT count(*) FROM users",
                    "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT a + b'",
                    "CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1'",
                    "CREATE AGGREGATE total(int) (sfunc = int4pl, stype = int)",
                ] {
                    try await driver.execute(statement)
                }
                try await driver.drop()
                #expect(try await driver.readVersion() == .none)
            }
            let extensionMembers = "SELECT objid FROM pg_depend WHERE deptype = 'e'"
            #expect(try await db.rows("SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND oid NOT IN (\(extensionMembers))") == [])
            #expect(try await db.rows("SELECT proname::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND oid NOT IN (\(extensionMembers))") == [])
            #expect(try await db.rows("SELECT typname::text FROM pg_type WHERE typnamespace = 'public'::regnamespace AND oid NOT IN (\(extensionMembers))") == [])
            // The extension and other schemas are untouched.
            #expect(try await db.rows("SELECT (count(*) > 0)::text FROM pg_proc WHERE proname = 'gen_random_bytes'") == [["true"]])
            #expect(try await db.rows("SELECT to_regclass('other.keep')::text") == [["other.keep"]])
        }
    }
}
