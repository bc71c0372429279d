import Foundation
import SwiftMigrate
import Testing

@testable import SwiftMigrateSQLite

@Suite("SQLiteDriver: applied_at text") struct HistoryDateTests {
    @Test("the fast reader of applied_at agrees with Foundation's ISO 8601 parser")
    func ownFormatMatchesFoundation() throws {
        let texts = [
            "1970-01-01T00:00:00.000Z", "2024-02-29T23:59:59.999Z", "2000-03-01T00:00:00.001Z",
            "1969-12-31T23:59:58.500Z", "2100-12-31T12:34:56.789Z", "1900-02-28T06:07:08.090Z",
        ]
        for text in texts {
            let foundation = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
            let own = try #require(UTCTime.parseISO8601(text), "\(text)")
            #expect(abs(own.timeIntervalSince(foundation)) < 0.0005, "\(text)")
            #expect(HistoryDate.format(own) == text)
        }
        // Other shapes are left to Foundation.
        #expect(UTCTime.parseISO8601("2024-05-01T12:00:00Z") == nil)
        #expect(UTCTime.parseISO8601("2024-13-01T12:00:00.000Z") == nil)
        #expect(UTCTime.parseISO8601("2023-02-29T12:00:00.000Z") == nil)
        #expect(UTCTime.parseISO8601("2024-04-31T12:00:00.000Z") == nil)
        #expect(UTCTime.parseISO8601("2024-02-29T12:00:00.000Z") != nil)
        #expect(UTCTime.parseISO8601("2024-05-01T12:00:00.000+") == nil)
        #expect(HistoryDate.parse("2024-05-01T12:00:00Z") == Date(timeIntervalSince1970: 1_714_564_800))
    }
}
