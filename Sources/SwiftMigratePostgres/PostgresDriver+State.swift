import Foundation
import PostgresNIO
import SwiftMigrate
import Synchronization

/// golang-migrate's version table and swift-migrate's history table.
extension PostgresDriver {
    public func prepare() async throws {
        // Like golang-migrate, look before creating, so a user without CREATE can still use an existing table.
        // One query for both tables: this runs before every command.
        var found: Set<String> = []
        var deletable = true
        let lookup: PostgresQuery = """
            SELECT table_name::text, has_table_privilege(format('%I.%I', table_schema, table_name), 'DELETE')
            FROM information_schema.tables
            WHERE table_schema = \(versionTable.schema) AND table_name IN (\(versionTable.name), \(historyTable.name))
            """
        try await query(lookup) { rows in
            for try await (name, canDelete) in rows.decode((String, Bool).self) {
                found.insert(name)
                if name == versionTable.name { deletable = canDelete }
            }
        }
        state.withLock { $0.versionDeletable = deletable }
        if !found.contains(versionTable.name) {
            try await run(
                PostgresQuery(
                    unsafeSQL: "CREATE TABLE IF NOT EXISTS \(versionTable) (version bigint not null primary key, dirty boolean not null)"
                ),
                what: "create \(versionTable)"
            )
        }
        guard !found.contains(historyTable.name) else { return }
        do {
            try await run(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE TABLE IF NOT EXISTS \(historyTable) (id bigserial primary key, version bigint not null, \
                        direction text not null, name text not null, checksum text, applied_at timestamptz not null, \
                        duration_ms double precision not null, applied_by text not null)
                        """
                ),
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

    public func readVersion() async throws -> DatabaseVersion {
        do {
            var result = DatabaseVersion.none
            try await query(PostgresQuery(unsafeSQL: "SELECT version, dirty FROM \(versionTable) LIMIT 1")) { rows in
                for try await (version, dirty) in rows.decode((Int64, Bool).self) {
                    // golang-migrate writes -1 (NilVersion) for "no version, dirty".
                    result = DatabaseVersion(version: version < 0 ? nil : version, dirty: dirty)
                }
            }
            return result
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
    public func writeVersion(_ state: DatabaseVersion, replacing expected: DatabaseVersion?, recording records: [HistoryRecord]) async throws {
        guard try await versionDeletable() else {
            try await truncateAndInsert(state, replacing: expected, recording: records)
            return
        }
        let history = self.state.withLock { $0.historyAvailable } ? records : []
        // Bind parameters are limited to 65,535 per statement: very long single-transaction runs append the
        // history in chunks first (in the caller's transaction, so a failed compare-and-set rolls them back).
        let chunkSize = 5000
        var remaining = history[...]
        while remaining.count > chunkSize {
            var query = PostgresQuery(unsafeSQL: "")
            Self.appendHistoryInsert(to: &query, table: historyTable, records: remaining.prefix(chunkSize), condition: nil)
            try await run(query, what: "append to \(historyTable)")
            remaining = remaining.dropFirst(chunkSize)
        }
        var bindings = PostgresBindings()
        // The rows `expected` stands for: golang-migrate keeps "no version but dirty" as -1, and "no version" is
        // no row (or a stray clean -1).
        let matches: String
        switch expected {
        case nil:
            matches = "true"
        case let expected? where expected.version == nil && !expected.dirty:
            matches = "(version < 0 AND NOT dirty)"
        case let expected?:
            bindings.append(expected.version ?? -1)
            let versionPlaceholder = bindings.count
            bindings.append(expected.dirty)
            matches = "(version = $\(versionPlaceholder) AND dirty = $\(bindings.count))"
        }
        // Reading `cleared` makes the DELETE finish before the INSERT, so even the same version (dirty -> clean)
        // is replaced without a unique violation.
        var ok = "(SELECT count(*) FROM cleared) >= 0"
        if let expected {
            ok = "NOT EXISTS (SELECT 1 FROM \(versionTable) WHERE NOT \(matches)) AND (SELECT count(*) FROM cleared) "
                + (expected.version == nil && !expected.dirty ? ">= 0" : ">= 1")
        }
        var sql = "WITH cleared AS (DELETE FROM \(versionTable) WHERE \(matches) RETURNING 1), ok AS (SELECT \(ok) AS ok)"
        if !remaining.isEmpty {
            var insert = PostgresQuery(unsafeSQL: "")
            insert.binds = bindings
            Self.appendHistoryInsert(to: &insert, table: historyTable, records: remaining, condition: "(SELECT ok FROM ok)")
            sql += ", logged AS (\(insert.sql))"
            bindings = insert.binds
        }
        if state.version != nil || state.dirty {
            bindings.append(state.version ?? -1)
            let versionPlaceholder = bindings.count
            bindings.append(state.dirty)
            sql += ", written AS (INSERT INTO \(versionTable) (version, dirty) SELECT $\(versionPlaceholder), "
                + "$\(bindings.count) WHERE (SELECT ok FROM ok))"
        }
        sql += " SELECT ok FROM ok"
        var query = PostgresQuery(unsafeSQL: sql)
        query.binds = bindings
        let written = try await single(query, as: Bool.self, what: "write the version")
        if let expected, written != true {
            throw try await versionChanged(expected: expected, writing: state)
        }
    }

    /// golang-migrate's way, for a role that may TRUNCATE and INSERT but not DELETE: the compare is a read in the
    /// same transaction.
    private func truncateAndInsert(_ state: DatabaseVersion, replacing expected: DatabaseVersion?, recording records: [HistoryRecord]) async throws {
        try await inTransaction {
            if let expected, try await readVersion() != expected {
                throw try await versionChanged(expected: expected, writing: state)
            }
            try await run(PostgresQuery(unsafeSQL: "TRUNCATE \(versionTable)"), what: "write the version")
            if state.version != nil || state.dirty {
                try await run(
                    "INSERT INTO \(unescaped: versionTable.description) (version, dirty) VALUES (\(state.version ?? -1), \(state.dirty))",
                    what: "write the version"
                )
            }
            for record in records { try await appendHistory(record) }
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
        let sql: PostgresQuery = "SELECT COALESCE(has_table_privilege(to_regclass(\(versionTable.description)), 'DELETE'), true)"
        let deletable = try await single(sql, as: Bool.self, what: "check privileges on \(versionTable)") ?? true
        state.withLock { $0.versionDeletable = deletable }
        return deletable
    }

    /// Runs `body` in the open transaction, or in a transaction of its own when none is open.
    func inTransaction(_ body: () async throws -> Void) async throws {
        if state.withLock({ $0.inTransaction }) {
            try await body()
            return
        }
        try await beginTransaction()
        do {
            try await body()
        } catch {
            try? await rollbackTransaction()
            throw error
        }
        try await commitTransaction()
    }

    /// `INSERT INTO history (...) VALUES ($n, ...), ...` with the records bound after `query`'s existing binds;
    /// with a condition, `... SELECT * FROM (VALUES ...) AS v WHERE condition`.
    static func appendHistoryInsert(
        to query: inout PostgresQuery, table: QualifiedName, records: ArraySlice<HistoryRecord>, condition: String?
    ) {
        let columns = "version, direction, name, checksum, applied_at, duration_ms, applied_by"
        var sql = "INSERT INTO \(table) (\(columns)) " + (condition == nil ? "VALUES " : "SELECT * FROM (VALUES ")
        var first = true
        for record in records {
            var placeholders: [String] = []
            func bind<T: PostgresDynamicTypeEncodable>(_ value: T) {
                query.binds.append(value)
                placeholders.append("$\(query.binds.count)")
            }
            bind(record.version)
            bind(record.direction.rawValue)
            bind(record.name)
            query.binds.append(record.checksum)
            placeholders.append("$\(query.binds.count)")
            bind(record.appliedAt)
            bind(record.durationMs ?? 0)
            bind(record.appliedBy)
            sql += (first ? "" : ", ") + "(" + placeholders.joined(separator: ", ") + ")"
            first = false
        }
        if let condition { sql += ") AS v (\(columns)) WHERE \(condition)" }
        query.sql = sql
    }

    public func readHistory() async throws -> [HistoryRecord] {
        guard state.withLock({ $0.historyAvailable }) else { return [] }
        var records: [HistoryRecord] = []
        do {
            let sql = """
                SELECT version, direction, name, checksum, applied_at, duration_ms, applied_by FROM \(historyTable) ORDER BY id
                """
            try await query(PostgresQuery(unsafeSQL: sql)) { rows in
                let decoded = rows.decode((Int64, String, String, String?, Date, Double, String).self)
                for try await (version, direction, name, checksum, appliedAt, duration, appliedBy) in decoded {
                    records.append(
                        HistoryRecord(
                            // Escaped as names are since they are read from file names; older rows may hold raw ones.
                            version: version, direction: Direction(rawValue: direction) ?? .up, name: ControlCharacters.escaped(name),
                            checksum: checksum, appliedAt: appliedAt,
                            durationMs: HistoryRecord.plausibleDurationMs(duration), appliedBy: appliedBy
                        )
                    )
                }
            }
        } catch let error as MigrateError where error.sqlState == "42P01" {
            return []
        }
        return records
    }

    /// Adds a history row, for golang-migrate's TRUNCATE-and-INSERT way of writing the version.
    func appendHistory(_ record: HistoryRecord) async throws {
        guard state.withLock({ $0.historyAvailable }) else { return }
        try await run(
            """
            INSERT INTO \(unescaped: historyTable.description) \
            (version, direction, name, checksum, applied_at, duration_ms, applied_by) \
            VALUES (\(record.version), \(record.direction.rawValue), \(record.name), \(record.checksum), \
            \(record.appliedAt), \(record.durationMs ?? 0), \(record.appliedBy))
            """,
            what: "append to \(historyTable)"
        )
    }
}
