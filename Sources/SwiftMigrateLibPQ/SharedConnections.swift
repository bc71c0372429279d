import SwiftMigrate
import Synchronization

/// Connections that drivers on tenant schemas of one database hand on to each other, for a fleet's requests that
/// only read (`status`, `version`, `plan`, `validate`): a thousand schemas then cost as many connections as run at
/// once, not a thousand connection starts (each a new server process that loads its catalog caches).
///
/// Only URLs that differ in nothing but `search_path` share: the same server, database, user and parameters, so
/// the session's settings are the same. A driver puts its connection back on ``LibPQDriver/close()`` when no
/// transaction or lock is open and the connection is sound; the next driver sets its own `search_path` on it.
/// A connection through a pooler (which refused `search_path` at startup) is never shared.
final class SharedConnections: Sendable {
    /// An open connection nobody uses, with the queue its libpq calls run on.
    struct Idle: Sendable {
        let connection: LibPQConnection
        let queue: BlockingCallQueue
    }

    /// The idle connections of one database (one URL but for its `search_path`).
    struct Slot: Sendable {
        let pool: SharedConnections
        let key: String

        func take() -> Idle? { pool.take(key) }
        func put(_ idle: Idle) { pool.put(idle, key: key) }
    }

    /// The pool of the running ``LibPQDriver/withSharedConnections(_:)`` scope, if any.
    @TaskLocal static var current: SharedConnections?

    private let idle = Mutex<[String: [Idle]]>([:])

    /// Where a driver on `url` takes and returns its connection; nil when `url` names no schema of its own
    /// (no `search_path`) or sets other session options, which a shared connection would not have.
    func slot(for url: DatabaseURL) -> Slot? {
        guard url.queryValue("search_path") != nil, url.queryValue("options") == nil else { return nil }
        // In memory only, never printed: the password is part of what must match.
        let rest = url.queryItems.filter { $0.name != "search_path" }.map { "\($0.name)=\($0.value)" }
        return Slot(pool: self, key: "\(url.scheme)://\(url.opaquePath)?" + rest.joined(separator: "&"))
    }

    private func take(_ key: String) -> Idle? {
        idle.withLock { $0[key]?.popLast() }
    }

    private func put(_ connection: Idle, key: String) {
        idle.withLock { $0[key, default: []].append(connection) }
    }

    /// Closes every idle connection; called when the scope ends.
    func closeAll() async {
        let all = idle.withLock { idle in
            defer { idle = [:] }
            return idle.values.flatMap { $0 }
        }
        for connection in all {
            try? await connection.queue.run { connection.connection.close() }
        }
    }
}

extension LibPQDriver {
    /// Runs `body` with drivers opened inside it on tenant schemas of one database (URLs that differ only in
    /// `search_path`, as ``url(_:tenantSchema:)`` makes them) handing their connection on to the next one when
    /// they close, instead of closing it; the connections are closed when `body` returns. For requests that only
    /// read: a driver that ends with a transaction or lock open closes its connection as usual.
    public static func withSharedConnections<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let pool = SharedConnections()
        do {
            let result = try await SharedConnections.$current.withValue(pool) { try await body() }
            await pool.closeAll()
            return result
        } catch {
            await pool.closeAll()
            throw error
        }
    }
}
