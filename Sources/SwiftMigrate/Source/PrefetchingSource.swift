import Dispatch
import Synchronization

/// A source that starts reading its files on a background thread as soon as it is made, so that the reading
/// overlaps with opening the database connection (process start-up, TCP, authentication) instead of following it.
///
/// The first load for the directions given here waits for that read and returns its result, errors included;
/// any other load, and any later one, reads `base` again. `migrate up`, `status` and `down` use it: with 1,000
/// applied migrations, the drift check's reading of every up file is then mostly done by the time the database
/// answers (docs/benchmarks.md). The ``Migrator`` waits for the read with ``loadAsync(reading:)``, which
/// suspends instead of blocking a thread.
///
/// ```swift
/// let source = PrefetchingSource(DirectorySource(path: "migrations"), reading: [.up])
/// let driver = try await PostgresDriver.open(url: url, logger: logger)   // the files are read meanwhile
/// try await Migrator(source: source, driver: driver, logger: logger).up()
/// ```
public final class PrefetchingSource: MigrationSource {
    /// The source that is read.
    public let base: any MigrationSource
    /// The directions read ahead (``MigrationSource/load(reading:)``).
    public let directions: Set<Direction>

    private enum Prefetch {
        /// Being read; these wait for it.
        case reading(waiters: [CheckedContinuation<Result<LoadedSource, MigrateError>?, Never>])
        case done(Result<LoadedSource, MigrateError>)
        /// Handed out once; later loads read `base` again.
        case taken
    }

    private let prefetch = Mutex(Prefetch.reading(waiters: []))
    /// Signalled when the read is done, for the synchronous ``load(reading:)``.
    private let finished = DispatchSemaphore(value: 0)

    public init(_ base: any MigrationSource, reading directions: Set<Direction> = [.up, .down]) {
        self.base = base
        self.directions = directions
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let result = Result { () throws(MigrateError) -> LoadedSource in try base.load(reading: directions) }
            let waiters = prefetch.withLock { state -> [CheckedContinuation<Result<LoadedSource, MigrateError>?, Never>] in
                guard case .reading(let waiters) = state else { return [] }
                // The first waiter takes the result; any other reads again.
                state = waiters.isEmpty ? .done(result) : .taken
                return waiters
            }
            for (index, waiter) in waiters.enumerated() { waiter.resume(returning: index == 0 ? result : nil) }
            finished.signal()
        }
    }

    public var displayName: String { base.displayName }

    public func load() throws(MigrateError) -> LoadedSource { try load(reading: [.up, .down]) }

    public func loadCollectingDuplicates() throws(MigrateError) -> LoadedSource { try base.loadCollectingDuplicates() }

    /// Waits (blocking the thread) for the read made at init when `wanted` is what it reads.
    public func load(reading wanted: Set<Direction>) throws(MigrateError) -> LoadedSource {
        if wanted == directions {
            finished.wait()
            finished.signal()  // for the next synchronous caller
            if let result = takeDone() { return try result.get() }
        }
        return try base.load(reading: wanted)
    }

    /// Suspends until the read made at init is done when `wanted` is what it reads; blocks no thread.
    public func loadAsync(reading wanted: Set<Direction>) async throws(MigrateError) -> LoadedSource {
        if wanted == directions {
            let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<LoadedSource, MigrateError>?, Never>) in
                let ready: Result<LoadedSource, MigrateError>?? = prefetch.withLock { state in
                    switch state {
                    case .reading(var waiters):
                        waiters.append(continuation)
                        state = .reading(waiters: waiters)
                        return nil
                    case .done(let result):
                        state = .taken
                        return .some(result)
                    case .taken:
                        return .some(nil)
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
            if let result { return try result.get() }
        }
        return try await base.loadAsync(reading: wanted)
    }

    /// The read made at init, once; nil after it was taken.
    private func takeDone() -> Result<LoadedSource, MigrateError>? {
        prefetch.withLock { state in
            guard case .done(let result) = state else { return nil }
            state = .taken
            return result
        }
    }
}
