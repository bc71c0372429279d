import Foundation
import SwiftMigrate
import Testing

/// Differential test: on a corpus of real-world style PostgreSQL migrations (Tests/Fixtures/split-corpus/), our
/// lexer splits every file into exactly the statements PostgreSQL's own parser finds. The parser's split is kept
/// beside each file as NAME.pglast.json, written by scripts/split-oracle.py (libpg_query through pglast), which
/// CI runs with --check so that the oracle output stays what libpg_query says.
@Suite struct SplitOracleTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/split-corpus")

    static var files: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
        return names.filter { $0.hasSuffix(".sql") }.sorted()
    }

    @Test func corpusIsThere() {
        #expect(Self.files.count >= 20)
    }

    @Test(arguments: files)
    func splitEqualsPostgresParser(_ name: String) throws {
        let file = Self.corpus.appendingPathComponent(name)
        let text = try String(contentsOf: file, encoding: .utf8)
        let oracleData = try Data(contentsOf: file.appendingPathExtension("pglast.json"))
        var oracle = try JSONDecoder().decode([String].self, from: oracleData)
        let script = try SQLScript(MigrationScript(path: name, contents: text), dialect: .postgres)
        let ours = script.statements.map(\.text)
        // Our runner opens its own transaction in place of an outer BEGIN ... COMMIT, which the lexer removes.
        if script.executionMode == .transaction, oracle.count == ours.count + 2,
           oracle.first?.uppercased() == "BEGIN", oracle.last?.uppercased() == "COMMIT" {
            oracle = Array(oracle.dropFirst().dropLast())
        }
        #expect(ours == oracle)
    }
}
