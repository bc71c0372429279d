import Testing
@testable import SwiftMigrate

@Suite struct DatabaseURLTests {
    @Test func parsesAPostgresURL() throws {
        let url = try DatabaseURL("postgres://app:s%40cret@db.internal:6543/orders?sslmode=require&search_path=billing")
        #expect(url.scheme == "postgres")
        #expect(url.user == "app")
        #expect(url.password == "s@cret")
        #expect(url.host == "db.internal")
        #expect(url.port == 6543)
        #expect(url.path == "/orders")
        #expect(url.queryValue("sslmode") == "require")
        #expect(url.queryValue("search_path") == "billing")
    }

    @Test func parsesUnixSocketAndIPv6Hosts() throws {
        let socket = try DatabaseURL("postgresql://me@%2Fvar%2Frun%2Fpostgresql/db")
        #expect(socket.host == "/var/run/postgresql")
        #expect(socket.port == nil)
        let ipv6 = try DatabaseURL("postgres://u@[::1]:5433/db")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 5433)
    }

    @Test func sqliteURLsKeepTheirPath() throws {
        #expect(try DatabaseURL("sqlite://quickstart.db").path == "quickstart.db")
        #expect(try DatabaseURL("sqlite3:///var/data/app.db").path == "/var/data/app.db")
        let uri = try DatabaseURL("sqlite3://file:../x.db?mode=ro")
        #expect(uri.opaquePath == "file:../x.db")
        #expect(uri.port == nil)
        #expect(uri.queryValue("mode") == "ro")
    }

    @Test func malformedURLsNameTheFaultWithoutThePassword() {
        let noScheme = #expect(throws: MigrateError.self) { try DatabaseURL("user:hunter2@localhost/db") }
        #expect(noScheme?.code == .invalidURL)
        #expect(noScheme?.message.contains("no scheme") == true)
        #expect(noScheme?.message.contains("hunter2") == false)
        let badPort = #expect(throws: MigrateError.self) { try DatabaseURL("postgres://u:hunter2@host:99999/db") }
        #expect(badPort?.message == "malformed database URL postgres://u:***@host:99999/db: invalid port \"99999\"")
    }

    @Test func redactsPasswordsEverywhere() throws {
        let url = try DatabaseURL("postgres://app:p%40ss@localhost/db?sslmode=disable&password=other")
        #expect(url.redacted == "postgres://app:***@localhost/db?sslmode=disable&password=***")
        #expect("\(url)" == url.redacted)
        #expect(url.scrub("login failed for p@ss and other") == "login failed for *** and ***")
        #expect(DatabaseURL.redact("postgres://u:x@h/db and mysql://root:y@h") == "postgres://u:***@h/db and mysql://root:***@h")
        // Every URL, also when the first has no path, and a password with a raw space in the first.
        #expect(DatabaseURL.redact("from postgres://a:1@h to postgres://b:2@h2/db, then sqlite://c:3@x?y=1")
            == "from postgres://a:***@h to postgres://b:***@h2/db, then sqlite://c:***@x?y=1")
        #expect(DatabaseURL.redact("postgres://u:pa ss@h/db") == "postgres://u:***@h/db")
        #expect(DatabaseURL.redact("postgres://user@host/db") == "postgres://user@host/db")
        #expect(DatabaseURL.redact("connect to host=a password=secret user=b") == "connect to host=a password=*** user=b")
    }

    @Test func findsSecretsAfterMultiByteTextAndAtTheEnds() throws {
        // A long table (status) whose last line holds the URL, with non-ASCII text before it.
        let rows = String(repeating: "42  créer_les_tables 🚀  applied\n", count: 2000)
        #expect(DatabaseURL.redact(rows + "postgres://app:s3cret@h/db: version 2") == rows + "postgres://app:***@h/db: version 2")
        #expect(DatabaseURL.redact("password=x") == "password=***")
        #expect(DatabaseURL.redact("ü password=é&a=1") == "ü password=***&a=1")
        #expect(DatabaseURL.redact("passwor") == "passwor")
        let url = try DatabaseURL("postgres://app:s3cr%C3%A9t@localhost/db")
        #expect(url.scrub("ééé s3cré s3crét s3cr%C3%A9t") == "ééé s3cré *** ***")
        #expect(url.scrub("s3crét") == "***")
        #expect(url.scrub("decomposed: s3cre\u{301}t") == "decomposed: ***")
    }
}

@Suite struct RedactionProseTests {
    @Test func proseWithColonsAndAtSignsIsLeftAlone() {
        let line = "migrations/001_a.up.sql:3:8: error: duplicate key: mail@example.com"
        #expect(DatabaseURL.redact(line) == line)
        #expect(DatabaseURL.redact("user:hunter2@localhost/db") == "user:***@localhost/db")
    }
}

/// A NUL ends a C string in every database client: refused wherever it is decoded, the password never shown.
@Suite struct DatabaseURLNULTests {
    @Test(arguments: [
        ("postgres://u:pw@h/db?application_name=a%00search_path%00evil", "parameter application_name"),
        ("postgres://u%00x:pw@h/db", "the user name"),
        ("postgres://u:p%00w@h/db", "the password"),
        ("postgres://u:pw@h%00x/db", "the host"),
        ("postgres://u:pw@h/d%00b", "the path"),
        ("sqlite://app%00.db", "the path"),
        ("sqlite://app.db?x%00=1", "parameter x\\0"),
    ])
    func nulIsRefusedNamingWhere(url: String, part: String) {
        let error = #expect(throws: MigrateError.self) { try DatabaseURL(url) }
        #expect(error?.code == .invalidURL)
        #expect(error?.message.hasSuffix(": a NUL byte (%00) in \(part)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("pw") == false && error?.message.contains("p%00w") == false)
    }

    @Test func controlCharactersInTheRedactedFormAreEscaped() throws {
        let url = try DatabaseURL("sqlite://a%0Ab.db?x-migrations-table=t%1B%5B2K")
        #expect(url.redacted == #"sqlite://a%0Ab.db?x-migrations-table=t\u{1B}[2K"#)
    }
}
