#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The schema of a database as data: every object (schemas, types, tables, columns, constraints, indexes,
/// views, functions, triggers, comments, ...) with a canonical definition, in a stable order.
///
/// Drivers make one from the catalog (``SchemaReading/schemaSnapshot()``); the migration tool's own version
/// and history tables are left out. Two databases with the same schema give equal snapshots, whatever their
/// OIDs, creation times or history, so a snapshot can be committed beside the migrations, diffed in review,
/// and compared after a down migration:
///
/// ```swift
/// let before = try await driver.schemaSnapshot()
/// _ = try await migrator.up(1)
/// _ = try await migrator.down(1)
/// for difference in try await driver.schemaSnapshot().differences(from: before) {
///     print(difference)  // index public.idx_positions_status still exists
/// }
/// ```
public struct SchemaSnapshot: Sendable, Hashable, Codable {
    /// The objects, sorted: each top-level object followed by the objects that belong to it.
    public let objects: [SchemaObject]

    /// A snapshot of `objects`, in any order.
    public init(objects: [SchemaObject]) {
        self.objects = objects.sorted { $0.sortKey < $1.sortKey }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(objects: try container.decode([SchemaObject].self, forKey: .objects))
    }

    /// The object of this kind and name, if the snapshot has it.
    public func object(_ kind: SchemaObject.Kind, _ name: String) -> SchemaObject? {
        objects.first { $0.kind == kind && $0.name == name }
    }

    /// The names of the objects of one kind, in snapshot order.
    public func names(of kind: SchemaObject.Kind) -> [String] {
        objects.filter { $0.kind == kind }.map(\.name)
    }

    /// The snapshot as stable text: one object per line (`kind name definition`), an object's members
    /// indented under it, a blank line between top-level objects, multi-line definitions (views, functions)
    /// as an indented block. The same schema always gives the same text, so it diffs well in review.
    ///
    /// ```
    /// table public.accounts (id, model_id)
    ///   column public.accounts.id bigint NOT NULL DEFAULT nextval('public.accounts_id_seq'::regclass)
    ///   constraint public.accounts.accounts_pkey PRIMARY KEY (id)
    ///   comment on table public.accounts 'Exchange accounts.'
    /// ```
    public func rendered() -> String {
        var lines: [String] = []
        var currentGroup: SchemaObject.ID?
        for object in objects {
            let group = object.parent ?? object.id
            if group != currentGroup {
                if currentGroup != nil { lines.append("") }
                currentGroup = group
            }
            let indent = object.parent == nil ? "" : "  "
            let header = indent + object.id.description
            let definition = object.definition.split(separator: "\n", omittingEmptySubsequences: false)
            switch definition.count {
            case 0:
                lines.append(header)
            case 1 where !definition[0].isEmpty:
                lines.append(header + " " + definition[0])
            case 1:
                lines.append(header)
            default:
                lines.append(header)
                lines += definition.map { $0.isEmpty ? "" : indent + "    " + $0 }
            }
        }
        return lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
    }

    /// The snapshot as pretty-printed JSON with sorted keys: `{"objects": [{"kind", "name", "parent",
    /// "definition"}]}`, as stable as ``rendered()``.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
