import Dispatch

/// The private serial queue every call of a driver on a blocking C library runs on (SQLite, libpq: their calls
/// block, so they stay off Swift's cooperative pool), and a task executor on that queue: a migrator that prefers
/// it runs on the queue itself, so each call runs in place instead of hopping to the queue and back.
package final class BlockingCallQueue: TaskExecutor, @unchecked Sendable {
    // @unchecked: both are set once in init and only read after; DispatchQueue and its specific key are
    // thread-safe.
    private let queue: DispatchQueue
    private let key = DispatchSpecificKey<Bool>()

    package init(label: String) {
        queue = DispatchQueue(label: label)
        queue.setSpecific(key: key, value: true)
    }

    /// Runs `body` on the queue: in place when the caller is already on it, else by hopping there and back.
    package func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        if DispatchQueue.getSpecific(key: key) == true { return try body() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result(catching: body)) }
        }
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
