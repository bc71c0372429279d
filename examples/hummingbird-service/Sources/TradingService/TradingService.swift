import Foundation
import Hummingbird
import Logging
import PostgresNIO
import SwiftMigrate
import SwiftMigrateService
import TradingModels

/// The example service of the migrations guide's trading schema: it migrates its database at startup through
/// ``MigrationService`` on its own `PostgresClient`, then serves the daily P&L as JSON.
///
/// Configuration comes from libpq's environment variables, as a deployment passes secrets: `PGHOST` (default
/// `localhost`), `PGPORT` (5432), `PGUSER` (`postgres`), `PGPASSWORD`, `PGDATABASE` (the user's name); and
/// `PORT` for HTTP (8080). No database URL is built: the password stays in the client's configuration.
///
///     GET /pnl/daily   {"days": [{"model_id": "m1", "date": "2025-01-05T00:00:00Z", "total_pnl": "10.00000000"}]}
@main
struct TradingService {
    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let logger = {
            var logger = Logger(label: "trading-service")
            logger.logLevel = environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return logger
        }()

        let user = environment["PGUSER"] ?? "postgres"
        let client = PostgresClient(
            configuration: .init(
                host: environment["PGHOST"] ?? "localhost", port: environment["PGPORT"].flatMap(Int.init) ?? 5432,
                username: user, password: environment["PGPASSWORD"], database: environment["PGDATABASE"] ?? user,
                tls: .disable
            ),
            backgroundLogger: logger
        )
        // The migrations are the trading example's, bundled as the target's resources.
        let migrations = MigrationService(
            client: client, source: BundleSource(bundle: .module, subdirectory: "migrations"), logger: logger
        )

        let router = Router()
        router.get("/pnl/daily") { _, _ -> DailyPnl in
            DailyPnl(days: try await VDailyPnlModel(client, logger: logger).fetchAll())
        }
        var app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: environment["PORT"].flatMap(Int.init) ?? 8080)),
            services: [client, migrations],
            logger: logger
        )
        // No request is served before the schema is migrated; a failed migration stops the service.
        app.beforeServerStarts { try await migrations.waitUntilMigrated() }
        try await app.runService()
    }
}

/// The body of `GET /pnl/daily`: every row of the materialized view `v_daily_pnl`.
struct DailyPnl: ResponseEncodable {
    var days: [VDailyPnlRow]
}
