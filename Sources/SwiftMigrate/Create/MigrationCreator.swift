import Foundation

/// Creates an up/down pair, as `migrate create` does: an empty up file, and a down file whose comments say what
/// to write (golang-migrate's is empty, which reads as "nothing to undo").
///
/// ```swift
/// let files = try MigrationCreator(directory: "migrations", numbering: .sequential(digits: 3))
///     .create(name: "add_user_preferences")
/// // ["migrations/003_add_user_preferences.up.sql", "migrations/003_add_user_preferences.down.sql"]
/// ```
public struct MigrationCreator: Sendable {
    /// How the new version is chosen.
    public enum Numbering: Sendable, Hashable {
        /// One more than the highest existing version, zero-padded to `digits` (golang-migrate's `-seq`).
        /// Unlike golang-migrate (#1109) the highest version is the numeric maximum, not the last file name in
        /// lexical order, so `10_x` follows `9_x`.
        case sequential(digits: Int)
        /// The time now, in `format` (a Go layout such as `20060102150405`, or `unix` / `unixNano`), in `timeZone`.
        case timestamp(format: String, timeZone: TimeZone)
    }

    public var directory: String
    public var fileExtension: String
    public var numbering: Numbering

    public init(directory: String, fileExtension: String = "sql", numbering: Numbering) {
        self.directory = directory
        self.fileExtension = fileExtension.hasPrefix(".") ? String(fileExtension.dropFirst()) : fileExtension
        self.numbering = numbering
    }

    /// Creates `VERSION_NAME.up.EXT` (empty) and `VERSION_NAME.down.EXT` (comments saying what to write); never
    /// overwrites a file.
    ///
    /// - returns: the paths of the two files.
    /// - throws: ``MigrateError`` for an empty name or extension, a version that exists already, a sequence
    ///   that outgrows `digits`, or a file that exists.
    public func create(name: String, now: Date = Date()) throws(MigrateError) -> [String] {
        guard !name.isEmpty else { throw MigrateError(.invalidArgument, "please specify name") }
        guard !name.contains("/") else {
            throw MigrateError(.invalidArgument, "invalid migration name \"\(ControlCharacters.escaped(name))\": it may not contain \"/\"")
        }
        // A newline or `ESC[` in a file name forges the lines that print it; never make one.
        for (what, text) in [("migration name", name), ("extension", fileExtension)] {
            let shown = ControlCharacters.escaped(text)
            guard shown == text else {
                throw MigrateError(.invalidArgument, "invalid \(what) \"\(shown)\": it may not contain control characters")
            }
        }
        guard !fileExtension.isEmpty, !fileExtension.contains(".") else {
            throw MigrateError(.invalidArgument, "invalid extension \"\(fileExtension)\": expected something like sql")
        }
        let existing = existingFileNames()
        let version = try nextVersion(existing: existing, now: now)
        if existing.contains(where: { $0.hasPrefix(version + "_") && $0.hasSuffix("." + fileExtension) }) {
            throw MigrateError(.duplicateMigration, "duplicate migration version: \(version)")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw MigrateError(.io, "cannot create directory \(directory): \(error.localizedDescription)")
        }
        var created: [String] = []
        for direction in ["up", "down"] {
            let path = (directory as NSString).appendingPathComponent("\(version)_\(name).\(direction).\(fileExtension)")
            // O_EXCL: fail rather than overwrite, even if the file appeared since we listed the directory.
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            guard fd >= 0 else {
                let reason = errno == EEXIST ? "it already exists" : String(cString: strerror(errno))
                throw MigrateError(.fileExists, "cannot create \(path): \(reason)")
            }
            let text = direction == "down" ? Self.downTemplate(upFile: "\(version)_\(name).up.\(fileExtension)") : ""
            let written = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard written == text.utf8.count else {
                throw MigrateError(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            created.append(path)
        }
        return created
    }

    /// The new down file's text: comments that say what to write. An empty down file would read as "nothing to
    /// undo" and `down` would undo nothing; lint (`empty-down`) and `validate` report this one until it holds
    /// SQL or the `-- migrate:irreversible` marker.
    static func downTemplate(upFile: String) -> String {
        """
        -- Write the SQL that undoes \(upFile) (DROP TABLE ..., ALTER TABLE ... DROP COLUMN ...).
        -- If the migration cannot be undone, replace these comments with the line: -- migrate:irreversible
        -- Until then `migrate lint` and `migrate validate` report this file (empty-down): `down` would undo nothing.

        """
    }

    /// The most digits of `-seq` versions: `Int64.max` has 19.
    public static let mostDigits = 19

    private func existingFileNames() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    }

    func nextVersion(existing: [String], now: Date) throws(MigrateError) -> String {
        switch numbering {
        case .sequential(let digits):
            // Versions are signed 64-bit (19 digits); more padding would only make absurd names (and
            // `-digits 100000000000` once asked for a string of that many zeros).
            guard (1...Self.mostDigits).contains(digits) else {
                throw MigrateError(.invalidArgument, "invalid digits \(digits): expected 1 to \(Self.mostDigits)")
            }
            var highest: UInt64 = 0
            for name in existing where name.hasSuffix("." + fileExtension) {
                let digitsPrefix = name.prefix(while: { $0.isASCII && $0.isNumber })
                guard !digitsPrefix.isEmpty, name.dropFirst(digitsPrefix.count).hasPrefix("_"),
                      let value = UInt64(digitsPrefix) else { continue }
                highest = max(highest, value)
            }
            // A file at Int64.max (or above: not a valid version) leaves no next version; `+ 1` once trapped.
            guard highest < UInt64(Int64.max) else {
                throw MigrateError(.invalidArgument, "no sequence number after \(highest): versions go up to \(Int64.max)")
            }
            let next = String(highest + 1).leftPadded(to: digits)
            guard next.count <= digits else {
                throw MigrateError(.invalidArgument, "next sequence number \(next) too large, at most \(digits) digits are allowed")
            }
            return next
        case .timestamp(let format, let timeZone):
            return try GoTimeLayout.format(now, layout: format, timeZone: timeZone)
        }
    }
}

/// The numeric part of Go's time layouts, enough for migration versions (`20060102150405` and friends).
enum GoTimeLayout {
    static func format(_ date: Date, layout: String, timeZone: TimeZone) throws(MigrateError) -> String {
        switch layout {
        case "": throw MigrateError(.invalidArgument, "time format may not be empty")
        case "unix", "unixNano":
            // `now` is the caller's: a date past the year 2262 has no Int64 of nanoseconds.
            let scale = layout == "unix" ? 1.0 : 1e9
            guard let value = Int64(exactly: (date.timeIntervalSince1970 * scale).rounded(.down)) else {
                throw MigrateError(.invalidArgument, "cannot make a \(layout) version of \(date): out of range")
            }
            return String(value)
        default: break
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        let tokens: [(String, String)] = [
            ("2006", String(c.year!).leftPadded(to: 4)), ("01", String(c.month!).leftPadded(to: 2)),
            ("02", String(c.day!).leftPadded(to: 2)), ("15", String(c.hour!).leftPadded(to: 2)),
            ("04", String(c.minute!).leftPadded(to: 2)), ("05", String(c.second!).leftPadded(to: 2)),
            ("06", String(c.year! % 100).leftPadded(to: 2)),
            ("000", String(c.nanosecond! / 1_000_000).leftPadded(to: 3)),
        ]
        var output = ""
        var rest = Substring(layout)
        outer: while !rest.isEmpty {
            for (token, value) in tokens where rest.hasPrefix(token) {
                output += value
                rest = rest.dropFirst(token.count)
                continue outer
            }
            output.append(rest.removeFirst())
        }
        return output
    }
}
