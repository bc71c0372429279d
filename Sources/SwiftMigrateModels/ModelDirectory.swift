import Foundation
import SwiftMigrate

/// The output directory of `migrate models`: writes the generated files, creates the custom ones once, and
/// checks whether the committed files match the schema.
public struct ModelDirectory: Sendable {
    /// What writing did, or what checking found, for one file.
    public enum Change: Sendable, Hashable, CustomStringConvertible {
        /// A file that did not exist (generated or custom).
        case created(String)
        /// A generated file whose contents differ from the schema's.
        case updated(String)
        /// A generated file of a table or view that no longer exists (or is no longer selected).
        case removed(String)

        public var name: String {
            switch self {
            case .created(let name), .updated(let name), .removed(let name): name
            }
        }

        public var description: String { "\(kind) \(name)" }

        /// `created`, `updated` or `removed`: the word `migrate models` prints, and `--json`'s `change`.
        public var kind: String {
            switch self {
            case .created: "created"
            case .updated: "updated"
            case .removed: "removed"
            }
        }
    }

    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// What ``write(_:removingStale:)`` would change, changing nothing: generated files that would be created,
    /// rewritten or removed (custom files are left out: they are yours). Empty means the directory is up to date.
    ///
    /// - Parameter removingStale: look for generated files that no file in `files` replaces (leave it false
    ///   when only some tables were selected).
    public func check(_ files: [ModelFile], removingStale: Bool = true) throws -> [Change] {
        try changes(files, removingStale: removingStale).filter { change in
            guard case .created(let name) = change else { return true }
            return files.first { $0.name == name }?.kind == .generated
        }
    }

    /// Writes the generated files that differ, creates missing custom files (never overwriting one), and
    /// removes generated files of relations that are gone; returns what changed, by file name.
    ///
    /// - throws: ``MigrateError`` with ``MigrateError/Code/io`` when a file cannot be read or written.
    @discardableResult
    public func write(_ files: [ModelFile], removingStale: Bool = true) throws -> [Change] {
        let changes = try changes(files, removingStale: removingStale)
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let byName = Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0) })
            for change in changes {
                let target = url(change.name)
                switch change {
                case .created(let name), .updated(let name):
                    try Data(byName[name]!.contents.utf8).write(to: target, options: .atomic)
                case .removed:
                    try FileManager.default.removeItem(at: target)
                }
            }
        } catch {
            throw MigrateError(.io, "cannot write the models in \(path): \(error.localizedDescription)")
        }
        return changes
    }

    private func url(_ name: String) -> URL {
        URL(fileURLWithPath: path).appendingPathComponent(name)
    }

    private func changes(_ files: [ModelFile], removingStale: Bool) throws -> [Change] {
        var changes: [Change] = []
        for file in files {
            guard let existing = try read(file.name) else {
                changes.append(.created(file.name))
                continue
            }
            if file.kind == .generated, existing != file.contents { changes.append(.updated(file.name)) }
        }
        if removingStale {
            let planned = Set(files.map(\.name))
            for name in try generatedFiles() where !planned.contains(name) { changes.append(.removed(name)) }
        }
        return changes.sorted { $0.name < $1.name }
    }

    private func read(_ name: String) throws -> String? {
        let target = url(name)
        guard FileManager.default.fileExists(atPath: target.path) else { return nil }
        do {
            return String(decoding: try Data(contentsOf: target), as: UTF8.self)
        } catch {
            throw MigrateError(.io, "cannot read \(target.path): \(error.localizedDescription)")
        }
    }

    /// The `*.generated.swift` files in the directory that begin with the generator's header.
    private func generatedFiles() throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        return try names.filter { $0.hasSuffix(ModelGenerator.generatedSuffix) }.sorted().filter { name in
            try read(name)?.hasPrefix(ModelGenerator.headerMarker) == true
        }
    }

    /// The custom file (`NAMEModel.swift`, yours) beside a generated file that was removed, when it exists: it
    /// extends a model that no longer exists, and is kept for you to delete or move.
    public func orphanedCustomFile(after change: Change) -> String? {
        guard case .removed(let name) = change else { return nil }
        let custom = name.replacingOccurrences(of: ModelGenerator.generatedSuffix, with: ".swift")
        return FileManager.default.fileExists(atPath: URL(fileURLWithPath: path).appendingPathComponent(custom).path) ? custom : nil
    }
}
