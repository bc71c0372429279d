import Foundation
import SwiftMigrate
import Testing

@testable import SwiftMigratePostgres

/// The catalog `migrate models` generates from, read from a real database.
@Suite struct PostgresCatalogTests {
    static let schema = """
        CREATE TYPE status AS ENUM ('new', 'in-progress', 'done');
        COMMENT ON TYPE status IS 'Where a job is.';
        CREATE DOMAIN cents AS numeric(12, 2) CHECK (VALUE >= 0);
        CREATE TABLE jobs (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            seq bigserial,
            owner text NOT NULL,
            email text,
            state status NOT NULL DEFAULT 'new',
            tags text[] NOT NULL DEFAULT '{}',
            price cents,
            amount numeric,
            doubled numeric GENERATED ALWAYS AS (amount * 2) STORED,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        COMMENT ON TABLE jobs IS 'Work to do.';
        COMMENT ON COLUMN jobs.owner IS 'Who asked.';
        CREATE UNIQUE INDEX jobs_owner_open_key ON jobs (owner) WHERE state <> 'done';
        CREATE UNIQUE INDEX jobs_email_key ON jobs (lower(email));
        ALTER TABLE jobs ADD CONSTRAINT jobs_seq_key UNIQUE (seq) INCLUDE (owner);
        CREATE TABLE job_links (a bigint, b bigint, note text, PRIMARY KEY (b, a));
        CREATE VIEW open_jobs AS SELECT id, owner FROM jobs WHERE state <> 'done';
        CREATE MATERIALIZED VIEW job_counts AS SELECT state, count(*) AS n FROM jobs GROUP BY state;
        CREATE UNIQUE INDEX job_counts_state ON job_counts (state);
        CREATE SCHEMA other;
        CREATE TABLE other.elsewhere (id int PRIMARY KEY);
        """

    @Test func readsTablesViewsKeysIndexesEnumsAndComments() async throws {
        try await TestDatabase.with { (db: TestDatabase) async throws in
            for statement in Self.schema.components(separatedBy: ";\n") where !statement.isEmpty {
                try await db.execute(statement)
            }
            try await withDriver(try await db.open()) { (driver: PostgresDriver) async throws in
                try await driver.prepare()  // the version and history tables are left out
                let catalog = try await driver.catalog(schema: nil)
                #expect(catalog.schema == "public")
                #expect(catalog.relations.map(\.name) == ["job_counts", "job_links", "jobs", "open_jobs"])
                #expect(catalog.relations.map(\.kind) == [.materializedView, .table, .table, .view])
                #expect(catalog.enums == [CatalogEnum(schema: "public", name: "status", labels: ["new", "in-progress", "done"], comment: "Where a job is.")])

                let jobs = try #require(catalog.relations.first { $0.name == "jobs" })
                #expect(jobs.comment == "Work to do.")
                #expect(jobs.primaryKey == ["id"])
                #expect(jobs.columns.map(\.name) == ["id", "seq", "owner", "email", "state", "tags", "price", "amount", "doubled", "created_at"])
                #expect(jobs.column("id")?.generation == .identityAlways)
                #expect(jobs.column("seq")?.generation == .serial)
                #expect(jobs.column("doubled")?.generation == .computed)
                #expect(jobs.column("doubled")?.defaultExpression == nil)
                #expect(jobs.column("owner")?.comment == "Who asked.")
                #expect(jobs.column("owner")?.isNullable == false)
                #expect(jobs.column("email")?.isNullable == true)
                #expect(jobs.column("state")?.defaultExpression == "'new'::status")
                #expect(jobs.column("state")?.type == CatalogType(name: "status", schema: "public", sqlName: "status", kind: .enumeration))
                #expect(jobs.column("tags")?.type.kind == .array(element: CatalogType(name: "text", sqlName: "text")))
                let cents = CatalogType(name: "numeric", sqlName: "numeric", precision: 12, scale: 2)
                #expect(jobs.column("price")?.type == CatalogType(name: "cents", schema: "public", sqlName: "cents", kind: .domain(base: cents)))
                #expect(jobs.column("amount")?.type == CatalogType(name: "numeric", sqlName: "numeric"))
                #expect(jobs.column("created_at")?.type == CatalogType(name: "timestamptz", sqlName: "timestamp with time zone"))

                #expect(jobs.uniqueIndexes.map(\.name) == ["jobs_email_key", "jobs_owner_open_key", "jobs_seq_key"])
                #expect(jobs.uniqueIndexes[0].isExpression && jobs.uniqueIndexes[0].columns == [])
                #expect(jobs.uniqueIndexes[1].columns == ["owner"])
                #expect(jobs.uniqueIndexes[1].predicate == "(state <> 'done'::status)")
                #expect(jobs.uniqueIndexes[2].columns == ["seq"])  // INCLUDE columns are not key columns

                let links = try #require(catalog.relations.first { $0.name == "job_links" })
                #expect(links.primaryKey == ["b", "a"])
                let counts = try #require(catalog.relations.first { $0.name == "job_counts" })
                #expect(counts.uniqueIndexes.map(\.columns) == [["state"]])
                #expect(counts.columns.map(\.isNullable) == [true, true])

                let other = try await driver.catalog(schema: "other")
                #expect(other.relations.map(\.name) == ["elsewhere"])
                #expect(other.relations[0].schema == "other")
                let error = await migrateError { _ = try await driver.catalog(schema: "missing") }
                #expect(error?.message == "cannot read the catalog: schema \"missing\" does not exist")
            }
        }
    }
}
