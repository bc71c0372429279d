import Foundation
import Logging
import SwiftMigrate

extension PostgresDriver {
    /// Creates an empty database on the server `url` points at, runs `body` with a driver connected to it, and
    /// drops it again, whatever `body` did: `verify` proves the down files there, never in the database the URL
    /// names. The scratch database is `swift_migrate_verify_` plus random hex; the URL's parameters
    /// (`sslmode`, `x-migrations-table`, ...) apply to it too. The role needs the CREATEDB privilege.
    ///
    /// - parameter created: called with the scratch database's name once it exists.
    public static func withScratchDatabase<T: Sendable>(
        like url: DatabaseURL, logger: Logger, created: ((String) -> Void)? = nil,
        _ body: (PostgresDriver) async throws -> T
    ) async throws -> T {
        let name = "swift_migrate_verify_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let admin = try await open(url: url, logger: logger)
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
}
