import Foundation

/// Knows every secret a run was given and removes each from any text, whether or not the URL that carried it
/// parses: a password with an unencoded `/` or `?` (a base64 password) splits wherever a parser splits it, and a
/// message may quote any piece (`invalid port "S3cr3t"`).
///
/// From a database URL's text it learns the user-info password however the text would split (up to the last
/// `@` before the query, and up to the last `@` of all), and every `password=` parameter; each raw,
/// percent-decoded and percent-encoded, in composed and decomposed Unicode, and the pieces of each between the
/// characters URL parsers split at (`/ ? # & : @ ;` and spaces). ``scrub(_:)`` replaces them, longest first,
/// with `***`, then applies ``DatabaseURL/redact(_:)`` for URLs it was never told about.
///
/// ```swift
/// var scrubber = SecretScrubber()
/// scrubber.learn(urlText: "postgres://app:S3cr3t/Sentinel-42@db:5432/app")
/// scrubber.scrub("invalid port \"S3cr3t\"")   // invalid port "***"
/// ```
public struct SecretScrubber: Sendable {
    /// Pieces shorter than this are not scrubbed on their own (the whole secret always is): three characters
    /// of a password are too little to identify it, and replacing them everywhere would mangle messages.
    static let shortestPiece = 3

    /// The byte strings to remove, longest first.
    private var secrets: [[UInt8]] = []

    public init() {}

    /// Whether anything was learned.
    public var isEmpty: Bool { secrets.isEmpty }

    /// Learns a secret given on its own (`PGPASSWORD`), in every form.
    public mutating func learn(secret: String) {
        guard !secret.isEmpty else { return }
        var forms: Set<String> = [secret, DatabaseURL.percentDecode(secret[...]), DatabaseURL.percentEncode(secret)]
        let pieces = forms.flatMap { form in
            form.split(whereSeparator: { Self.separators.contains($0) || $0.isWhitespace })
                .map(String.init).filter { $0.count >= Self.shortestPiece }
        }
        forms.formUnion(pieces)
        var known = Set(secrets)
        for form in forms {
            for variant in [form, form.precomposedStringWithCanonicalMapping, form.decomposedStringWithCanonicalMapping] {
                let bytes = Array(variant.utf8)
                if !bytes.isEmpty, known.insert(bytes).inserted { secrets.append(bytes) }
            }
        }
        secrets.sort { $0.count > $1.count }
    }

    /// Learns the secrets of a database URL, given as the text the user wrote (it need not parse).
    public mutating func learn(urlText text: String) {
        let afterScheme = text.range(of: "://").map { text[$0.upperBound...] } ?? text[...]
        // The user info ends at an `@`: the last one before the query, and (a `?` in the password) the last of all.
        let queryStart = afterScheme.firstIndex(of: "?") ?? afterScheme.endIndex
        let ats = [afterScheme[..<queryStart].lastIndex(of: "@"), afterScheme.lastIndex(of: "@")].compactMap { $0 }
        for at in Set(ats) {
            let userInfo = afterScheme[..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                learn(secret: String(userInfo[userInfo.index(after: colon)...]))
            }
        }
        // password=VALUE parameters, up to the next `&` or space.
        var rest = afterScheme
        while let range = rest.range(of: "password=") {
            let end = rest[range.upperBound...].firstIndex(where: { $0 == "&" || $0.isWhitespace }) ?? rest.endIndex
            learn(secret: String(rest[range.upperBound..<end]))
            rest = rest[end...]
        }
    }

    /// `text` without any learned secret, and with the password of any other URL in it redacted.
    public func scrub(_ text: String) -> String {
        var result = text
        for secret in secrets {
            result = result.replacingAll(String(decoding: secret, as: UTF8.self), with: "***")
        }
        return DatabaseURL.redact(result)
    }

    private static let separators: Set<Character> = ["/", "?", "#", "&", ":", "@", ";", "="]
}
