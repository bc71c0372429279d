import Logging
import SwiftMigrate
import SwiftMigratePostgresCore

extension LibPQDriver {
    /// libpq's `connect_timeout` when the URL gives none (libpq itself would wait for ever).
    static let defaultConnectTimeoutSeconds = 10

    /// The server's refusals that mean "no free connection slot now" (SQLSTATE 53300), as libpq reports them: the
    /// server's `max_connections`, the slots it keeps for superusers, a role's or a database's `CONNECTION LIMIT`.
    /// Text, because libpq gives no SQLSTATE for a failed connection.
    static let noFreeSlotMessages = [
        "too many clients already", "remaining connection slots are reserved", "too many connections for role",
        "too many connections for database",
    ]

    /// ``connect(keywords:values:origin:url:queue:)``, tried again while the server has no free connection slot:
    /// application replicas that start together, or a busy server, get a slot as soon as one frees up instead of
    /// failing at once. Waits 50 ms, doubling to 1 s, for up to `window` in all (the URL's `connect_timeout`, else
    /// ``defaultConnectTimeoutSeconds``); then fails with the server's reason and how long it waited.
    static func connectWhenASlotIsFree(
        keywords: [String], values: [String], origin: String, url: DatabaseURL, queue: BlockingCallQueue,
        window: Duration, logger: Logger
    ) async throws -> LibPQConnection {
        let clock = ContinuousClock()
        let start = clock.now
        var pause = Duration.milliseconds(50)
        var attempts = 1
        while true {
            do {
                return try await connect(keywords: keywords, values: values, origin: origin, url: url, queue: queue)
            } catch let error as MigrateError where error.code == .connection && noFreeSlotMessages.contains(where: error.message.contains) {
                let waited = clock.now - start
                guard waited + pause < window else {
                    guard attempts > 1 else { throw error }
                    throw MigrateError(
                        .connection, "\(error.message) (tried \(attempts) times in \(AppliedMigration.format(waited)))",
                        sqlState: "53300", hint: "the server had no free connection slot for the whole connect_timeout; close idle sessions, "
                            + "raise max_connections or the role's CONNECTION LIMIT, or give a longer connect_timeout"
                    )
                }
                logger.info("no free connection slot: trying again", metadata: [
                    "db.url": "\(origin)", "db.retry_in": "\(AppliedMigration.format(pause))",
                ])
                do {
                    try await Task.sleep(for: pause)
                } catch {
                    throw MigrateError(.cancelled, "cancelled while waiting for a connection slot on \(origin)")
                }
                attempts += 1
                pause = min(pause * 2, .seconds(1))
            }
        }
    }
}
