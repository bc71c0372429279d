import Testing

@testable import SwiftMigratePostgres

@Suite struct AdvisoryLockKeyTests {
    /// The values of golang-migrate's `database/util_test.go` (TestGenerateAdvisoryLockId).
    @Test(arguments: [
        ("database_name", [String](), Int64(1_764_327_054)),
        ("database_name", ["schema_name_1"], 2_453_313_553),
        ("database_name", ["schema_name_2"], 235_207_038),
        ("database_name", ["schema_name_1", "schema_name_2"], 3_743_845_847),
    ])
    func golangMigrateValues(database: String, additional: [String], expected: Int64) {
        #expect(AdvisoryLockKey(databaseName: database, additionalNames: additional).value == expected)
    }

    @Test func driverKeyPutsSchemaAndTableFirst() {
        let key = AdvisoryLockKey(databaseName: "/app", schema: "public", table: "schema_migrations")
        #expect(key == AdvisoryLockKey(databaseName: "/app", additionalNames: ["public", "schema_migrations"]))
        #expect(key.value == Int64(AdvisoryLockKey.crc32(Array("public\u{0}schema_migrations\u{0}/app".utf8)) &* 1_486_364_155))
        #expect((0..<(Int64(1) << 32)).contains(key.value))
        #expect(key.description == String(key.value))
    }

    @Test func crc32MatchesTheIEEECheckValue() {
        #expect(AdvisoryLockKey.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(AdvisoryLockKey.crc32([]) == 0)
        #expect(AdvisoryLockKey.crc32(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }
}
