import Foundation
import Logging
import PostgresNIO
import SwiftMigrate

extension PostgresDriver {
    /// Creates an empty database on the server `url` points at, runs `body` with a driver connected to it, and
    /// drops it again, whatever `body` did: `verify` proves the down files there, never in the database the URL
    /// names. The scratch database is `swift_migrate_verify_`, the Unix time and random hex; the URL's parameters
    /// (`sslmode`, `x-migrations-table`, ...) apply to it too. The role needs the CREATEDB privilege.
    ///
    /// A run killed before its cleanup (`kill -9`) leaves its scratch database behind; the next run drops every
    /// scratch database older than ten minutes that nobody is connected to.
    ///
    /// - parameter created: called with the scratch database's name once it exists.
    public static func withScratchDatabase<T: Sendable>(
        like url: DatabaseURL, logger: Logger, created: ((String) -> Void)? = nil,
        _ body: (PostgresDriver) async throws -> T
    ) async throws -> T {
        let now = Int(Date().timeIntervalSince1970)
        let name = "\(scratchPrefix)\(now)_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let admin = try await open(url: url, logger: logger)
        await dropStaleScratchDatabases(admin, now: now, logger: logger)
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
            let scratch = try await open(url: url.replacingDatabase(name), logger: logger)
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

    static let scratchPrefix = "swift_migrate_verify_"

    /// Drops the scratch databases of runs that were killed: older than ten minutes (by the time in their name;
    /// names of earlier versions carry none) and without a connection. `DROP DATABASE` without FORCE fails when
    /// someone connects meanwhile; such a failure is only logged.
    static func dropStaleScratchDatabases(_ admin: PostgresDriver, now: Int, logger: Logger) async {
        var stale: [String] = []
        do {
            let sql: PostgresQuery = """
                SELECT d.datname::text FROM pg_database d
                WHERE d.datname LIKE 'swift\\_migrate\\_verify\\_%'
                AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)
                """
            try await admin.query(sql, what: "list scratch databases") { rows in
                for try await name in rows.decode(String.self) { stale.append(name) }
            }
        } catch {
            logger.debug("cannot list scratch databases", metadata: ["db.error": "\(error)"])
            return
        }
        for name in stale {
            let parts = name.dropFirst(scratchPrefix.count).split(separator: "_")
            if parts.count == 2, let created = Int(parts[0]), now - created < 600 { continue }
            do {
                try await admin.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(name))")
                logger.warning("dropped \(name), a scratch database left behind by an interrupted verify")
            } catch {
                logger.debug("cannot drop the scratch database \(name)", metadata: ["db.error": "\(error)"])
            }
        }
    }
}
