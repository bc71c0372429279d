import Foundation
import Logging
import SwiftMigrate
import Synchronization

/// `verify`'s scratch database, the same for both PostgreSQL drivers.
package enum PostgresScratchDatabase {
    /// Creates an empty database on the server `url` points at, runs `body` with a driver connected to it, and
    /// drops it again, whatever `body` did: `verify` proves the down files there, never in the database the URL
    /// names. The scratch database is `swift_migrate_verify_`, the Unix time and random hex; the URL's parameters
    /// (`sslmode`, `x-migrations-table`, ...) apply to it too. The role needs the CREATEDB privilege.
    ///
    /// A run killed before its cleanup (`kill -9`) leaves its scratch database behind; the next run drops every
    /// scratch database older than ten minutes that nobody is connected to.
    ///
    /// - parameters:
    ///   - created: called with the scratch database's name once it exists.
    ///   - open: opens the driver on a URL; `engine` gives its engine.
    package static func with<Driver: DatabaseDriver, T: Sendable>(
        like url: DatabaseURL, logger: Logger, created: ((String) -> Void)?,
        open: (DatabaseURL) async throws -> Driver, engine: (Driver) -> PostgresEngine,
        _ body: (Driver) async throws -> T
    ) async throws -> T {
        let now = Int(Date().timeIntervalSince1970)
        let name = "\(prefix)\(now)_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let admin = try await open(url)
        await dropStale(engine(admin), now: now, logger: logger)
        do {
            try await admin.execute("CREATE DATABASE \(name)")
        } catch let failure as DatabaseFailure {
            try? await admin.close()
            throw MigrateError(
                .connection, "cannot create a scratch database on \(url.redacted): \(failure)",
                hint: failure.sqlState == "42501"
                    ? "the role needs the CREATEDB privilege (ALTER ROLE name CREATEDB), or run verify as a role that has it"
                    : failure.hint
            )
        }
        created?(name)
        let result: Result<T, any Error>
        do {
            let scratch = try await open(url.replacingDatabase(name))
            do {
                result = .success(try await body(scratch))
            } catch {
                result = .failure(error)
            }
            try? await scratch.close()
        } catch {
            result = .failure(error)
        }
        do {
            try await admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        } catch {
            logger.warning("could not drop the scratch database \(name): \(error)")
        }
        try? await admin.close()
        return try result.get()
    }

    static let prefix = "swift_migrate_verify_"

    /// Drops the scratch databases of runs that were killed: older than ten minutes (by the time in their name;
    /// names of earlier versions carry none) and without a connection. `DROP DATABASE` without FORCE fails when
    /// someone connects meanwhile; such a failure is only logged.
    static func dropStale(_ admin: PostgresEngine, now: Int, logger: Logger) async {
        let stale: [String]
        do {
            let sql = """
                SELECT d.datname::text FROM pg_database d
                WHERE d.datname LIKE 'swift\\_migrate\\_verify\\_%'
                AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)
                """
            stale = try await admin.rows(sql, what: "list scratch databases").map { try $0.text(0) }
        } catch {
            logger.debug("cannot list scratch databases", metadata: ["db.error": "\(error)"])
            return
        }
        for name in stale {
            let parts = name.dropFirst(prefix.count).split(separator: "_")
            if parts.count == 2, let created = Int(parts[0]), now - created < 600 { continue }
            do {
                try await admin.run("DROP DATABASE IF EXISTS \(quoteIdentifier(name))", what: "drop \(name)")
                logger.warning("dropped \(name), a scratch database left behind by an interrupted verify")
            } catch {
                logger.debug("cannot drop the scratch database \(name)", metadata: ["db.error": "\(error)"])
            }
        }
    }
}
