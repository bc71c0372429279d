import Foundation
import SwiftMigrate

/// `applied_at` in the history table: ISO-8601 in UTC with milliseconds (`2024-05-01T12:00:00.123Z`), which
/// sorts as text and reads in any SQLite client.
enum HistoryDate {
    static func format(_ date: Date) -> String { UTCTime.iso8601(date) }

    /// The shape ``format(_:)`` writes, read without Foundation (`status` and every `up` read the whole
    /// history); other ISO 8601 shapes (hand-written rows, other offsets) through Foundation.
    static func parse(_ text: String) -> Date? {
        UTCTime.parseISO8601(text)
            ?? (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
