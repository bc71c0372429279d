import Foundation
import Synchronization

/// A child process for the tests, started with `posix_spawn` directly: the part of Foundation's `Process` the tests
/// use, under the same names.
///
/// Why not `Process`: on Linux, Swift 6.3's `Process.run()` lists `/proc/self/fd` to close the descriptors the child
/// must not inherit, and copies each directory entry's whole 256-byte `d_name`, reading past the end of glibc's
/// buffer when an entry sits at its end (swift-corelibs-foundation PR #5472, fixed after 6.3.1). The test process
/// spawns thousands of children with hundreds of descriptors open, and crashed there (`Bad pointer dereference` in
/// `memcpy` under `Process.run()`), taking the whole test run with it. Here the child closes every descriptor
/// above 2 with glibc's `posix_spawn_file_actions_addclosefrom_np`, without listing anything.
public final class TestProcess: @unchecked Sendable {
    public enum TerminationReason: Sendable { case exit, uncaughtSignal }

    public var executableURL: URL?
    public var arguments: [String]?
    /// nil: this process's environment.
    public var environment: [String: String]?
    public var currentDirectoryURL: URL?
    /// Each a `Pipe` or a `FileHandle` (`FileHandle.nullDevice` or nil: /dev/null); by default this process's own,
    /// as with `Process`.
    public var standardInput: Any? = FileHandle.standardInput
    public var standardOutput: Any? = FileHandle.standardOutput
    public var standardError: Any? = FileHandle.standardError

    private struct State {
        var pid: pid_t = 0
        var status: Int32?
    }
    private let state = Mutex(State())
    private let exited = DispatchSemaphore(value: 0)

    public init() {}

    public var processIdentifier: Int32 { state.withLock { $0.pid } }
    public var isRunning: Bool { state.withLock { $0.pid != 0 && $0.status == nil } }

    /// The exit code, or the signal's number when a signal ended the process (as `Process` reports it).
    public var terminationStatus: Int32 {
        guard let status = state.withLock({ $0.status }) else { return 0 }
        return Self.exitedNormally(status) ? (status >> 8) & 0xff : status & 0x7f
    }

    public var terminationReason: TerminationReason {
        guard let status = state.withLock({ $0.status }) else { return .exit }
        return Self.exitedNormally(status) ? .exit : .uncaughtSignal
    }

    private static func exitedNormally(_ status: Int32) -> Bool { status & 0x7f == 0 }

    public func run() throws {
        guard let path = executableURL?.path else { throw SpawnError(message: "no executable") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentCloses: [FileHandle] = []
        let own = [FileHandle.standardInput, FileHandle.standardOutput, FileHandle.standardError]
        for (target, stream) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            let handle: FileHandle
            switch stream {
            case let pipe as Pipe:
                // The child reads the input pipe and writes the output pipes; the parent keeps the other ends.
                handle = target == 0 ? pipe.fileHandleForReading : pipe.fileHandleForWriting
                parentCloses.append(handle)
            case let file as FileHandle where file === own[Int(target)]:
                continue  // inherited as it is
            case let file as FileHandle where file !== FileHandle.nullDevice:
                handle = file
            default:
                try check(posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_RDWR, 0), "open /dev/null")
                continue
            }
            try check(posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target), "dup2")
        }
        try check(Self.closeFrom.map { $0(&actions, 3) } ?? ENOSYS, "closefrom")
        if let directory = currentDirectoryURL?.path {
            try check(Self.changeDirectory.map { $0(&actions, directory) } ?? ENOSYS, "chdir \(directory)")
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, as Process gives it: a signal to the test run's group does not reach it.
        try check(posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP)), "setflags")
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withCStrings([path] + (arguments ?? [])) { argv in
            withCStrings(variables) { envp in posix_spawn(&pid, path, &actions, &attributes, argv, envp) }
        }
        try check(result, "spawn \(path)")
        let child = pid
        state.withLock { $0.pid = child }
        for handle in parentCloses { try? handle.close() }
        // One thread per child waits for it, so that isRunning and waitUntilExit never race for the status.
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(child, &status, 0) == -1 && errno == EINTR {}
            state.withLock { $0.status = status }
            exited.signal()
        }
    }

    public func waitUntilExit() {
        guard state.withLock({ $0.pid != 0 }) else { return }
        exited.wait()
        exited.signal()  // for a later call
    }

    private func check(_ code: Int32, _ what: String) throws {
        if code != 0 { throw SpawnError(message: "\(what): \(String(cString: strerror(code)))") }
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later) and `posix_spawn_file_actions_addchdir_np`
    /// (2.29), which Swift's Glibc module does not declare: looked up by name.
    private static let closeFrom = symbol(
        "posix_spawn_file_actions_addclosefrom_np",
        as: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self
    )
    private static let changeDirectory = symbol(
        "posix_spawn_file_actions_addchdir_np",
        as: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32).self
    )

    private static func symbol<F>(_ name: String, as type: F.Type) -> F? {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: type)
    }
}

public struct SpawnError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "cannot start a process: \(message)" }
}

/// `body` with a NULL-terminated array of C strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}

/// Runs a program to completion and returns its exit status, standard output and standard error.
public func runProcess(_ executable: String, _ arguments: [String]) throws -> (Int32, String, String) {
    let process = TestProcess()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    let errData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// Runs `path` with `arguments` and returns its standard output, trimmed; throws with its standard error when it
/// exits non-zero.
public func runTool(_ path: String, _ arguments: [String]) throws -> String {
    let (status, output, errors) = try runProcess(path, arguments)
    guard status == 0 else { throw ToolError(message: "\(path) failed: \(errors)") }
    return output.trimmingCharacters(in: .whitespacesAndNewlines)
}

public struct ToolError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// `url` with its path (the database name) replaced by `database`, its query kept.
public func replacingDatabase(in url: String, with database: String) -> String {
    let query = url.firstIndex(of: "?").map { String(url[$0...]) } ?? ""
    let base = url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
    let authorityEnd = base.range(of: "://")!.upperBound
    let slash = base[authorityEnd...].firstIndex(of: "/") ?? base.endIndex
    return String(base[..<slash]) + "/" + database + query
}

/// Runs `sql` through psql on `url`: rows on lines, columns joined by `|`; throws with psql's error.
public func psql(_ url: String, _ sql: String) throws -> String {
    try runTool("/usr/bin/psql", [url, "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql])
}

/// Runs `sql` through the sqlite3 shell on `file`.
public func sqlite3(_ file: String, _ sql: String) throws -> String {
    try runTool("/usr/bin/sqlite3", [file, sql])
}
