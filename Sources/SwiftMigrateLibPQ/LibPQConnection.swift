import CLibPQ
import Foundation
import SwiftMigrate
import SwiftMigratePostgresCore
import Synchronization

/// One libpq connection (`PGconn`). Every call but ``cancelRunningQuery()`` runs on the driver's serial queue, one
/// at a time; `@unchecked Sendable` for that reason.
final class LibPQConnection: @unchecked Sendable {
    private let connection: OpaquePointer
    /// For the cancel request, which libpq sends from any thread on a connection of its own (`PQcancel`).
    private let canceller: OpaquePointer?
    private var closed = false
    /// The connection as shown in messages (the redacted URL).
    let origin: String

    private init(connection: OpaquePointer, origin: String) {
        self.connection = connection
        self.origin = origin
        canceller = PQgetCancel(connection)
        // libpq prints a server's NOTICE on standard error by default (`table "x" does not exist, skipping`):
        // the migrations' notices are not the tool's output.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit { close() }

    /// Connects with libpq's own parameters (`keywords`/`values`, as `PQconnectdbParams` takes them; `dbname`
    /// may be a whole URL, which libpq expands). Blocks: call it on the driver's queue.
    ///
    /// - throws: the reason libpq gives, as ``MigrateError/Code/connection``, passed through `scrub`.
    static func connect(
        keywords: [String], values: [String], origin: String, scrub: (String) -> String
    ) throws(MigrateError) -> LibPQConnection {
        let handle = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let handle else { throw MigrateError(.connection, "cannot connect to \(origin): out of memory") }
        guard PQstatus(handle) == CONNECTION_OK else {
            let reason = Self.message(PQerrorMessage(handle))
            PQfinish(handle)
            throw MigrateError(.connection, "cannot connect to \(origin): \(scrub(Self.connectionReason(reason)))")
        }
        return LibPQConnection(connection: handle, origin: origin)
    }

    /// libpq's connection message in one line: `connection to server at "127.0.0.1", port 5432 failed: ...` with
    /// its line breaks turned into `; `.
    static func connectionReason(_ message: String) -> String {
        message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: "; ")
    }

    var isBad: Bool { closed || PQstatus(connection) == CONNECTION_BAD }

    /// The host and port libpq connected to (of several, the one it chose): `host:port`, or the socket directory.
    var endpoint: String {
        let host = PQhost(connection).map { String(cString: $0) } ?? "?"
        let port = PQport(connection).map { String(cString: $0) } ?? ""
        return host.hasPrefix("/") ? "\(host)/.s.PGSQL.\(port)" : (host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
    }

    /// The port libpq connected to, as a number.
    var port: Int? { PQport(connection).flatMap { Int(String(cString: $0)) } }

    /// The local port of the connection's TCP socket; nil over a Unix socket.
    var localPort: Int? {
        let socket = PQsocket(connection)
        guard socket >= 0 else { return nil }
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard status == 0 else { return nil }
        switch Int32(address.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
        default:
            return nil
        }
    }

    /// Runs one statement with text parameters (the extended protocol, `PQexecParams`) and returns its rows as text.
    func rows(_ sql: String, _ parameters: [String?]) throws -> [PostgresTextRow] {
        try checkOpen()
        let result = withOptionalCStrings(parameters) { pointers in
            PQexecParams(connection, sql, Int32(parameters.count), nil, pointers, nil, nil, 0)
        }
        defer { PQclear(result) }
        guard let result else { throw lost(Self.message(PQerrorMessage(connection))) }
        try check(result)
        return Self.textRows(result)
    }

    /// Runs a script with the simple query protocol (`PQsendQuery`): one round trip for all its statements.
    /// Returns the rows of the last statement that returned rows. When one fails, the server skips the rest and
    /// the error says which statement (by its index in `statementStarts`: the character offsets where each
    /// statement starts in `sql`) and where in it.
    ///
    /// - throws: ``BatchFailure`` for a statement the server rejected; ``MigrateError`` when the connection is lost.
    @discardableResult
    func simpleQuery(_ sql: String, statementStarts: [Int] = [0]) throws -> [PostgresTextRow] {
        try checkOpen()
        guard PQsendQuery(connection, sql) == 1 else { throw lost(Self.message(PQerrorMessage(connection))) }
        var index = 0
        var failure: BatchFailure?
        var lastRows: [PostgresTextRow] = []
        // Every result in order, one per statement: the count says which one failed when it carries no position.
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_TUPLES_OK:
                lastRows = Self.textRows(result)
            case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                break
            case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
                if failure == nil {
                    guard let server = serverError(result) else {
                        throw BatchInterrupted(index: index, error: lost(Self.message(PQresultErrorMessage(result))))
                    }
                    failure = BatchFailure.locate(server, in: statementStarts, fallbackIndex: index)
                }
            default:
                // COPY is refused by the lexer before anything runs; anything else is not a migration's.
                if failure == nil {
                    let status = Self.message(PQresStatus(PQresultStatus(result)))
                    failure = BatchFailure(index: index, error: PostgresServerError(message: "unexpected result \(status)", sqlState: nil))
                }
            }
            index += 1
        }
        if isBad { throw BatchInterrupted(index: index, error: lost("the server closed the connection")) }
        if let failure { throw failure }
        return lastRows
    }

    /// A string as a SQL literal, escaped for this connection's settings (`PQescapeLiteral`).
    func literal(_ text: String) throws(MigrateError) -> String {
        guard let escaped = PQescapeLiteral(connection, text, text.utf8.count) else {
            throw MigrateError(.driver, "cannot quote a value: \(Self.message(PQerrorMessage(connection)))")
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    /// Asks the server, on a connection of libpq's own, to cancel what runs on this one. Safe from any thread.
    func cancelRunningQuery() -> Bool {
        guard let canceller else { return false }
        var buffer = [CChar](repeating: 0, count: 256)
        return PQcancel(canceller, &buffer, Int32(buffer.count)) == 1
    }

    func close() {
        guard !closed else { return }
        closed = true
        if let canceller { PQfreeCancel(canceller) }
        PQfinish(connection)
    }

    // MARK: Results

    private func checkOpen() throws(MigrateError) {
        if isBad { throw lost("the connection is closed") }
    }

    private func lost(_ reason: String) -> MigrateError {
        MigrateError(.connection, "lost the connection to \(origin): \(Self.connectionReason(reason))")
    }

    /// Throws the server's error for a failed result, or a lost connection.
    private func check(_ result: OpaquePointer) throws {
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return
        default:
            guard let server = serverError(result) else { throw lost(Self.message(PQresultErrorMessage(result))) }
            throw server
        }
    }

    /// The server's complaint in a result; nil when it ended the session (FATAL, PANIC) or came from libpq itself
    /// (the connection broke).
    private func serverError(_ result: OpaquePointer) -> PostgresServerError? {
        func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
        guard let sqlState = field(Int32(UInt8(ascii: "C"))), !isBad else { return nil }
        let severity = field(Int32(UInt8(ascii: "V")))
        if severity == "FATAL" || severity == "PANIC" { return nil }
        return PostgresServerError(
            message: field(Int32(UInt8(ascii: "M"))) ?? "statement failed", sqlState: sqlState,
            detail: field(Int32(UInt8(ascii: "D"))), hint: field(Int32(UInt8(ascii: "H"))),
            position: field(Int32(UInt8(ascii: "P"))).flatMap { Int($0) }
        )
    }

    private static func textRows(_ result: OpaquePointer) -> [PostgresTextRow] {
        let rowCount = PQntuples(result), columnCount = PQnfields(result)
        var rows: [PostgresTextRow] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                values.append(PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column)))
            }
            rows.append(PostgresTextRow(values))
        }
        return rows
    }

    static func message(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
    }
}

/// A statement of a script sent as one query failed: which one (its index) and the server's error, with the
/// position made relative to that statement.
struct BatchFailure: Error, Sendable {
    var index: Int
    var error: PostgresServerError

    /// Finds the statement by the error's position in the whole script (1-based characters), when it has one;
    /// else the statement whose result carried the error.
    static func locate(_ error: PostgresServerError, in starts: [Int], fallbackIndex: Int) -> BatchFailure {
        guard let position = error.position else {
            return BatchFailure(index: min(fallbackIndex, max(starts.count - 1, 0)), error: error)
        }
        let index = max(0, (starts.lastIndex { $0 < position }) ?? 0)
        var relative = error
        relative.position = position - starts[index]
        return BatchFailure(index: index, error: relative)
    }
}

/// The connection was lost during a script sent as one query, at the statement with this index (the first
/// whose result did not arrive, or arrived as libpq's own error).
struct BatchInterrupted: Error, Sendable {
    var index: Int
    var error: MigrateError
}

/// Calls `body` with a NULL-terminated array of C strings, alive for the call.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStrings(strings + [nil]) { pointers in body(pointers!) }
}

/// Calls `body` with an array of C strings (nil stays a null pointer), all in one buffer alive for the call.
private func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    var storage: [CChar] = []
    var offsets: [Int?] = []
    offsets.reserveCapacity(strings.count)
    for string in strings {
        guard let string else {
            offsets.append(nil)
            continue
        }
        offsets.append(storage.count)
        storage.append(contentsOf: string.utf8CString)
    }
    return storage.withUnsafeBufferPointer { buffer in
        let pointers = offsets.map { offset in offset.map { buffer.baseAddress! + $0 } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
