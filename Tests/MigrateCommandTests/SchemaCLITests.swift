import Foundation
import SwiftMigrate
import Testing

/// `migrate schema`: the snapshot as text on standard output, or JSON.
@Suite struct SchemaCLITests {
    static let quickstart = CLI.packageRoot.appendingPathComponent("examples/quickstart/migrations").path
    static let trading = CLI.packageRoot.appendingPathComponent("examples/trading/migrations").path

    @Test func printsTheSQLiteSchemaAsTextAndJSON() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let database = "sqlite://\(dir.path("app.db"))"
        #expect(try CLI.run(["-path", Self.quickstart, "-database", database, "up"]).status == 0)

        let schema = try CLI.run(["-database", database, "schema"])
        #expect(schema.status == 0, "\(schema)")
        #expect(schema.stderr == "")
        let lines = schema.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(Array(lines.prefix(2)) == ["table post_tags", "    CREATE TABLE post_tags ("])
        for line in [
            "  column users.email TEXT NOT NULL",
            "  constraint users.unique(email) UNIQUE (email)",
            "  constraint tags.unique(name) UNIQUE (name COLLATE NOCASE)",
            "  index idx_posts_published_at CREATE INDEX idx_posts_published_at ON posts (published_at) WHERE published_at IS NOT NULL",
            "  trigger users_touch_updated_at",
        ] {
            #expect(lines.contains(line), "missing line: \(line)")
        }
        #expect(lines.last == "")
        #expect(lines.dropLast().last == "      END")
        #expect(!schema.stdout.contains("schema_migrations"))
        // Options after the command, and the same text each time.
        #expect(try CLI.run(["schema", "--database", database]).stdout == schema.stdout)

        let json = try CLI.run(["-database", database, "schema", "--json"])
        #expect(json.status == 0)
        let snapshot = try JSONDecoder().decode(SchemaSnapshot.self, from: Data(json.stdout.utf8))
        #expect(snapshot.rendered() == schema.stdout)
        #expect(snapshot.object(.column, "posts.published_at")?.parent == .init(.table, "posts"))
    }

    @Test func printsThePostgresSchema() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        #expect(try CLI.run(["-path", Self.trading, "-database", db.url, "up"]).status == 0)
        let schema = try CLI.run(["-database", db.url, "schema"])
        #expect(schema.status == 0, "\(schema)")
        let lines = schema.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "schema public")
        for line in [
            "type public.trade_side ENUM ('buy', 'sell')",
            "  index public.idx_positions_status CREATE INDEX idx_positions_status ON public.positions USING btree (status) WHERE (status = 'open'::text)",
            "  index public.idx_v_daily_pnl_model_date CREATE UNIQUE INDEX idx_v_daily_pnl_model_date ON public.v_daily_pnl USING btree (model_id, date)",
            "materialized view public.v_daily_pnl",
            "function public.refresh_all_views()",
        ] {
            #expect(lines.contains(line), "missing line: \(line)")
        }
        #expect(!schema.stdout.contains("schema_migrations"))
    }

    @Test func helpTeachesTheReviewWorkflow() throws {
        let help = try CLI.run(["schema", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("migrate -database \"$POSTGRES_DSN\" schema > migrations/schema.txt"))
        #expect(help.stdout.contains("--json"))
    }

    @Test func needsADatabase() throws {
        let result = try CLI.run(["schema"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("no database: pass -database URL"))
    }
}
