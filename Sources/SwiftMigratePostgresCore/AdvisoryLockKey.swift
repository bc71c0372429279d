/// The key of the PostgreSQL advisory lock that guards migrations, computed exactly as golang-migrate computes it,
/// so that swift-migrate and golang-migrate exclude each other on the same database.
///
/// golang-migrate's `GenerateAdvisoryLockId(databaseName, additionalNames...)` joins the additional names and then
/// the database name with NUL bytes, takes the CRC-32 (IEEE) of the UTF-8 bytes, multiplies it by 1486364155 in
/// 32-bit arithmetic and sends the unsigned result as a `bigint`. Its PostgreSQL driver passes the URL path (with
/// its leading `/`), the schema and the table: `schema + "\0" + table + "\0" + databaseName`.
public struct AdvisoryLockKey: Sendable, Hashable, CustomStringConvertible {
    /// The value passed to `pg_advisory_lock` and friends: always in `0..<2^32`.
    public let value: Int64

    /// golang-migrate's salt, from Rails' migration lock.
    static let salt: UInt32 = 1_486_364_155

    /// The key golang-migrate computes for `GenerateAdvisoryLockId(databaseName, additionalNames...)`.
    public init(databaseName: String, additionalNames: [String] = []) {
        let joined = (additionalNames + [databaseName]).joined(separator: "\u{0}")
        let sum = Self.crc32(Array(joined.utf8))
        value = Int64(sum &* Self.salt)
    }

    /// The key golang-migrate's PostgreSQL driver locks for a migrations table.
    public init(databaseName: String, schema: String, table: String) {
        self.init(databaseName: databaseName, additionalNames: [schema, table])
    }

    public var description: String { String(value) }

    /// CRC-32 with the IEEE 802.3 polynomial (reflected 0xEDB88320), as zlib and Go's `crc32.ChecksumIEEE`.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1
        }
        return value
    }
}
