import Foundation
import Testing

/// Issue 18, item 3: a failed `CREATE INDEX CONCURRENTLY` leaves an INVALID index, and the old advice (`force`
/// the previous version, `up`) failed again with `relation ... already exists`. Every place that gives the
/// recovery advice now names the index and the exact statement that drops it, and following it works.
@Suite(.serialized) struct InvalidIndexCLITests {
    static let files: [String: String] = [
        "1_positions.up.sql": "CREATE TABLE positions (id bigint, status text);\n",
        "1_positions.down.sql": "DROP TABLE positions;\n",
        "2_seed.up.sql": "INSERT INTO positions VALUES (1, 'open'), (1, 'open');\n",
        "2_seed.down.sql": "DELETE FROM positions;\n",
        // The duplicate ids make the unique build fail after the index exists: it is left INVALID.
        "3_unique_id.up.sql": "CREATE UNIQUE INDEX CONCURRENTLY positions_id_key ON positions (id);\n",
        "3_unique_id.down.sql": "DROP INDEX CONCURRENTLY IF EXISTS positions_id_key;\n",
    ]
    static let drop = "DROP INDEX CONCURRENTLY IF EXISTS public.positions_id_key;"

    @Test func everyAdviceNamesTheInvalidIndexAndFollowingItRecovers() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.files)
        let base = ["-path", migrations, "-database", db.url]

        let failed = try CLI.run(base + ["up"])
        #expect(failed.status == 1, "\(failed)")
        #expect(failed.stderr.contains("3_unique_id.up.sql:1:1: error: could not create unique index \"positions_id_key\""), "\(failed)")
        #expect(failed.stderr.contains("INVALID index public.positions_id_key"), "\(failed)")
        #expect(failed.stderr.contains("run `\(Self.drop)`"), "\(failed)")
        #expect(try db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'positions_id_key'::regclass") == "f")
        #expect(try db.query("SELECT version, dirty FROM schema_migrations") == "3|t")

        // The refusal of the dirty database, status (text and JSON) and validate say the same.
        let refused = try CLI.run(base + ["up"])
        #expect(refused.status == 1 && refused.stderr.contains("Dirty database version 3"), "\(refused)")
        #expect(refused.stderr.contains("run `\(Self.drop)`"), "\(refused)")
        let status = try CLI.run(base + ["status"])
        #expect(status.status == 0 && status.stdout.contains("INVALID index public.positions_id_key"), "\(status)")
        #expect(status.stdout.contains("run `\(Self.drop)`"), "\(status)")
        let json = try CLI.run(base + ["status", "--json"])
        #expect(json.stdout.contains("\"repair\" : \"\(Self.drop)\""), "\(json)")
        let validate = try CLI.run(base + ["validate"])
        #expect(validate.status == 1 && validate.stdout.contains("error[dirty]"), "\(validate)")
        #expect(validate.stdout.contains("run `\(Self.drop)`"), "\(validate)")

        // Following the advice: drop the index, fix the data, force the version before, up.
        _ = try db.query(Self.drop)
        _ = try db.query("DELETE FROM positions WHERE ctid <> (SELECT min(ctid) FROM positions)")
        #expect(try CLI.run(base + ["force", "2"]).status == 0)
        let retried = try CLI.run(base + ["up"])
        #expect(retried.status == 0 && retried.stderr.contains("3/u unique_id ("), "\(retried)")
        #expect(try db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'positions_id_key'::regclass") == "t")
        // A clean database has nothing to report.
        #expect(!(try CLI.run(base + ["status", "--json"]).stdout.contains("invalidObjects")))
    }

    @Test func withoutTheDropTheRetryFailsAsTheIssueSays() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.files)
        let base = ["-path", migrations, "-database", db.url]
        #expect(try CLI.run(base + ["up"]).status == 1)
        _ = try db.query("DELETE FROM positions WHERE ctid <> (SELECT min(ctid) FROM positions)")
        #expect(try CLI.run(base + ["force", "2"]).status == 0)
        let again = try CLI.run(base + ["up"])
        #expect(again.status == 1 && again.stderr.contains("already exists"), "\(again)")
        // ... and says what to drop this time too.
        #expect(again.stderr.contains("run `\(Self.drop)`"), "\(again)")
    }
}
