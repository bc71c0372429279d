#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

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
            var info = stat()
            if stat(directory, &info) != 0 {
                throw MigrateError(
                    .noMigrations, "no migrations found in \(displayName)\(whereMissing): the directory does not exist")
            }
            if info.st_mode & S_IFMT != S_IFDIR {
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
            if let posix = cocoa.underlying as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        }
        return (error as? any LocalizedError)?.errorDescription ?? String(describing: error)
    }
}
