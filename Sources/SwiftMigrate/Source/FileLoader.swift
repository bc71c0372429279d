#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading migration files from disk: the one place a source touches the file system for their contents.
///
/// Only the read itself is hand-written: it was the one part of loading that the benchmark at 10,000 migrations
/// showed to matter (with `Data(contentsOf:)` a no-op `up` or `status` took 19–48% longer; docs/benchmarks.md,
/// "Hand-written parts"). The UTF-8 check and the byte-order sort are the standard library's, and files are read
/// one after the other: a hand-written validator, sort and parallel read measured within the noise.
enum FileLoader {
    /// `names` in byte order: the same on every platform and file system, so duplicates and warnings come out
    /// the same.
    static func byteOrder(_ names: [String]) -> [String] {
        names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The file's text, or nil when it is a directory. Anything else that is not a regular file (a FIFO, a socket,
    /// a device) is refused before any read: opening a FIFO for reading would wait for a writer for ever.
    ///
    /// Plain `open`/`read`/`close` into one buffer: three system calls per file where `Data(contentsOf:)` makes
    /// more, and no zero-filled allocation per file.
    ///
    /// - Throws: `.invalidSource` for invalid UTF-8 (naming the byte offset), `.io` when it cannot be read.
    static func readUTF8(atPath path: String, displayPath: String) throws(MigrateError) -> String? {
        // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; regular files ignore it.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw MigrateError(.io, "cannot read \(displayPath): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            if kind == S_IFDIR { return nil }
            guard kind == S_IFREG else {
                throw MigrateError(
                    .invalidSource, "\(displayPath) is not a regular file (a FIFO, socket or device); migration files must be regular files"
                )
            }
        }
        var capacity = 16 * 1024
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var count = 0
        while true {
            if count == capacity {
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity * 2, alignment: 16)
                larger.copyMemory(from: UnsafeRawBufferPointer(buffer))
                buffer.deallocate()
                buffer = larger
                capacity *= 2
            }
            let received = read(descriptor, buffer.baseAddress! + count, capacity - count)
            if received == 0 { break }
            if received < 0 {
                if errno == EINTR { continue }
                if errno == EISDIR { return nil }
                throw MigrateError(.io, "cannot read \(displayPath): \(String(cString: strerror(errno)))")
            }
            count += received
        }
        return try decodeUTF8(UnsafeRawBufferPointer(rebasing: buffer[..<count]).bindMemory(to: UInt8.self), displayPath: displayPath)
    }

    /// Strict UTF-8 decoding (overlong forms, surrogates and values above U+10FFFF refused): no replacement
    /// characters sneak into SQL.
    static func decodeUTF8(_ bytes: UnsafeBufferPointer<UInt8>, displayPath: String) throws(MigrateError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        // Only on failure: where the first invalid sequence starts.
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        scan: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput, .error: break scan
            }
        }
        throw MigrateError(
            .invalidSource, "\(displayPath): invalid UTF-8 at byte offset \(offset); migration files must be UTF-8")
    }
}
