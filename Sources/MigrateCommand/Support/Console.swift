import Foundation
import SwiftMigrate

/// Where the CLI writes. Progress and messages go to standard error, as golang-migrate's do; results that
/// scripts read (`version`, `status`, `--json`) go to standard output. Every line passes through the database
/// URL's scrubber, so a password never reaches the terminal.
struct Console: Sendable {
    var url: DatabaseURL?

    func error(_ text: String) {
        write(text, to: FileHandle.standardError)
    }

    func output(_ text: String) {
        write(text, to: FileHandle.standardOutput)
    }

    private func write(_ text: String, to handle: FileHandle) {
        var safe = url.map { $0.scrub(text) } ?? text
        safe = DatabaseURL.redact(safe)
        handle.write(Data((safe + "\n").utf8))
    }
}
