import Foundation
import Logging
import SwiftMigrate
import Synchronization

/// golang-migrate's version table and swift-migrate's history table.
extension PostgresEngine {
    package func prepare() async throws {
        try refuseStandby()
        // Like golang-migrate, look before creating, so a user without CREATE can still use an existing table.
        // One query for both tables: this runs before every command.
        let lookup = """
            SELECT table_name::text, has_table_privilege(format('%I.%I', table_schema, table_name), 'DELETE')::text
            FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ($2, $3)
            """
        var found: Set<String> = []
        var deletable = true
        for row in try await rows(lookup, [versionTable.schema, versionTable.name, historyTable.name], what: "look up the migration tables") {
            let name = try row.text(0)
            found.insert(name)
            if name == versionTable.name { deletable = try row.bool(1) }
        }
        state.withLock { $0.versionDeletable = deletable }
        if !found.contains(versionTable.name) {
            try await run(
                "CREATE TABLE IF NOT EXISTS \(versionTable) (version bigint not null primary key, dirty boolean not null)",
                what: "create \(versionTable)"
            )
        }
        guard !found.contains(historyTable.name) else { return }
        do {
            try await run(
                """
                CREATE TABLE IF NOT EXISTS \(historyTable) (id bigserial primary key, version bigint not null, \
                direction text not null, name text not null, checksum text, applied_at timestamptz not null, \
                duration_ms double precision not null, applied_by text not null)
                """,
                what: "create \(historyTable)"
            )
        } catch let error as MigrateError where error.sqlState == "42501" {
            // golang-migrate works for a user who may write the version table but not create tables; so do we.
            state.withLock { $0.historyAvailable = false }
            logger.warning(
                "cannot create the history table; migrations run without history",
                metadata: ["db.table": "\(historyTable)", "db.error": "\(error.message)"]
            )
        }
    }

    package func readVersion() async throws -> DatabaseVersion {
        do {
            let rows = try await rows("SELECT version::text, dirty::text FROM \(versionTable) LIMIT 1", what: "read the version")
            guard let row = rows.first else { return .none }
            let version = try row.int64(0)
            // golang-migrate writes -1 (NilVersion) for "no version, dirty".
            return DatabaseVersion(version: version < 0 ? nil : version, dirty: try row.bool(1))
        } catch let error as MigrateError where error.sqlState == "42P01" {
            return .none
        } catch let error as MigrateError where error.sqlState == "42703" {
            throw MigrateError.notAMigrationsTable(versionTable.description, detail: error.message)
        }
    }

    /// One statement, so one round trip and atomic without a transaction of its own: rows of other versions
    /// are deleted (golang-migrate truncates; a DELETE leaves concurrent `version` readers unblocked), the row is
    /// inserted or its dirty flag updated, and the history rows are appended, all in data-modifying CTEs.
    ///
    /// With `expected`, only that row is deleted, and the row and history are written only when it was deleted
    /// and no other row is left: a compare-and-set. A runner that raced this one without the lock has deleted
    /// the row first (this DELETE waits for it and then finds nothing), so the write does nothing and throws.
    package func writeVersion(_ state: DatabaseVersion, replacing expected: DatabaseVersion?, recording records: [HistoryRecord]) async throws {
        guard try await versionDeletable() else {
            try await truncateAndInsert(state, replacing: expected, recording: records)
            return
        }
        let history = self.state.withLock { $0.historyAvailable } ? records : []
        // Parameters are limited to 65,535 per statement: very long single-transaction runs append the history in
        // chunks first (in the caller's transaction, so a failed compare-and-set rolls them back).
        let chunkSize = 5000
        var remaining = history[...]
        while remaining.count > chunkSize {
            var parameters: [String?] = []
            let sql = Self.historyInsert(into: historyTable, records: remaining.prefix(chunkSize), condition: nil, serverClock: false) {
                parameters.append($0)
                return "$\(parameters.count)"
            }
            try await run(sql, parameters, what: "append to \(historyTable)")
            remaining = remaining.dropFirst(chunkSize)
        }
        var parameters: [String?] = []
        let sql = versionWriteSQL(state, replacing: expected, recording: remaining, serverClock: false) { value in
            parameters.append(value)
            return "$\(parameters.count)"
        }
        let written = try await single(sql, parameters, what: "write the version")
        if let expected, written != "true" {
            throw try await versionChanged(expected: expected, writing: state)
        }
    }

    /// The version write's one statement: data-modifying CTEs that delete the expected row, and only then append
    /// the history and insert the new row, ending in `SELECT ok::text`. `value` puts a value in (a `$n` parameter
    /// or a literal); with `serverClock`, the history rows' times are the server's (see ``historyInsert``); with
    /// `raising`, a failed compare-and-set is an error naming ``versionChangedMessage``.
    func versionWriteSQL(
        _ state: DatabaseVersion, replacing expected: DatabaseVersion?, recording records: ArraySlice<HistoryRecord>,
        serverClock: Bool, raising: Bool = false, value: (String?) -> String
    ) -> String {
        // The rows `expected` stands for: golang-migrate keeps "no version but dirty" as -1, and "no version" is
        // no row (or a stray clean -1).
        let matches: String
        switch expected {
        case nil:
            matches = "true"
        case let expected? where expected.version == nil && !expected.dirty:
            matches = "(version < 0 AND NOT dirty)"
        case let expected?:
            matches = "(version = \(value(String(expected.version ?? -1)))::bigint AND dirty = \(value(String(expected.dirty)))::boolean)"
        }
        // Reading `cleared` makes the DELETE finish before the INSERT, so even the same version (dirty -> clean)
        // is replaced without a unique violation.
        var ok = "(SELECT count(*) FROM cleared) >= 0"
        if let expected {
            ok = "NOT EXISTS (SELECT 1 FROM \(versionTable) WHERE NOT \(matches)) AND (SELECT count(*) FROM cleared) "
                + (expected.version == nil && !expected.dirty ? ">= 0" : ">= 1")
        }
        var sql = "WITH cleared AS (DELETE FROM \(versionTable) WHERE \(matches) RETURNING 1), ok AS (SELECT \(ok) AS ok)"
        if !records.isEmpty {
            let insert = Self.historyInsert(
                into: historyTable, records: records, condition: "(SELECT ok FROM ok)", serverClock: serverClock, value: value
            )
            sql += ", logged AS (\(insert))"
        }
        if state.version != nil || state.dirty {
            sql += ", written AS (INSERT INTO \(versionTable) (version, dirty) SELECT \(value(String(state.version ?? -1)))::bigint, "
                + "\(value(String(state.dirty)))::boolean WHERE (SELECT ok FROM ok))"
        }
        guard raising else { return sql + " SELECT ok::text FROM ok" }
        // Not a constant (it depends on ok), so the planner cannot fold the failing cast into every run.
        return sql + " SELECT CASE WHEN ok THEN 'true' ELSE ('\(Self.versionChangedMessage) (' || ok::text || ')')::boolean::text END FROM ok"
    }

    /// The text in the error the batched version write raises when its compare-and-set fails.
    package static let versionChangedMessage = "swift-migrate: the version changed"

    /// The version write as one statement with its values written in (`literal` quotes a string for the
    /// connection), for a migration sent as one query: when the compare-and-set fails, the statement fails (a
    /// cast of ``versionChangedMessage`` to boolean, which names it), so the whole migration rolls back. Plain SQL,
    /// not a `DO` block: PL/pgSQL compiling the block cost the server ~0.06 ms more per migration (measured in
    /// docs/benchmarks.md). The history rows' times are the server's.
    ///
    /// Nil when this database needs golang-migrate's TRUNCATE-and-INSERT write (no DELETE privilege): the caller
    /// then runs the migration statement by statement.
    package func batchedVersionWrite(
        _ state: DatabaseVersion, replacing expected: DatabaseVersion?, recording records: [HistoryRecord],
        literal: (String) throws -> String
    ) throws -> String? {
        let (deletable, history) = self.state.withLock { ($0.versionDeletable, $0.historyAvailable) }
        guard deletable == true else { return nil }
        var failure: (any Error)?
        // Without a history table (no privilege to create it) the version alone, as `writeVersion` does.
        let kept = history ? records[...] : []
        let write = versionWriteSQL(state, replacing: expected, recording: kept, serverClock: true, raising: true) { value in
            guard let value else { return "NULL" }
            do { return try literal(value) } catch {
                failure = error
                return "NULL"
            }
        }
        if let failure { throw failure }
        return write
    }

    /// golang-migrate's way, for a role that may TRUNCATE and INSERT but not DELETE: the compare is a read in the
    /// same transaction.
    private func truncateAndInsert(_ state: DatabaseVersion, replacing expected: DatabaseVersion?, recording records: [HistoryRecord]) async throws {
        try await inTransaction {
            if let expected, try await readVersion() != expected {
                throw try await versionChanged(expected: expected, writing: state)
            }
            try await run("TRUNCATE \(versionTable)", what: "write the version")
            if state.version != nil || state.dirty {
                try await run(
                    "INSERT INTO \(versionTable) (version, dirty) VALUES ($1::bigint, $2::boolean)",
                    [String(state.version ?? -1), String(state.dirty)], what: "write the version"
                )
            }
            if self.state.withLock({ $0.historyAvailable }), !records.isEmpty {
                var parameters: [String?] = []
                let sql = Self.historyInsert(into: historyTable, records: records[...], condition: nil, serverClock: false) {
                    parameters.append($0)
                    return "$\(parameters.count)"
                }
                try await run(sql, parameters, what: "append to \(historyTable)")
            }
        }
    }

    /// The compare-and-set found another version than the run's.
    func versionChanged(expected: DatabaseVersion, writing state: DatabaseVersion) async throws -> MigrateError {
        let found = try await readVersion()
        return MigrateError.versionChanged(expected: expected, found: found, writing: state, table: versionTable.description)
    }

    /// Whether the one-statement version write may be used (known after ``prepare()``, else asked once).
    func versionDeletable() async throws -> Bool {
        if let known = state.withLock({ $0.versionDeletable }) { return known }
        let sql = "SELECT COALESCE(has_table_privilege(to_regclass($1), 'DELETE'), true)::text"
        let deletable = try await single(sql, [versionTable.description], what: "check privileges on \(versionTable)") != "false"
        state.withLock { $0.versionDeletable = deletable }
        return deletable
    }

    /// `INSERT INTO history (...) VALUES (...), ...`, each value put in by `value` (a `$n` parameter or a
    /// literal); with a condition, `... SELECT * FROM (VALUES ...) AS v WHERE condition`. Times travel as Unix
    /// seconds; with `serverClock`, they are the server's: `clock_timestamp()`, and the milliseconds since
    /// `statement_timestamp()` (when the request arrived) as the duration.
    static func historyInsert(
        into table: QualifiedName, records: ArraySlice<HistoryRecord>, condition: String?, serverClock: Bool,
        value: (String?) -> String
    ) -> String {
        let columns = "version, direction, name, checksum, applied_at, duration_ms, applied_by"
        var sql = "INSERT INTO \(table) (\(columns)) " + (condition == nil ? "VALUES " : "SELECT * FROM (VALUES ")
        var first = true
        for record in records {
            let time = serverClock ? "clock_timestamp()" : "to_timestamp(\(value(String(record.appliedAt.timeIntervalSince1970)))::float8)"
            let duration = serverClock
                ? "(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::float8"
                : "\(value(String(record.durationMs ?? 0)))::float8"
            sql += (first ? "" : ", ")
                + "(\(value(String(record.version)))::bigint, \(value(record.direction.rawValue))::text, \(value(record.name))::text, "
                + "\(value(record.checksum))::text, \(time), \(duration), \(value(record.appliedBy))::text)"
            first = false
        }
        if let condition { sql += ") AS v (\(columns)) WHERE \(condition)" }
        return sql
    }

    package func readHistory() async throws -> [HistoryRecord] {
        guard state.withLock({ $0.historyAvailable }) else { return [] }
        let sql = """
            SELECT version::text, direction, name, checksum, extract(epoch FROM applied_at)::text, duration_ms::text, applied_by \
            FROM \(historyTable) ORDER BY id
            """
        let rows: [PostgresTextRow]
        do {
            rows = try await self.rows(sql, what: "read the history")
        } catch let error as MigrateError where error.sqlState == "42P01" {
            return []
        }
        var records: [HistoryRecord] = []
        records.reserveCapacity(rows.count)
        for row in rows {
            records.append(
                HistoryRecord(
                    // Escaped as names are since they are read from file names; older rows may hold raw ones.
                    version: try row.int64(0), direction: Direction(rawValue: try row.text(1)) ?? .up,
                    name: ControlCharacters.escaped(try row.text(2)), checksum: row.optionalText(3),
                    appliedAt: Date(timeIntervalSince1970: try row.double(4)),
                    durationMs: HistoryRecord.plausibleDurationMs(Double(try row.text(5)) ?? .nan), appliedBy: try row.text(6)
                )
            )
        }
        return records
    }
}

extension PostgresEngine {
    /// Waits until every standby in `pg_stat_replication` has replayed up to the server's current WAL position
    /// (taken now, after the run's commits), polling every 100 ms until `timeout`.
    package func waitForReplicas(timeout: Duration) async throws -> [ReplicaStatus] {
        guard !isStandby else { return [] }
        guard let target = try await single("SELECT pg_current_wal_lsn()::text", what: "read the WAL position") else { return [] }
        let clock = ContinuousClock()
        let start = clock.now
        var caughtUpAt: [String: Duration] = [:]
        while true {
            let rows = try await rows(
                """
                SELECT coalesce(nullif(application_name, ''), 'pid ' || pid), coalesce(host(client_addr), 'local'), \
                greatest(0, coalesce(pg_wal_lsn_diff($1::pg_lsn, replay_lsn), pg_wal_lsn_diff($1::pg_lsn, '0/0')))::bigint::text \
                FROM pg_stat_replication ORDER BY 1
                """,
                [target], what: "read pg_stat_replication"
            )
            let elapsed = clock.now - start
            var replicas: [ReplicaStatus] = []
            for row in rows {
                let (name, address, behind) = (try row.text(0), try row.text(1), try row.int64(2))
                if behind == 0, caughtUpAt[name] == nil { caughtUpAt[name] = elapsed }
                replicas.append(ReplicaStatus(name: name, address: address, bytesBehind: behind, waited: caughtUpAt[name] ?? elapsed))
            }
            if replicas.allSatisfy(\.caughtUp) { return replicas }
            guard elapsed < timeout else {
                let behind = replicas.filter { !$0.caughtUp }
                throw MigrateError(
                    .replicasBehind,
                    "\(behind.count) standby\(behind.count == 1 ? "" : "s") had not replayed the run after \(AppliedMigration.format(timeout)): "
                        + behind.map(\.description).joined(separator: "; "),
                    hint: "the migrations were applied on the primary; a standby whose replay is paused or that cannot keep up "
                        + "serves the old schema until it catches up (pg_stat_replication on the primary, pg_get_wal_replay_pause_state() on the standby)"
                )
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
