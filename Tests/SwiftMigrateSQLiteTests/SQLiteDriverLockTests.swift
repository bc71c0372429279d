import Foundation
import SwiftMigrate
import SwiftMigrateSQLite
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("SQLiteDriver: the migration lock")
struct SQLiteDriverLockTests {
    @Test("a second driver on the same file times out with golang-migrate's message, after about the timeout")
    func secondDriverTimesOut() async throws {
        try await withTemporaryDirectory { directory in
            let first = try await openDriver(in: directory)
            let second = try await openDriver(in: directory)
            try await first.lock(timeout: .seconds(1))

            let clock = ContinuousClock()
            let start = clock.now
            let error = await #expect(throws: MigrateError.self) { try await second.lock(timeout: .milliseconds(400)) }
            let elapsed = start.duration(to: clock.now)
            #expect(error?.code == .lockTimeout)
            #expect(error?.message == "timeout: can't acquire database lock")
            #expect(elapsed >= .milliseconds(400))
            // Only a bound against hanging: machines here are shared, so no tight timing.
            #expect(elapsed < .seconds(30))

            // Unlock lets the other one in.
            try await first.unlock()
            try await second.lock(timeout: .milliseconds(500))
            let again = await #expect(throws: MigrateError.self) { try await first.lock(timeout: .milliseconds(50)) }
            #expect(again?.code == .lockTimeout)
            try await second.close()
            try await first.close()
        }
    }

    @Test("close releases the lock for the next driver")
    func closeReleases() async throws {
        try await withTemporaryDirectory { directory in
            let first = try await openDriver(in: directory)
            try await first.lock(timeout: .seconds(1))
            try await first.close()
            let second = try await openDriver(in: directory)
            try await second.lock(timeout: .milliseconds(200))
            try await second.close()
        }
    }

    @Test("the lock excludes another process: flock(1) cannot take it while a driver holds it")
    func excludesOtherProcess() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/test.db"
            let driver = try await openDriver(in: directory)
            try await driver.lock(timeout: .seconds(1))
            #expect(try runProcess("/usr/bin/env", ["flock", "-n", path, "true"]).0 == 1)
            try await driver.unlock()
            #expect(try runProcess("/usr/bin/env", ["flock", "-n", path, "true"]).0 == 0)
            // SQLite itself is not blocked by the migration lock: another process can still write.
            try await driver.lock(timeout: .seconds(1))
            try sqlite3CLI(path, "CREATE TABLE other_writer (x)")
            try await driver.close()
            #expect(try schemaNames(path) == ["other_writer"])
        }
    }

    @Test("a lock held by a process that is killed does not block the next migrator")
    func killedHolderDoesNotBlock() async throws {
        try await withTemporaryDirectory { directory in
            let path = "\(directory)/test.db"
            let driver = try await openDriver(in: directory)  // creates the file

            // flock(1) takes the lock, closes it in its child (-o) and waits; the child prints its pid. The sleep is
            // long because a loaded machine can stall this test for tens of seconds; the test kills it anyway.
            let holder = TestProcess()
            holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            holder.arguments = ["flock", "-o", path, "sh", "-c", "echo $$; exec sleep 600"]
            let output = Pipe()
            holder.standardOutput = output
            try holder.run()
            let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            let sleeper = Int32(line.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            // Never kill(0, ...): that would signal this whole process group.
            defer { if sleeper > 0 { kill(sleeper, SIGKILL) } }

            let blocked = await #expect(throws: MigrateError.self) { try await driver.lock(timeout: .milliseconds(200)) }
            #expect(blocked?.code == .lockTimeout)

            kill(holder.processIdentifier, SIGKILL)
            // Taken while the holder's child still runs (10 s for a loaded machine to finish the kill): the lock
            // died with the holder alone. Foundation reaps the holder only once that child has gone too, so it
            // is killed before waiting.
            try await driver.lock(timeout: .seconds(10))
            #expect(sleeper > 0 && kill(sleeper, 0) == 0, "the holder's child still ran when the lock was taken")
            if sleeper > 0 { kill(sleeper, SIGKILL) }
            holder.waitUntilExit()
            #expect(holder.terminationReason == .uncaughtSignal)
            #expect(sleeper > 0)
            try await driver.close()
        }
    }

    @Test("in-memory databases need no lock")
    func inMemory() async throws {
        for url in ["sqlite://:memory:", "sqlite3://file::memory:"] {
            let first = try await openDriver(url)
            let second = try await openDriver(url)
            try await first.lock(timeout: .milliseconds(10))
            try await second.lock(timeout: .milliseconds(10))
            try await first.prepare()
            try await first.writeVersion(DatabaseVersion(version: 1, dirty: false))
            #expect(try await first.readVersion() == DatabaseVersion(version: 1, dirty: false))
            #expect(try await second.readVersion() == .none)  // a separate database
            try await first.unlock()
            try await first.close()
            try await second.close()
        }
    }
}
