import Foundation

/// A bundle's resources: migrations shipped inside an app binary (`Bundle.module` in a SwiftPM target).
///
/// Declare the folder with `resources: [.copy("Migrations")]` so that its files keep their names and stay together,
/// then use `BundleSource(bundle: .module, subdirectory: "Migrations")`. Files processed with `.process` are flattened
/// into the resource root: omit `subdirectory` then.
public struct BundleSource: MigrationSource {
    /// The resource directory on disk, or nil when the bundle has none.
    public var directoryPath: String?
    /// The subdirectory as given: paths in messages are shown relative to the bundle's resources (`Migrations/1_a.up.sql`).
    public var subdirectory: String?
    public var displayName: String

    public init(bundle: Bundle, subdirectory: String? = nil) {
        let resources = bundle.resourcePath
        self.subdirectory = subdirectory
        if let resources, let subdirectory, !subdirectory.isEmpty {
            directoryPath = resources.hasSuffix("/") ? resources + subdirectory : resources + "/" + subdirectory
        } else {
            directoryPath = resources
        }
        displayName = subdirectory ?? "bundle resources"
    }

    public func load() throws(MigrateError) -> LoadedSource { try load(collectsDuplicates: false) }

    public func loadCollectingDuplicates() throws(MigrateError) -> LoadedSource { try load(collectsDuplicates: true) }

    public func load(reading directions: Set<Direction>) throws(MigrateError) -> LoadedSource {
        try load(collectsDuplicates: false, directions: directions)
    }

    private func load(collectsDuplicates: Bool, directions: Set<Direction> = [.up, .down]) throws(MigrateError) -> LoadedSource {
        guard let directoryPath else {
            throw MigrateError(
                .noMigrations, "no migrations found in \(displayName): the bundle has no resource directory")
        }
        return try SourceDirectory.load(
            directory: directoryPath, displayPrefix: subdirectory ?? "", displayName: displayName,
            whereMissing: " (\(directoryPath))", collectsDuplicates: collectsDuplicates, directions: directions
        )
    }
}
