import Foundation
import Logging
import PostgresNIO
import SwiftMigrate
import SwiftMigratePostgresCore
import Synchronization

extension PostgresDriver {
    /// Runs one statement of a migration with the extended query protocol, reading every row so that an error
    /// raised while rows stream (a division by zero in row 5) is not missed.
    ///
    /// Cancelling the task asks the server to cancel the statement (`pg_cancel_backend` from a second connection),
    /// and closes this connection if that is impossible, so a cancelled migration never hangs.
    ///
    /// - throws: ``DatabaseFailure`` (SQLSTATE, detail, hint, 1-based character position) when the server rejects
    ///   the statement; ``MigrateError`` with ``MigrateError/Code/cancelled`` when the task was cancelled, and
    ///   ``MigrateError/Code/connection`` when the connection is lost.
    public func execute(_ sql: String) async throws {
        // PostgresNIO never answers a query written after its channel closed: catch that before writing.
        if connection.isClosed {
            throw MigrateError(.connection, "lost the connection to \(displayURL): the connection is closed")
        }
        if Task.isCancelled { throw MigrateError(.cancelled, "cancelled before the statement ran") }
        do {
            try await withTaskCancellationHandler {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                for try await _ in rows {}
            } onCancel: {
                requestCancel()
            }
        } catch {
            await finishCancel()
            engine.noteFailure()
            if Task.isCancelled, Self.isCancellation(error) {
                throw MigrateError(.cancelled, "cancelled: the statement was interrupted")
            }
            throw statementError(error)
        }
        await finishCancel()
    }

    /// The error `execute` throws: the server's complaint as a ``DatabaseFailure``, anything else (a lost
    /// connection, a FATAL from the server) as a connection error.
    func statementError(_ error: any Error) -> any Error {
        guard let error = error as? PSQLError else { return error }
        guard let server = Self.serverError(error) else {
            return Self.connectionLost(error, displayURL: displayURL, scrub: scrub)
        }
        return server.databaseFailure(scrub: scrub)
    }

    /// The server's complaint, when `error` is one that left the session usable.
    static func serverError(_ error: PSQLError) -> PostgresServerError? {
        guard error.code == .server, let info = error.serverInfo, !isFatal(info) else { return nil }
        return PostgresServerError(
            message: info[.message] ?? "statement failed", sqlState: info[.sqlState], detail: info[.detail],
            hint: info[.hint], position: info[.position].flatMap { Int($0) }, underlying: error
        )
    }

    static func isFatal(_ info: PSQLError.ServerInfo) -> Bool {
        info[.severity] == "FATAL" || info[.severity] == "PANIC"
    }

    static func isCancellation(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .server: return error.serverInfo?[.sqlState] == "57014"
        case .queryCancelled, .clientClosedConnection: return true
        default: return false
        }
    }

    static func connectionLost(_ error: PSQLError, displayURL: String, scrub: (String) -> String) -> MigrateError {
        var reason: String
        switch error.code {
        case .server:
            reason = error.serverInfo?[.message] ?? "the server ended the session"
        case .clientClosedConnection:
            reason = "the connection is closed"
        case .serverClosedConnection, .uncleanShutdown:
            reason = "the server closed the connection"
        case .connectionError:
            reason = Self.networkFailure(error.underlying)
        default:
            reason = "\(error.code)"
            if let underlying = error.underlying { reason += ": \(Self.networkFailure(underlying))" }
        }
        return MigrateError(
            .connection, "lost the connection to \(displayURL): \(scrub(reason))",
            sqlState: error.serverInfo?[.sqlState], underlying: error
        )
    }

    /// A network error of an open connection in words (NIO's own text reads `read(descriptor:pointer:size:):
    /// Connection reset by peer (errno: 104)`).
    static func networkFailure(_ error: (any Error)?) -> String {
        switch error {
        case nil:
            return "the connection failed"
        case let error as IOError:
            switch error.errnoCode {
            case ECONNRESET: return "the connection was reset (by the server, or a proxy or firewall between)"
            case EPIPE: return "the connection was closed while sending"
            case ETIMEDOUT: return "the connection timed out"
            default: return String(cString: strerror(error.errnoCode)).lowercased()
            }
        case let error as ChannelError:
            if case .eof = error { return "the server closed the connection" }
            return "\(error)"
        case let error?:
            return "\(error)"
        }
    }

    // MARK: Cancellation

    /// Starts cancelling the running statement, once.
    func requestCancel() {
        state.withLock { state in
            guard state.cancelTask == nil else { return }
            state.cancelTask = Task { await self.cancelRunningStatement() }
        }
    }

    /// Waits for a cancel request to be delivered, so it cannot hit the next statement.
    func finishCancel() async {
        let task = state.withLock { state in
            defer { state.cancelTask = nil }
            return state.cancelTask
        }
        await task?.value
    }

    /// PostgreSQL cancels a statement on request from another session of the same role. On a connection the
    /// driver opened, if that other connection cannot be made, closing ours is the only way left to stop
    /// waiting; a lent connection is never closed, so the statement then runs to its end.
    func cancelRunningStatement() async {
        switch ownership {
        case .lent(let cancel):
            if let cancel, await cancel(backendPID) { return }
            logger.debug("the running statement could not be cancelled; waiting for it")
        case .owned(var configuration):
            configuration.options.connectTimeout = .seconds(5)
            do {
                let side = try await PostgresConnection.connect(
                    on: connection.eventLoop, configuration: configuration, id: -Int(backendPID), logger: logger
                )
                var cancelled = false
                do {
                    let rows = try await side.query("SELECT pg_cancel_backend(\(backendPID))", logger: logger)
                    for try await value in rows.decode(Bool.self) { cancelled = value }
                } catch {
                    logger.debug("cancel request failed", metadata: ["db.error": "\(scrub(String(reflecting: error)))"])
                }
                try? await side.close()
                if cancelled { return }
            } catch {
                logger.debug("cannot open a connection to cancel the statement", metadata: ["db.error": "\(scrub(String(reflecting: error)))"])
            }
            try? await connection.close()
        }
    }
}

/// The engine's text-in, text-out session on a PostgresNIO connection: parameters bound as text, every column
/// decoded as text (the engine selects `::text`).
struct NIOSession: PostgresSession {
    let connection: PostgresConnection
    let logger: Logger
    /// The connection as shown in messages (a redacted URL).
    let origin: String

    func rows(_ sql: String, _ parameters: [String?]) async throws -> [PostgresTextRow] {
        // PostgresNIO never answers a query written after its channel closed (the handler that would fail it is
        // gone), so a closed connection must be caught before writing.
        if connection.isClosed {
            throw MigrateError(.connection, "lost the connection to \(origin): the connection is closed")
        }
        var query = PostgresQuery(unsafeSQL: sql)
        for parameter in parameters { query.binds.append(parameter) }
        do {
            var result: [PostgresTextRow] = []
            for try await row in try await connection.query(query, logger: logger) {
                var values: [String?] = []
                values.reserveCapacity(row.count)
                for cell in row { values.append(try cell.decode(String?.self)) }
                result.append(PostgresTextRow(values))
            }
            return result
        } catch let error as PSQLError {
            if let server = PostgresDriver.serverError(error) { throw server }
            throw PostgresDriver.connectionLost(error, displayURL: origin, scrub: DatabaseURL.redact)
        }
    }
}

/// The engine's session on a connection leased from the app's client for each query: for the table lock's
/// renewals, beside the connection the driver migrates on.
struct ClientSession: PostgresSession {
    let client: PostgresClient
    let logger: Logger

    func rows(_ sql: String, _ parameters: [String?]) async throws -> [PostgresTextRow] {
        try await client.withConnection { connection in
            try await NIOSession(connection: connection, logger: logger, origin: "the app's client").rows(sql, parameters)
        }
    }
}
