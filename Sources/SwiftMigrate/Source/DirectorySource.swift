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
        // Byte order: the same on every platform and file system, so duplicates and warnings come out the same.
        let sorted = byteOrder(names)
        let readAhead = readInParallel(sorted, base: base, displayPrefix: displayPrefix, directions: directions)
        var assembler = MigrationAssembler(expectedFiles: sorted.count)
        assembler.collectsDuplicates = collectsDuplicates
        assembler.directions = directions
        for (index, name) in sorted.enumerated() {
            let displayPath = Self.displayPath(displayPrefix, name)
            try assembler.add(fileName: name, displayPath: displayPath) { () throws(MigrateError) -> String? in
                // Read ahead when the name looked like a migration; read here otherwise (the assembler knows best).
                switch readAhead.texts[index] {
                case .text(let text)?: return text
                case .directory?: return nil
                case .failed?: throw readAhead.errors[index]!
                case nil: return try readUTF8(atPath: base + name, displayPath: displayPath)
                }
            }
        }
        return try assembler.finish(displayName: displayName)
    }

    /// What the read-ahead found for one file.
    enum ReadAhead {
        case text(String)
        case directory
        /// The error is in ``ReadAheadResults/errors``: an error is large and rare, a text small and common.
        case failed
    }

    /// The read-ahead: one element per name the size of a string (10,000 migrations are 20,000 names), and the
    /// rare errors apart.
    struct ReadAheadResults {
        /// nil for names that were not read ahead.
        var texts: [ReadAhead?]
        var errors: [Int: MigrateError]
    }

    /// The files whose names parse as migrations, read on every core at once (10,000 migrations are 20,000
    /// files). Errors are kept per file and thrown in file order by the caller.
    static func readInParallel(
        _ names: [String], base: String, displayPrefix: String, directions: Set<Direction>
    ) -> ReadAheadResults {
        let wanted = names.map { name in
            guard !MigrationAssembler.isIgnored(name), let parsed = (try? MigrationFileName.parse(name)) ?? nil else {
                return false
            }
            return parsed.direction.map(directions.contains) ?? true
        }
        // Small sources are not worth the threads.
        let workers = names.count < 64 ? 1 : max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        // Each worker keeps the errors of its own files.
        let errorsByWorker = UnsafeMutableBufferPointer<[Int: MigrateError]>.allocate(capacity: workers)
        errorsByWorker.initialize(repeating: [:])
        defer { errorsByWorker.deinitialize().deallocate() }
        let texts = [ReadAhead?](unsafeUninitializedCapacity: names.count) { buffer, initialized in
            buffer.initialize(repeating: nil)
            let shared = SendableBuffer(buffer)
            let sharedErrors = SendableBuffer(errorsByWorker)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var index = worker
                while index < names.count {
                    if wanted[index] {
                        let displayPath = Self.displayPath(displayPrefix, names[index])
                        do throws(MigrateError) {
                            let text = try readUTF8(atPath: base + names[index], displayPath: displayPath)
                            shared.buffer[index] = text.map(ReadAhead.text) ?? .directory
                        } catch {
                            shared.buffer[index] = .failed
                            sharedErrors.buffer[worker][index] = error
                        }
                    }
                    index += workers
                }
            }
            initialized = names.count
        }
        let errors = errorsByWorker.reduce(into: [Int: MigrateError]()) { all, mine in all.merge(mine) { first, _ in first } }
        return ReadAheadResults(texts: texts, errors: errors)
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

    /// `names` in byte order (the same on every platform and file system), comparing precomputed bytes:
    /// sorting 20,000 names through `String.UTF8View` costs more than reading the files.
    static func byteOrder(_ names: [String]) -> [String] {
        let keyed = names.map { (bytes: Array($0.utf8), name: $0) }
        return keyed.sorted { left, right in
            left.bytes.withUnsafeBufferPointer { l in
                right.bytes.withUnsafeBufferPointer { r in
                    let common = min(l.count, r.count)
                    let order = common == 0 ? 0 : memcmp(l.baseAddress!, r.baseAddress!, common)
                    return order != 0 ? order < 0 : l.count < r.count
                }
            }
        }.map(\.name)
    }

    /// The file's text, or nil when it is a directory. Anything else that is not a regular file (a FIFO, a socket,
    /// a device) is refused before any read: opening a FIFO for reading would wait for a writer for ever.
    ///
    /// Plain `open`/`read`/`close` into one reused buffer: three system calls per file where Foundation's
    /// `Data(contentsOf:)` makes five or more, and no zero-filled allocation per file, which shows with 10,000
    /// migration files.
    ///
    /// - Throws: `.invalidSource` for invalid UTF-8 (naming the byte offset), `.io` when it cannot be read.
    static func readUTF8(atPath path: String, displayPath: String) throws(MigrateError) -> String? {
        // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; regular files ignore it.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw MigrateError(.io, "cannot read \(displayPath): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            if kind == S_IFDIR { return nil }
            guard kind == S_IFREG else {
                throw MigrateError(
                    .invalidSource, "\(displayPath) is not a regular file (a FIFO, socket or device); migration files must be regular files"
                )
            }
        }
        var capacity = 16 * 1024
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var count = 0
        while true {
            if count == capacity {
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity * 2, alignment: 16)
                larger.copyMemory(from: UnsafeRawBufferPointer(buffer))
                buffer.deallocate()
                buffer = larger
                capacity *= 2
            }
            let received = read(descriptor, buffer.baseAddress! + count, capacity - count)
            if received == 0 { break }
            if received < 0 {
                if errno == EINTR { continue }
                if errno == EISDIR { return nil }
                throw MigrateError(.io, "cannot read \(displayPath): \(String(cString: strerror(errno)))")
            }
            count += received
        }
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<count]).bindMemory(to: UInt8.self)
        return try decodeUTF8(bytes, displayPath: displayPath)
    }

    /// Strict UTF-8 decoding: no replacement characters sneak into SQL.
    static func decodeUTF8(_ data: UnsafeBufferPointer<UInt8>, displayPath: String) throws(MigrateError) -> String {
        let invalidOffset = UTF8Validation.firstInvalidOffset(data)
        if let invalidOffset {
            throw MigrateError(
                .invalidSource,
                "\(displayPath): invalid UTF-8 at byte offset \(invalidOffset); migration files must be UTF-8")
        }
        return String(decoding: data, as: UTF8.self)
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

/// Lets `concurrentPerform`'s workers write disjoint elements of one buffer.
private struct SendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

/// Finding the first byte that breaks UTF-8 (overlong forms, surrogates and values above U+10FFFF included).
enum UTF8Validation {
    static func firstInvalidOffset(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            // The allowed range of the second byte depends on the lead byte (Unicode Table 3-7).
            let length: Int
            var secondLow: UInt8 = 0x80
            var secondHigh: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                secondLow = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                secondHigh = 0x9F
            case 0xF0:
                length = 4
                secondLow = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                secondHigh = 0x8F
            default: return index
            }
            guard index + 1 < count, bytes[index + 1] >= secondLow, bytes[index + 1] <= secondHigh else { return index }
            for continuation in 2..<length {
                guard index + continuation < count, bytes[index + continuation] & 0xC0 == 0x80 else { return index }
            }
            index += length
        }
        return nil
    }
}
