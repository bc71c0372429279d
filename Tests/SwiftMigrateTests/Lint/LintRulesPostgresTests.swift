import Testing

@testable import SwiftMigrate

/// Each PostgreSQL locking rule: a positive case (exact position of the finding) and a negative case.
@Suite struct LintRulesPostgresTests {
    let lock = "SET lock_timeout = '5s';\n"

    @Test func indexNotConcurrently() {
        #expect(
            LintFixture.positions(of: .indexNotConcurrent, "CREATE INDEX users_email_idx ON users (email);") == ["1:8"])
        #expect(
            LintFixture.positions(
                of: .indexNotConcurrent, "create unique index if not exists i on only public.users (a);") == ["1:15"])
        // CONCURRENTLY, a table created earlier in the file, and an index named "concurrently" in quotes.
        #expect(LintFixture.positions(of: .indexNotConcurrent, "CREATE INDEX CONCURRENTLY i ON users (email);").isEmpty)
        #expect(
            LintFixture.positions(of: .indexNotConcurrent, "CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);").isEmpty)
        #expect(
            LintFixture.positions(of: .indexNotConcurrent, "CREATE INDEX i ON users (a);", dialect: .sqlite).isEmpty)
        // A materialized view made earlier in the file is new too (the trading example's 002).
        #expect(
            LintFixture.positions(
                of: .indexNotConcurrent, "CREATE MATERIALIZED VIEW v AS SELECT 1 AS a;\nCREATE UNIQUE INDEX i ON v (a);"
            ).isEmpty)
    }

    @Test func concurrentlyInTransaction() {
        let sql = "BEGIN;\nCREATE INDEX CONCURRENTLY i ON users (email);\nCOMMIT;\n"
        #expect(LintFixture.positions(of: .concurrentlyInTransaction, sql) == ["2:14"])
        // Also in down files: the rollback would fail the same way.
        #expect(
            LintFixture.positions(
                of: .concurrentlyInTransaction, "SELECT 1;", down: "BEGIN;\nDROP INDEX CONCURRENTLY i;\nCOMMIT;") == [
                    "2:12"
                ])
        #expect(
            LintFixture.positions(of: .concurrentlyInTransaction, "CREATE INDEX CONCURRENTLY i ON users (email);")
                .isEmpty)
        #expect(
            LintFixture.positions(
                of: .concurrentlyInTransaction, "BEGIN;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON users (email);"
            ).isEmpty)
        let finding = LintFixture.findings(sql).first { $0.rule == "concurrently-in-transaction" }
        #expect(finding?.severity == .error)
        #expect(finding?.message == "CREATE INDEX CONCURRENTLY cannot run inside the explicit transaction opened above")
    }

    @Test func setNotNull() {
        #expect(
            LintFixture.positions(of: .setNotNull, lock + "ALTER TABLE users ALTER COLUMN email SET NOT NULL;") == [
                "2:38"
            ])
        #expect(LintFixture.positions(of: .setNotNull, "ALTER TABLE users ALTER email DROP NOT NULL;").isEmpty)
        #expect(
            LintFixture.positions(
                of: .setNotNull, "CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;"
            ).isEmpty)
    }

    @Test func volatileDefault() {
        #expect(
            LintFixture.positions(
                of: .volatileDefault, "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();") == ["1:49"])
        #expect(LintFixture.positions(of: .volatileDefault, "ALTER TABLE users ADD COLUMN n bigserial;") == ["1:32"])
        #expect(
            LintFixture.positions(
                of: .volatileDefault, "ALTER TABLE users ADD COLUMN r float8 DEFAULT (random() * 10);") == ["1:48"])
        // Constant and stable defaults are stored once (PostgreSQL 11+), no rewrite.
        #expect(
            LintFixture.positions(of: .volatileDefault, "ALTER TABLE users ADD COLUMN at timestamptz DEFAULT now();")
                .isEmpty)
        #expect(
            LintFixture.positions(of: .volatileDefault, "ALTER TABLE users ADD COLUMN plan text DEFAULT 'random()';")
                .isEmpty)
        #expect(
            LintFixture.positions(
                of: .volatileDefault,
                "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();"
            ).isEmpty)
    }

    @Test func constraintWithoutNotValid() {
        let foreign = "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);"
        #expect(LintFixture.positions(of: .constraintNotValid, foreign) == ["1:38"])
        #expect(LintFixture.positions(of: .constraintNotValid, "ALTER TABLE orders ADD CHECK (total > 0);") == ["1:24"])
        #expect(
            LintFixture.positions(
                of: .constraintNotValid, "ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID;"
            ).isEmpty)
        #expect(LintFixture.positions(of: .constraintNotValid, "ALTER TABLE orders VALIDATE CONSTRAINT c;").isEmpty)
        #expect(
            LintFixture.positions(of: .constraintNotValid, "CREATE TABLE t (a int);\nALTER TABLE t ADD CHECK (a > 0);")
                .isEmpty)
    }

    @Test func columnTypeChange() {
        #expect(
            LintFixture.positions(of: .columnTypeChange, "ALTER TABLE orders ALTER COLUMN total TYPE numeric(20, 4);")
                == ["1:39"])
        #expect(
            LintFixture.positions(of: .columnTypeChange, "ALTER TABLE orders ALTER total SET DATA TYPE bigint;") == [
                "1:32"
            ])
        #expect(
            LintFixture.positions(of: .columnTypeChange, "ALTER TABLE orders ALTER COLUMN total SET DEFAULT 0;").isEmpty
        )
        #expect(LintFixture.positions(of: .columnTypeChange, "CREATE TYPE mood AS ENUM ('a');").isEmpty)
    }

    @Test func missingLockTimeout() {
        let alter = "ALTER TABLE users ADD COLUMN note text;\nALTER TABLE users ADD COLUMN other text;"
        // Once per file, at the first statement that needs it.
        #expect(LintFixture.positions(of: .lockTimeout, alter) == ["1:1"])
        #expect(LintFixture.positions(of: .lockTimeout, "DROP INDEX users_email_idx;") == ["1:1"])
        #expect(LintFixture.positions(of: .lockTimeout, lock + alter).isEmpty)
        #expect(LintFixture.positions(of: .lockTimeout, "SET LOCAL lock_timeout TO '1s';\n" + alter).isEmpty)
        #expect(
            LintFixture.positions(of: .lockTimeout, "SELECT set_config('lock_timeout', '5s', false);\n" + alter).isEmpty
        )
        #expect(
            LintFixture.positions(of: .lockTimeout, "CREATE TABLE t (a text);\nALTER TABLE t ADD COLUMN b text;")
                .isEmpty)
        #expect(LintFixture.positions(of: .lockTimeout, "ALTER TABLE users VALIDATE CONSTRAINT c;").isEmpty)
        let silenced = LintFixture.findings(alter) { $0.runnerSetsLockTimeout = true }
        #expect(silenced.filter { $0.rule == "missing-lock-timeout" }.isEmpty)
    }

    @Test func charType() {
        #expect(LintFixture.positions(of: .charType, "CREATE TABLE c (code char(3), name text);") == ["1:22"])
        #expect(LintFixture.positions(of: .charType, "ALTER TABLE c ADD COLUMN iso CHARACTER(2);") == ["1:30"])
        #expect(
            LintFixture.positions(
                of: .charType, "CREATE TABLE c (code varchar(3), name character varying(9), \"char\" text);"
            ).isEmpty)
        #expect(LintFixture.positions(of: .charType, "CREATE TABLE c (code char(3));", dialect: .sqlite).isEmpty)
    }

    @Test func timestampWithoutTimeZone() {
        #expect(
            LintFixture.positions(
                of: .timestampWithoutTimeZone, "CREATE TABLE e (at timestamp, b timestamp(3) without time zone);") == [
                    "1:20", "1:33",
                ])
        #expect(
            LintFixture.positions(of: .timestampWithoutTimeZone, "ALTER TABLE e ALTER COLUMN at TYPE timestamp;") == [
                "1:36"
            ])
        let good =
            "CREATE TABLE e (timestamp timestamptz, b timestamp with time zone, c timestamp(3) with time zone, d timestamptz DEFAULT current_timestamp);"
        #expect(LintFixture.positions(of: .timestampWithoutTimeZone, good).isEmpty)
    }

    @Test func intPrimaryKey() {
        #expect(LintFixture.positions(of: .intPrimaryKey, "CREATE TABLE t (id serial PRIMARY KEY, n int);") == ["1:20"])
        #expect(
            LintFixture.positions(
                of: .intPrimaryKey, "CREATE TABLE t (id integer NOT NULL, n int,\n  PRIMARY KEY (id));") == ["1:20"])
        #expect(
            LintFixture.positions(
                of: .intPrimaryKey, "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);") == ["1:20"])
        #expect(
            LintFixture.positions(
                of: .intPrimaryKey, "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n int);"
            ).isEmpty)
        #expect(LintFixture.positions(of: .intPrimaryKey, "CREATE TABLE t (a int, b int, PRIMARY KEY (a, b));").isEmpty)
        #expect(
            LintFixture.positions(of: .intPrimaryKey, "CREATE TABLE t (id INTEGER PRIMARY KEY);", dialect: .sqlite)
                .isEmpty)
    }
}
