import Foundation
import Testing
@testable import SwiftMigrate

@Suite struct MigrationCreatorTests {
    func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("creator-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func sequentialUsesTheNumericMaximum() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["9_a.up.sql", "10_b.up.sql", "0002_c.up.sql", "x_y.up.sql"] {
            _ = FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: nil)
        }
        let created = try MigrationCreator(directory: dir, numbering: .sequential(digits: 3)).create(name: "next")
        #expect(created == ["\(dir)/011_next.up.sql", "\(dir)/011_next.down.sql"])
    }

    @Test func neverOverwritesAndRejectsDuplicates() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let creator = MigrationCreator(
            directory: dir, numbering: .timestamp(format: "20060102150405", timeZone: TimeZone(identifier: "UTC")!)
        )
        let now = Date(timeIntervalSince1970: 1_736_078_400)  // 2025-01-05 12:00:00 UTC
        #expect(try creator.create(name: "a", now: now) == ["\(dir)/20250105120000_a.up.sql", "\(dir)/20250105120000_a.down.sql"])
        let duplicate = #expect(throws: MigrateError.self) { try creator.create(name: "b", now: now) }
        #expect(duplicate?.message == "duplicate migration version: 20250105120000")
    }

    @Test func goLayoutsAndTimeZones() throws {
        let date = Date(timeIntervalSince1970: 1_736_078_400.5)
        let tokyo = TimeZone(identifier: "Asia/Tokyo")!
        #expect(try GoTimeLayout.format(date, layout: "20060102150405", timeZone: tokyo) == "20250105210000")
        #expect(try GoTimeLayout.format(date, layout: "unix", timeZone: tokyo) == "1736078400")
        #expect(try GoTimeLayout.format(date, layout: "060102_1504", timeZone: .gmt) == "250105_1200")
        #expect(throws: MigrateError.self) { try GoTimeLayout.format(date, layout: "", timeZone: .gmt) }
    }

    /// Each once trapped or asked for an absurd allocation: the next version after `UInt64.max`, a padding of
    /// 10^11 digits, a `unixNano` version past the year 2262.
    @Test func numbersOutOfRangeAreErrors() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let digits = #expect(throws: MigrateError.self) {
            try MigrationCreator(directory: dir, numbering: .sequential(digits: 100_000_000_000)).create(name: "a")
        }
        #expect(digits?.message == "invalid digits 100000000000: expected 1 to 19")
        #expect(throws: MigrateError.self) { try MigrationCreator(directory: dir, numbering: .sequential(digits: 0)).create(name: "a") }

        _ = FileManager.default.createFile(atPath: "\(dir)/18446744073709551615_huge.up.sql", contents: nil)
        let next = #expect(throws: MigrateError.self) {
            try MigrationCreator(directory: dir, numbering: .sequential(digits: 3)).create(name: "a")
        }
        #expect(next?.message == "no sequence number after 18446744073709551615: versions go up to 9223372036854775807")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["18446744073709551615_huge.up.sql"])

        let farFuture = Date(timeIntervalSince1970: 1e10)  // the year 2286
        #expect(try GoTimeLayout.format(farFuture, layout: "unix", timeZone: .gmt) == "10000000000")
        let nano = #expect(throws: MigrateError.self) { try GoTimeLayout.format(farFuture, layout: "unixNano", timeZone: .gmt) }
        #expect(nano?.code == .invalidArgument)
    }
}
