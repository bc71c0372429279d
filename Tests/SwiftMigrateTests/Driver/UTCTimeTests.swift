import Foundation
import Testing

@testable import SwiftMigrate

@Suite struct UTCTimeTests {
    /// Seeded spread of instants from 1900 to 2200, with milliseconds, plus the edges around 1970 and leap days.
    static let instants: [Double] = {
        var generator = FuzzGenerator(seed: 20_261_206)  // Fuzz/FuzzTests.swift
        var values: [Double] = [0, -0.001, -1, -0.5, 86_399.999, 951_782_400, 1_709_251_199.999, 4_107_542_399.999]
        for _ in 0..<3000 {
            let milliseconds = Int64(generator.next() % 9_467_280_000_000) - 2_208_988_800_000  // 1900 ... 2200
            values.append(Double(milliseconds) / 1000)
        }
        return values
    }()

    @Test func dateTimeMatchesFoundationsFormatter() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        for seconds in Self.instants {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(UTCTime.dateTime(date) == formatter.string(from: date), "\(seconds)")
        }
    }

    @Test func iso8601RoundTripsAndMatchesFoundation() throws {
        for seconds in Self.instants {
            let date = Date(timeIntervalSince1970: seconds)
            let text = UTCTime.iso8601(date)
            let foundation = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
            #expect(abs(foundation.timeIntervalSince(date)) < 0.0006, "\(seconds) → \(text)")
            let parsed = try #require(UTCTime.parseISO8601(text), "\(text)")
            #expect(abs(parsed.timeIntervalSince(foundation)) < 0.0005, "\(text)")
        }
    }
}

