import Foundation

/// `applied_at` in the history table: ISO-8601 in UTC with milliseconds (`2024-05-01T12:00:00.123Z`), which
/// sorts as text and reads in any SQLite client.
enum HistoryDate {
    static func format(_ date: Date) -> String {
        // Rounded to the millisecond here: the format style truncates, which would turn .123 into .122 for a
        // Double just below it.
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let whole = fraction < 0 ? seconds - 1 : seconds
        let text = Date(timeIntervalSince1970: TimeInterval(whole)).formatted(Date.ISO8601FormatStyle())
        let digits = String((fraction + 1000) % 1000 + 1000).dropFirst()
        return "\(text.dropLast()).\(digits)Z"
    }

    static func parse(_ text: String) -> Date? {
        if let date = parseOwnFormat(text) { return date }
        return (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    /// The exact shape ``format(_:)`` writes, `yyyy-MM-ddTHH:mm:ss.SSSZ`, read digit by digit: `status` and
    /// every `up` read the whole history, and Foundation's parser was the top of that profile. Nil for any
    /// other shape (hand-written rows, other offsets), which Foundation then reads.
    static func parseOwnFormat(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 24, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
                bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z")
            else { return nil }
            func number(_ range: Range<Int>) -> Int64? {
                var value: Int64 = 0
                for index in range {
                    let digit = bytes[index] &- UInt8(ascii: "0")
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int64(digit)
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
                let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
                let millisecond = number(20..<23),
                (1...12).contains(month), hour < 24, minute < 60, second < 60
            else { return nil }
            let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let monthLength: Int64 = month == 2 ? (isLeap ? 29 : 28) : [4, 6, 9, 11].contains(month) ? 30 : 31
            guard (1...monthLength).contains(day) else { return nil }
            // Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
            let y = month <= 2 ? year - 1 : year
            let era = (y >= 0 ? y : y - 399) / 400
            let yearOfEra = y - era * 400
            let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            let days = era * 146_097 + dayOfEra - 719_468
            let milliseconds = ((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000) + millisecond
            return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        }
    }
}
