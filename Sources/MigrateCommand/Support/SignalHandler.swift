import Dispatch
import Foundation
import SwiftMigrate

/// SIGINT and SIGTERM ask the migrator to stop after the running migration; the lock is released and the
/// process exits with 130 (SIGINT) or 143 (SIGTERM), the shell's codes for those signals.
final class SignalHandler {
    private let sources: [any DispatchSourceSignal]
    nonisolated(unsafe) static var exitCode: Int32 = 130

    private init(sources: [any DispatchSourceSignal]) { self.sources = sources }

    static func install(stopRequest: StopRequest, console: Console) -> SignalHandler {
        var sources: [any DispatchSourceSignal] = []
        for (signalNumber, code) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                if !stopRequest.isRequested {
                    exitCode = code
                    console.error("Stopping after this running migration ...")
                }
                stopRequest.request()
            }
            source.resume()
            sources.append(source)
        }
        return SignalHandler(sources: sources)
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
