/// Names of SQLite result codes (`SQLITE_CONSTRAINT_UNIQUE`), the SQLite counterpart of a SQLSTATE.
///
/// SQLite 3.40 has no function that returns the name of a code (`sqlite3_errstr` gives English text), so the
/// table of `sqlite3.h` is kept here: primary codes in the low byte, extended codes as `primary | (n << 8)`.
enum SQLiteResultCode {
    /// The symbolic name of a primary or extended result code, `SQLITE_<code>` for an unknown one.
    static func name(_ code: Int32) -> String {
        let primary = code & 0xFF
        guard let primaryName = primaryNames[primary] else { return "SQLITE_\(code)" }
        let extended = code >> 8
        if extended == 0 { return primaryName }
        if let suffix = extendedSuffixes[primary]?[extended] { return "\(primaryName)_\(suffix)" }
        return primaryName
    }

    private static let primaryNames: [Int32: String] = [
        0: "SQLITE_OK", 1: "SQLITE_ERROR", 2: "SQLITE_INTERNAL", 3: "SQLITE_PERM", 4: "SQLITE_ABORT",
        5: "SQLITE_BUSY", 6: "SQLITE_LOCKED", 7: "SQLITE_NOMEM", 8: "SQLITE_READONLY", 9: "SQLITE_INTERRUPT",
        10: "SQLITE_IOERR", 11: "SQLITE_CORRUPT", 12: "SQLITE_NOTFOUND", 13: "SQLITE_FULL", 14: "SQLITE_CANTOPEN",
        15: "SQLITE_PROTOCOL", 16: "SQLITE_EMPTY", 17: "SQLITE_SCHEMA", 18: "SQLITE_TOOBIG",
        19: "SQLITE_CONSTRAINT", 20: "SQLITE_MISMATCH", 21: "SQLITE_MISUSE", 22: "SQLITE_NOLFS", 23: "SQLITE_AUTH",
        24: "SQLITE_FORMAT", 25: "SQLITE_RANGE", 26: "SQLITE_NOTADB", 27: "SQLITE_NOTICE", 28: "SQLITE_WARNING",
        100: "SQLITE_ROW", 101: "SQLITE_DONE",
    ]

    private static let extendedSuffixes: [Int32: [Int32: String]] = [
        0: [1: "LOAD_PERMANENTLY", 2: "SYMLINK"],
        1: [1: "MISSING_COLLSEQ", 2: "RETRY", 3: "SNAPSHOT"],
        4: [2: "ROLLBACK"],
        5: [1: "RECOVERY", 2: "SNAPSHOT", 3: "TIMEOUT"],
        6: [1: "SHAREDCACHE", 2: "VTAB"],
        8: [1: "RECOVERY", 2: "CANTLOCK", 3: "ROLLBACK", 4: "DBMOVED", 5: "CANTINIT", 6: "DIRECTORY"],
        10: [
            1: "READ", 2: "SHORT_READ", 3: "WRITE", 4: "FSYNC", 5: "DIR_FSYNC", 6: "TRUNCATE", 7: "FSTAT",
            8: "UNLOCK", 9: "RDLOCK", 10: "DELETE", 11: "BLOCKED", 12: "NOMEM", 13: "ACCESS",
            14: "CHECKRESERVEDLOCK", 15: "LOCK", 16: "CLOSE", 17: "DIR_CLOSE", 18: "SHMOPEN", 19: "SHMSIZE",
            20: "SHMLOCK", 21: "SHMMAP", 22: "SEEK", 23: "DELETE_NOENT", 24: "MMAP", 25: "GETTEMPPATH",
            26: "CONVPATH", 27: "VNODE", 28: "AUTH", 29: "BEGIN_ATOMIC", 30: "COMMIT_ATOMIC",
            31: "ROLLBACK_ATOMIC", 32: "DATA", 33: "CORRUPTFS",
        ],
        11: [1: "VTAB", 2: "SEQUENCE", 3: "INDEX"],
        14: [1: "NOTEMPDIR", 2: "ISDIR", 3: "FULLPATH", 4: "CONVPATH", 5: "DIRTYWAL", 6: "SYMLINK"],
        19: [
            1: "CHECK", 2: "COMMITHOOK", 3: "FOREIGNKEY", 4: "FUNCTION", 5: "NOTNULL", 6: "PRIMARYKEY",
            7: "TRIGGER", 8: "UNIQUE", 9: "VTAB", 10: "ROWID", 11: "PINNED", 12: "DATATYPE",
        ],
        23: [1: "USER"],
        27: [1: "RECOVER_WAL", 2: "RECOVER_ROLLBACK"],
        28: [1: "AUTOINDEX"],
    ]
}
