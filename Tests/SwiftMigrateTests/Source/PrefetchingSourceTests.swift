import Dispatch
import Foundation
import SwiftMigrate
import Testing

/// `PrefetchingSource`: the files are read once, from the moment the source is made; the first matching load gets
/// that read, later ones read again.
@Suite struct PrefetchingSourceTests {
    /// Counts the loads of a real in-memory source and says when the first one started.
    final class CountingSource: MigrationSource, @unchecked Sendable {
        let files: InMemorySource
        let started = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var calls: [Set<Direction>] = []

        init(_ files: [String: String]) { self.files = InMemorySource(files: files) }

        var displayName: String { files.displayName }
        var requested: [Set<Direction>] { lock.withLock { calls } }

        func load() throws(MigrateError) -> LoadedSource { try load(reading: [.up, .down]) }

        func load(reading directions: Set<Direction>) throws(MigrateError) -> LoadedSource {
            lock.withLock { calls.append(directions) }
            started.signal()
            return try files.load()
        }
    }

    @Test func readsAtInitOnceThenReadsAgain() throws {
        let base = CountingSource(["1_a.up.sql": "CREATE TABLE a (id int);", "1_a.down.sql": "DROP TABLE a;"])
        let source = PrefetchingSource(base, reading: [.up])
        // The read starts without any load call.
        #expect(base.started.wait(timeout: .now() + 60) == .success)

        let first = try source.load(reading: [.up])
        #expect(first.migrations.map(\.version) == [1])
        #expect(first.migrations[0].up?.contents == "CREATE TABLE a (id int);")
        #expect(base.requested == [[.up]])
        // Taken once: the next load of the same directions reads the source again, as do other directions.
        _ = try source.load(reading: [.up])
        _ = try source.load()
        #expect(base.requested == [[.up], [.up], [.up, .down]])
    }

    @Test func aDirectoryLoadsAsItWouldWithoutPrefetching() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for version in 1...100 {
            try directory.write("\(version)_t\(version).up.sql", "CREATE TABLE t\(version) (id int);\n")
            try directory.write("\(version)_t\(version).down.sql", "DROP TABLE t\(version);\n")
        }
        let plain = try DirectorySource(path: directory.path).load(reading: [.up])
        let prefetched = try PrefetchingSource(DirectorySource(path: directory.path), reading: [.up]).load(reading: [.up])
        #expect(prefetched.migrations == plain.migrations)
        #expect(prefetched.displayName == plain.displayName)
        #expect(prefetched.migrations[41].down?.isOmitted == true)
        // The drift checksums of prefetched scripts are the plain load's.
        #expect(prefetched.migrations.map { $0.up?.checksum } == plain.migrations.map { $0.up?.checksum })
    }

    /// A prefetched script's checksum follows its contents when they change.
    @Test func aPrefetchedChecksumFollowsTheContents() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("1_a.up.sql", "CREATE TABLE a (id int);\n")
        var script = try #require(
            try PrefetchingSource(DirectorySource(path: directory.path), reading: [.up]).load(reading: [.up]).migrations[0].up
        )
        #expect(script.checksum == MigrationScript(path: script.path, contents: "CREATE TABLE a (id int);\n").checksum)
        script.contents = "CREATE TABLE b (id int);\n"
        #expect(script.checksum == MigrationScript(path: script.path, contents: "CREATE TABLE b (id int);\n").checksum)
        #expect(script.checksum != MigrationScript(path: script.path, contents: "CREATE TABLE a (id int);\n").checksum)
    }

    @Test func theReadsErrorComesWithTheLoad() throws {
        let missing = NSTemporaryDirectory() + "swift-migrate-missing-\(UUID().uuidString)"
        let source = PrefetchingSource(DirectorySource(path: missing), reading: [.up])
        let error = #expect(throws: MigrateError.self) { try source.load(reading: [.up]) }
        #expect(error?.code == .noMigrations)
        #expect(error?.message == "no migrations found in \(missing): the directory does not exist")
    }
}
