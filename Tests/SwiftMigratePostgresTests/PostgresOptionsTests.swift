import Foundation
import PostgresNIO
import SwiftMigrate
import Testing

@testable import SwiftMigratePostgres

@Suite struct PostgresOptionsTests {
    typealias Options = PostgresDriver.Options

    func options(_ url: String, environment: [String: String] = [:]) throws(MigrateError) -> Options {
        try Options(url: DatabaseURL(url), environment: environment)
    }

    func error(_ url: String, environment: [String: String] = [:]) -> MigrateError? {
        do {
            _ = try options(url, environment: environment)
            Issue.record("\(url) parsed")
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultsFollowLibpq() throws {
        let osUser = Options.osUser([:])
        let bare = try options("postgres://")
        #expect(bare.endpoint == .tcp(host: "localhost", port: 5432))
        #expect(bare.user == osUser)
        #expect(bare.password == nil)
        #expect(bare.database == osUser)
        #expect(bare.sslMode == .prefer)
        #expect(bare.connectTimeout == .seconds(10))
        #expect(bare.migrationsTable == Options.TableName(schema: nil, name: "schema_migrations"))
        #expect(bare.lockDatabaseName == nil)
        #expect(bare.statementTimeoutMilliseconds == nil)
        #expect(bare.startupParameters.isEmpty)

        let fromEnvironment = try options("postgresql://", environment: ["PGUSER": "envuser", "PGPASSWORD": "envpw"])
        #expect(fromEnvironment.user == "envuser")
        #expect(fromEnvironment.password == "envpw")
        #expect(fromEnvironment.database == "envuser")
    }

    @Test func urlParts() throws {
        let parsed = try options("postgres://alice:s%40cret@db.example.com:6543/inventory?sslmode=disable&connect_timeout=3")
        #expect(parsed.endpoint == .tcp(host: "db.example.com", port: 6543))
        #expect(parsed.user == "alice")
        #expect(parsed.password == "s@cret")
        #expect(parsed.database == "inventory")
        #expect(parsed.lockDatabaseName == "/inventory")
        #expect(parsed.sslMode == .disable)
        #expect(parsed.connectTimeout == .seconds(3))
        #expect(try options("postgres://h/db?connect_timeout=0").connectTimeout == nil)
        #expect(try options("postgres://a@h/db?password=p%26q").password == "p&q")
        #expect(try options("postgres://[::1]:5433/db").endpoint == .tcp(host: "::1", port: 5433))
    }

    @Test func unixSocketDirectories() throws {
        let encoded = try options("postgres://bob@%2Fvar%2Frun%2Fpostgresql:5433/app")
        #expect(encoded.endpoint == .unixSocket(path: "/var/run/postgresql/.s.PGSQL.5433"))
        let parameter = try options("postgres://bob@/app?host=/tmp/pg/")
        #expect(parameter.endpoint == .unixSocket(path: "/tmp/pg/.s.PGSQL.5432"))
        #expect(parameter.database == "app")
    }

    @Test func startupParametersAndStatementTimeout() throws {
        let parsed = try options("postgres://h/db?search_path=app,public&application_name=deploy&x-statement-timeout=1500")
        #expect(parsed.startupParameters.map(\.name) == ["search_path", "application_name"])
        #expect(parsed.startupParameters.map(\.value) == ["app,public", "deploy"])
        #expect(parsed.statementTimeoutMilliseconds == 1500)
        #expect(error("postgres://h/db?x-statement-timeout=soon")?.message
            == "invalid x-statement-timeout \"soon\" in database URL postgres://h/db?x-statement-timeout=soon: expected milliseconds from 0 to 2147483647")
    }

    @Test func golangMigrateParametersAreAccepted() throws {
        let parsed = try options("postgres://h/db?x-multi-statement=true&x-multi-statement-max-size=1024&x-migrations-table=mig")
        #expect(parsed.migrationsTable == Options.TableName(schema: nil, name: "mig"))
        #expect(error("postgres://h/db?x-multi-statement=yes")?.message
            == "unable to parse option x-multi-statement: parsing \"yes\": invalid syntax (expected true or false)")
    }

    @Test func unknownParameters() {
        let unknownX = error("postgres://u:hunter2@h/db?x-foo=1")
        #expect(unknownX?.code == .invalidURL)
        #expect(unknownX?.message == "unknown parameter x-foo in database URL postgres://u:***@h/db?x-foo=1")
        let unknown = error("postgres://u:hunter2@h/db?sslmod=disable")
        #expect(unknown?.message == "unknown parameter sslmod in database URL postgres://u:***@h/db?sslmod=disable; "
            + "supported: application_name, connect_timeout, dbname, host, options, password, port, search_path, "
            + "sslcert, sslkey, sslmode, sslrootcert, user, x-migrations-table, x-migrations-table-quoted, "
            + "x-multi-statement, x-multi-statement-max-size, x-statement-timeout, x-lock-timeout, "
            + "x-lock-strategy, x-lock-table, x-lock-ttl")
        #expect(error("postgres://h/db?sslmode=on")?.message
            == "invalid sslmode \"on\" in database URL postgres://h/db?sslmode=on; expected one of: disable, allow, prefer, require, verify-ca, verify-full")
    }

    @Test func quotedMigrationsTable() throws {
        func table(_ value: String, quoted: String = "true") throws -> Options.TableName {
            try options("postgres://h/db?x-migrations-table=\(value)&x-migrations-table-quoted=\(quoted)").migrationsTable
        }
        #expect(try table("%22migrate%22.%22schema_migrations%22") == Options.TableName(schema: "migrate", name: "schema_migrations"))
        #expect(try table("%22my.table%22") == Options.TableName(schema: nil, name: "my.table"))
        #expect(try table("my.table", quoted: "false") == Options.TableName(schema: nil, name: "my.table"))
        #expect(try table("%22x%22", quoted: "") == Options.TableName(schema: nil, name: "\"x\""))

        let unquoted = error("postgres://h/db?x-migrations-table=migrate.schema_migrations&x-migrations-table-quoted=1")
        #expect(unquoted?.message == "x-migrations-table must be quoted (for instance '\"migrate\".\"schema_migrations\"') "
            + "when x-migrations-table-quoted is enabled, current value is: migrate.schema_migrations")
        let junk = error("postgres://h/db?x-migrations-table=%22a%22x%22b%22&x-migrations-table-quoted=1")
        #expect(junk?.message.hasPrefix("x-migrations-table must be quoted") == true)
        let dots = error("postgres://h/db?x-migrations-table=%22a%22.%22b%22.%22c%22&x-migrations-table-quoted=true")
        #expect(dots?.message == "\"\"a\".\"b\".\"c\"\" MigrationsTable contains too many dot characters")
        #expect(error("postgres://h/db?x-migrations-table=t&x-migrations-table-quoted=maybe")?.message
            == "unable to parse option x-migrations-table-quoted: parsing \"maybe\": invalid syntax (expected true or false)")
    }

    @Test func missingRootCertificateNamesParameterAndPath() throws {
        let url = try DatabaseURL("postgres://u:hunter2@h/db?sslmode=verify-full&sslrootcert=/nonexistent/root.pem")
        let options = try Options(url: url, environment: [:])
        #expect(throws: MigrateError.self) { try PostgresDriver.connectionConfiguration(options, url: url) }
        do {
            _ = try PostgresDriver.connectionConfiguration(options, url: url)
        } catch {
            #expect(error.code == .invalidURL)
            #expect(error.message == "sslrootcert file /nonexistent/root.pem does not exist (database URL "
                + "postgres://u:***@h/db?sslmode=verify-full&sslrootcert=/nonexistent/root.pem)")
        }
    }

    @Test func tlsModes() throws {
        func tls(_ mode: String) throws -> (allowed: Bool, enforced: Bool) {
            let url = try DatabaseURL("postgres://h/db?sslmode=\(mode)")
            let configuration = try PostgresDriver.connectionConfiguration(Options(url: url, environment: [:]), url: url)
            return (configuration.tls.isAllowed, configuration.tls.isEnforced)
        }
        #expect(try tls("disable") == (false, false))
        #expect(try tls("prefer") == (true, false))
        #expect(try tls("allow") == (true, false))
        #expect(try tls("require") == (true, true))
        #expect(try tls("verify-full") == (true, true))
        let socket = try DatabaseURL("postgres://u@%2Ftmp/db?sslmode=require")
        #expect(try PostgresDriver.connectionConfiguration(Options(url: socket, environment: [:]), url: socket).tls.isAllowed == false)
    }
}
