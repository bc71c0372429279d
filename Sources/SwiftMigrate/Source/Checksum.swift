#if canImport(CryptoKit)
    import CryptoKit
#else
    import CCrypto
#endif

/// Content checksums for migration scripts: SHA-256 of the normalised text.
enum Checksum {
    /// Lowercase hex SHA-256 of `text` after normalisation, so that a checkout with CRLF line endings or an editor
    /// that strips trailing whitespace does not make an applied migration look changed.
    ///
    /// Normalisation: CRLF and lone CR become LF, trailing spaces and tabs are removed from every line, and trailing
    /// blank lines are removed (so a missing or extra final newline does not matter either).
    static func normalizedSHA256(_ text: String) -> String {
        hex(sha256(normalized(text)))
    }

    /// The bytes that ``normalizedSHA256(_:)`` hashes, as UTF-8.
    static func normalized(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        // Length of `output` up to the end of the last line holding something other than spaces and tabs: both
        // trailing whitespace and trailing blank lines are cut back to it.
        var keep = 0
        // Where the current line starts in `output`: a line break cuts trailing whitespace back to here at most.
        var lineStart = 0
        var previousWasCR = false
        for byte in text.utf8 {
            switch byte {
            case 0x0D:  // CR: a line break on its own or the first half of CRLF
                output.removeSubrange(max(keep, lineStart)...)
                output.append(0x0A)
                lineStart = output.count
                previousWasCR = true
                continue
            case 0x0A:
                if previousWasCR {
                    previousWasCR = false
                    continue
                }
                output.removeSubrange(max(keep, lineStart)...)
                output.append(0x0A)
                lineStart = output.count
            case 0x20, 0x09:
                output.append(byte)
            default:
                output.append(byte)
                keep = output.count
            }
            previousWasCR = false
        }
        output.removeSubrange(keep...)
        return output
    }

    /// Lowercase hexadecimal digits of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The raw SHA-256 digest of `message`: 32 bytes, from the system's libcrypto (OpenSSL) on Linux and CryptoKit
    /// on Apple platforms.
    static func sha256(_ message: [UInt8]) -> [UInt8] {
        #if canImport(CryptoKit)
            return Array(SHA256.hash(data: message))
        #else
            var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            let ok = message.withUnsafeBytes { bytes in
                digest.withUnsafeMutableBufferPointer { output in
                    EVP_Digest(bytes.baseAddress, bytes.count, output.baseAddress, &length, sha256Algorithm, nil)
                }
            }
            // Only a broken libcrypto fails here (out of memory, no default provider): no checksum can be trusted.
            precondition(ok == 1 && length == 32, "libcrypto's SHA-256 failed")
            return Array(digest.prefix(32))
        #endif
    }

    #if !canImport(CryptoKit)
        /// Fetched once: OpenSSL 3 looks the algorithm up on every call given `EVP_sha256()` (10,000 files are hashed
        /// per `up` at 10,000 migrations). An `EVP_MD` is immutable and may be shared between threads.
        nonisolated(unsafe) private static let sha256Algorithm = EVP_MD_fetch(nil, "SHA256", nil)
    #endif
}
