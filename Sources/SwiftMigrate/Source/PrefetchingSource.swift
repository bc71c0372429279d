import Dispatch
import Foundation

/// A source that starts reading its files on a background thread as soon as it is made, so that the reading
/// overlaps with opening the database connection (process start-up, TCP, authentication) instead of following it.
///
/// The first ``load(reading:)`` for the directions given here waits for that read and returns its result, errors
/// included; any other load, and any later one, reads `base` again. `migrate up`, `status` and `down` use it:
/// with 1,000 applied migrations, the drift check's reading of every up file is then mostly done by the time
/// the database answers (docs/benchmarks.md).
///
/// ```swift
/// let source = PrefetchingSource(DirectorySource(path: "migrations"), reading: [.up])
/// let driver = try await PostgresDriver.open(url: url, logger: logger)   // the files are read meanwhile
/// try await Migrator(source: source, driver: driver, logger: logger).up()
/// ```
public final class PrefetchingSource: MigrationSource, @unchecked Sendable {
    /// The source that is read.
    public let base: any MigrationSource
    /// The directions read ahead (``MigrationSource/load(reading:)``).
    public let directions: Set<Direction>

    private let done = DispatchGroup()
    private let lock = NSLock()
    // Guarded by `lock`.
    private var prefetched: Result<LoadedSource, MigrateError>?

    public init(_ base: any MigrationSource, reading directions: Set<Direction> = [.up, .down]) {
        self.base = base
        self.directions = directions
        done.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let result = Result { () throws(MigrateError) -> LoadedSource in try base.load(reading: directions) }
            lock.withLock { prefetched = result }
            done.leave()
        }
    }

    public var displayName: String { base.displayName }

    public func load() throws(MigrateError) -> LoadedSource { try load(reading: [.up, .down]) }

    public func loadCollectingDuplicates() throws(MigrateError) -> LoadedSource { try base.loadCollectingDuplicates() }

    public func load(reading wanted: Set<Direction>) throws(MigrateError) -> LoadedSource {
        if wanted == directions, let result = takePrefetched() { return try result.get() }
        return try base.load(reading: wanted)
    }

    /// The read made at init, once; nil after it was taken.
    private func takePrefetched() -> Result<LoadedSource, MigrateError>? {
        done.wait()
        return lock.withLock {
            defer { prefetched = nil }
            return prefetched
        }
    }
}
