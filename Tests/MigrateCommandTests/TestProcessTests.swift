import Foundation
import TestSupport
import Testing

/// The test harness's own process starter (TestSupport.TestProcess), on which every CLI test relies: what the
/// child inherits, where it runs, and how its end is reported.
@Suite struct TestProcessTests {
    @Test func theChildInheritsNoDescriptorBeyondItsThreeStreams() throws {
        // Descriptors this process holds open while the child starts: none may reach the child.
        let held = try (0..<20).map { _ in try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/null")) }
        defer { for handle in held { try? handle.close() } }
        let (status, output, errors) = try runProcess("/bin/sh", ["-c", "ls /proc/$$/fd"])
        #expect(status == 0, "\(errors)")
        // The shell's own: 0, 1, 2 and at most one of its own (ls lists its parent's, the shell's).
        let descriptors = output.split(separator: "\n").compactMap { Int($0) }.sorted()
        #expect(Array(descriptors.prefix(3)) == [0, 1, 2], "\(descriptors)")
        #expect(descriptors.count <= 4, "inherited: \(descriptors)")
    }

    @Test func directoryEnvironmentAndInputAreTheOnesGiven() throws {
        let directory = FileManager.default.temporaryDirectory.resolvingSymlinksInPath()
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "pwd; echo \"$ONLY\"; cat"]
        process.environment = ["ONLY": "this"]
        process.currentDirectoryURL = directory
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("from stdin\n".utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text == "\(directory.path)\nthis\nfrom stdin\n")
        #expect(process.terminationStatus == 0 && process.terminationReason == .exit)
        #expect(!process.isRunning)
    }

    @Test func anExitCodeAndASignalAreReportedAsProcessReportsThem() throws {
        let failing = TestProcess()
        failing.executableURL = URL(fileURLWithPath: "/bin/sh")
        failing.arguments = ["-c", "exit 7"]
        try failing.run()
        failing.waitUntilExit()
        #expect(failing.terminationStatus == 7 && failing.terminationReason == .exit)

        let sleeping = TestProcess()
        sleeping.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeping.arguments = ["30"]
        try sleeping.run()
        #expect(sleeping.isRunning)
        kill(sleeping.processIdentifier, SIGKILL)
        sleeping.waitUntilExit()
        #expect(sleeping.terminationStatus == SIGKILL && sleeping.terminationReason == .uncaughtSignal)
        #expect(!sleeping.isRunning)
    }

    @Test func aMissingProgramIsAnErrorNotACrash() {
        #expect(throws: SpawnError.self) { try runProcess("/nonexistent/program", []) }
    }
}
