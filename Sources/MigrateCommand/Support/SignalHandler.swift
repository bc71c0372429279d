import Dispatch
import Foundation
import SwiftMigrate
import Synchronization

/// SIGINT and SIGTERM ask the migrator to stop after the running migration; the lock is released and the
/// process exits with 130 (SIGINT) or 143 (SIGTERM), the shell's codes for those signals.
final class SignalHandler {
    /// The exit code of the first signal received; 0 until one is. Written by the signal sources' queue, read
    /// by the command when the run has stopped.
    private final class FirstSignal: Sendable {
        let code = Atomic<Int32>(0)
    }

    private let sources: [any DispatchSourceSignal]
    private let first = FirstSignal()

    private init(sources: [any DispatchSourceSignal]) { self.sources = sources }

    /// 130 for SIGINT, 143 for SIGTERM: the first signal that stopped the run.
    var exitCode: Int32 {
        let code = first.code.load(ordering: .sequentiallyConsistent)
        return code == 0 ? 130 : code
    }

    static func install(stopRequest: StopRequest, console: Console) -> SignalHandler {
        let codes = [(SIGINT, Int32(130)), (SIGTERM, Int32(143))]
        let handler = SignalHandler(sources: codes.map { DispatchSource.makeSignalSource(signal: $0.0, queue: .global()) })
        let first = handler.first
        for (source, (signalNumber, code)) in zip(handler.sources, codes) {
            signal(signalNumber, SIG_IGN)
            source.setEventHandler {
                if first.code.compareExchange(expected: 0, desired: code, ordering: .sequentiallyConsistent).exchanged {
                    console.error("Stopping after this running migration ...")
                }
                stopRequest.request()
            }
            source.resume()
        }
        return handler
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
