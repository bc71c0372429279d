/// A place in a migration file: the file's display path, a 1-based line and a 1-based column.
///
/// Columns count Unicode scalars (characters as a person sees them in an editor for most text), not bytes.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file as it should be shown to a user (relative to the working directory when possible).
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// 1-based column, in Unicode scalars.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE:COL`, the form compilers and editors understand.
    public var description: String { "\(file):\(line):\(column)" }
}
