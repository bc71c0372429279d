import SwiftMigrate

/// The status as a plain-text table, the guide's "Migration History".
enum StatusTable {
    static func render(_ status: MigrationStatus, database: String) -> String {
        var rows: [[String]] = [["VERSION", "DESCRIPTION", "STATE", "APPLIED AT (UTC)", "DURATION"]]
        rows.reserveCapacity(status.entries.count + 1)
        for entry in status.entries {
            rows.append([
                String(entry.version), entry.name.isEmpty ? "-" : entry.name,
                entry.state.rawValue + (entry.hasDown || entry.state == .missingFromSource ? "" : " (no down)"),
                entry.appliedAt.map(UTCTime.dateTime) ?? "-",
                entry.durationMs.flatMap(AppliedMigration.format(milliseconds:)) ?? "-",
            ])
        }
        var lines = columns(rows)
        let version = status.current.version.map { "version \($0)\(status.current.dirty ? " (dirty)" : "")" } ?? "no version"
        lines.append("")
        lines.append("\(database): \(version), \(status.pendingCount) pending")
        let modified = status.entries.filter { $0.state == .modified }.map { String($0.version) }
        if !modified.isEmpty {
            lines.append("Modified since applied: \(modified.joined(separator: ", ")). `up` refuses until the files are "
                + "restored (put changes in a new migration); `migrate validate` names the files.")
        }
        let outOfOrder = status.entries.filter { $0.state == .outOfOrder }.map { String($0.version) }
        if !outOfOrder.isEmpty {
            lines.append("Never applied, below the current version: \(outOfOrder.joined(separator: ", ")). `up` refuses until "
                + "`migrate renumber` moves them after the last version, or applies them with -allow-out-of-order.")
        }
        if let recovery = status.dirtyRecovery {
            // Name the migration and the exact command: after an interrupted up of V, the last fully applied
            // version is the one before V.
            var advice = recovery.advice
            advice = advice.prefix(1).uppercased() + advice.dropFirst()
            lines.append(advice + ".")
        }
        if let history = status.history {
            lines.append("")
            lines.append(history.isEmpty
                ? "History: no rows (versions applied by golang-migrate leave none)."
                : "History, oldest first (every up and down this tool ran):")
            if !history.isEmpty { lines += columns(historyRows(history)) }
        }
        return lines.joined(separator: "\n")
    }

    static func historyRows(_ history: [HistoryRecord]) -> [[String]] {
        var rows: [[String]] = [["VERSION", "DIRECTION", "DESCRIPTION", "APPLIED AT (UTC)", "DURATION", "BY"]]
        rows.reserveCapacity(history.count + 1)
        for record in history {
            rows.append([
                String(record.version), record.direction.rawValue, record.name.isEmpty ? "-" : record.name,
                UTCTime.dateTime(record.appliedAt),
                record.durationMs.flatMap(AppliedMigration.format(milliseconds:)) ?? "-",
                record.appliedBy.isEmpty ? "-" : record.appliedBy,
            ])
        }
        return rows
    }

    /// Left-aligned columns two spaces apart. Plain string work, no Foundation formatting: `status` renders
    /// 10,000 rows.
    static func columns(_ rows: [[String]]) -> [String] {
        guard let header = rows.first else { return [] }
        let counts = rows.map { $0.map(\.count) }
        let widths = (0..<header.count).map { column in counts.map { $0[column] }.max() ?? 0 }
        return rows.indices.map { index in
            var line = ""
            for (column, cell) in rows[index].enumerated() {
                if column > 0 { line += "  " }
                line += cell
                // The last column is not padded: no line ends in spaces.
                if column < widths.count - 1 { line += String(repeating: " ", count: widths[column] - counts[index][column]) }
            }
            return line
        }
    }
}
