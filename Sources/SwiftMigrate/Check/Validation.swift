import Foundation

/// One problem `validate` found, with the file or version it concerns.
public struct ValidationProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What kind of problem; the raw value is the stable id printed in brackets (`error[modified]`).
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Two migrations claim one version (two branches that both created `003_...`): `migrate renumber`.
        case duplicateVersion = "duplicate-version"
        /// An up file without a down file: the migration cannot be reverted.
        case missingDown = "missing-down"
        /// A down file without an up file.
        case missingUp = "missing-up"
        /// A down file without statements and without `-- migrate:irreversible`: `down` would undo nothing.
        case emptyDown = "empty-down"
        /// A script the lexer cannot split (unterminated quote or comment, psql meta-command).
        case invalidScript = "invalid-script"
        /// A file that looks like a migration but was ignored (its name, or an annotated file without
        /// `-- +migrate Up`): no command runs it.
        case ignoredFile = "ignored-file"
        /// An applied migration's up file changed since it ran.
        case modified
        /// The database applied a version that has no file in the source.
        case missingFromSource = "missing-from-source"
        /// A file at or below the current version that was never applied (golang-migrate would skip it).
        case outOfOrder = "out-of-order"
        /// The database is dirty: a non-transactional migration stopped half-way.
        case dirty
    }

    public var kind: Kind
    /// The version concerned, if one.
    public var version: Int64?
    /// The file concerned, as shown to users; nil for problems of the database.
    public var path: String?
    /// What is wrong and what to do, one line.
    public var message: String

    public init(kind: Kind, version: Int64?, path: String?, message: String) {
        self.kind = kind
        self.version = version
        self.path = path
        self.message = message
    }

    /// `PATH: error[KIND]: MESSAGE`, like a compiler.
    public var description: String {
        (path.map { "\($0): " } ?? "") + "error[\(kind.rawValue)]: \(message)"
    }
}

/// Checks of the source alone: duplicates, missing halves, scripts that cannot be split.
public enum SourceValidation {
    /// Every problem of `loaded` (load it with ``MigrationSource/loadCollectingDuplicates()`` so that every
    /// duplicate is listed), in version order.
    public static func problems(in loaded: LoadedSource, dialect: SQLDialect) -> [ValidationProblem] {
        var problems: [ValidationProblem] = []
        let duplicates = Dictionary(grouping: loaded.duplicates, by: \.version)
        for version in duplicates.keys.sorted() {
            // Up files first: they name the migrations better than their down files.
            let pairs = duplicates[version]!.sorted { ($0.direction == .up ? 0 : 1) < ($1.direction == .up ? 0 : 1) }
            // Name each migration once (an up/down pair is one) by its first file; when one migration has two
            // files for a direction (`.sql` and `.psql`), name the files.
            var claimants: [(name: String, path: String)] = []
            for pair in pairs {
                for (name, path) in [(pair.keptName, pair.keptPath), (pair.otherName, pair.otherPath)]
                where !claimants.contains(where: { $0.name == name && (pair.keptName != pair.otherName || $0.path == path) }) {
                    claimants.append((name, path))
                }
            }
            let listed = claimants.map(\.path)
            problems.append(ValidationProblem(
                kind: .duplicateVersion, version: version, path: pairs[0].otherPath,
                message: "version \(version) is claimed by more than one migration: \(listed.joined(separator: " and ")); "
                    + "give the newer one the next free version with `migrate renumber`"
            ))
        }
        for migration in loaded.migrations {
            switch (migration.up, migration.down) {
            case (let up?, nil):
                problems.append(ValidationProblem(
                    kind: .missingDown, version: migration.version, path: up.path,
                    message: "no down file: version \(migration.version) cannot be reverted; add "
                        + Self.counterpart(of: up.path, direction: .down)
                ))
            case (nil, let down?):
                problems.append(ValidationProblem(
                    kind: .missingUp, version: migration.version, path: down.path,
                    message: "a down file without an up file: `up` only moves the version past \(migration.version)"
                ))
            default:
                break
            }
            for script in [migration.up, migration.down].compactMap({ $0 }) where !script.isOmitted {
                do {
                    let split = try SQLScript(script, dialect: dialect)
                    if script == migration.down, split.statements.isEmpty, !script.declaresIrreversible {
                        problems.append(ValidationProblem(
                            kind: .emptyDown, version: migration.version, path: script.path,
                            message: "the down file has no statements, so `down` would undo nothing; write the SQL "
                                + "that undoes the up file, or mark the migration irreversible with a "
                                + "`-- migrate:irreversible` line"
                        ))
                    }
                } catch {
                    problems.append(ValidationProblem(
                        kind: .invalidScript, version: migration.version,
                        path: error.location.map(\.description) ?? script.path, message: error.message
                    ))
                }
            }
        }
        for warning in loaded.warnings {
            problems.append(ValidationProblem(
                kind: .ignoredFile, version: nil, path: warning.path,
                message: "\(warning.message), so no command runs it: fix its name or contents, or move it out of "
                    + "\(loaded.displayName) if it is not a migration"
            ))
        }
        return problems.sorted { ($0.version ?? .max, $0.kind.rawValue) < ($1.version ?? .max, $1.kind.rawValue) }
    }

    /// `001_a.up.sql` → `001_a.down.sql` (an annotated file needs a `-- +migrate Down` section instead).
    static func counterpart(of path: String, direction: Direction) -> String {
        let from = direction == .down ? ".up." : ".down."
        let to = direction == .down ? ".down." : ".up."
        guard let range = path.range(of: from, options: .backwards) else {
            return "a '-- +migrate Down' section to \(path)"
        }
        return path.replacingCharacters(in: range, with: to)
    }
}

extension Migrator {
    /// Every problem of the source and of how it matches the database: duplicate versions, missing halves,
    /// scripts that cannot be split, applied files that changed, applied versions missing from the source,
    /// files below the current version that were never applied, a dirty version. Reads only: no lock, no
    /// table created.
    public func validate() async throws -> [ValidationProblem] {
        let source = source
        let loaded = try await offThread { () throws(MigrateError) in try source.loadCollectingDuplicates() }
        var problems = SourceValidation.problems(in: loaded, dialect: driver.dialect)
        let current = try await driver.readVersion()
        let history = try await driver.readHistory()
        for modified in Drift.modified(migrations: loaded.migrations, current: current, history: history) {
            problems.append(ValidationProblem(
                kind: .modified, version: modified.version, path: modified.path,
                message: "changed after it was applied (recorded checksum \(modified.recordedChecksum.prefix(12)), "
                    + "file now \(modified.currentChecksum.prefix(12))); restore it and put the change in a new migration"
            ))
        }
        let status = Self.status(migrations: loaded.migrations, current: current, history: history)
        for entry in status.entries where entry.state == .missingFromSource {
            problems.append(ValidationProblem(
                kind: .missingFromSource, version: entry.version, path: nil,
                message: "version \(entry.version)\(entry.name.isEmpty ? "" : " (\(entry.name))") is applied in the "
                    + "database but has no file in \(loaded.displayName); restore its files"
            ))
        }
        for migration in Drift.outOfOrder(migrations: loaded.migrations, current: current, history: history) {
            problems.append(ValidationProblem(
                kind: .outOfOrder, version: migration.version, path: migration.up?.path ?? migration.down?.path,
                message: "version \(migration.version) was never applied but the database is already at version "
                    + "\(current.version.map(String.init) ?? "-"), so `up` refuses to run; move it after the last "
                    + "version with `migrate renumber`, or apply it where it stands with -allow-out-of-order"
            ))
        }
        if current.dirty, let version = current.version {
            problems.append(ValidationProblem(
                kind: .dirty, version: version, path: nil,
                message: DirtyRecovery(dirty: current, migrations: loaded.migrations, invalidObjects: await invalidObjects()).advice
            ))
        }
        return problems.sorted { ($0.version ?? .max, $0.kind.rawValue) < ($1.version ?? .max, $1.kind.rawValue) }
    }
}
