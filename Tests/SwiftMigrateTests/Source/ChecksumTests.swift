import Testing

@testable import SwiftMigrate

@Suite struct ChecksumTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        // 56 bytes: the padding spills into a second block.
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "The quick brown fox jumps over the lazy dog",
            "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
        ),
    ])
    func rawSHA256MatchesKnownVectors(input: String, expected: String) {
        #expect(Checksum.hex(Checksum.sha256(Array(input.utf8))) == expected)
    }

    @Test func rawSHA256OfAMillionAs() {
        let digest = Checksum.hex(Checksum.sha256([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)))
        #expect(digest == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func normalisationRules() {
        func normalized(_ text: String) -> String { String(decoding: Checksum.normalized(text), as: UTF8.self) }
        #expect(normalized("a\r\nb\r\n") == "a\nb")
        #expect(normalized("a\rb\r") == "a\nb")
        #expect(normalized("a \t\nb  ") == "a\nb")
        #expect(normalized("a\n\n\nb\n\n \n\t\n") == "a\n\n\nb")
        #expect(normalized("  leading kept\n") == "  leading kept")
        #expect(normalized("a\r\n\r\nb") == "a\n\nb")
        #expect(normalized(" \n\t\r\n") == "")
        #expect(normalized("héllo  \r\n") == "héllo")
    }

    @Test func checksumIgnoresLineEndingsAndTrailingWhitespace() {
        let unix = "CREATE TABLE t (id int);\n\nINSERT INTO t VALUES (1);\n"
        let windows = "CREATE TABLE t (id int);  \r\n\r\nINSERT INTO t VALUES (1);\t\r\n\r\n"
        #expect(Checksum.normalizedSHA256(unix) == Checksum.normalizedSHA256(windows))
        #expect(
            Checksum.normalizedSHA256(unix)
                == Checksum.hex(Checksum.sha256(Array("CREATE TABLE t (id int);\n\nINSERT INTO t VALUES (1);".utf8))))
        #expect(Checksum.normalizedSHA256(unix) != Checksum.normalizedSHA256("CREATE TABLE t (id bigint);\n"))
        #expect(
            MigrationScript(path: "x", contents: "abc\n").checksum
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
