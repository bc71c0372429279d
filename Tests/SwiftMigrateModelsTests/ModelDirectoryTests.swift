import Foundation
import SwiftMigrateModels
import Testing

@Suite struct ModelDirectoryTests {
    /// A new empty directory, removed afterwards.
    func withDirectory(_ body: (URL) throws -> Void) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("models-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        try body(url)
    }

    func read(_ url: URL, _ name: String) throws -> String {
        try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)
    }

    let files = [
        ModelFile(name: "ModelSupport.generated.swift", contents: "\(ModelGenerator.headerMarker). DO NOT EDIT.\n// support\n", kind: .generated),
        ModelFile(name: "AccountsModel.generated.swift", contents: "\(ModelGenerator.headerMarker) from table accounts.\n// v1\n", kind: .generated),
        ModelFile(name: "AccountsModel.swift", contents: "// yours\n", kind: .custom),
    ]

    @Test func writeCreatesThenLeavesEverythingAlone() throws {
        try withDirectory { (url: URL) throws in
            let directory = ModelDirectory(path: url.path)
            #expect(try directory.check(files) == [.created("AccountsModel.generated.swift"), .created("ModelSupport.generated.swift")])
            #expect(try directory.write(files) == [
                .created("AccountsModel.generated.swift"), .created("AccountsModel.swift"), .created("ModelSupport.generated.swift"),
            ])
            #expect(try read(url, "AccountsModel.swift") == "// yours\n")
            #expect(try directory.write(files) == [])
            #expect(try directory.check(files) == [])
        }
    }

    @Test func customFilesAreNeverOverwrittenGeneratedFilesAlwaysAre() throws {
        try withDirectory { (url: URL) throws in
            let directory = ModelDirectory(path: url.path)
            try directory.write(files)
            try Data("// my queries\n".utf8).write(to: url.appendingPathComponent("AccountsModel.swift"))
            try Data("// edited by hand\n".utf8).write(to: url.appendingPathComponent("AccountsModel.generated.swift"))
            #expect(try directory.check(files) == [.updated("AccountsModel.generated.swift")])
            // check writes nothing
            #expect(try read(url, "AccountsModel.generated.swift") == "// edited by hand\n")
            #expect(try directory.write(files) == [.updated("AccountsModel.generated.swift")])
            #expect(try read(url, "AccountsModel.generated.swift") == files[1].contents)
            #expect(try read(url, "AccountsModel.swift") == "// my queries\n")
        }
    }

    @Test func generatedFilesOfGoneTablesAreStale() throws {
        try withDirectory { (url: URL) throws in
            let directory = ModelDirectory(path: url.path)
            try directory.write(files)
            let gone = "\(ModelGenerator.headerMarker) from table trades.\n"
            try Data(gone.utf8).write(to: url.appendingPathComponent("TradesModel.generated.swift"))
            // A file with the suffix but without the header is not ours: left alone.
            try Data("// hand written\n".utf8).write(to: url.appendingPathComponent("Other.generated.swift"))
            #expect(try directory.check(files) == [.removed("TradesModel.generated.swift")])
            #expect(try directory.check(files, removingStale: false) == [])
            #expect(try directory.write(files) == [.removed("TradesModel.generated.swift")])
            #expect(!FileManager.default.fileExists(atPath: url.appendingPathComponent("TradesModel.generated.swift").path))
            #expect(FileManager.default.fileExists(atPath: url.appendingPathComponent("Other.generated.swift").path))
        }
    }
}
