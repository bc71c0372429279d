/// A driver that can wait for the standbys streaming from its server: after a migration, application instances
/// that read from a replica see the old schema until the replica has replayed the commit.
/// ``Migrator/Configuration/replicaWait`` (`-wait-replicas` in the `migrate` command) uses it after a run.
public protocol ReplicaWaiting: DatabaseDriver {
    /// Waits until every standby streaming from this server has replayed everything committed so far, polling
    /// until `timeout`; returns each standby's state at the end (none when no standby streams).
    ///
    /// - throws: ``MigrateError/Code/replicasBehind`` naming each standby still behind, and by how much, when
    ///   `timeout` passes.
    func waitForReplicas(timeout: Duration) async throws -> [ReplicaStatus]
}

/// A standby as its primary sees it (`pg_stat_replication`).
public struct ReplicaStatus: Sendable, Hashable, CustomStringConvertible {
    /// Its `application_name` (the standby's `cluster_name`, or what its connection set).
    public var name: String
    /// Its address as the primary sees it; `local` for a Unix socket.
    public var address: String
    /// How far its replay is behind the position waited for, in bytes of WAL (0 when caught up).
    public var bytesBehind: Int64
    /// How long the wait took for it (until it caught up, or the whole timeout).
    public var waited: Duration

    public init(name: String, address: String, bytesBehind: Int64, waited: Duration) {
        self.name = name
        self.address = address
        self.bytesBehind = bytesBehind
        self.waited = waited
    }

    public var caughtUp: Bool { bytesBehind <= 0 }

    /// `standby1 (10.0.0.2): caught up after 45ms`, or `standby1 (10.0.0.2): 1,234 bytes behind after 30s`.
    public var description: String {
        let after = AppliedMigration.format(waited)
        return caughtUp ? "\(name) (\(address)): caught up after \(after)" : "\(name) (\(address)): \(bytesBehind) bytes behind after \(after)"
    }
}
