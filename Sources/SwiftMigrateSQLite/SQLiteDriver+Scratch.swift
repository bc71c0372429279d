import Foundation
import Logging
import SwiftMigrate

extension SQLiteDriver {
    /// Runs `body` with a driver on a new database file in a temporary directory, with `url`'s parameters, and
    /// removes the directory afterwards, whatever `body` did: `verify` proves the down files there, never in the
    /// file the URL names.
    ///
    /// - parameter created: called with the scratch file's path once it is chosen.
    public static func withScratchDatabase<T: Sendable>(
        like url: DatabaseURL, logger: Logger, created: ((String) -> Void)? = nil,
        _ body: (SQLiteDriver) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("swift-migrate-verify-" + String(UInt64.random(in: 0...UInt64.max), radix: 16))
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw MigrateError(.io, "cannot create a scratch directory in \(FileManager.default.temporaryDirectory.path): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("verify.db").path
        created?(path)
        let driver = try await open(url: url.replacingDatabase(path), logger: logger)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(driver))
        } catch {
            result = .failure(error)
        }
        try? await driver.close()
        return try result.get()
    }
}
