import Foundation
import TestSupport
import Testing

/// The fleet tests' databases: PostgreSQL databases on three clusters ($MIGRATE_TEST_POSTGRES_URL, _2 and _3, which
/// scripts/test.sh starts), a database of tenant schemas, SQLite files, and the migrations every fleet test runs.
///
/// The PostgreSQL databases have fixed names per test (`fleet_<test>_<n>`) and are emptied rather than dropped: a
/// DROP DATABASE costs a checkpoint (over a second each here), and sixty of them would double the suite's time.
/// Each test owns its names, so tests running side by side never share a database.
struct FleetCLIFixture {
    /// One database of the fleet, read back with an independent client (psql, the sqlite3 shell).
    struct Target: Sendable {
        /// The URL the fleet is given (PostgreSQL: with the sentinel password).
        var url: String
        /// The database for psql (superuser, no password), or the SQLite file.
        var client: String
        /// The tenant schema, or nil for a database's (or file's) own schema.
        var schema: String?
        var isSQLite: Bool

        private var qualifier: String { schema.map { "\"\($0)\"." } ?? "" }

        func query(_ sql: String) throws -> String {
            isSQLite ? try SQLite3.query(client, sql) : try PostgresScratch.psql(client, sql)
        }

        /// The version row as `V` or `V (dirty)`, or nil without a version table (or with an empty one).
        func version() throws -> String? { try state().version }

        /// The versions the migrations wrote to the log, in order; nil without the table.
        func log() throws -> [Int]? { try state().log }

        /// Both, read at once: PostgreSQL in one psql call (a temporary function checks which tables exist).
        func state() throws -> (version: String?, log: [Int]?) {
            func parse(_ text: String) -> [Int] { text.split(separator: ",").compactMap { Int($0) } }
            guard !isSQLite else {
                let tables = Set(try query("SELECT name FROM sqlite_master WHERE type = 'table'").split(separator: "\n"))
                let version = tables.contains("schema_migrations")
                    ? try query("SELECT version || CASE WHEN dirty THEN ' (dirty)' ELSE '' END FROM schema_migrations") : ""
                let log = tables.contains("fleet_log")
                    ? parse(try query("SELECT group_concat(version) FROM (SELECT version FROM fleet_log ORDER BY version)")) : nil
                return (version.isEmpty ? nil : version, log)
            }
            let row = try query(#"""
                CREATE FUNCTION pg_temp.fleet_state(s text) RETURNS text LANGUAGE plpgsql AS $f$
                DECLARE v text := ''; l text := '-';
                BEGIN
                    IF to_regclass(format('%I.schema_migrations', s)) IS NOT NULL THEN
                        EXECUTE format('SELECT coalesce(max(version || CASE WHEN dirty THEN '' (dirty)'' ELSE '''' END), '''') FROM %I.schema_migrations', s) INTO v;
                    END IF;
                    IF to_regclass(format('%I.fleet_log', s)) IS NOT NULL THEN
                        EXECUTE format('SELECT coalesce(string_agg(version::text, '','' ORDER BY version), '''') FROM %I.fleet_log', s) INTO l;
                    END IF;
                    RETURN v || '|' || l;
                END $f$;
                SELECT pg_temp.fleet_state(\#(literal(schema ?? "public")));
                """#)
            let parts = row.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2 else { throw PsqlError(message: "unexpected state \(row)") }
            return (parts[0].isEmpty ? nil : parts[0], parts[1] == "-" ? nil : parse(parts[1]))
        }

        /// Duplicate rows in guard_rows: migration 7's unique index fails on this target.
        func breakGuard() throws {
            _ = try query("CREATE TABLE IF NOT EXISTS \(qualifier)guard_rows (k int); INSERT INTO \(qualifier)guard_rows VALUES (7), (7);")
        }

        func fixGuard() throws { _ = try query("DELETE FROM \(qualifier)guard_rows") }

        private func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
    }

    /// The superuser URLs of the three clusters; records an issue and throws when the second and third are missing.
    static func clusters() throws -> [String] {
        let environment = ProcessInfo.processInfo.environment
        let names = ["MIGRATE_TEST_POSTGRES_URL", "MIGRATE_TEST_POSTGRES_URL_2", "MIGRATE_TEST_POSTGRES_URL_3"]
        let urls = names.compactMap { environment[$0] }
        guard urls.count == 3 else {
            Issue.record("\(names.joined(separator: ", ")) must all be set: run the tests with scripts/test.sh, which starts three servers")
            throw CancellationError()
        }
        return urls
    }

    /// `count` empty databases named `fleet_<test>_<n>`, spread over the clusters in turn; made when missing.
    static func databases(_ test: String, count: Int) throws -> [Target] {
        let clusters = try clusters()
        var targets: [Target] = []
        var byCluster: [Int: [String]] = [:]
        for index in 0..<count {
            let cluster = index % clusters.count
            let name = "fleet_\(test)_\(index)"
            byCluster[cluster, default: []].append(name)
            let client = replacingDatabase(in: clusters[cluster], with: name)
            targets.append(Target(url: PostgresScratch.withSentinelLogin(client), client: client, schema: nil, isSQLite: false))
        }
        // One psql per cluster: create the missing databases.
        for (cluster, names) in byCluster {
            let existing = Set(try PostgresScratch.psql(clusters[cluster], "SELECT datname FROM pg_database").split(separator: "\n").map(String.init))
            let missing = names.filter { !existing.contains($0) }
            if !missing.isEmpty { _ = try PostgresScratch.psql(clusters[cluster], missing.map { "CREATE DATABASE \($0)" }) }
        }
        for target in targets { try empty(target.client) }
        return targets
    }

    /// A database `fleet_<test>_tenants` on the first cluster with schemas `tenant_000`... (and `other`, which a
    /// `tenant_*` pattern must leave alone), emptied; returns its URL (with the sentinel password) and the tenants.
    static func tenantDatabase(_ test: String, schemas: Int) throws -> (url: String, tenants: [Target]) {
        let admin = try clusters()[0]
        let name = "fleet_\(test)_tenants"
        if try PostgresScratch.psql(admin, "SELECT count(*) FROM pg_database WHERE datname = '\(name)'") == "0" {
            _ = try PostgresScratch.psql(admin, "CREATE DATABASE \(name)")
        }
        let client = replacingDatabase(in: admin, with: name)
        try empty(client)
        let names = (0..<schemas).map { String(format: "tenant_%03d", $0) }
        _ = try PostgresScratch.psql(client, (names + ["other"]).map { "CREATE SCHEMA \($0);" }.joined())
        let url = PostgresScratch.withSentinelLogin(client)
        let tenants = names.map { schema in
            Target(url: url + "&search_path=\(schema)", client: client, schema: schema, isSQLite: false)
        }
        return (url, tenants)
    }

    /// `count` empty SQLite files in `dir`'s `fleet/` (which a `sqlite://DIR/fleet/*.db` glob names).
    static func sqliteFiles(in dir: TempDir, count: Int) throws -> (glob: String, files: [Target]) {
        let folder = dir.url.appendingPathComponent("fleet")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let files = try (0..<count).map { index in
            let path = folder.appendingPathComponent(String(format: "shop_%02d.db", index)).path
            try Data().write(to: URL(fileURLWithPath: path))
            return Target(url: "sqlite://\(path)", client: path, schema: nil, isSQLite: true)
        }
        return ("sqlite://\(folder.path)/*.db", files)
    }

    /// Drops every schema of the database (each in its own transaction: a tenant database holds thousands of
    /// tables) and makes an empty `public`.
    static func empty(_ database: String) throws {
        let schemas = try PostgresScratch.psql(
            database, #"SELECT quote_ident(nspname) FROM pg_namespace WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\_%'"#
        ).split(separator: "\n").map(String.init)
        _ = try PostgresScratch.psql(database, schemas.map { "DROP SCHEMA \($0) CASCADE" } + ["CREATE SCHEMA public"])
    }

    /// 20 migrations (up and down) for PostgreSQL and SQLite alike. Each writes its version to `fleet_log` in its
    /// transaction, so a migration applied twice shows as a second row; migration 1 creates `guard_rows` unless it
    /// exists, and migration 7 puts a unique index on it, which fails where the table holds duplicates.
    static func migrations(sleep: Double? = nil) -> [String: String] {
        var files: [String: String] = [:]
        for version in 1...20 {
            var up = version == 1
                ? "CREATE TABLE IF NOT EXISTS fleet_log (version int NOT NULL);\nCREATE TABLE IF NOT EXISTS guard_rows (k int);\n" : ""
            up += "INSERT INTO fleet_log (version) VALUES (\(version));\nCREATE TABLE step_\(version) (id int PRIMARY KEY, note text);\n"
            if version == 7 { up += "CREATE UNIQUE INDEX guard_rows_k ON guard_rows (k);\n" }
            if let sleep { up += "SELECT pg_sleep(\(sleep));\n" }
            files[String(format: "%03d_step_%d.up.sql", version, version)] = up
            files[String(format: "%03d_step_%d.down.sql", version, version)] =
                (version == 7 ? "DROP INDEX guard_rows_k;\n" : "") + "DROP TABLE step_\(version);\nDELETE FROM fleet_log WHERE version = \(version);\n"
        }
        return files
    }

    /// Decodes `--json` output.
    static func report(_ result: CLIResult) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(object as? [String: Any], "\(result)")
    }

    /// The targets of a `--json` report.
    static func targets(_ report: [String: Any]) -> [[String: Any]] { report["targets"] as? [[String: Any]] ?? [] }
}
