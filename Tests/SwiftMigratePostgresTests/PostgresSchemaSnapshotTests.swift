import Foundation
import Logging
import PostgresNIO
import SwiftMigrate
import Testing

@testable import SwiftMigratePostgres

/// Schema snapshots from pg_catalog, on real databases: what `migrate schema` prints and `verify` compares.
@Suite struct PostgresSchemaSnapshotTests {
    static let trading = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/trading/migrations").path

    func migrator(_ driver: PostgresDriver, _ source: any MigrationSource = DirectorySource(path: trading)) -> Migrator {
        Migrator(source: source, driver: driver, logger: TestEnvironment.logger)
    }

    /// The trading example applied to a new database; `shiftOIDs` first makes and drops objects so that
    /// every OID differs from another run's.
    func tradingSnapshot(shiftOIDs: Bool) async throws -> SchemaSnapshot {
        var snapshot: SchemaSnapshot?
        try await TestDatabase.with { db in
            if shiftOIDs {
                try await db.execute("CREATE TABLE scratch (id serial PRIMARY KEY, note text)")
                try await db.execute("DROP TABLE scratch")
            }
            try await withDriver(try await db.open()) { driver in
                try await migrator(driver).up()
                snapshot = try await driver.schemaSnapshot()
            }
        }
        return try #require(snapshot)
    }

    @Test func tradingSnapshotIsDeterministicAndComplete() async throws {
        let first = try await tradingSnapshot(shiftOIDs: false)
        let second = try await tradingSnapshot(shiftOIDs: true)
        #expect(first == second)
        #expect(first.rendered() == second.rendered())

        #expect(first.object(.materializedView, "public.v_daily_pnl")?.definition.contains("FROM public.trades") == true)
        #expect(
            first.object(.index, "public.idx_v_daily_pnl_model_date")?.definition
                == "CREATE UNIQUE INDEX idx_v_daily_pnl_model_date ON public.v_daily_pnl USING btree (model_id, date)"
        )
        #expect(first.object(.index, "public.idx_v_daily_pnl_model_date")?.parent == .init(.materializedView, "public.v_daily_pnl"))
        #expect(first.object(.type, "public.trade_side")?.definition == "ENUM ('buy', 'sell')")
        #expect(first.object(.type, "public.position_side")?.definition == "ENUM ('long', 'short')")
        let lines = first.rendered().split(separator: "\n").map(String.init)
        let expectedLines = [
            "schema public",
            "type public.trade_side ENUM ('buy', 'sell')",
            "table public.accounts (id, model_id, exchange, base_currency, balance, equity, status, created_at, updated_at)",
            "  column public.accounts.id bigint NOT NULL DEFAULT nextval('public.accounts_id_seq'::regclass)",
            "  column public.accounts.balance numeric(20,8) NOT NULL DEFAULT 0",
            "  constraint public.accounts.accounts_model_exchange_key UNIQUE (model_id, exchange)",
            "  sequence public.accounts_id_seq AS bigint INCREMENT 1 MINVALUE 1 MAXVALUE 9223372036854775807 START 1 CACHE 1 NO CYCLE OWNED BY public.accounts.id",
            "  comment on column public.accounts.model_id 'Identifier of the trading model that owns the account.'",
            "  index public.idx_positions_status CREATE INDEX idx_positions_status ON public.positions USING btree (status) WHERE (status = 'open'::text)",
            "  constraint public.trades.trades_position_id_fkey FOREIGN KEY (position_id) REFERENCES public.positions(id) ON DELETE SET NULL",
            "  column public.account_snapshots.created_at timestamp with time zone NOT NULL DEFAULT now()",
            "materialized view public.v_daily_pnl",
            "function public.refresh_daily_pnl()",
            "        REFRESH MATERIALIZED VIEW CONCURRENTLY v_daily_pnl;",
            "  comment on function public.refresh_all_views() 'Refreshes all dashboard materialized views concurrently; returns the time taken.'",
        ]
        for line in expectedLines {
            #expect(lines.contains(line), "missing line: \(line)")
        }
        // The migration tool's own tables, their sequence and key are not part of the schema.
        #expect(!first.rendered().contains("schema_migrations"))
        #expect(first.names(of: .table) == [
            "public.account_snapshots", "public.accounts", "public.position_snapshots", "public.positions", "public.trades",
            "public.user_notifications",
        ])
    }

    /// What `verify` will do: each migration's down must give back exactly the schema before its up.
    @Test func everyTradingDownRestoresTheSchema() async throws {
        let count = try DirectorySource(path: Self.trading).load().migrations.count
        #expect(count == 5)
        try await TestDatabase.with { db in
            try await withDriver(try await db.open()) { driver in
                let migrator = migrator(driver)
                let trips = try await migrator.roundTrips()
                #expect(trips.count == count)
                for trip in trips {
                    let step = trip.version
                    #expect(trip.upChangedSchema, "migration \(step) changed nothing")
                    #expect(trip.downDifferences.map(\.description) == [], "migration \(step)")
                    #expect(trip.downRestoredSchema)
                    #expect(trip.reapplyRebuiltSchema, "migration \(step) applied again")
                }
            }
        }
    }

    @Test func differencesNameWhatAForgetfulDownLeftBehind() async throws {
        let files = [
            "1_base.up.sql": """
                CREATE TYPE mood AS ENUM ('calm', 'happy');
                CREATE TABLE accounts (id bigint PRIMARY KEY, notes text);
                CREATE TABLE positions (id bigint PRIMARY KEY, status text NOT NULL);
                CREATE FUNCTION refresh_daily_pnl() RETURNS integer LANGUAGE sql AS $$SELECT 1$$;
                """,
            "1_base.down.sql": "DROP FUNCTION refresh_daily_pnl(); DROP TABLE positions, accounts; DROP TYPE mood;",
            "2_forgetful.up.sql": """
                ALTER TYPE mood ADD VALUE 'angry';
                CREATE INDEX idx_positions_status ON positions (status) WHERE status = 'open';
                ALTER TABLE accounts ADD COLUMN nickname text;
                CREATE OR REPLACE FUNCTION refresh_daily_pnl() RETURNS integer LANGUAGE sql AS $$SELECT 2$$;
                CREATE FUNCTION helper(n integer) RETURNS integer LANGUAGE sql AS $$SELECT n$$;
                """,
            // Drops the wrong column and forgets the rest.
            "2_forgetful.down.sql": "ALTER TABLE accounts DROP COLUMN notes;",
        ]
        try await TestDatabase.with { db in
            try await withDriver(try await db.open()) { driver in
                let migrator = migrator(driver, InMemorySource(files: files))
                try await migrator.up(1)
                let before = try await driver.schemaSnapshot()
                try await migrator.up(1)
                try await migrator.down(1)
                let after = try await driver.schemaSnapshot()
                #expect(after.differences(from: before).map(\.description) == [
                    "type public.mood differs: expected `ENUM ('calm', 'happy')`, found `ENUM ('calm', 'happy', 'angry')`",
                    "table public.accounts differs: expected `(id, notes)`, found `(id, nickname)`",
                    "column public.accounts.nickname still exists",
                    "column public.accounts.notes is missing",
                    "index public.idx_positions_status still exists",
                    "function public.helper(n integer) still exists",
                    "function public.refresh_daily_pnl() differs: line 4: expected `AS $function$SELECT 1$function$`, found `AS $function$SELECT 2$function$`",
                ])
                #expect(after.differences(from: before).map(\.change) == [.changed, .changed, .extra, .missing, .extra, .extra, .changed])
            }
        }
    }

    /// The user's settings change how the server prints names and constants; the snapshot fixes them, and
    /// gives them back inside the caller's transaction.
    @Test func sessionSettingsDoNotChangeTheSnapshot() async throws {
        try await TestDatabase.with { db in
            try await db.execute(
                "CREATE TABLE events (id serial PRIMARY KEY, at timestamptz DEFAULT '2020-01-02 03:04:05+02', d date DEFAULT '2020-01-02')"
            )
            try await withDriver(try await db.open()) { driver in
                let plain = try await driver.schemaSnapshot()
                #expect(
                    plain.object(.column, "public.events.at")?.definition
                        == "timestamp with time zone DEFAULT '2020-01-02 01:04:05+00'::timestamp with time zone"
                )
                #expect(plain.object(.column, "public.events.d")?.definition == "date DEFAULT '2020-01-02'::date")
                try await driver.execute("SET TimeZone = 'Asia/Tokyo'")
                try await driver.execute("SET DateStyle = 'German'")
                try await driver.execute("SET search_path = public, pg_catalog")
                #expect(try await driver.schemaSnapshot() == plain)

                try await driver.beginTransaction()
                #expect(try await driver.schemaSnapshot() == plain)
                let zone = try await driver.engine.single("SHOW TimeZone", what: "show")
                let path = try await driver.engine.single("SHOW search_path", what: "show")
                #expect(zone == "Asia/Tokyo")
                #expect(path == "public, pg_catalog")
                try await driver.rollbackTransaction()
            }
        }
    }

    @Test func leavesOutTheDriversTablesAndWhatExtensionsOwn() async throws {
        try await TestDatabase.with { db in
            try await db.execute("CREATE EXTENSION citext")
            try await db.execute("CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email citext NOT NULL)")
            try await withDriver(try await db.open("x-migrations-table=my_versions")) { driver in
                try await driver.prepare()
                let snapshot = try await driver.schemaSnapshot()
                #expect(snapshot.names(of: .table) == ["public.users"])
                #expect(!snapshot.rendered().contains("my_versions"))
                #expect(snapshot.object(.extension, "citext")?.definition == "SCHEMA public")
                #expect(snapshot.names(of: .function).isEmpty)
                #expect(snapshot.names(of: .type).isEmpty)
                #expect(snapshot.object(.column, "public.users.email")?.definition == "public.citext NOT NULL")
                #expect(snapshot.object(.column, "public.users.id")?.definition == "bigint NOT NULL GENERATED ALWAYS AS IDENTITY")
                // The identity column's sequence is the column's business.
                #expect(snapshot.names(of: .sequence).isEmpty)
            }
            // Another driver's version table is an ordinary table to this one.
            try await withDriver(try await db.open()) { driver in
                let snapshot = try await driver.schemaSnapshot()
                #expect(snapshot.names(of: .table) == ["public.my_versions", "public.my_versions_history", "public.users"])
                #expect(snapshot.names(of: .sequence) == ["public.my_versions_history_id_seq"])
            }
        }
    }

    /// Every kind of object the snapshot knows, in one schema, rendered exactly.
    @Test func coversEveryKindOfObject() async throws {
        try await TestDatabase.with { db in
            for statement in [
                "CREATE EXTENSION citext",
                "CREATE SCHEMA app",
                "COMMENT ON SCHEMA app IS 'the app'",
                "CREATE DOMAIN app.email AS citext CHECK (VALUE ~ '@') NOT NULL DEFAULT 'x@y'",
                #"CREATE TYPE app.pair AS (a int, b text COLLATE "C")"#,
                "CREATE TYPE app.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi)",
                """
                CREATE TABLE app.t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text COLLATE "C" NOT NULL, \
                dbl int GENERATED ALWAYS AS (id * 2) STORED, e app.email) WITH (fillfactor=70)
                """,
                "ALTER TABLE app.t ENABLE ROW LEVEL SECURITY",
                "CREATE POLICY own ON app.t FOR SELECT TO PUBLIC USING (name = current_user)",
                "CREATE TABLE app.p (id int, k text) PARTITION BY LIST (k)",
                "CREATE TABLE app.p1 PARTITION OF app.p FOR VALUES IN ('a')",
                "CREATE INDEX ON app.p (id)",
                "CREATE UNLOGGED TABLE app.u (x int)",
                "CREATE SEQUENCE app.s INCREMENT 5 START 100 CYCLE",
                "CREATE VIEW app.v WITH (security_barrier) AS SELECT id FROM app.t",
                "CREATE FUNCTION app.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
                "CREATE TRIGGER t_touch BEFORE UPDATE ON app.t FOR EACH ROW EXECUTE FUNCTION app.trg()",
                "ALTER TABLE app.t DISABLE TRIGGER t_touch",
                "CREATE PROCEDURE app.proc(a int) LANGUAGE sql AS $$ SELECT 1 $$",
                "CREATE AGGREGATE app.mysum(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0')",
                "COMMENT ON COLUMN app.t.name IS 'name'",
                "COMMENT ON CONSTRAINT t_pkey ON app.t IS 'pk'",
                "COMMENT ON INDEX app.p_id_idx IS 'idx'",
            ] {
                try await db.execute(statement)
            }
            try await withDriver(try await db.open()) { driver in
                let rendered = try await driver.schemaSnapshot().rendered()
                #expect(rendered == #"""
                    schema app
                      comment on schema app 'the app'

                    schema public
                      comment on schema public 'standard public schema'

                    extension citext SCHEMA public

                    type app.email DOMAIN public.citext NOT NULL DEFAULT 'x@y'::public.citext CONSTRAINT email_check CHECK ((VALUE OPERATOR(public.~) '@'::public.citext))

                    type app.floatrange RANGE (SUBTYPE = double precision, SUBTYPE_DIFF = float8mi)

                    type app.pair COMPOSITE (a integer, b text COLLATE "C")

                    sequence app.s AS bigint INCREMENT 5 MINVALUE 1 MAXVALUE 9223372036854775807 START 100 CACHE 1 CYCLE

                    table app.p (id, k) PARTITION BY LIST (k)
                      column app.p.id integer
                      column app.p.k text
                      index app.p_id_idx CREATE INDEX p_id_idx ON ONLY app.p USING btree (id)
                      comment on index app.p_id_idx 'idx'

                    table app.p1 (id, k) PARTITION OF app.p FOR VALUES IN ('a')
                      column app.p1.id integer
                      column app.p1.k text
                      index app.p1_id_idx CREATE INDEX p1_id_idx ON app.p1 USING btree (id)

                    table app.t (id, name, dbl, e) WITH (fillfactor=70) ROW LEVEL SECURITY
                      column app.t.dbl integer GENERATED ALWAYS AS ((id * 2)) STORED
                      column app.t.e app.email
                      column app.t.id integer NOT NULL GENERATED ALWAYS AS IDENTITY
                      column app.t.name text COLLATE "C" NOT NULL
                      constraint app.t.t_pkey PRIMARY KEY (id)
                      trigger app.t.t_touch CREATE TRIGGER t_touch BEFORE UPDATE ON app.t FOR EACH ROW EXECUTE FUNCTION app.trg() (DISABLED)
                      policy app.t.own AS PERMISSIVE FOR SELECT TO PUBLIC USING ((name = CURRENT_USER))
                      comment on column app.t.name 'name'
                      comment on constraint app.t.t_pkey 'pk'

                    table app.u (x) UNLOGGED
                      column app.u.x integer

                    view app.v
                        WITH (security_barrier=true)
                         SELECT t.id
                           FROM app.t;

                    function app.trg()
                        CREATE OR REPLACE FUNCTION app.trg()
                         RETURNS trigger
                         LANGUAGE plpgsql
                        AS $function$ BEGIN RETURN NEW; END $function$

                    procedure app.proc(IN a integer)
                        CREATE OR REPLACE PROCEDURE app.proc(IN a integer)
                         LANGUAGE sql
                        AS $procedure$ SELECT 1 $procedure$

                    aggregate app.mysum(integer) SFUNC = int4pl STYPE = integer INITCOND = '0'

                    """#)
            }
        }
    }
}
