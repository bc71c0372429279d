import Testing
@testable import SwiftMigrate

/// `replacingDatabase` (verify's scratch database) and `addingQueryItems` (-db-lock-timeout and friends).
@Suite struct DatabaseURLRewriteTests {
    @Test func replacingThePostgresDatabaseKeepsCredentialsAndParameters() throws {
        let url = try DatabaseURL("postgres://app:S3cr%40t@db.internal:6543/orders?sslmode=require&x-migrations-table=mig")
        let scratch = try url.replacingDatabase("swift_migrate_verify_1f")
        #expect(scratch.path == "/swift_migrate_verify_1f")
        #expect(scratch.user == "app")
        #expect(scratch.password == "S3cr@t")
        #expect(scratch.host == "db.internal")
        #expect(scratch.port == 6543)
        #expect(scratch.queryItems.map { "\($0.name)=\($0.value)" } == ["sslmode=require", "x-migrations-table=mig"])
        #expect(scratch.description == "postgres://app:***@db.internal:6543/swift_migrate_verify_1f?sslmode=require&x-migrations-table=mig")
        #expect(!scratch.description.contains("S3cr"))
        #expect(!scratch.redacted.contains("S3cr"))
    }

    @Test func replacingDropsDbnameAndWorksWithoutAPath() throws {
        let url = try DatabaseURL("postgresql://u:pw@localhost?dbname=orders&sslmode=disable&password=hunter2")
        let scratch = try url.replacingDatabase("scratch")
        #expect(scratch.path == "/scratch")
        #expect(scratch.queryValue("dbname") == nil)
        #expect(scratch.queryValue("sslmode") == "disable")
        #expect(scratch.queryValue("password") == "hunter2")
        #expect(scratch.description == "postgresql://u:***@localhost/scratch?sslmode=disable&password=***")
        // A socket host (percent-encoded in the authority) stays encoded and decodes the same.
        let socket = try DatabaseURL("postgres://me@%2Fvar%2Frun%2Fpostgresql/app").replacingDatabase("other")
        #expect(socket.host == "/var/run/postgresql")
        #expect(socket.path == "/other")
    }

    @Test func replacingTheSQLiteFileKeepsTheQuery() throws {
        let url = try DatabaseURL("sqlite3://data/app.db?x-migrations-table=mig&_journal_mode=WAL")
        let scratch = try url.replacingDatabase("/tmp/swift-migrate-verify-ab/verify.db")
        #expect(scratch.scheme == "sqlite3")
        #expect(scratch.path == "/tmp/swift-migrate-verify-ab/verify.db")
        #expect(scratch.opaquePath == "/tmp/swift-migrate-verify-ab/verify.db")
        #expect(scratch.queryItems.map(\.name) == ["x-migrations-table", "_journal_mode"])
        #expect(scratch.description == "sqlite3:///tmp/swift-migrate-verify-ab/verify.db?x-migrations-table=mig&_journal_mode=WAL")
    }

    @Test func addingQueryItemsAppendsOrReplaces() throws {
        let url = try DatabaseURL("postgres://app:pa55@localhost:5432/db?sslmode=disable&x-lock-timeout=1")
        let added = try url.addingQueryItems([("x-lock-timeout", "5000"), ("x-statement-timeout", "600000")])
        #expect(added.queryItems.map { "\($0.name)=\($0.value)" } == [
            "sslmode=disable", "x-lock-timeout=5000", "x-statement-timeout=600000",
        ])
        #expect(added.password == "pa55")
        #expect(added.path == "/db")
        #expect(added.description == "postgres://app:***@localhost:5432/db?sslmode=disable&x-lock-timeout=5000&x-statement-timeout=600000")
        // Values with reserved characters survive the round trip.
        let odd = try DatabaseURL("postgres://localhost/db").addingQueryItems([("search_path", "a&b=c d")])
        #expect(odd.queryValue("search_path") == "a&b=c d")
        // Nothing to add: the same URL.
        #expect(try DatabaseURL("sqlite://x.db").addingQueryItems([]) == DatabaseURL("sqlite://x.db"))
    }
}
