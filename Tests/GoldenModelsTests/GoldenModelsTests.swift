import Foundation
import GoldenModels
import Logging
import PostgresNIO
import SwiftMigrate
import SwiftMigrateModels
import SwiftMigratePostgres
import Testing

/// The golden models (Tests/GoldenModels, generated from the hand-written catalog of SwiftMigrateModelsTests)
/// against a real database with that schema: the live catalog generates the same bytes, and the code works.
@Suite struct GoldenModelsTests {
    static let logger = Logger(label: "golden-models-tests")
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("GoldenModels")

    static let schema = [
        "CREATE TYPE order_side AS ENUM ('buy', 'sell', 'in-between')",
        "COMMENT ON TYPE order_side IS 'Which way.'",
        """
        CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, client_ref text NOT NULL, \
        side order_side NOT NULL, price numeric(20,8) NOT NULL DEFAULT 0, note text, "default" text DEFAULT 'x', \
        created_at timestamptz NOT NULL DEFAULT now())
        """,
        "COMMENT ON TABLE orders IS 'Orders placed by a client.'",
        "COMMENT ON COLUMN orders.client_ref IS 'The client''s own reference.'",
        "CREATE UNIQUE INDEX orders_client_ref_key ON orders (client_ref)",
        "CREATE UNIQUE INDEX orders_open_note_key ON orders (note) WHERE side = 'buy'",
        "CREATE UNIQUE INDEX orders_lower_ref_key ON orders (lower(client_ref))",
        """
        CREATE TABLE order_lines (order_id bigint NOT NULL, line integer NOT NULL, tags text[] NOT NULL DEFAULT '{}', \
        details jsonb, "in" date NOT NULL, PRIMARY KEY (order_id, line))
        """,
        "CREATE MATERIALIZED VIEW order_totals AS SELECT side, sum(price) AS total FROM orders GROUP BY side",
        "CREATE UNIQUE INDEX order_totals_side_key ON order_totals (side)",
    ]

    /// A new database with the golden schema, a driver and a connection on it; dropped afterwards.
    func withDatabase(_ body: (PostgresDriver, PostgresConnection) async throws -> Void) async throws {
        guard let text = ProcessInfo.processInfo.environment["MIGRATE_TEST_POSTGRES_URL"], !text.isEmpty else {
            Issue.record("MIGRATE_TEST_POSTGRES_URL is not set: run the tests with scripts/test.sh")
            return
        }
        let server = try DatabaseURL(text)
        let name = "sm_golden_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        func connect(_ database: String) async throws -> PostgresConnection {
            try await PostgresConnection.connect(
                configuration: .init(
                    host: server.host ?? "localhost", port: server.port ?? 5432, username: server.user ?? "postgres",
                    password: server.password, database: database, tls: .disable
                ),
                id: 1, logger: Self.logger
            )
        }
        let maintenance = try await connect(server.path.isEmpty ? "postgres" : String(server.path.dropFirst()))
        try await maintenance.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Self.logger)
        var failure: (any Error)?
        do {
            // PostgresNIO requires every connection to be closed before it is freed, whatever fails.
            let connection = try await connect(String(name))
            do {
                for statement in Self.schema { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.logger) }
                let base = text.split(separator: "?", maxSplits: 1)
                let url = base[0].split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/") + "/\(name)" + (base.count > 1 ? "?" + base[1] : "")
                let driver = try await PostgresDriver.open(url: DatabaseURL(url), logger: Self.logger)
                do { try await body(driver, connection) } catch { failure = error }
                try? await driver.close()
            } catch {
                failure = error
            }
            try? await connection.close()
        } catch {
            failure = error
        }
        try await maintenance.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: Self.logger)
        try await maintenance.close()
        if let failure { throw failure }
    }

    @Test func theLiveCatalogGeneratesTheGoldenFiles() async throws {
        try await withDatabase { (driver: PostgresDriver, _: PostgresConnection) async throws in
            let files = try ModelGenerator().files(for: try await driver.catalog(schema: nil))
            #expect(files.count == 8)
            for file in files {
                let golden = try String(contentsOf: Self.golden.appendingPathComponent(file.name), encoding: .utf8)
                #expect(file.contents == golden, "\(file.name)")
            }
        }
    }

    @Test func enumsPartialIndexesKeywordColumnsAndDefaults() async throws {
        try await withDatabase { (_: PostgresDriver, db: PostgresConnection) async throws in
            let orders = OrdersModel(db, logger: Self.logger)
            let first = try await orders.insert(OrdersInsert(clientRef: "r1", side: .buy, note: "n"))
            #expect(first.id == 1)
            #expect(first.price == 0)
            #expect(first.default == "x")
            // `.some(nil)` stores NULL over the default; a value is stored as given.
            let second = try await orders.insert(OrdersInsert(clientRef: "r2", side: .inBetween, price: Decimal(string: "1.5"), note: "n", default: .some(nil)))
            #expect(second.default == nil)
            #expect(second.side == .inBetween)
            #expect(try await orders.findOneByClientRef(clientRef: "r2") == second)
            // The partial index's finder only sees the rows its predicate covers (side = 'buy').
            #expect(try await orders.findOneByNote(note: "n") == first)
            var changed = first
            changed.side = .sell
            #expect(try await orders.update(changed)?.side == .sell)
            #expect(try await orders.findOneByNote(note: "n") == nil)

            let totals = OrderTotalsModel(db, logger: Self.logger)
            try await db.query("REFRESH MATERIALIZED VIEW order_totals", logger: Self.logger)
            #expect(try await totals.findOneBySide(side: .inBetween)?.total == SQLNumeric(rawValue: "1.50000000"))
            #expect(Set(try await totals.fetchAll().map(\.side)) == [.sell, .inBetween])
        }
    }

    @Test func compositeKeysArraysJSONAndDates() async throws {
        try await withDatabase { (_: PostgresDriver, db: PostgresConnection) async throws in
            let lines = OrderLinesModel(db, logger: Self.logger)
            let day = Date(timeIntervalSince1970: 1_762_300_800)  // 2025-11-05 00:00 UTC
            let plain = try await lines.insert(OrderLinesInsert(orderId: 1, line: 1, details: nil, in: day))
            #expect(plain.tags == [])
            #expect(plain.details == nil)
            #expect(plain.in == day)
            let json = JSONText(rawValue: #"{"a": [1, 2]}"#)
            let full = try await lines.insert(OrderLinesInsert(orderId: 1, line: 2, tags: ["x", "y"], details: json, in: day))
            #expect(full.tags == ["x", "y"])
            #expect(full.details == JSONText(rawValue: #"{"a": [1, 2]}"#))
            struct Details: Decodable, Equatable { var a: [Int] }
            #expect(try full.details?.decode(Details.self) == Details(a: [1, 2]))
            #expect(try await lines.findOne(orderId: 1, line: 2) == full)
            var moved = full
            moved.in = day.addingTimeInterval(86_400)
            #expect(try await lines.update(moved) == moved)
            #expect(try await lines.delete(orderId: 1, line: 1) == true)
            #expect(try await lines.findOne(orderId: 1, line: 1) == nil)
        }
    }
}
