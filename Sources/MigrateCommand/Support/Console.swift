import Foundation
import SwiftMigrate

/// Where the CLI writes. Progress and messages go to standard error, as golang-migrate's do; results that
/// scripts read (`version`, `status`, `--json`) go to standard output. Every line passes through the database
/// URL's scrubber, so a password never reaches the terminal, and has its control characters but line breaks
/// and tabs escaped: names are escaped where they are read, and this catches what else quotes outside text (a
/// URL parameter, a database's message), so no output line is forged and no escape sequence reaches the terminal.
struct Console: Sendable {
    var url: DatabaseURL?

    /// The control characters output may hold.
    static let kept: Set<Unicode.Scalar> = ["\n", "\t"]

    func error(_ text: String) {
        write(text, to: FileHandle.standardError)
    }

    func output(_ text: String) {
        write(text, to: FileHandle.standardOutput)
    }

    private func write(_ text: String, to handle: FileHandle) {
        var safe = url.map { $0.scrub(text) } ?? text
        safe = ControlCharacters.escaped(DatabaseURL.redact(safe), except: Self.kept)
        handle.write(Data((safe + "\n").utf8))
    }
}
