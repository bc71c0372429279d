import Dispatch

/// Something that yields the migrations: a directory (``DirectorySource``), app resources (``BundleSource``) or
/// files held in memory (``InMemorySource``).
///
/// ```swift
/// let loaded = try DirectorySource(path: "migrations").load()
/// for warning in loaded.warnings { print("warning: \(warning)") }
/// print(loaded.migrations.map(\.version))
/// ```
public protocol MigrationSource: Sendable {
    /// How the source is named in messages (e.g. `migrations`, the directory as given).
    var displayName: String { get }
    /// Reads and parses every migration file.
    ///
    /// - Throws: `.noMigrations` when there is none, `.duplicateMigration` when two files claim the same version
    ///   and direction, `.invalidSource` for malformed names or annotated files, invalid UTF-8 and control bytes
    ///   (a NUL, located by file, line and column), `.io` when a file cannot be read.
    func load() throws(MigrateError) -> LoadedSource
    /// Like ``load()``, but two files claiming one version and direction do not stop the load: the first (in
    /// file name order) is kept and the pair is listed in ``LoadedSource/duplicates``, so that `validate` can
    /// report every conflict and `renumber` can resolve them.
    func loadCollectingDuplicates() throws(MigrateError) -> LoadedSource
    /// Like ``load()``, but reads only the files of `directions`; the others are listed (so `status` still knows
    /// which versions have a down file) with ``MigrationScript/isOmitted`` set. `up` reads no down file: with
    /// 10,000 migrations that halves the files read. The default reads everything.
    func load(reading directions: Set<Direction>) throws(MigrateError) -> LoadedSource
    /// Like ``load(reading:)``, without blocking the calling thread: the ``Migrator`` loads through this, so that
    /// reading files never occupies a thread of Swift's cooperative pool or an event loop of the app's. The
    /// default runs ``load(reading:)`` on a dispatch queue.
    func loadAsync(reading directions: Set<Direction>) async throws(MigrateError) -> LoadedSource
}

extension MigrationSource {
    public func loadCollectingDuplicates() throws(MigrateError) -> LoadedSource { try load() }
    public func load(reading directions: Set<Direction>) throws(MigrateError) -> LoadedSource { try load() }

    public func loadAsync(reading directions: Set<Direction>) async throws(MigrateError) -> LoadedSource {
        try await offThread { () throws(MigrateError) in try load(reading: directions) }
    }
}

/// Runs a blocking read on a dispatch queue and suspends until it is done, so that reading files never occupies
/// the caller's thread (a thread of the cooperative pool, or an app's event loop).
func offThread<T: Sendable>(_ read: @escaping @Sendable () throws(MigrateError) -> T) async throws(MigrateError) -> T {
    let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, MigrateError>, Never>) in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(returning: Result { () throws(MigrateError) in try read() })
        }
    }
    return try result.get()
}

/// Two files that claim the same version and direction (two branches that both created `003_...`).
public struct MigrationDuplicate: Sendable, Hashable, Codable {
    public var version: Int64
    public var direction: Direction
    /// The file that was kept (the first in file name order) and the one that was set aside.
    public var keptPath: String
    public var otherPath: String
    /// The descriptions of the two migrations (equal when the same migration has two files, e.g. `.sql` and `.psql`).
    public var keptName: String
    public var otherName: String
}

/// The result of loading a ``MigrationSource``.
public struct LoadedSource: Sendable {
    /// The migrations, ascending by version; versions are unique.
    public var migrations: [Migration]
    /// Files that look like mistaken migration names and were ignored, in file name order.
    public var warnings: [SourceWarning]
    /// The source's name for messages (e.g. `migrations`).
    public var displayName: String
    /// Conflicting files set aside by ``MigrationSource/loadCollectingDuplicates()``; always empty after ``MigrationSource/load()``.
    public var duplicates: [MigrationDuplicate]

    public init(
        migrations: [Migration], warnings: [SourceWarning] = [], displayName: String, duplicates: [MigrationDuplicate] = []
    ) {
        self.migrations = migrations
        self.warnings = warnings
        self.displayName = displayName
        self.duplicates = duplicates
    }
}

/// A file the source ignored although it looks like a migration (`3_add.up.sql.bak`, `V3__add.sql`, ...).
public struct SourceWarning: Sendable, Hashable, CustomStringConvertible {
    /// The file as shown to users (e.g. `migrations/3_add.up.sql.bak`).
    public var path: String
    /// What is wrong with it.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `PATH: MESSAGE`.
    public var description: String { "\(path): \(message)" }
}

/// Turns files, offered one at a time in file name order, into migrations: the rules shared by every source.
struct MigrationAssembler {
    private struct Slot {
        var up: MigrationScript?
        var down: MigrationScript?
        var upName: String?
        var downName: String?

        func script(_ direction: Direction) -> MigrationScript? { direction == .up ? up : down }
    }

    private var slots: [Int64: Slot] = [:]
    private(set) var warnings: [SourceWarning] = []
    /// When true, a duplicate is recorded in ``duplicates`` instead of thrown.
    var collectsDuplicates = false
    /// Plain files of other directions are listed but not read (``MigrationScript/isOmitted``).
    var directions: Set<Direction> = [.up, .down]
    private(set) var duplicates: [MigrationDuplicate] = []

    /// `expectedFiles`: how many files will be offered, to size the table once (a plain pair is two files per
    /// version); growing it would hold the old and the new table at once.
    init(expectedFiles: Int = 0) {
        slots.reserveCapacity(expectedFiles / 2)
    }

    /// Considers one file.
    ///
    /// - Parameters:
    ///   - fileName: the bare file name, which decides whether the file is a migration.
    ///   - displayPath: the file as shown to users.
    ///   - read: the file's text, or nil to skip it (e.g. it is a directory). Called only for migration files.
    mutating func add(
        fileName: String, displayPath: String, read: () throws(MigrateError) -> String?
    ) throws(MigrateError) {
        if Self.isIgnored(fileName) { return }
        guard let parsed = try MigrationFileName.parse(fileName, displayPath: displayPath) else {
            if let reason = MigrationFileName.nearMissReason(fileName) {
                warnings.append(SourceWarning(path: displayPath, message: MigrationFileName.nearMissMessage(reason)))
            }
            return
        }
        if let direction = parsed.direction, !directions.contains(direction) {
            var script = MigrationScript(path: displayPath, contents: "")
            script.isOmitted = true
            try store(script, version: parsed.version, direction: direction, name: parsed.name)
            return
        }
        guard let text = try read() else { return }
        // Here, where every source's files pass: up, lint, plan, validate and verify all refuse the file.
        try ControlCharacters.checkFile(text, path: displayPath)
        if let direction = parsed.direction {
            let forcesNoTransaction = try MigrationAnnotations.plainForcesNoTransaction(text, path: displayPath)
            let script = MigrationScript(path: displayPath, contents: text, forcesNoTransaction: forcesNoTransaction)
            try store(script, version: parsed.version, direction: direction, name: parsed.name)
            return
        }
        guard let sections = try MigrationAnnotations.sections(of: text, path: displayPath) else {
            warnings.append(SourceWarning(path: displayPath, message: Self.missingUpMessage(text)))
            return
        }
        try store(sections.up, version: parsed.version, direction: .up, name: parsed.name)
        if let down = sections.down {
            try store(down, version: parsed.version, direction: .down, name: parsed.name)
        }
    }

    /// The migrations, ascending by version.
    ///
    /// - Throws: `.noMigrations` (`no migrations found in DISPLAYNAME`, plus `detail`) when no file was a
    ///   migration; the near-miss warnings go into the error's hint, since they probably explain why.
    func finish(displayName: String, detail: String? = nil) throws(MigrateError) -> LoadedSource {
        guard !slots.isEmpty else {
            var message = "no migrations found in \(displayName)"
            if let detail { message += ": \(detail)" }
            let hint = warnings.isEmpty ? nil : warnings.map(\.description).joined(separator: "\n")
            throw MigrateError(.noMigrations, message, hint: hint)
        }
        let migrations = slots.keys.sorted().map { version in
            let slot = slots[version]!
            return Migration(version: version, name: slot.upName ?? slot.downName ?? "", up: slot.up, down: slot.down)
        }
        return LoadedSource(migrations: migrations, warnings: warnings, displayName: displayName, duplicates: duplicates)
    }

    private mutating func store(
        _ script: MigrationScript, version: Int64, direction: Direction, name: String
    ) throws(MigrateError) {
        var slot = slots[version] ?? Slot()
        if let existing = slot.script(direction) {
            if collectsDuplicates {
                duplicates.append(MigrationDuplicate(
                    version: version, direction: direction, keptPath: existing.path, otherPath: script.path,
                    keptName: (direction == .up ? slot.upName : slot.downName) ?? "", otherName: name
                ))
                return
            }
            throw MigrateError(
                .duplicateMigration,
                "duplicate migration version \(version) (\(direction.rawValue)): \(existing.path) and \(script.path)",
                version: version
            )
        }
        switch direction {
        case .up:
            slot.up = script
            slot.upName = name
        case .down:
            slot.down = script
            slot.downName = name
        }
        slots[version] = slot
    }

    /// Dotfiles (`.DS_Store`, editor swap files, `.keep`) and READMEs are never migrations, whatever their names.
    static func isIgnored(_ fileName: String) -> Bool {
        fileName.hasPrefix(".") || fileName.lowercased().hasPrefix("readme")
    }

    private static func missingUpMessage(_ text: String) -> String {
        var message =
            "has a version but no '-- +migrate Up' directive, so it is neither VERSION_NAME.up.EXT / .down.EXT "
            + "nor an annotated migration"
        if text.contains("+goose") {
            message += " (it uses goose's '-- +goose Up'; write '-- +migrate Up')"
        } else if text.lowercased().contains("+migrate down") {
            message += " (it has only a Down section)"
        }
        return message + "; ignored"
    }
}
