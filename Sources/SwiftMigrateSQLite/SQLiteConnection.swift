import CSQLite
import Dispatch
import Foundation
import SwiftMigrate

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value bound to a `?` parameter, or read from a column: SQLite's five storage classes.
public enum SQLiteValue: Sendable, Hashable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case null
}

/// The open `sqlite3*` handle and the migration lock's file descriptor.
///
/// `@unchecked Sendable` because it holds a C pointer and mutable state: every access goes through the owning
/// ``SQLiteDriver``'s private serial `DispatchQueue`, never two threads at once.
final class SQLiteConnection: @unchecked Sendable {
    private var db: OpaquePointer?
    /// The file the migration lock is taken on; nil for in-memory and temporary databases.
    let lockPath: String?
    private var lockDescriptor: Int32 = -1
    /// Settings that `open` could not apply because another connection was writing the file; applied at the
    /// connection's first use after `open` other than taking or releasing the lock (see
    /// ``applyDeferredSettings()``): for a migration, once the lock is held.
    var deferredSettings: SQLiteDriver.Configuration?

    /// The handle for ``interrupt()``, which may be called from another thread while a statement runs.
    private let interruptHandle: OpaquePointer
    /// When the running statement must stop (``run(_:until:)``), as `DispatchTime` nanoseconds; 0 for never.
    /// Read by the progress handler on the thread that runs the statement, the only one that writes it.
    private var deadline: UInt64 = 0
    /// Set by the progress handler when it stopped a statement at its deadline.
    private(set) var deadlinePassed = false

    init(db: OpaquePointer) {
        self.db = db
        interruptHandle = db
        // SQLite's own absolute path of the main database; "" for :memory: and temporary databases.
        if let name = sqlite3_db_filename(db, "main"), name.pointee != 0 {
            lockPath = String(cString: name)
        } else {
            lockPath = nil
        }
    }

    deinit { close() }

    var isOpen: Bool { db != nil }

    /// Makes the running statement fail with `SQLITE_INTERRUPT` (task cancellation). Safe from any thread
    /// while the connection is open; the driver closes it only after the statement returned.
    func interrupt() {
        sqlite3_interrupt(interruptHandle)
    }

    /// Runs `body` (statements on this connection), interrupting any statement still running at `deadline`
    /// (``deadlinePassed`` then tells why it failed). SQLite calls the progress handler every 1,000 virtual
    /// machine instructions; a statement waiting on another connection's lock is bounded by the busy timeout.
    func run<T>(until deadline: DispatchTime?, _ body: () throws -> T) throws -> T {
        guard let deadline, let db else { return try body() }
        self.deadline = deadline.uptimeNanoseconds
        deadlinePassed = false
        sqlite3_progress_handler(db, 1000, { context in
            guard let context else { return 0 }
            let connection = Unmanaged<SQLiteConnection>.fromOpaque(context).takeUnretainedValue()
            guard DispatchTime.now().uptimeNanoseconds >= connection.deadline else { return 0 }
            connection.deadlinePassed = true
            return 1
        }, Unmanaged.passUnretained(self).toOpaque())
        defer {
            sqlite3_progress_handler(db, 0, nil, nil)
            self.deadline = 0
        }
        return try body()
    }

    /// True while a transaction is open: the database's own answer, so a `BEGIN` or `COMMIT` inside a script
    /// and SQLite's automatic rollback after some errors are accounted for.
    var inTransaction: Bool {
        guard let db else { return false }
        return sqlite3_get_autocommit(db) == 0
    }

    var isReadOnly: Bool {
        guard let db else { return false }
        return sqlite3_db_readonly(db, "main") == 1
    }

    /// Runs every statement of `sql`, stepping through any rows. Throws ``DatabaseFailure`` with the UTF-8
    /// offset of the error in the whole string.
    func execute(_ sql: String) throws {
        let db = try handle()
        let text = Array(sql.utf8CString)
        try text.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let length = buffer.count - 1  // without the terminating NUL
            var offset = 0
            while offset < length {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                // SQLite takes an `int` length; past 2 GiB of text, give it the next 2 GiB (its statements are at
                // most 1 GB, SQLITE_MAX_SQL_LENGTH) rather than trap converting the length.
                let rc = sqlite3_prepare_v2(db, base + offset, Int32(clamping: length - offset), &statement, &tail)
                guard rc == SQLITE_OK else {
                    sqlite3_finalize(statement)
                    throw failure(db, code: rc, statementStart: offset, text: buffer)
                }
                let next = tail.map { base.distance(to: $0) } ?? length
                defer { offset = max(next, offset + 1) }
                // Only whitespace or a comment was left.
                guard let statement else { continue }
                defer { sqlite3_finalize(statement) }
                var step = sqlite3_step(statement)
                while step == SQLITE_ROW { step = sqlite3_step(statement) }
                guard step == SQLITE_DONE else {
                    throw failure(db, code: step, statementStart: offset, text: buffer)
                }
            }
        }
    }

    /// Prepares one statement, binds `parameters`, and calls `row` for each result row.
    func query(_ sql: String, _ parameters: [SQLiteValue] = [], row: (SQLiteRow) throws -> Void = { _ in }) throws {
        let db = try handle()
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(db, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw DatabaseFailure(message: String(cString: sqlite3_errmsg(db)), sqlState: SQLiteResultCode.name(rc))
        }
        defer { sqlite3_finalize(statement) }
        for (index, value) in parameters.enumerated() {
            let position = Int32(index + 1)
            let bound: Int32
            switch value {
            case .integer(let number): bound = sqlite3_bind_int64(statement, position, number)
            case .real(let number): bound = sqlite3_bind_double(statement, position, number)
            case .text(let string): bound = sqlite3_bind_text(statement, position, string, -1, Self.transient)
            case .blob(let bytes):
                bound = bytes.withUnsafeBytes { buffer in
                    // A zero-length blob must still be a blob, not NULL: bind an empty one explicitly.
                    buffer.baseAddress.map { sqlite3_bind_blob(statement, position, $0, Int32(buffer.count), Self.transient) }
                        ?? sqlite3_bind_zeroblob(statement, position, 0)
                }
            case .null: bound = sqlite3_bind_null(statement, position)
            }
            guard bound == SQLITE_OK else {
                throw DatabaseFailure(message: String(cString: sqlite3_errmsg(db)), sqlState: SQLiteResultCode.name(bound))
            }
        }
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { return }
            guard step == SQLITE_ROW else {
                throw DatabaseFailure(message: String(cString: sqlite3_errmsg(db)), sqlState: SQLiteResultCode.name(step))
            }
            try row(SQLiteRow(statement: statement))
        }
    }

    /// Tries once to take the migration lock: `flock(LOCK_EX | LOCK_NB)` on a descriptor of the database
    /// file. Returns false when another descriptor (this process or another) holds it.
    func tryLock() throws -> Bool {
        _ = try handle()
        guard let lockPath else { return true }
        if lockDescriptor < 0 {
            let descriptor = openDescriptor(lockPath)
            guard descriptor >= 0 else {
                throw MigrateError(.driver, "cannot open \(lockPath) to lock it: \(String(cString: strerror(errno)))")
            }
            lockDescriptor = descriptor
        }
        while true {
            if flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 { return true }
            let error = errno
            if error == EINTR { continue }
            if error == EWOULDBLOCK || error == EAGAIN { return false }
            throw MigrateError(.driver, "cannot lock \(lockPath): \(String(cString: strerror(error)))")
        }
    }

    /// Releases the migration lock. The descriptor stays open until ``close()``: closing any descriptor of
    /// the file would also drop the POSIX locks SQLite holds on it in this process.
    func unlock() {
        if lockDescriptor >= 0 { flock(lockDescriptor, LOCK_UN) }
    }

    /// Closes the database, then the lock descriptor (which releases the lock). Safe to call twice.
    func close() {
        if let db {
            sqlite3_close_v2(db)
            self.db = nil
        }
        if lockDescriptor >= 0 {
            closeDescriptor(lockDescriptor)
            lockDescriptor = -1
        }
    }

    private func handle() throws -> OpaquePointer {
        guard let db else { throw MigrateError(.driver, "the SQLite connection is closed") }
        return db
    }

    /// The failure of a statement starting at `statementStart`: SQLite's error offset is relative to the
    /// text handed to `sqlite3_prepare_v2`, so it is shifted to the whole string. When SQLite gives none, the
    /// name its message names (``SQLiteErrorPosition``), else (a run-time error) the statement's first token.
    private func failure(
        _ db: OpaquePointer, code: Int32, statementStart: Int, text: UnsafeBufferPointer<CChar>
    ) -> DatabaseFailure {
        let message = String(cString: sqlite3_errmsg(db))
        let name = SQLiteResultCode.name(sqlite3_extended_errcode(db))
        let errorOffset = Int(sqlite3_error_offset(db))
        let position = errorOffset >= 0
            ? statementStart + errorOffset
            : SQLiteErrorPosition.name(in: message, text: text, from: statementStart)
                ?? SQLiteErrorPosition.firstToken(in: text, from: statementStart)
        // The extended code is the precise one; the returned code is the fallback should SQLite have reset it.
        let sqlState = name == "SQLITE_OK" ? SQLiteResultCode.name(code) : name
        return DatabaseFailure(message: message, sqlState: sqlState, position: .utf8Offset(position))
    }

    /// SQLite copies bound text before the call returns (`SQLITE_TRANSIENT`).
    private static var transient: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }
}

// open(2) and close(2) are out of reach by their bare names inside a type with `open` and `close` methods.
private func openDescriptor(_ path: String) -> Int32 {
    open(path, O_RDONLY | O_CLOEXEC)
}

private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

/// The current row of a statement being stepped; valid only inside the `row` closure of
/// ``SQLiteConnection/query(_:_:row:)``.
struct SQLiteRow {
    fileprivate let statement: OpaquePointer

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }
    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: pointer)
    }

    var columnCount: Int32 { sqlite3_column_count(statement) }

    /// The column's value in its storage class.
    func value(_ column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(int64(column))
        case SQLITE_FLOAT: return .real(double(column))
        case SQLITE_TEXT: return .text(text(column) ?? "")
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        default: return .null
        }
    }
}
