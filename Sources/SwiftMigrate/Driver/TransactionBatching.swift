/// A driver that runs a whole transactional migration as one request: the libpq driver sends `BEGIN`, the
/// statements, the version write and `COMMIT` as one simple-protocol query, one round trip where statement by
/// statement takes one per statement. The ``Migrator`` uses it for every migration that runs in a transaction of
/// its own (not for `--single-transaction` runs, nor statement-by-statement ones).
public protocol TransactionBatching: DatabaseDriver {
    /// Runs `statements`, then writes the version as ``DatabaseDriver/writeVersion(_:replacing:recording:)``
    /// does (a compare-and-set with `expected`), all in one transaction of its own: all of it or nothing. The
    /// history rows' time and duration are the database's: when the version is written, and since the request
    /// arrived.
    ///
    /// - Returns: false, having run nothing, when this database cannot take the migration as one request (the
    ///   version write needs more than one statement there): the ``Migrator`` then runs it statement by statement.
    /// - throws: ``BatchedStatementFailure`` naming the statement that failed; the version write's errors
    ///   (``MigrateError/Code/versionChanged``); ``MigrateError/Code/cancelled`` when the task was cancelled.
    func runInTransaction(
        _ statements: [String], thenWrite state: DatabaseVersion, replacing expected: DatabaseVersion?,
        recording records: [HistoryRecord]
    ) async throws -> Bool
}

/// A statement of a batch failed: which one (its index in the batch) and how: the database rejected it
/// (``DatabaseFailure``), or the run stopped there (``MigrateError``: the connection was lost, the task cancelled).
public struct BatchedStatementFailure: Error, Sendable {
    public var index: Int
    public var error: any Error

    public init(index: Int, error: any Error) {
        self.index = index
        self.error = error
    }
}
