import Dispatch
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Synchronization

/// SIGINT and SIGTERM: the first cancels the running command's task, which cancels the statement that runs (a
/// transactional migration rolls back; a non-transactional one is left dirty with the recovery advice), stops a
/// wait for the lock or for a connection, and releases the lock; the process then exits with 130 (SIGINT) or 143
/// (SIGTERM), the shell's codes for those signals, however the run ended. A second signal exits at once.
final class SignalHandler: Sendable {
    /// Installed by `main` before the command runs.
    static let shared = SignalHandler()

    /// The exit code of the first signal received; 0 until one is.
    private let first = Atomic<Int32>(0)
    /// What the first signal cancels: the command's task.
    private let onFirstSignal = Mutex<(@Sendable () -> Void)?>(nil)
    private let sources = Mutex<[any DispatchSourceSignal]>([])

    /// 130 or 143 once a signal came, else nil.
    var received: Int32? {
        let code = first.load(ordering: .sequentiallyConsistent)
        return code == 0 ? nil : code
    }

    /// The exit code for a run stopped by a signal: the first signal's (130 when none was received, for a
    /// cancellation that came from elsewhere).
    var exitCode: Int32 { received ?? 130 }

    /// Starts handling SIGINT and SIGTERM; `cancel` runs on the first.
    func install(cancel: @escaping @Sendable () -> Void) {
        onFirstSignal.withLock { $0 = cancel }
        sources.withLock { sources in
            for (signalNumber, code) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler { [self] in handle(code) }
                source.resume()
                sources.append(source)
            }
        }
    }

    private func handle(_ code: Int32) {
        guard first.compareExchange(expected: 0, desired: code, ordering: .sequentiallyConsistent).exchanged else {
            // The second signal: the user wants out now. The server ends the session (and its advisory lock) and
            // the kernel drops SQLite's file lock with the process.
            Console().error("Exiting at once.")
            exit(code)
        }
        Console().error("Interrupted: cancelling the running statement (a migration in a transaction is rolled back); signal again to exit at once ...")
        onFirstSignal.withLock { $0 }?()
    }
}
