import Foundation
import SwiftMigrate
import Synchronization

/// What a fleet run prints while it runs: one line per target as it finishes (standard error), and on a terminal a
/// status line below them with how many are done, how many failed and the time left.
final class FleetProgress: Sendable {
    private struct State {
        var done = 0
        var failed = 0
        var running = 0
        var showsStatusLine = false
    }

    let console: Console
    let total: Int
    /// Whether each finished target gets its line (`up`, `down`, `goto`); the read-only commands print a table at
    /// the end instead, and a line only for a target that failed.
    let linePerTarget: Bool
    let verbose: Bool
    private let onTerminal: Bool
    private let start = ContinuousClock.now
    private let state = Mutex(State())

    init(console: Console, total: Int, linePerTarget: Bool, verbose: Bool, onTerminal: Bool = Console.standardErrorIsTerminal) {
        self.console = console
        self.total = total
        self.linePerTarget = linePerTarget
        self.verbose = verbose
        self.onTerminal = onTerminal
    }

    func handle(_ event: FleetEvent) {
        state.withLock { state in
            switch event {
            case .started(_, let name):
                state.running += 1
                if verbose { print("start \(name)", &state) }
            case .migration(_, let event):
                if verbose, case .finished(let step, let duration) = event {
                    print("  " + Session.finishedLine(step, duration: duration), &state)
                }
            case .finished(let report):
                if report.outcome != .notStarted {
                    state.running -= 1
                    state.done += 1
                }
                if report.outcome == .failed { state.failed += 1 }
                if linePerTarget || report.outcome == .failed { print(Self.line(report), &state) }
            case .halted(let halt):
                print(Self.haltMessage(halt), &state)
            }
            drawStatusLine(&state)
        }
    }

    /// Clears the status line before the summary.
    func finish() {
        state.withLock { state in
            if state.showsStatusLine { console.statusLine(nil) }
            state.showsStatusLine = false
        }
    }

    private func print(_ line: String, _ state: inout State) {
        if state.showsStatusLine { console.statusLine(nil) }
        state.showsStatusLine = false
        console.error(line)
    }

    private func drawStatusLine(_ state: inout State) {
        guard onTerminal, state.done < total else { return }
        var text = "[\(state.done)/\(total)] \(state.running) running, \(state.failed) failed"
        if state.done > 0 {
            let elapsed = ContinuousClock.now - start
            let left = elapsed / state.done * (total - state.done)
            text += ", about \(Self.format(left)) left"
        }
        console.statusLine(text)
        state.showsStatusLine = true
    }

    /// `ok  NAME  3 -> 5  (2 applied, 41ms)`, `failed  NAME  none -> 6  (6 applied, 80ms): FILE:LINE:COL: ...`,
    /// `not started  NAME`.
    static func line(_ report: FleetTargetReport) -> String {
        let label = report.outcome == .notStarted ? "not started" : report.outcome == .failed ? "FAILED" : "ok"
        var text = label.padding(toLength: 11, withPad: " ", startingAt: 0) + " " + report.name
        guard report.outcome != .notStarted else { return text }
        if let before = report.versionBefore {
            let after = report.versionAfter.map(\.description) ?? "?"
            text += before == report.versionAfter ? "  \(after)" : "  \(before) -> \(after)"
        } else if let after = report.versionAfter {
            text += "  \(after)"
        }
        let count = report.applied.count
        let applied = count == 0 && report.outcome == .succeeded ? "no change" : "\(count) applied"
        text += "  (\(report.versionBefore == nil && count == 0 ? "" : applied + ", ")\(AppliedMigration.format(report.duration)))"
        if let error = report.error { text += ": " + error.description }
        return text
    }

    static func haltMessage(_ halt: FleetReport.Halt) -> String {
        switch halt {
        case .canaryFailed: return "A canary failed: no other target is started."
        case .targetFailed:
            return "A target failed: the targets running finish, no other starts (-continue-on-error keeps going)."
        case .stopped: return "Stopped: no other target starts."
        }
    }

    /// `1.2s`, `3m 10s`.
    static func format(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        if seconds < 60 { return "\(max(seconds, 1))s" }
        return "\(seconds / 60)m \(seconds % 60)s"
    }
}
