import Foundation

/// Moves migrations that cannot run where they are to the next free versions: the guide's section 4 ("two
/// developers both created 003"), done by the tool.
///
/// Two kinds of migrations move, never one that the database has applied:
/// - **conflicts**: several migrations with one version. One keeps it: the one the database applied (history
///   table), else the one committed to git first, else the first by file name; the others move.
/// - **out of order** (with a database): files at or below the current version that were never applied
///   (added by a merge after later versions ran); golang-migrate would skip them for ever.
///
/// New versions follow the highest version in the directory and in the database, in the order of the old ones,
/// with the same number of digits (`003` → `006`); the up and down files of a migration move together. Inside a
/// git work tree, tracked files move with `git mv` so the history follows them.
///
/// ```swift
/// let renumberer = MigrationRenumberer(directory: "migrations")
/// let renames = try renumberer.plan()
/// try renumberer.apply(renames)
/// ```
public struct MigrationRenumberer: Sendable {
    /// One file to move.
    public struct Rename: Sendable, Hashable, Codable {
        /// The file now and after the move, as `directory/name`: the real paths, control characters and all
        /// (escape those before printing, as `migrate renumber` does).
        public var from: String
        public var to: String
        public var oldVersion: Int64
        public var newVersion: Int64
        /// Why it moves, for people.
        public var reason: String
        /// The bare file names.
        public var fromName: String { String(from.split(separator: "/").last ?? Substring(from)) }
        public var toName: String { String(to.split(separator: "/").last ?? Substring(to)) }
    }

    /// The migrations directory as given.
    public var directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// The renames that resolve every conflict and out-of-order migration; empty when there is nothing to do.
    ///
    /// - parameters:
    ///   - current: the database's version, when a database was given.
    ///   - history: the database's history rows (they tell which of two conflicting migrations was applied,
    ///     and which files below the current version never were).
    public func plan(current: DatabaseVersion? = nil, history: [HistoryRecord] = []) throws(MigrateError) -> [Rename] {
        let files = try listing()
        // One entry per migration: a version and a description, with its files (up, down, or an annotated one).
        var migrations: [Key: [File]] = [:]
        for file in files { migrations[Key(version: file.parsed.version, name: file.parsed.name), default: []].append(file) }
        let byVersion = Dictionary(grouping: migrations.keys, by: \.version)
        let applied = Drift.appliedRecords(history)
        var moving: [Key: String] = [:]

        for (version, keys) in byVersion where keys.count > 1 {
            let keeper: Key
            if let record = applied[version], let match = keys.first(where: { $0.name == record.name }) {
                keeper = match
            } else {
                // Ties (no git, untracked, one commit) go to the first file name, not to the dictionary's order.
                let rank = { (key: Key) in (firstCommitted(migrations[key]!), migrations[key]!.map(\.fileName).min() ?? "") }
                keeper = keys.min { rank($0) < rank($1) } ?? keys[0]
            }
            for key in keys where key != keeper {
                let keeperFile = migrations[keeper]!.map(\.fileName).min() ?? keeper.label
                moving[key] = "version \(version) is also used by \(ControlCharacters.escaped(keeperFile))"
            }
        }
        if let currentVersion = current?.version, let firstRecorded = history.map(\.version).min() {
            for key in migrations.keys
            where moving[key] == nil && key.version > firstRecorded && key.version < currentVersion && applied[key.version] == nil {
                moving[key] = "never applied, but the database is already at version \(currentVersion)"
            }
        }
        guard !moving.isEmpty else { return [] }
        var next = max(migrations.keys.map(\.version).max() ?? 0, current?.version ?? 0)
        var renames: [Rename] = []
        for key in moving.keys.sorted(by: { ($0.version, $0.name) < ($1.version, $1.name) }) {
            guard next < Int64.max else {
                throw MigrateError(.invalidArgument, "no free version after \(next) in \(directory)")
            }
            next += 1
            for file in migrations[key]!.sorted(by: { $0.fileName < $1.fileName }) {
                let digits = String(next)
                let width = file.versionText.count
                let padded = digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
                let newName = padded + file.fileName.dropFirst(file.versionText.count)
                renames.append(Rename(
                    from: path(file.fileName), to: path(newName), oldVersion: key.version, newVersion: next,
                    reason: moving[key]!
                ))
            }
        }
        return renames
    }

    /// Moves the files: `git mv` for files git tracks, a plain rename otherwise. Refuses to overwrite anything.
    public func apply(_ renames: [Rename]) throws(MigrateError) {
        func shown(_ path: String) -> String { ControlCharacters.escaped(path) }
        for rename in renames where FileManager.default.fileExists(atPath: rename.to) {
            throw MigrateError(.fileExists, "cannot rename \(shown(rename.from)) to \(shown(rename.to)): the file exists")
        }
        for rename in renames {
            if isTracked(rename.fromName) {
                let result = Self.git(["mv", rename.fromName, rename.toName], in: workingDirectory)
                guard result.status == 0 else {
                    throw MigrateError(.io, "git mv \(shown(rename.from)) \(shown(rename.to)) failed: \(result.output.trimmingCharacters(in: .whitespacesAndNewlines))")
                }
            } else {
                do {
                    try FileManager.default.moveItem(atPath: rename.from, toPath: rename.to)
                } catch {
                    throw MigrateError(.io, "cannot rename \(shown(rename.from)) to \(shown(rename.to)): \(error.localizedDescription)")
                }
            }
        }
    }

    /// Whether the file `name` of the directory is tracked by git (false outside a git work tree or without git).
    public func isTracked(_ name: String) -> Bool {
        Self.git(["ls-files", "--error-unmatch", "--", name], in: workingDirectory).status == 0
    }

    private var workingDirectory: String { directory.isEmpty ? "." : directory }

    // MARK: Internals

    private struct Key: Hashable {
        var version: Int64
        var name: String
        var label: String { "\(version)_\(name)" }
    }

    private struct File {
        var fileName: String
        /// The version as written, leading zeros included.
        var versionText: String
        var parsed: MigrationFileName
    }

    private func path(_ name: String) -> String { SourceDirectory.join(directory, name) }

    private func listing() throws(MigrateError) -> [File] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)
        } catch {
            throw MigrateError(.noMigrations, "no migrations found in \(directory): cannot list the directory")
        }
        var files: [File] = []
        for name in names.sorted() where !MigrationAssembler.isIgnored(name) {
            guard let parsed = try MigrationFileName.parse(name, displayPath: SourceDirectory.displayPath(directory, name)) else {
                continue
            }
            let versionText = String(name.prefix { $0.isASCII && $0.isNumber })
            files.append(File(fileName: name, versionText: versionText, parsed: parsed))
        }
        return files
    }

    /// When git first saw any of the files (seconds since 1970); untracked files count as newest.
    private func firstCommitted(_ files: [File]) -> Int64 {
        var earliest = Int64.max
        for file in files {
            let result = Self.git(["log", "--diff-filter=A", "--format=%ct", "--", file.fileName], in: workingDirectory)
            guard result.status == 0 else { continue }
            for line in result.output.split(separator: "\n") {
                if let time = Int64(line.trimmingCharacters(in: .whitespaces)) { earliest = min(earliest, time) }
            }
        }
        return earliest
    }

    /// Runs git in the migrations directory; status 127 when git cannot be started.
    private static func git(_ arguments: [String], in directory: String?) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return (127, "\(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
