/// Content checksums for migration scripts.
///
/// Our own SHA-256: the core target has no crypto dependency, and Foundation on Linux has no CryptoKit.
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

    /// The raw SHA-256 digest (FIPS 180-4) of `message`: 32 bytes.
    ///
    /// Unsafe buffers for the message schedule and the constants: `up` checksums every applied file, so with
    /// 10,000 migrations this runs 10,000 times per command.
    static func sha256(_ message: [UInt8]) -> [UInt8] {
        var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
        )
        // Padding: 0x80, zeros up to 56 mod 64, then the bit length as a big-endian 64-bit number.
        var padded = message
        padded.reserveCapacity(message.count + 72)
        padded.append(0x80)
        while padded.count % 64 != 56 { padded.append(0) }
        let bitLength = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) {
            padded.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }

        roundConstants.withUnsafeBufferPointer { k in
            padded.withUnsafeBufferPointer { bytes in
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                    for chunk in stride(from: 0, to: bytes.count, by: 64) {
                        for i in 0..<16 {
                            let b = chunk + i * 4
                            w[i] =
                                UInt32(bytes[b]) << 24 | UInt32(bytes[b + 1]) << 16 | UInt32(bytes[b + 2]) << 8
                                | UInt32(bytes[b + 3])
                        }
                        for i in 16..<64 {
                            let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                            let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
                        }
                        var (a, b, c, d, e, f, g, h) = state
                        for i in 0..<64 {
                            let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                            let choice = (e & f) ^ (~e & g)
                            let t1 = h &+ s1 &+ choice &+ k[i] &+ w[i]
                            let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                            let majority = (a & b) ^ (a & c) ^ (b & c)
                            let t2 = s0 &+ majority
                            h = g
                            g = f
                            f = e
                            e = d &+ t1
                            d = c
                            c = b
                            b = a
                            a = t1 &+ t2
                        }
                        state = (
                            state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e, state.5 &+ f,
                            state.6 &+ g, state.7 &+ h
                        )
                    }
                }
            }
        }
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
            digest.append(UInt8(truncatingIfNeeded: word >> 24))
            digest.append(UInt8(truncatingIfNeeded: word >> 16))
            digest.append(UInt8(truncatingIfNeeded: word >> 8))
            digest.append(UInt8(truncatingIfNeeded: word))
        }
        return digest
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]
}
