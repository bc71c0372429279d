import SwiftMigrate

/// The end of a fleet run, in text: a table on standard output (a summary of the migrations, the status matrix,
/// the versions, the plans or the problems, by request) and a count line on standard error.
struct FleetSummary {
    let console: Console

    func print(_ report: FleetReport) {
        switch report.request {
        case .migrate: printMigrations(report)
        case .version: printVersions(report)
        case .status: printStatus(report)
        case .plan: printPlans(report)
        case .validate: printProblems(report)
        }
    }

    /// `up: 391 targets: 389 ok, 1 failed, 1 not started (12.3s)`.
    func countLine(_ report: FleetReport) -> String {
        let failed = report.failedTargets.count, notStarted = report.notStartedTargets.count
        var parts = ["\(report.targets.count - failed - notStarted) ok"]
        if failed > 0 { parts.append("\(failed) failed") }
        if notStarted > 0 { parts.append("\(notStarted) not started") }
        var line = "\(report.request): \(report.targets.count) target\(report.targets.count == 1 ? "" : "s"): "
            + parts.joined(separator: ", ") + " (\(AppliedMigration.format(report.duration)))"
        switch report.halt {
        case .canaryFailed?: line += "; a canary failed, so no other target was touched"
        case .targetFailed?: line += "; stopped starting targets after a failure (-continue-on-error keeps going)"
        case .stopped?: line += "; stopped by a signal"
        case nil: break
        }
        return line
    }

    private func printMigrations(_ report: FleetReport) {
        var rows = [["TARGET", "BEFORE", "AFTER", "APPLIED", "DURATION", "RESULT"]]
        for target in report.targets {
            let started = target.outcome != .notStarted
            rows.append([
                target.name, target.versionBefore?.description ?? "-", target.versionAfter?.description ?? "-",
                started ? String(target.applied.count) : "-", started ? AppliedMigration.format(target.duration) : "-",
                target.outcome.rawValue + (target.isCanary ? " (canary)" : ""),
            ])
        }
        console.output(StatusTable.columns(rows).joined(separator: "\n"))
    }

    private func printVersions(_ report: FleetReport) {
        var rows = [["TARGET", "VERSION"]]
        for target in report.targets {
            rows.append([target.name, target.error == nil ? target.versionAfter?.description ?? "none" : "? (\(target.error!.message))"])
        }
        console.output(StatusTable.columns(rows).joined(separator: "\n"))
    }

    /// The matrix: target, version, dirty, pending count, last applied; then who lags.
    private func printStatus(_ report: FleetReport) {
        var rows = [["TARGET", "VERSION", "DIRTY", "PENDING", "LAST APPLIED (UTC)"]]
        var behind = 0, dirty = 0
        for target in report.targets {
            guard let status = target.status else {
                rows.append([target.name, "?", "?", "?", "error: \(target.error?.message ?? "not read")"])
                continue
            }
            if status.pendingCount > 0 { behind += 1 }
            if status.current.dirty { dirty += 1 }
            let last = status.lastApplied.map { "\(UTCTime.dateTime($0.appliedAt)) (\($0.version) \($0.name))" } ?? "-"
            rows.append([
                target.name, status.current.version.map(String.init) ?? "none", status.current.dirty ? "yes" : "no",
                String(status.pendingCount), last,
            ])
        }
        var lines = StatusTable.columns(rows)
        let read = report.targets.count - report.failedTargets.count
        lines.append("")
        var summary = "\(read) of \(report.targets.count) targets read: \(read - behind) up to date, \(behind) behind"
        if dirty > 0 { summary += ", \(dirty) dirty (`migrate -database URL status` on one says how to recover)" }
        lines.append(summary)
        console.output(lines.joined(separator: "\n"))
    }

    private func printPlans(_ report: FleetReport) {
        var lines: [String] = []
        for target in report.targets {
            guard let preview = target.preview else {
                lines.append("\(target.name): error: \(target.error?.message ?? "not planned")")
                continue
            }
            guard !preview.steps.isEmpty else {
                lines.append("\(target.name): \(preview.headline)")
                continue
            }
            let outside = preview.steps.filter { $0.mode != .transaction }.count
            let findings = preview.steps.reduce(0) { $0 + $1.findings.count }
            var line = "\(target.name): \(preview.headline)"
            if outside > 0 { line += ", \(outside) outside a transaction" }
            if findings > 0 { line += ", \(findings) lint finding\(findings == 1 ? "" : "s")" }
            if let error = preview.trailingError { line += ", then: \(error.message)" }
            lines.append(line)
        }
        lines.append("Nothing was changed (dry run). `migrate -database URL plan` shows one target's steps.")
        console.output(lines.joined(separator: "\n"))
    }

    /// Problems of the files once (every target reads the same files), then each target's own.
    private func printProblems(_ report: FleetReport) {
        let fileKinds: Set<ValidationProblem.Kind> = [.duplicateVersion, .missingDown, .missingUp, .emptyDown, .invalidScript, .ignoredFile]
        var printedFileProblems: Set<String> = []
        var lines: [String] = []
        var targetsWithProblems = 0
        for target in report.targets {
            var own = 0
            for problem in target.problems ?? [] {
                if fileKinds.contains(problem.kind) {
                    if printedFileProblems.insert(problem.description).inserted { lines.append(problem.description) }
                } else {
                    lines.append("\(target.name): \(problem)")
                    own += 1
                }
            }
            if own > 0 { targetsWithProblems += 1 }
        }
        if !lines.isEmpty { console.output(lines.joined(separator: "\n")) }
        let problems = lines.count
        console.error(
            problems == 0
                ? "validate: no problem in the files or the \(report.targets.count - report.failedTargets.count) targets read"
                : "validate: \(problems) problem\(problems == 1 ? "" : "s"): \(printedFileProblems.count) in the files, "
                    + "the others on \(targetsWithProblems) target\(targetsWithProblems == 1 ? "" : "s")"
        )
    }
}
