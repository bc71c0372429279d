import Foundation
import Logging
import SwiftMigrate
import Synchronization

/// The lock that survives a transaction pooler: a row per key in the lock table (golang-migrate's pgx
/// `schema_lock (lock_id bigint primary key)`, with swift-migrate's owner and expiry columns beside), each step one
/// statement, so no state is left on a pooled session.
///
/// - Taking it inserts golang-migrate's key and the `current_database()` key in one statement, only when neither
///   row is held (a row whose expiry has passed is taken over; golang-migrate's rows have no expiry and are never
///   taken over), and only when no session holds golang-migrate's advisory lock (a transaction-level try, released
///   with the statement). A unique key makes two concurrent inserts exclusive.
/// - While held, a second connection renews the expiry every third of the TTL, so a live holder keeps it however
///   long a migration runs; a holder that was killed keeps it at most one TTL.
/// - Releasing it deletes this run's rows only (by owner).
extension PostgresEngine {
    /// The port-and-pooler rule of ``PostgresMigrationConfiguration/LockStrategy``: the configuration's choice, else
    /// the table lock when something between client and server shows (the driver saw a pooler, the port connected
    /// to is not the server's `port`, or the server sees the session come from another port than the driver's
    /// socket has), else golang-migrate's advisory lock.
    static func chooseLockStrategy(
        _ configuration: PostgresMigrationConfiguration, connectedPort: Int?, serverPort: Int?,
        localPort: Int? = nil, clientPort: Int? = nil, poolerDetected: Bool
    ) -> (PostgresMigrationConfiguration.LockStrategy, String) {
        if let chosen = configuration.lockStrategy { return (chosen, "x-lock-strategy=\(chosen.rawValue)") }
        if poolerDetected { return (.table, "a pooler refused a startup parameter the server accepts") }
        if let connectedPort, let serverPort, connectedPort != serverPort {
            return (.table, "connected to port \(connectedPort), the server listens on \(serverPort): a pooler or proxy is in between")
        }
        // A pooler on the server's own port number (on another host or address): the server's session is the
        // pooler's connection, from a port of the pooler's.
        if let localPort, let clientPort, localPort != clientPort {
            return (.table, "this connection leaves from port \(localPort), the server sees it come from port \(clientPort): a pooler or proxy is in between")
        }
        return (.advisory, "a direct connection")
    }

    static func makeLockOwner() -> String {
        let host = ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        return "swift-migrate on \(host) pid \(pid) run \(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
    }

    private var lockKeys: String { "\(lockKey.value), \(databaseLockKey.value)" }
    private var lockTTLMilliseconds: Int64 { configuration.lockTTL.saturatingMilliseconds }

    /// Creates the lock table when missing, and adds the owner and expiry columns to golang-migrate's.
    private func prepareLockTable() async throws {
        guard !state.withLock({ $0.lockTableReady }) else { return }
        let columns = try await rows(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
            [lockTable.schema, lockTable.name], what: "look up the lock table \(lockTable)"
        ).compactMap { $0.optionalText(0) }
        let hint = "create it with: CREATE TABLE \(lockTable) (lock_id bigint NOT NULL PRIMARY KEY, owner text, "
            + "acquired_at timestamptz, expires_at timestamptz); or use x-lock-strategy=advisory on a direct connection"
        do {
            if columns.isEmpty {
                try await run(
                    """
                    CREATE TABLE IF NOT EXISTS \(lockTable) (lock_id bigint NOT NULL PRIMARY KEY, owner text, \
                    acquired_at timestamptz, expires_at timestamptz)
                    """,
                    what: "create the lock table \(lockTable)"
                )
            } else if !Set(["owner", "acquired_at", "expires_at"]).isSubset(of: columns) {
                // golang-migrate's pgx driver made it with lock_id alone: its rows keep working (no expiry).
                try await run(
                    """
                    ALTER TABLE \(lockTable) ADD COLUMN IF NOT EXISTS owner text, \
                    ADD COLUMN IF NOT EXISTS acquired_at timestamptz, ADD COLUMN IF NOT EXISTS expires_at timestamptz
                    """,
                    what: "add the owner and expiry columns to the lock table \(lockTable)"
                )
            }
        } catch let error as MigrateError where ["23505", "42P07", "42701"].contains(error.sqlState ?? "") {
            // Another run created the table or added the columns at the same moment (CREATE TABLE IF NOT EXISTS
            // races on pg_type's unique index): it is there now.
            logger.debug("the lock table was prepared by another run", metadata: ["db.error": "\(error.message)"])
        } catch var error as MigrateError {
            error.hint = error.hint ?? hint
            throw error
        }
        state.withLock { $0.lockTableReady = true }
    }

    /// Takes the table lock, polling with a backoff (2 ms doubling to 100 ms) until `timeout`; on a timeout the
    /// message names the holder and when its row expires.
    func lockTable(timeout: Duration) async throws {
        guard let sideConnection else {
            throw MigrateError(
                .driver,
                "the table lock (x-lock-strategy=table) needs a second connection to renew it while a migration runs, and this driver has none",
                hint: "use PostgresDriver.withDriver(client:) or a URL, or lockStrategy .advisory on a direct connection"
            )
        }
        try await prepareLockTable()
        // Both keys or neither: rows inserted where none is held; a row past its expiry is taken over.
        let take = """
            WITH taken AS (INSERT INTO \(lockTable) AS held (lock_id, owner, acquired_at, expires_at) \
            SELECT key, $1, now(), now() + $2::bigint * interval '1 millisecond' FROM unnest(ARRAY[\(lockKeys)]::bigint[]) AS key \
            WHERE NOT EXISTS (SELECT 1 FROM \(lockTable) WHERE lock_id IN (\(lockKeys)) AND (expires_at IS NULL OR expires_at > now())) \
            AND pg_try_advisory_xact_lock(\(lockKey.value)) AND pg_try_advisory_xact_lock(\(databaseLockKey.value)) \
            ON CONFLICT (lock_id) DO UPDATE SET owner = excluded.owner, acquired_at = excluded.acquired_at, \
            expires_at = excluded.expires_at WHERE held.expires_at IS NOT NULL AND held.expires_at <= now() \
            RETURNING 1) SELECT count(*)::text FROM taken
            """
        let parameters = [lockOwner, String(lockTTLMilliseconds)]
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var delay = Duration.milliseconds(2)
        while true {
            let taken = try await single(take, parameters, what: "take the lock in \(lockTable)")
            if taken == "2" {
                state.withLock {
                    $0.lockHeld = true
                    $0.lockLost = false
                }
                startHeartbeat(sideConnection)
                logger.debug("lock taken", metadata: ["db.lock_table": "\(lockTable)", "db.lock_owner": "\(lockOwner)"])
                return
            }
            if taken == "1" {
                // A row appeared between the check and the insert (golang-migrate's): give the other one back.
                try await run("DELETE FROM \(lockTable) WHERE owner = $1", [lockOwner], what: "give back a half-taken lock")
            }
            let now = clock.now
            guard now < deadline else {
                throw MigrateError(.lockTimeout, "timeout: can't acquire database lock", hint: try await holderHint())
            }
            do {
                try await Task.sleep(for: min(delay, deadline - now))
            } catch {
                throw MigrateError(.cancelled, "cancelled while waiting for the database lock")
            }
            delay = min(delay * 2, .milliseconds(100))
        }
    }

    /// Who holds the table lock, for the timeout's hint.
    private func holderHint() async throws -> String {
        let rows = try await rows(
            """
            SELECT coalesce(owner, ''), expires_at IS NULL, greatest(0, ceil(extract(epoch FROM expires_at - now())))::bigint::text \
            FROM \(lockTable) WHERE lock_id IN (\(lockKeys)) ORDER BY expires_at NULLS FIRST LIMIT 1
            """,
            what: "read the lock's holder"
        )
        guard let row = rows.first else {
            return "another session holds golang-migrate's advisory lock on this database (pg_locks, locktype advisory)"
        }
        if try row.bool(1) {
            return "\(lockTable) holds a row without an expiry, as golang-migrate's pgx driver writes: a golang-migrate run holds it, "
                + "or one was killed; when no migration is running, remove it: DELETE FROM \(lockTable) WHERE lock_id IN (\(lockKeys))"
        }
        let owner = try row.text(0)
        return "held by \(owner.isEmpty ? "another run" : owner) in \(lockTable), renewed while it runs; "
            + "if that run is gone, the lock expires in \(try row.text(2)) s (x-lock-ttl)"
    }

    /// Renews the rows every third of the TTL over a new connection each time (a pooled one is fine): the main
    /// connection may be busy with a long statement. Rows found gone mark the lock lost.
    private func startHeartbeat(_ connect: @escaping SideConnector) {
        let interval = configuration.lockTTL / 3
        let renew = """
            UPDATE \(lockTable) SET expires_at = now() + $2::bigint * interval '1 millisecond' \
            WHERE owner = $1 AND lock_id IN (\(lockKeys)) RETURNING 1
            """
        let parameters = [lockOwner, String(lockTTLMilliseconds)]
        let (logger, table) = (logger, lockTable)
        // Weak: a driver dropped without unlocking (its connection lost) stops renewing, and the rows expire.
        let task = Task { [weak self] in
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                guard self != nil else { return }
                do {
                    let side = try await connect()
                    let renewed = try await side.session.rows(renew, parameters).count
                    await side.close()
                    if renewed < 2, !Task.isCancelled {
                        self?.state.withLock { $0.lockLost = true }
                        logger.error("the migration lock's rows are gone from \(table): another run may take it", metadata: ["db.lock_table": "\(table)"])
                        return
                    }
                } catch {
                    logger.warning(
                        "cannot renew the migration lock; retrying", metadata: ["db.lock_table": "\(table)", "db.error": "\(DatabaseURL.redact(String(describing: error)))"]
                    )
                }
            }
        }
        state.withLock { $0.heartbeat = task }
    }

    /// Stops renewing and deletes this run's rows.
    func unlockTable() async throws {
        let heartbeat = state.withLock { state in
            defer { state.heartbeat = nil }
            return state.heartbeat
        }
        heartbeat?.cancel()
        await heartbeat?.value
        defer { state.withLock { $0.lockHeld = false } }
        let deleted = try await rows(
            "DELETE FROM \(lockTable) WHERE owner = $1 RETURNING 1", [lockOwner], what: "release the lock in \(lockTable)"
        ).count
        if deleted < 2 {
            logger.warning("the migration lock's rows were gone when releasing them", metadata: ["db.lock_table": "\(lockTable)"])
        }
    }

    /// Whether a run holds the table lock (a live row for either key): an advisory-lock run waits for it too.
    func tableLockIsHeld() async throws -> Bool {
        let sql = "SELECT count(*)::text FROM \(lockTable) WHERE lock_id IN (\(lockKeys))"
        do {
            return try await single(sql + " AND (expires_at IS NULL OR expires_at > now())", what: "read the lock table \(lockTable)") != "0"
        } catch let error as MigrateError where error.sqlState == "42703" {
            // golang-migrate's own table (lock_id alone): its rows never expire.
            return try await single(sql, what: "read the lock table \(lockTable)") != "0"
        }
    }

    /// Throws when the table lock's renewal found the rows gone: the run must not change the schema unguarded.
    package func checkLockKept() throws(MigrateError) {
        guard state.withLock({ $0.lockHeld && $0.lockLost }) else { return }
        throw MigrateError(
            .driver,
            "the migration lock in \(lockTable) was lost (its rows expired or were deleted while this run held it): stopping before the next migration",
            hint: "a run whose connection cannot renew the lock for longer than x-lock-ttl loses it; raise x-lock-ttl or fix the connection"
        )
    }
}
