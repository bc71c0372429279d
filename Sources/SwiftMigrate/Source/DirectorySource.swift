import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Migrations in a directory of files: golang-migrate's `-path DIR` / `-source file://DIR`.
///
/// Reads `VERSION_NAME.up.EXT` / `VERSION_NAME.down.EXT` files and annotated `VERSION_NAME.sql` files; subdirectories
/// are not descended into. Paths in messages are the directory as given joined with the file name
/// (`migrations/001_domain.up.sql`).
///
/// ```swift
/// let loaded = try DirectorySource(path: "migrations").load()
/// ```
public struct DirectorySource: MigrationSource {
    /// The directory as given.
    public var path: String

    public init(path: String) {
        self.path = path
    }

    public var displayName: String { path.isEmpty ? "." : path }

    public func load() throws(MigrateError) -> LoadedSource {
        try SourceDirectory.load(directory: path.isEmpty ? "." : path, displayPrefix: path, displayName: displayName)
    }

    public func loadCollectingDuplicates() throws(MigrateError) -> LoadedSource {
        try SourceDirectory.load(
            directory: path.isEmpty ? "." : path, displayPrefix: path, displayName: displayName, collectsDuplicates: true
        )
    }

    public func load(reading directions: Set<Direction>) throws(MigrateError) -> LoadedSource {
        try SourceDirectory.load(
            directory: path.isEmpty ? "." : path, displayPrefix: path, displayName: displayName, directions: directions
        )
    }
}

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

/// Loading a directory on disk: one listing, one read per migration file.
enum SourceDirectory {
    static func load(
        directory: String, displayPrefix: String, displayName: String, whereMissing: String = "",
        collectsDuplicates: Bool = false, directions: Set<Direction> = [.up, .down]
    ) throws(MigrateError) -> LoadedSource {
        let fileManager = FileManager.default
        let names: [String]
        do {
            names = try fileManager.contentsOfDirectory(atPath: directory)
        } catch {
            var isDirectory: ObjCBool = false
            if !fileManager.fileExists(atPath: directory, isDirectory: &isDirectory) {
                throw MigrateError(
                    .noMigrations, "no migrations found in \(displayName)\(whereMissing): the directory does not exist")
            }
            if !isDirectory.boolValue {
                throw MigrateError(
                    .noMigrations, "no migrations found in \(displayName)\(whereMissing): it is a file, not a directory"
                )
            }
            throw MigrateError(.io, "cannot list \(displayName)\(whereMissing): \(describe(error))")
        }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        let sorted = FileLoader.byteOrder(names)
        var assembler = MigrationAssembler(expectedFiles: sorted.count)
        assembler.collectsDuplicates = collectsDuplicates
        assembler.directions = directions
        for name in sorted {
            let displayPath = Self.displayPath(displayPrefix, name)
            try assembler.add(fileName: name, displayPath: displayPath) { () throws(MigrateError) -> String? in
                try FileLoader.readUTF8(atPath: base + name, displayPath: displayPath)
            }
        }
        return try assembler.finish(displayName: displayName)
    }

    /// A file as shown in messages and listings: ``join(_:_:)`` with control characters escaped, since file names
    /// (Linux allows a newline or `ESC[` in them) would otherwise forge output lines.
    static func displayPath(_ prefix: String, _ name: String) -> String {
        ControlCharacters.escaped(join(prefix, name))
    }

    /// `prefix/name`, without doubling a trailing slash; just `name` for an empty prefix.
    static func join(_ prefix: String, _ name: String) -> String {
        if prefix.isEmpty { return name }
        return prefix.hasSuffix("/") ? prefix + name : prefix + "/" + name
    }

    /// The plain reason for a Foundation file error (`No such file or directory`), without Foundation's
    /// "The operation could not be completed." preamble.
    private static func describe(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileReadNoSuchFile, .fileNoSuchFile: return String(cString: strerror(ENOENT))
            case .fileReadNoPermission: return String(cString: strerror(EACCES))
            default: break
            }
        }
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }
}
