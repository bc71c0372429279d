/// A migration file name taken apart: `001_create_users.up.sql` is version 1, name `create_users`, direction up,
/// extension `sql`.
///
/// Plain files follow golang-migrate's rule `^([0-9]+)_(.*)\.(down|up)\.(.*)$`, except that the extension may not
/// contain a dot (`3_add.up.sql.bak` is a leftover, not a migration). A name `{version}_{description}.sql` that is
/// not an up or down file is a candidate annotated single file (`-- +migrate Up` / `-- +migrate Down` sections);
/// whether it really is one depends on its contents.
public struct MigrationFileName: Sendable, Hashable {
    /// The version, leading zeros ignored (`001` and `1` are the same version).
    public var version: Int64
    /// The description between the version's `_` and the direction (may contain dots and underscores; may be empty),
    /// with control characters escaped (`\n`, `\u{1B}`): it is printed and stored in the history table, where a
    /// raw newline or escape sequence would forge log lines.
    public var name: String
    /// `up` or `down` for a plain file; nil for an annotated single file that holds both directions.
    public var direction: Direction?
    /// The extension without its dot (`sql`, `cql`, ...).
    public var fileExtension: String

    public init(version: Int64, name: String, direction: Direction?, fileExtension: String) {
        self.version = version
        self.name = name
        self.direction = direction
        self.fileExtension = fileExtension
    }

    /// Parses a bare file name (no directory).
    ///
    /// - Returns: nil when the name is not a migration file name (see ``nearMissReason(_:)`` for whether it looks
    ///   like a mistaken one).
    /// - Throws: `MigrateError(.invalidSource)` when the version does not fit in a signed 64-bit integer, the type
    ///   of the `schema_migrations.version` column.
    public static func parse(_ fileName: String) throws(MigrateError) -> MigrationFileName? {
        try parse(fileName, displayPath: fileName)
    }

    /// ``parse(_:)`` naming `displayPath` in its error.
    static func parse(_ fileName: String, displayPath: String) throws(MigrateError) -> MigrationFileName? {
        let bytes = Array(fileName.utf8)
        guard let underscore = versionEnd(bytes), let lastDot = bytes.lastIndex(of: SourceByte.dot),
            lastDot > underscore
        else {
            return nil
        }
        let fileExtension = bytes[(lastDot + 1)...]
        // The component before the extension decides between a plain up/down file and an annotated one.
        if let directionDot = bytes[(underscore + 1)..<lastDot].lastIndex(of: SourceByte.dot),
            let direction = Direction(rawValue: text(bytes[(directionDot + 1)..<lastDot]))
        {
            // An empty extension or an editor backup (`sql~`) is a near miss, not a migration.
            guard !fileExtension.isEmpty, !fileExtension.contains(SourceByte.tilde) else { return nil }
            return MigrationFileName(
                version: try version(bytes[..<underscore], displayPath: displayPath),
                name: ControlCharacters.escaped(text(bytes[(underscore + 1)..<directionDot])),
                direction: direction,
                fileExtension: text(fileExtension)
            )
        }
        guard lowercased(fileExtension) == "sql", directionComponent(in: bytes[(underscore + 1)..<lastDot]) == nil
        else {
            return nil
        }
        return MigrationFileName(
            version: try version(bytes[..<underscore], displayPath: displayPath),
            name: ControlCharacters.escaped(text(bytes[(underscore + 1)..<lastDot])),
            direction: nil,
            fileExtension: text(fileExtension)
        )
    }

    /// Why a name that ``parse(_:)`` rejects looks like a mistaken migration file name, or nil when it looks like
    /// anything else (`notes.txt`, `README.md`, dotfiles) or is a valid migration name.
    ///
    /// Names with an `up` or `down` component or a `.sql` extension are the suspicious ones. Parts of the name
    /// quoted in the reason have their control characters escaped.
    public static func nearMissReason(_ fileName: String) -> String? {
        rawNearMissReason(fileName).map { ControlCharacters.escaped($0) }
    }

    private static func rawNearMissReason(_ fileName: String) -> String? {
        let bytes = Array(fileName.utf8)
        guard bytes.first != SourceByte.dot, !lowercased(bytes[...]).hasPrefix("readme") else { return nil }
        do {
            if try parse(fileName) != nil { return nil }
        } catch {
            return nil  // a migration name whose version is too large: an error, not a near miss
        }
        if let reason = flywayReason(bytes) { return reason }

        let direction = directionComponent(in: bytes[...])
        guard direction != nil || lowercased(bytes[...]).hasSuffix(".sql") else { return nil }

        let digits = bytes.prefix { SourceByte.isDigit($0) }.count
        if digits == 0 { return "the name does not start with a version number" }
        if digits == bytes.count || bytes[digits] != SourceByte.underscore {
            if digits < bytes.count, bytes[digits] == SourceByte.dot {
                return "the version must be followed by '_' and a name (\(text(bytes[..<digits]))_NAME)"
            }
            return "the version must be followed by '_', not '\(text(bytes[digits...].prefix(1)))'"
        }
        if let range = direction {
            let word = text(bytes[range])
            let expected = word.lowercased()
            if word != expected { return "the direction '\(word)' must be lowercase '\(expected)'" }
            let rest = bytes[range.upperBound...]
            if rest.isEmpty { return "there is no extension after '.\(word)'" }
            let fileExtension = rest.dropFirst()
            if fileExtension.isEmpty { return "the extension after '.\(word).' is empty" }
            if fileExtension.contains(SourceByte.dot) {
                return "the extension '\(text(fileExtension))' contains a dot (a backup or renamed copy?)"
            }
            if fileExtension.contains(SourceByte.tilde) {
                return "'\(text(fileExtension))' looks like an editor backup"
            }
        }
        return "the name is not VERSION_NAME.up.EXT, VERSION_NAME.down.EXT or VERSION_NAME.sql"
    }

    /// The full warning text for a near miss.
    static func nearMissMessage(_ reason: String) -> String {
        "looks like a migration but does not match VERSION_NAME.up.EXT / .down.EXT: \(reason); ignored"
    }

    // MARK: - Byte-level helpers (names are split on ASCII bytes, which never occur inside a multi-byte character)

    /// The index of the `_` after the leading version digits, or nil when the name does not start with `DIGITS_`.
    private static func versionEnd(_ bytes: [UInt8]) -> Int? {
        let digits = bytes.prefix { SourceByte.isDigit($0) }.count
        guard digits > 0, digits < bytes.count, bytes[digits] == SourceByte.underscore else { return nil }
        return digits
    }

    /// The decimal version, leading zeros ignored; throws beyond `Int64.max`.
    private static func version(_ digits: ArraySlice<UInt8>, displayPath: String) throws(MigrateError) -> Int64 {
        var value: Int64 = 0
        for digit in digits {
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            if overflow1 || overflow2 {
                throw MigrateError(
                    .invalidSource,
                    "\(displayPath): version \(text(digits)) is larger than the largest supported version \(Int64.max)"
                )
            }
            value = sum
        }
        return value
    }

    /// The range of the last dot-separated component (not the first) that is `up` or `down` in any case.
    private static func directionComponent(in bytes: ArraySlice<UInt8>) -> Range<Int>? {
        var result: Range<Int>?
        var index = bytes.startIndex
        while let dot = bytes[index...].firstIndex(of: SourceByte.dot) {
            let start = dot + 1
            let end = bytes[start...].firstIndex(of: SourceByte.dot) ?? bytes.endIndex
            let word = lowercased(bytes[start..<end])
            if word == "up" || word == "down" { result = start..<end }
            index = start
        }
        return result
    }

    /// Flyway's `V3__add.sql` (versioned), `U3__add.sql` (undo) and `R__add.sql` (repeatable).
    private static func flywayReason(_ bytes: [UInt8]) -> String? {
        guard let first = bytes.first, lowercased(bytes[...]).hasSuffix(".sql") else { return nil }
        let body = bytes.dropFirst()
        guard let separator = firstRange(of: [SourceByte.underscore, SourceByte.underscore], in: body) else {
            return nil
        }
        let version = body[..<separator.lowerBound]
        let description = text(bytes[separator.upperBound..<(bytes.count - 4)])
        let isRepeatable = first == UInt8(ascii: "R") || first == UInt8(ascii: "r")
        if isRepeatable, version.isEmpty {
            return "a Flyway repeatable migration (R__NAME.sql); repeatable migrations are not supported"
        }
        let isUndo = first == UInt8(ascii: "U") || first == UInt8(ascii: "u")
        guard isUndo || first == UInt8(ascii: "V") || first == UInt8(ascii: "v"),
            let firstDigit = version.first, SourceByte.isDigit(firstDigit),
            version.allSatisfy({ SourceByte.isDigit($0) || $0 == SourceByte.dot || $0 == SourceByte.underscore })
        else { return nil }
        let direction = isUndo ? "down" : "up"
        let suggestion =
            version.allSatisfy(SourceByte.isDigit)
            ? "\(text(version))_\(description).\(direction).sql" : "VERSION_NAME.\(direction).sql"
        return "a Flyway-style name; golang-migrate names it \(suggestion)"
    }

    private static func firstRange(of needle: [UInt8], in bytes: ArraySlice<UInt8>) -> Range<Int>? {
        guard bytes.count >= needle.count else { return nil }
        for start in bytes.startIndex...(bytes.endIndex - needle.count)
        where bytes[start..<(start + needle.count)].elementsEqual(needle) {
            return start..<(start + needle.count)
        }
        return nil
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// ASCII-lowercased text: enough for comparing against ASCII keywords.
    private static func lowercased(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.map(SourceByte.lower), as: UTF8.self)
    }
}

/// ASCII bytes that migration file names and directives are split on. (A namespace rather than a `UInt8` extension,
/// so as not to collide with other parts of the module.)
enum SourceByte {
    static let dot = UInt8(ascii: ".")
    static let underscore = UInt8(ascii: "_")
    static let tilde = UInt8(ascii: "~")

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// The byte with ASCII letters lowercased.
    static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte }
}
