import Foundation
import Testing

/// sslmode against a real PostgreSQL that offers TLS with a certificate from a test CA (started by
/// scripts/test.sh: $MIGRATE_TEST_TLS_PORT, $MIGRATE_TEST_TLS_CA, $MIGRATE_TEST_TLS_OTHER_CA).
@Suite(.serialized) struct TLSCLITests {
    struct Server {
        let port: String
        let ca: String
        let otherCA: String

        init() throws {
            let environment = ProcessInfo.processInfo.environment
            guard let port = environment["MIGRATE_TEST_TLS_PORT"], let ca = environment["MIGRATE_TEST_TLS_CA"],
                  let otherCA = environment["MIGRATE_TEST_TLS_OTHER_CA"] else {
                Issue.record("MIGRATE_TEST_TLS_PORT/_CA/_OTHER_CA are not set: run the tests with scripts/test.sh")
                throw CancellationError()
            }
            self.port = port
            self.ca = ca
            self.otherCA = otherCA
        }

        func url(_ database: String, host: String = "localhost", _ query: String) -> String {
            "postgres://postgres@\(host):\(port)/\(database)?\(query)"
        }
    }

    /// Each run records whether its own connection used TLS, read back over a plain connection.
    static let recordTLS = ["1_tls.up.sql": "CREATE TABLE tls_seen AS SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();\n"]

    @Test(arguments: [
        "sslmode=verify-full&sslrootcert=CA", "sslmode=verify-ca&sslrootcert=CA", "sslmode=require",
        "sslmode=prefer", "sslmode=disable",
    ])
    func modesConnectWithTheExpectedEncryption(_ mode: String) throws {
        let server = try Server()
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.recordTLS)
        let database = "tls_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let admin = server.url("postgres", host: "127.0.0.1", "sslmode=disable")
        _ = try PostgresScratch.psql(admin, "CREATE DATABASE \(database)")
        defer { _ = try? PostgresScratch.psql(admin, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let url = server.url(database, mode.replacingOccurrences(of: "=CA", with: "=\(server.ca)"))
        let result = try CLI.run(["-path", migrations, "-database", url, "up"])
        #expect(result.status == 0, "\(result)")
        let seen = try PostgresScratch.psql(server.url(database, host: "127.0.0.1", "sslmode=disable"), "SELECT ssl FROM tls_seen")
        #expect(seen == (mode == "sslmode=disable" ? "f" : "t"))
    }

    @Test func verifyFullWithTheWrongCAFailsClearlyAndChangesNothing() throws {
        let server = try Server()
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.recordTLS)
        let url = server.url("postgres", "sslmode=verify-full&sslrootcert=\(server.otherCA)")
        let result = try CLI.run(["-path", migrations, "-database", url, "up"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: cannot connect to postgres://postgres@localhost:\(server.port)/postgres?sslmode=verify-full"))
        // libpq with the system's OpenSSL says "certificate verify failed".
        #expect(result.stderr.lowercased().contains("certificate verify failed"), "\(result)")
        let tables = try PostgresScratch.psql(server.url("postgres", host: "127.0.0.1", "sslmode=disable"), "SELECT count(*) FROM pg_tables WHERE tablename = 'tls_seen'")
        #expect(tables == "0")
    }
}
