import CSQLite
import Foundation
import SwiftMigrate

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SQLiteConnection {
    /// Opens the database a configuration names and applies its settings. Blocking: call it on the driver's
    /// queue.
    ///
    /// - Throws: ``MigrateError/Code/connection`` naming the file and the redacted URL when the file cannot be
    ///   opened for writing, is a directory, lies in a missing directory, or is not a SQLite database.
    static func open(_ configuration: SQLiteDriver.Configuration) throws -> SQLiteConnection {
        let path = configuration.fileSystemPath
        func failure(_ reason: String, hint: String? = nil) -> MigrateError {
            MigrateError(
                .connection,
                "cannot open SQLite database \(path ?? configuration.filename) (\(configuration.displayURL)): \(reason)",
                hint: hint
            )
        }
        // SQLite's own message for these is "unable to open database file", which names neither the file nor
        // the reason.
        if let path, let reason = problem(with: path) { throw failure(reason) }

        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        if configuration.isURI { flags |= SQLITE_OPEN_URI }
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(configuration.filename, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            var reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let handle, case let code = sqlite3_system_errno(handle), code != 0 {
                reason += " (\(String(cString: strerror(code))))"
            }
            sqlite3_close_v2(handle)
            throw failure(reason)
        }
        // From here on the connection's deinit closes the handle if anything throws.
        let connection = SQLiteConnection(db: handle)
        sqlite3_extended_result_codes(handle, 1)
        // SQLite silently falls back to read-only when the file cannot be opened for writing; a migrator
        // would then fail at its first write, far from the cause.
        if connection.isReadOnly && !configuration.requestsReadOnly {
            throw failure(
                "the file is read-only",
                hint: "make it writable, or open it read-only on purpose with sqlite3://file:PATH?mode=ro"
            )
        }
        // Reads the header, so a file that is not a database fails here rather than in the first migration.
        // Checked without waiting: busy means another connection is writing the file (often a migrator that
        // holds our lock), so it is a database, and reading its schema (this query, PRAGMA synchronous) would
        // wait the busy timeout and fail before the lock's own timeout could decide. The settings are then
        // applied at the connection's first use: for a migration, once this connection holds the lock.
        do {
            try connection.query("SELECT count(*) FROM sqlite_master")
            try connection.apply(configuration)
        } catch let error as DatabaseFailure where error.sqlState?.hasPrefix("SQLITE_BUSY") == true {
            connection.deferredSettings = configuration
        } catch let error as DatabaseFailure {
            throw failure(error.message)
        }
        sqlite3_busy_timeout(handle, Int32(clamping: configuration.busyTimeout.saturatingMilliseconds))
        return connection
    }

    /// Applies the URL's connection settings: foreign keys, journal mode, synchronous.
    func apply(_ configuration: SQLiteDriver.Configuration) throws {
        if let foreignKeys = configuration.foreignKeys {
            try execute("PRAGMA foreign_keys = \(foreignKeys ? "ON" : "OFF")")
        }
        if let journalMode = configuration.journalMode {
            // Validated against SQLiteDriver.Configuration.journalModes, so it is safe to splice.
            try execute("PRAGMA journal_mode = \(journalMode)")
        }
        // Validated against SQLiteDriver.Configuration.synchronousLevels. Set after journal_mode, as
        // go-sqlite3 does.
        try execute("PRAGMA synchronous = \(configuration.synchronous)")
    }

    /// Applies the settings `open` deferred, if any (waiting up to the busy timeout).
    ///
    /// - Throws: ``MigrateError/Code/driver`` saying that the settings failed (not the operation that needed
    ///   them), without a position that could be mistaken for one in a migration file.
    func applyDeferredSettings() throws {
        guard let configuration = deferredSettings else { return }
        do {
            try apply(configuration)
        } catch let failure as DatabaseFailure {
            throw MigrateError(
                .driver, "cannot apply the connection settings to \(configuration.displayURL): \(failure.message)",
                sqlState: failure.sqlState
            )
        }
        deferredSettings = nil
    }

    /// Why `path` cannot hold a database file, checked before SQLite tries.
    private static func problem(with path: String) -> String? {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        if files.fileExists(atPath: path, isDirectory: &isDirectory) {
            return isDirectory.boolValue ? "\(path) is a directory, not a database file" : nil
        }
        let parent = (path as NSString).deletingLastPathComponent
        let directory = parent.isEmpty ? "." : parent
        guard files.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            return "the directory \(directory) does not exist"
        }
        return isDirectory.boolValue ? nil : "\(directory) is not a directory"
    }
}
