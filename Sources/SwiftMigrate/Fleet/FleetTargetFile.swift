import Foundation

/// A file that lists a fleet's databases, one URL per line (`migrate -targets FILE`).
///
/// Blank lines are skipped, and so is everything from a `#` that starts a line or follows a blank. `${NAME}` is
/// replaced by the environment variable `NAME`, so that passwords stay out of the file; an unset variable is an
/// error naming the file and line. The value is put in as it is: percent-encode the reserved characters of a
/// password (`@`, `/`, `?`, `#`) in the variable.
///
/// ```text
/// # eu-west
/// postgres://app:${EU_PASSWORD}@eu-db-1:5432/shop?sslmode=require
/// postgres://app:${EU_PASSWORD}@eu-db-2:5432/shop?sslmode=require   # the big customers
/// sqlite://edge/*.db
/// ```
public enum FleetTargetFile {
    /// One URL of the file, with where it stands.
    public struct Entry: Sendable, Hashable {
        /// The URL's text after `${NAME}` expansion: it may hold a password, so print ``url`` instead.
        public var text: String
        /// The URL, parsed.
        public var url: DatabaseURL
        /// `FILE:LINE`, for messages.
        public var origin: String
    }

    /// Reads and parses the file at `path`.
    ///
    /// - throws: ``MigrateError/Code/io`` when the file cannot be read; otherwise as ``parse(_:path:environment:)``.
    public static func read(path: String, environment: [String: String]) throws(MigrateError) -> [Entry] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw MigrateError(.io, "cannot read the targets file \(path): \(error.localizedDescription)", underlying: error)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw MigrateError(.invalidArgument, "the targets file \(path) is not UTF-8 text")
        }
        return try parse(text, path: path, environment: environment)
    }

    /// Parses a targets file's text.
    ///
    /// - throws: ``MigrateError/Code/invalidArgument`` naming `FILE:LINE` for an unset variable, a malformed
    ///   `${`, or a file with no URL; ``MigrateError/Code/invalidURL`` naming `FILE:LINE` for a line that is not
    ///   a database URL. Messages never hold a password.
    public static func parse(_ text: String, path: String, environment: [String: String]) throws(MigrateError) -> [Entry] {
        var entries: [Entry] = []
        // "\r\n" is one Character: a file written on Windows splits there too.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        for (offset, rawLine) in lines.enumerated() {
            let origin = "\(path):\(offset + 1)"
            let line = withoutComment(rawLine).trimmingCharacters(in: .whitespaces.union(["\r"]))
            guard !line.isEmpty else { continue }
            let expanded = try expand(line, environment: environment, origin: origin)
            let url: DatabaseURL
            do {
                url = try DatabaseURL(expanded)
            } catch {
                var located = error
                located.message = "\(origin): \(error.message)"
                throw located
            }
            entries.append(Entry(text: expanded, url: url, origin: origin))
        }
        guard !entries.isEmpty else {
            throw MigrateError(.invalidArgument, "the targets file \(path) lists no database URL (only blank lines and comments)")
        }
        return entries
    }

    /// The line up to a `#` at its start or after a blank (a `#` inside a URL, in a percent-encoded password for
    /// one, is kept).
    private static func withoutComment(_ line: Substring) -> String {
        var previous: Character = " "
        for index in line.indices {
            if line[index] == "#", previous == " " || previous == "\t" { return String(line[..<index]) }
            previous = line[index]
        }
        return String(line)
    }

    /// `text` with every `${NAME}` replaced by the variable's value.
    static func expand(_ text: String, environment: [String: String], origin: String) throws(MigrateError) -> String {
        var result = ""
        var rest = text[...]
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw MigrateError(.invalidArgument, "\(origin): \"${\" without its closing \"}\"")
            }
            let name = String(rest[start.upperBound..<end])
            func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
                scalar == "_" || ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)
            }
            guard let first = name.unicodeScalars.first, !("0"..."9").contains(first),
                name.unicodeScalars.allSatisfy(isNameCharacter)
            else {
                throw MigrateError(
                    .invalidArgument,
                    "\(origin): \"${\(ControlCharacters.escaped(name))}\" is not a variable name (letters, digits and _, not starting with a digit)"
                )
            }
            guard let value = environment[name] else {
                throw MigrateError(
                    .invalidArgument, "\(origin): the environment variable \(name) is not set (used as ${\(name)})",
                    hint: "export \(name) before running, or write the value into the file"
                )
            }
            result += value
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }
}
