import Foundation
import Testing

/// Issue 18, item 4: `DATABASE_URL` silently won over the guide's `POSTGRES_DSN`. Two different URLs are now a
/// usage error naming both (redacted), and `up` first says which database it migrates and where the URL came from.
@Suite struct DatabaseChoiceCLITests {
    static let migrations: [String: String] = [
        "1_a.up.sql": "CREATE TABLE a (id int);\n", "1_a.down.sql": "DROP TABLE a;\n",
    ]

    @Test func twoDifferentVariablesAreAUsageErrorNamingBoth() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.migrations)
        let environment = [
            "DATABASE_URL": "postgres://app:hunter2-first@db1.invalid/app",
            "POSTGRES_DSN": "postgres://app:hunter2-second@db2.invalid/app?sslmode=disable",
        ]
        for command in [["up"], ["status"], ["validate"], ["down", "1"]] {
            let result = try CLI.run(["-path", migrations] + command, environment: environment)
            #expect(result.status == 2, "\(command): \(result)")
            #expect(result.stderr.contains(
                "DATABASE_URL (postgres://app:***@db1.invalid/app) and POSTGRES_DSN (postgres://app:***@db2.invalid/app?sslmode=disable) are both set and name different databases: pass -database URL to choose, or unset one of them"
            ), "\(command): \(result)")
            #expect(!result.all.contains("hunter2"), "\(result)")
        }
        // -database decides; the same URL in both variables is no conflict.
        let chosen = try CLI.run(["-path", migrations, "-database", "sqlite://\(dir.path("chosen.db"))", "up"], environment: environment)
        #expect(chosen.status == 0, "\(chosen)")
        let same = "sqlite://\(dir.path("same.db"))"
        let agreed = try CLI.run(["-path", migrations, "up"], environment: ["DATABASE_URL": same, "POSTGRES_DSN": same])
        #expect(agreed.status == 0, "\(agreed)")
    }

    @Test func upNamesTheDatabaseAndWhereItCameFromFirst() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.migrations)
        let flag = "sqlite://\(dir.path("flag.db"))"
        let byFlag = try CLI.run(["-path", migrations, "-database", flag, "up"])
        #expect(byFlag.stderr.split(separator: "\n").first == "migrating \(flag) (-database)", "\(byFlag)")
        #expect(byFlag.stderr.contains("1/u a ("))
        for variable in ["DATABASE_URL", "POSTGRES_DSN"] {
            let url = "sqlite://\(dir.path("\(variable).db"))"
            let result = try CLI.run(["-path", migrations, "up"], environment: [variable: url])
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.split(separator: "\n").first == "migrating \(url) (\(variable))", "\(result)")
            // Also when there is nothing to do.
            let again = try CLI.run(["-path", migrations, "up"], environment: [variable: url])
            #expect(again.stderr == "migrating \(url) (\(variable))\nno change\n", "\(again)")
        }
    }

    @Test func upRedactsThePasswordInItsFirstLine() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = try dir.write(Self.migrations)
        let result = try CLI.run(["-path", migrations, "up"], environment: ["POSTGRES_DSN": db.url])
        #expect(result.status == 0, "\(result)")
        let first = try #require(result.stderr.split(separator: "\n").first)
        #expect(first.hasPrefix("migrating postgres://migrate_pw:***@127.0.0.1:"), "\(result)")
        #expect(first.hasSuffix("/\(db.name)?sslmode=disable (POSTGRES_DSN)"), "\(result)")
    }
}
