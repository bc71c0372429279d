/// An object that a failed migration left half-made and that makes running the migration again fail: PostgreSQL's
/// INVALID index after a `CREATE INDEX CONCURRENTLY` that failed (`relation ... already exists` on the retry).
public struct InvalidObject: Sendable, Hashable, Codable {
    /// What it is, e.g. `index`.
    public var kind: String
    /// Its schema-qualified name as SQL writes it, e.g. `public.idx_positions_status`.
    public var name: String
    /// The table it belongs to, schema-qualified, when it belongs to one.
    public var table: String?
    /// The statement that removes it, to run before the migration runs again, e.g.
    /// `DROP INDEX CONCURRENTLY IF EXISTS public.idx_positions_status;`.
    public var repair: String

    public init(kind: String, name: String, table: String? = nil, repair: String) {
        self.kind = kind
        self.name = name
        self.table = table
        self.repair = repair
    }
}

/// A driver that can list the objects a failed migration left invalid (``InvalidObject``): opt-in, like
/// ``SchemaReading``, so that core knows no database. The ``Migrator`` asks after a migration that ran outside a
/// transaction failed and whenever the database is dirty, and names the objects and their repair statements in
/// its recovery advice (``DirtyRecovery``).
public protocol InvalidObjectReporting: Sendable {
    /// The invalid objects of the connection's current schema, in a stable order. Reads only.
    func invalidObjects() async throws -> [InvalidObject]
}

extension Migrator {
    /// The driver's ``InvalidObjectReporting`` answer, or none when it cannot tell: advice is given on error
    /// paths, where a second failure must not hide the first.
    func invalidObjects() async -> [InvalidObject] {
        guard let reporter = driver as? any InvalidObjectReporting else { return [] }
        return (try? await reporter.invalidObjects()) ?? []
    }
}
