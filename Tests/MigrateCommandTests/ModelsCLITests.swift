import Foundation
import Testing

/// `migrate models`: generation and `-check` against real PostgreSQL databases, through the built binary.
@Suite(.serialized) struct ModelsCLITests {
    static let trading = CLI.packageRoot.appendingPathComponent("examples/trading/migrations").resolvingSymlinksInPath().path
    static let tradingModels = CLI.packageRoot.appendingPathComponent("examples/trading/Models").path

    /// The guide's CI step: migrate a fresh database, then check the committed models against it.
    @Test func committedTradingModelsMatchTheMigratedSchema() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        #expect(try CLI.run(["-path", Self.trading, "-database", db.url, "up"]).status == 0)
        let check = try CLI.run(["models", "-database", db.url, "-dir", Self.tradingModels, "-check"])
        #expect(check.status == 0, "\(check)")
        #expect(check.stderr.hasSuffix("are up to date\n"), "\(check)")
    }

    @Test func checkFailsWhenAMigrationChangesTheSchemaUntilTheModelsAreRegenerated() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        let migrations = dir.path("migrations")
        try FileManager.default.copyItem(atPath: Self.trading, toPath: migrations)
        #expect(try CLI.run(["-path", migrations, "-database", db.url, "up"]).status == 0)
        let models = dir.path("Models")
        let base = ["models", "-database", db.url, "-dir", models]

        let missing = try CLI.run(base + ["-check"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("missing: AccountsModel.generated.swift\n"), "\(missing)")
        #expect(!FileManager.default.fileExists(atPath: models), "-check writes nothing")

        let generate = try CLI.run(base)
        #expect(generate.status == 0, "\(generate)")
        #expect(generate.stderr.contains("created AccountsModel.generated.swift\ncreated AccountsModel.swift\n"))
        let generated = try String(contentsOfFile: models + "/AccountsModel.generated.swift", encoding: .utf8)
        let committed = try String(contentsOfFile: Self.tradingModels + "/AccountsModel.generated.swift", encoding: .utf8)
        #expect(generated == committed)
        #expect(try CLI.run(base + ["-check"]).status == 0)
        try "// my queries\n".write(toFile: models + "/AccountsModel.swift", atomically: true, encoding: .utf8)

        // A new migration changes a table and drops another; the models were not regenerated.
        try dir.write([
            "006_change.up.sql": "ALTER TABLE accounts ADD COLUMN risk_limit NUMERIC(20, 8);\nDROP TABLE user_notifications;\n",
            "006_change.down.sql": "ALTER TABLE accounts DROP COLUMN risk_limit;\n",
        ])
        #expect(try CLI.run(["-path", migrations, "-database", db.url, "up"]).status == 0)
        let stale = try CLI.run(base + ["-check"])
        #expect(stale.status == 1, "\(stale)")
        #expect(stale.stderr.contains("out of date: AccountsModel.generated.swift\n"), "\(stale)")
        #expect(stale.stderr.contains("stale (its table or view is gone): UserNotificationsModel.generated.swift\n"))
        #expect(stale.stderr.contains("run `migrate models` and commit the result"))
        #expect(!stale.stderr.contains("PositionsModel"))

        // `-table "*"` (the guide's make model-gen) is every table: stale files go too.
        let regenerate = try CLI.run(base + ["-table", "*"])
        #expect(
            regenerate.stderr == """
                updated AccountsModel.generated.swift
                removed UserNotificationsModel.generated.swift
                warning: UserNotificationsModel.swift is yours and was kept; delete it or move its code, its table is gone

                """,
            "\(regenerate)"
        )
        #expect(try String(contentsOfFile: models + "/AccountsModel.generated.swift", encoding: .utf8).contains("public var riskLimit: Decimal?"))
        #expect(try String(contentsOfFile: models + "/AccountsModel.swift", encoding: .utf8) == "// my queries\n")
        #expect(try CLI.run(base + ["-check"]).status == 0)
    }

    @Test func checkExitsTwoWhenTheDatabaseCannotBeReached() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let result = try CLI.run(["models", "-database", "postgres://nobody:secret@127.0.0.1:1/db?sslmode=disable", "-dir", dir.path("m"), "-check"])
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("cannot connect"), "\(result)")
        #expect(!result.all.contains("secret"))
    }

    @Test func unmappedTypesAreErrorsUnlessOverriddenAndTablesFilter() throws {
        let db = try PostgresScratch()
        defer { db.drop() }
        let dir = try TempDir()
        defer { dir.remove() }
        _ = try db.query("CREATE TABLE holds (id int PRIMARY KEY, period interval NOT NULL); CREATE TABLE other (id int PRIMARY KEY)")
        let base = ["models", "-database", db.url, "-dir", dir.path("m")]
        let failed = try CLI.run(base)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("no Swift type for column holds.period of type interval (interval)"), "\(failed)")
        #expect(failed.stderr.contains("-type interval=SwiftType"))
        let mapped = try CLI.run(base + ["-table", "hold*", "-type", "interval=PostgresInterval"])
        #expect(mapped.status == 0, "\(mapped)")
        #expect(try String(contentsOfFile: dir.path("m/HoldsModel.generated.swift"), encoding: .utf8).contains("public var period: PostgresInterval"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("m/OtherModel.generated.swift")))
        let usage = try CLI.run(base + ["-type", "interval"])
        #expect(usage.status == 2, "\(usage)")
    }

    /// SQLite: the committed quickstart models match its migrated schema; regenerating changes nothing.
    @Test func committedQuickstartModelsMatchTheMigratedSQLiteSchema() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let url = "sqlite://\(dir.path("app.db"))"
        let migrations = CLI.packageRoot.appendingPathComponent("examples/quickstart/migrations").path
        #expect(try CLI.run(["-path", migrations, "-database", url, "up"]).status == 0)
        let models = CLI.packageRoot.appendingPathComponent("examples/quickstart/Models").path
        let check = try CLI.run(["models", "-database", url, "-dir", models, "-check"])
        #expect(check.status == 0, "\(check)")
        let fresh = try CLI.run(["models", "-database", url, "-dir", dir.path("m")])
        #expect(fresh.status == 0, "\(fresh)")
        #expect(
            try String(contentsOfFile: dir.path("m/UsersModel.generated.swift"), encoding: .utf8)
                == String(contentsOfFile: models + "/UsersModel.generated.swift", encoding: .utf8)
        )
        let schema = try CLI.run(["models", "-database", url, "-dir", dir.path("m"), "-schema", "other"])
        #expect(schema.status == 1)
        #expect(schema.stderr.contains("SQLite has no schema \"other\" (only main)"), "\(schema)")
    }
}
