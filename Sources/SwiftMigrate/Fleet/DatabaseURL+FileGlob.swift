import Foundation

extension DatabaseURL {
    /// Whether this is a file URL (`sqlite://`) whose path holds a `*`: a pattern that names several files.
    public var isFileGlob: Bool {
        Self.pathOnlySchemes.contains(scheme) && !opaquePath.hasPrefix("file:") && path.contains("*")
    }

    /// The URLs of the existing files the path's pattern matches (``GlobPattern``, a pattern per path component;
    /// hidden files only when the pattern starts with `.`), sorted, with the same scheme and parameters. A URL
    /// that is not a file glob (``isFileGlob``) is returned as it is.
    ///
    /// ```swift
    /// try DatabaseURL("sqlite://tenants/*.db").expandingFileGlob()   // sqlite://tenants/a.db, sqlite://tenants/b.db
    /// ```
    ///
    /// - throws: ``MigrateError/Code/invalidArgument`` when no file matches, or for a malformed pattern.
    public func expandingFileGlob() throws(MigrateError) -> [DatabaseURL] {
        guard isFileGlob else { return [self] }
        let isAbsolute = path.hasPrefix("/")
        let components = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var paths = [isAbsolute ? "/" : ""]
        for component in components {
            var next: [String] = []
            if !component.contains("*") && !component.contains("?") && !component.contains("[") {
                next = paths.map { SourceDirectory.join($0, component) }
            } else {
                let pattern = try GlobPattern(component)
                for directory in paths {
                    let listed = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
                    for name in listed where pattern.matches(name) && (!name.hasPrefix(".") || component.hasPrefix(".")) {
                        next.append(SourceDirectory.join(directory, name))
                    }
                }
            }
            paths = next
        }
        let files = paths.filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
        guard !files.isEmpty else {
            throw MigrateError(
                .invalidArgument, "\(redacted) matches no file",
                hint: "the * stands for existing files: create the databases first, or name a new one without *"
            )
        }
        let query = queryItems.map { "\(Self.percentEncode($0.name))=\(Self.percentEncode($0.value))" }.joined(separator: "&")
        var urls: [DatabaseURL] = []
        for file in files.sorted() {
            // `%`, `?` and `#` in a file name would be read as an escape, the query or a comment.
            let encoded = file.replacingAll("%", with: "%25").replacingAll("?", with: "%3F").replacingAll("#", with: "%23")
            urls.append(try DatabaseURL("\(scheme)://\(encoded)" + (query.isEmpty ? "" : "?" + query)))
        }
        return urls
    }
}
