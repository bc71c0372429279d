import NIOCore

/// Runs a task's jobs on one NIO event loop: the loop that reads the connection's socket. A migrator that
/// prefers it sends a query and is resumed by the reply on the same thread, instead of waking a thread of the
/// cooperative pool for every statement of a run.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
