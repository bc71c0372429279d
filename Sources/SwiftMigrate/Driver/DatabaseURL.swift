import Foundation

/// A parsed database URL (`postgres://user:pass@host:5432/db?sslmode=disable`, `sqlite://path/to.db`).
///
/// Parsing is done by hand rather than with Foundation's `URL` so that the odd forms migration tools accept
/// keep working (`sqlite3://file:PATH`, percent-encoded Unix-socket hosts, passwords with reserved characters).
/// ``description`` and ``redacted`` never contain the password.
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    /// One `name=value` pair of the query string, percent-decoded.
    public struct QueryItem: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    /// The scheme, lowercased (`postgres`, `postgresql`, `sqlite`, `sqlite3`).
    public let scheme: String
    /// Everything between `://` and `?`, undecoded: for SQLite, the file path.
    public let opaquePath: String
    public let user: String?
    public let password: String?
    /// The host, percent-decoded; a path when it names a Unix-socket directory; with several hosts (libpq's
    /// `h1:5432,h2:5433`), all of them as written, ports included, and ``port`` nil.
    public let host: String?
    public let port: Int?
    /// The path after the authority, percent-decoded, with its leading `/` (golang-migrate keeps it too).
    public let path: String
    public let queryItems: [QueryItem]

    /// Parses a URL. Throws ``MigrateError/Code/invalidURL`` naming the fault, never echoing the password.
    public init(_ string: String) throws(MigrateError) {
        guard let schemeEnd = string.range(of: "://") else {
            throw MigrateError(
                .invalidURL,
                "malformed database URL \(Self.redact(string)): no scheme; expected postgres://HOST:PORT/DB (user and password go before the host, as USER:PASSWORD then @) or sqlite://PATH"
            )
        }
        let scheme = String(string[..<schemeEnd.lowerBound]).lowercased()
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) else {
            throw MigrateError(.invalidURL, "malformed database URL \(Self.redact(string)): invalid scheme")
        }
        self.scheme = scheme
        let rest = string[schemeEnd.upperBound...]
        let beforeQuery: Substring
        let query: Substring?
        if let q = rest.firstIndex(of: "?") {
            beforeQuery = rest[..<q]
            query = rest[rest.index(after: q)...]
        } else {
            beforeQuery = rest
            query = nil
        }
        opaquePath = String(beforeQuery)
        queryItems = try Self.parseQuery(query, url: string)

        // File-based schemes have no authority: `sqlite3://file:x.db` is a path, not host "file" port "x.db".
        if Self.pathOnlySchemes.contains(scheme) {
            user = nil
            password = nil
            host = nil
            port = nil
            path = Self.percentDecode(beforeQuery)
            try Self.refuseNUL(path, in: "the path", url: string)
            return
        }
        // Authority: up to the first "/" (the userinfo may not contain an unencoded "/").
        let authorityEnd = beforeQuery.firstIndex(of: "/") ?? beforeQuery.endIndex
        let authority = beforeQuery[..<authorityEnd]
        path = Self.percentDecode(beforeQuery[authorityEnd...])
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = Self.percentDecode(userInfo[..<colon])
                password = Self.percentDecode(userInfo[userInfo.index(after: colon)...])
            } else {
                user = Self.percentDecode(userInfo)
                password = nil
            }
        } else {
            user = nil
            password = nil
        }
        // [ipv6]:port, host:port, host; or libpq's several hosts, `h1:5432,h2:5433`, kept whole as the host (each
        // port is checked like a single one).
        var hostPart = hostPort
        var portPart: Substring?
        if hostPort.contains(",") {
            for entry in hostPort.split(separator: ",", omittingEmptySubsequences: false) {
                guard let colon = entry.lastIndex(of: ":"), !entry.hasSuffix("]") else { continue }
                let entryPort = entry[entry.index(after: colon)...]
                guard !entryPort.isEmpty, let number = Int(entryPort), (1...65535).contains(number) else {
                    throw MigrateError(
                        .invalidURL, "malformed database URL \(Self.redact(string)): invalid port \"\(entryPort)\""
                    )
                }
            }
        } else if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else {
                throw MigrateError(.invalidURL, "malformed database URL \(Self.redact(string)): unterminated [ in host")
            }
            hostPart = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() }
        } else if let colon = hostPort.lastIndex(of: ":") {
            hostPart = hostPort[..<colon]
            portPart = hostPort[hostPort.index(after: colon)...]
        }
        host = hostPart.isEmpty ? nil : Self.percentDecode(hostPart)
        if let portPart, !portPart.isEmpty {
            guard let port = Int(portPart), (1...65535).contains(port) else {
                throw MigrateError(
                    .invalidURL, "malformed database URL \(Self.redact(string)): invalid port \"\(portPart)\""
                )
            }
            self.port = port
        } else {
            port = nil
        }
        for (part, value) in [("the user name", user), ("the password", password), ("the host", host), ("the path", path)] {
            try Self.refuseNUL(value ?? "", in: part, url: string)
        }
    }

    /// Schemes whose URL names a file after `://` rather than a host.
    static let pathOnlySchemes: Set<String> = ["sqlite", "sqlite3", "file"]

    /// The value of the last query parameter with this name.
    public func queryValue(_ name: String) -> String? {
        queryItems.last(where: { $0.name == name })?.value
    }

    /// The same URL naming another database on the same server (PostgreSQL) or another file (SQLite), with the
    /// same parameters: `verify` opens its scratch database through it. A `dbname=` parameter is dropped.
    public func replacingDatabase(_ name: String) throws(MigrateError) -> DatabaseURL {
        var text = "\(scheme)://"
        if Self.pathOnlySchemes.contains(scheme) {
            text += name
        } else {
            let authority = opaquePath.firstIndex(of: "/").map { opaquePath[..<$0] } ?? opaquePath[...]
            text += authority + "/" + Self.percentEncode(name)
        }
        let kept = queryItems.filter { $0.name != "dbname" }
        if !kept.isEmpty {
            text += "?" + kept.map { "\(Self.percentEncode($0.name))=\(Self.percentEncode($0.value))" }.joined(separator: "&")
        }
        return try DatabaseURL(text)
    }

    /// The same URL with these parameters set (replacing parameters of the same names).
    public func addingQueryItems(_ items: [(name: String, value: String)]) throws(MigrateError) -> DatabaseURL {
        let names = Set(items.map(\.name))
        let kept = queryItems.filter { !names.contains($0.name) }.map { ($0.name, $0.value) } + items.map { ($0.name, $0.value) }
        let query = kept.map { "\(Self.percentEncode($0.0))=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        return try DatabaseURL("\(scheme)://\(opaquePath)" + (query.isEmpty ? "" : "?" + query))
    }

    /// The URL with the password (in the user info or a `password=` parameter) replaced by `***`.
    /// Control characters in it (a `%0A` or `%1B` decoded) are escaped: it is printed.
    public var redacted: String { ControlCharacters.escaped(Self.redact(rawForm)) }

    public var description: String { redacted }

    private var rawForm: String {
        var text = "\(scheme)://\(opaquePath)"
        if !queryItems.isEmpty {
            text += "?" + queryItems.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        }
        return text
    }

    /// Replaces every occurrence of this URL's password in `text` with `***`: the last line of defence
    /// for messages that come from elsewhere (a driver, the operating system).
    public func scrub(_ text: String) -> String {
        var result = text
        let given = [password, queryValue("password")].compactMap { $0 }.filter { !$0.isEmpty }
        // The search is byte for byte (UTF-8), so a non-ASCII password is also looked for in its composed and
        // decomposed forms. Deduplicated by bytes: Swift's String equality (and so a Set) treats those as one.
        let secrets = given.flatMap { secret in
            secret.utf8.allSatisfy { $0 < 0x80 } ? [secret]
                : [secret, secret.precomposedStringWithCanonicalMapping, secret.decomposedStringWithCanonicalMapping]
        }
        var seen: Set<[UInt8]> = []
        let distinct = secrets.filter { seen.insert(Array($0.utf8)).inserted }
        for secret in distinct.sorted(by: { $0.utf8.count > $1.utf8.count }) {
            result = result.replacingAll(secret, with: "***")
            let encoded = Self.percentEncode(secret)
            if encoded != secret { result = result.replacingAll(encoded, with: "***") }
        }
        return result
    }

    /// Redacts the password of anything that looks like a URL, even one that does not parse.
    public static func redact(_ string: String) -> String {
        var result = string
        // user:password@ in the authority (also when the scheme is missing: `user:pass@host/db`)
        // Without a scheme only a lone token counts, so that prose such as "at 10:30 @home" is left alone.
        if let afterScheme = result[...].byteRange(of: "://").map({ result[$0.upperBound...] })
            ?? (result.contains(where: \.isWhitespace) ? nil : result[...]) {
            let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
            let authority = afterScheme[..<authorityEnd]
            if let password = passwordRange(inAuthority: authority) {
                result.replaceSubrange(password, with: "***")
            }
        }
        // Every URL of the text (an error may quote two), each authority ending at its path, query or a space.
        // The first was done above with the wider bound, which also covers a password with a raw space in it.
        if result[...].byteRange(of: "://") != nil {
            var scanned = ""
            var rest = Substring(result)
            while let scheme = rest.byteRange(of: "://") {
                let afterScheme = rest[scheme.upperBound...]
                let end = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0.isWhitespace }) ?? afterScheme.endIndex
                let authority = afterScheme[..<end]
                if let password = passwordRange(inAuthority: authority) {
                    scanned += rest[..<password.lowerBound]
                    scanned += "***"
                    scanned += rest[password.upperBound..<end]
                } else {
                    scanned += rest[..<end]
                }
                rest = rest[end...]
            }
            scanned += rest
            result = scanned
        }
        // password=... in the query
        var output = ""
        var remaining = Substring(result)
        while let range = remaining.byteRange(of: "password=") {
            let valueStart = range.upperBound
            let valueEnd = remaining[valueStart...].firstIndex(where: { $0 == "&" || $0 == " " }) ?? remaining.endIndex
            let isParameter = range.lowerBound == remaining.startIndex
                || ["?", "&", " "].contains(remaining[remaining.index(before: range.lowerBound)])
            output += remaining[..<valueStart]
            output += isParameter && valueStart < valueEnd ? "***" : String(remaining[valueStart..<valueEnd])
            remaining = remaining[valueEnd...]
        }
        output += remaining
        return output
    }

    /// The password of `user:password@host` in a URL's authority.
    private static func passwordRange(inAuthority authority: Substring) -> Range<String.Index>? {
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return nil }
        return authority.index(after: colon)..<at
    }

    private static func parseQuery(_ query: Substring?, url: String) throws(MigrateError) -> [QueryItem] {
        guard let query, !query.isEmpty else { return [] }
        var items: [QueryItem] = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecode(parts[0])
            guard !name.isEmpty else {
                throw MigrateError(.invalidURL, "malformed database URL \(redact(url)): empty parameter name")
            }
            let value = parts.count > 1 ? percentDecode(parts[1]) : ""
            try refuseNUL(name + value, in: "parameter \(ControlCharacters.escaped(name))", url: url)
            items.append(QueryItem(name: name, value: value))
        }
        return items
    }

    /// A NUL (`%00`) ends a C string: PostgreSQL's startup packet took `application_name=a%00search_path%00x`
    /// for a second parameter, SQLite opened `x` for `sqlite://x%00y.db`. No database takes one in a URL.
    private static func refuseNUL(_ decoded: String, in part: String, url: String) throws(MigrateError) {
        guard decoded.utf8.contains(0) else { return }
        throw MigrateError(.invalidURL, "malformed database URL \(ControlCharacters.escaped(redact(url))): a NUL byte (%00) in \(part)")
    }

    package static func percentDecode(_ text: Substring) -> String {
        guard text.contains("%") || text.contains("+") else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                let high = iterator.next()
                let low = iterator.next()
                if let high, let low, let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                    bytes.append(value)
                } else {
                    bytes.append(byte)
                    if let high { bytes.append(high) }
                    if let low { bytes.append(low) }
                }
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    package static func percentEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if (byte < 0x80) && (scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar)) || "-._~".unicodeScalars.contains(scalar)) {
                output.unicodeScalars.append(scalar)
            } else {
                output += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return output
    }
}

extension String {
    /// Every occurrence of `target` replaced (Foundation-free).
    package func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var remaining = self[...]
        while let range = remaining.byteRange(of: target) {
            result += remaining[..<range.lowerBound]
            result += replacement
            remaining = remaining[range.upperBound...]
        }
        result += remaining
        return result
    }

    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}

extension Substring {
    /// The first occurrence of `needle`, compared byte for byte in UTF-8 (no Unicode equivalence, no locale).
    /// The scrubbers run over every line the CLI prints, `status` tables of 10,000 rows included: Foundation's
    /// `range(of:)` and the standard library's generic `utf8.firstRange(of:)` both cost a third of such a run.
    func byteRange(of needle: String) -> Range<String.Index>? {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first else { return nil }
        let bytes = utf8
        var start = bytes.startIndex
        while let candidate = bytes[start...].firstIndex(of: first) {
            var position = candidate
            var matched = 0
            while matched < pattern.count, position < bytes.endIndex, bytes[position] == pattern[matched] {
                matched += 1
                position = bytes.index(after: position)
            }
            if matched == pattern.count { return candidate..<position }
            start = bytes.index(after: candidate)
        }
        return nil
    }
}
