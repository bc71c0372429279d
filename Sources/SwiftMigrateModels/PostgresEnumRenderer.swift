import SwiftMigrate

/// The schema's enum types as Swift enums that PostgresNIO binds and decodes by label.
enum PostgresEnumRenderer {
    static func render(_ enums: [CatalogEnum], names: [String: String]) -> String {
        var out = CodeWriter()
        out.line("\(ModelGenerator.headerMarker) from the enum types. DO NOT EDIT.")
        out.line("// Regenerate with `migrate models`.")
        out.line()
        out.line("import PostgresNIO")
        for item in enums {
            let name = names[SwiftTypeMap.enumKey(schema: item.schema, name: item.name)] ?? SwiftNaming.typeName(item.name)
            out.line()
            out.doc(item.comment, "PostgreSQL enum `\(item.schema.map { "\($0)." } ?? "")\(item.name)`; bound as text and cast to the type.")
            out.open("public enum \(name): String, Codable, Sendable, Hashable, CaseIterable, PostgresCodable {")
            var seen = Set<String>()
            for label in item.labels {
                var member = SwiftNaming.memberName(label)
                // Two labels that camel-case alike (`in-progress`, `in_progress`) keep apart by their position.
                while seen.contains(member) { member = SwiftNaming.escaped(SwiftNaming.bare(member) + "_") }
                seen.insert(member)
                if SwiftNaming.bare(member) == label {
                    out.line("case \(member)")
                } else {
                    out.line("case \(member) = \"\(SQLText.swiftLiteral(label))\"")
                }
            }
            out.line()
            out.line("public static var psqlType: PostgresDataType { .text }")
            out.line("public static var psqlFormat: PostgresFormat { .binary }")
            out.line()
            out.open("public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {")
            out.line("byteBuffer.writeString(rawValue)")
            out.close()
            out.line()
            out.open("public init<JSONDecoder: PostgresJSONDecoder>(")
            out.line("from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>")
            out.dedent()
            out.open(") throws {")
            out.open("guard let label = buffer.readString(length: buffer.readableBytes), let value = Self(rawValue: label) else {")
            out.line("throw PostgresDecodingError.Code.failure")
            out.close()
            out.line("self = value")
            out.close()
            out.close()
        }
        return out.text
    }
}

/// Indented lines of Swift.
struct CodeWriter {
    private(set) var text = ""
    private var indent = 0

    /// Control characters are escaped: SQL names and comments reach `//` lines, where a CR or LF in a table
    /// name would end the comment and turn the rest of the name into code (literals are escaped already).
    mutating func line(_ content: String = "") {
        text += content.isEmpty ? "\n" : String(repeating: "    ", count: indent) + ControlCharacters.escaped(content, except: ["\t"]) + "\n"
    }

    /// Writes `header` and indents what follows.
    mutating func open(_ header: String) {
        line(header)
        indent += 1
    }

    /// Closes the innermost brace.
    mutating func close(_ trailer: String = "}") {
        indent -= 1
        line(trailer)
    }

    mutating func dedent() { indent -= 1 }

    /// `///` lines: the database's comment (if any), a blank doc line, then `note`.
    mutating func doc(_ comment: String?, _ note: String? = nil) {
        var lines: [String] = []
        if let comment, !comment.isEmpty {
            lines += comment.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        }
        if let note {
            if !lines.isEmpty { lines.append("") }
            lines.append(note)
        }
        for item in lines { line(item.isEmpty ? "///" : "/// " + item) }
    }
}
