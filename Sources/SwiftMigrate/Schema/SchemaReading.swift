/// A driver that can read its schema as a ``SchemaSnapshot``: the capability `verify` and `migrate schema`
/// need, kept out of ``DatabaseDriver`` so that a driver without it still migrates.
public protocol SchemaReading: Sendable {
    /// Reads the schema from the database's catalog: every object the migrations made, with a canonical
    /// definition, in a stable order, without OIDs or times, and without the version and history tables.
    /// Equal schemas give equal snapshots, so `verify` compares the snapshots taken before an up and after
    /// its down, and `migrate schema` prints one for review. Changes nothing in the database.
    func schemaSnapshot() async throws -> SchemaSnapshot
}
