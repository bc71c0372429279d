import SwiftMigrate
import Testing

@Suite struct MigrationFileNameTests {
    @Test(arguments: [
        ("1_init.up.sql", MigrationFileName(version: 1, name: "init", direction: .up, fileExtension: "sql")),
        ("1_init.down.sql", MigrationFileName(version: 1, name: "init", direction: .down, fileExtension: "sql")),
        ("001_domain.up.sql", MigrationFileName(version: 1, name: "domain", direction: .up, fileExtension: "sql")),
        ("0000_zero.down.sql", MigrationFileName(version: 0, name: "zero", direction: .down, fileExtension: "sql")),
        (
            "20250105120000_add_users.up.sql",
            MigrationFileName(version: 20_250_105_120_000, name: "add_users", direction: .up, fileExtension: "sql")
        ),
        (
            "9223372036854775807_max.up.sql",
            MigrationFileName(version: Int64.max, name: "max", direction: .up, fileExtension: "sql")
        ),
        (
            "00009223372036854775807_max.up.sql",
            MigrationFileName(version: Int64.max, name: "max", direction: .up, fileExtension: "sql")
        ),
        ("3_v1.2_fix.up.sql", MigrationFileName(version: 3, name: "v1.2_fix", direction: .up, fileExtension: "sql")),
        ("3__x__y.down.cql", MigrationFileName(version: 3, name: "_x__y", direction: .down, fileExtension: "cql")),
        ("3_.up.sql", MigrationFileName(version: 3, name: "", direction: .up, fileExtension: "sql")),
        // golang-migrate's greedy description: the last `.up.` / `.down.` is the direction.
        ("3_a.down.b.up.sql", MigrationFileName(version: 3, name: "a.down.b", direction: .up, fileExtension: "sql")),
        ("3_add.up.SQL", MigrationFileName(version: 3, name: "add", direction: .up, fileExtension: "SQL")),
        ("7_café_ü.up.sql", MigrationFileName(version: 7, name: "café_ü", direction: .up, fileExtension: "sql")),
        // Annotated single files.
        ("4_add_tags.sql", MigrationFileName(version: 4, name: "add_tags", direction: nil, fileExtension: "sql")),
        ("004_add.tags.sql", MigrationFileName(version: 4, name: "add.tags", direction: nil, fileExtension: "sql")),
        ("5_up.sql", MigrationFileName(version: 5, name: "up", direction: nil, fileExtension: "sql")),
        ("6_x.SQL", MigrationFileName(version: 6, name: "x", direction: nil, fileExtension: "SQL")),
    ])
    func parsesMigrationNames(fileName: String, expected: MigrationFileName) throws {
        #expect(try MigrationFileName.parse(fileName) == expected)
    }

    @Test(arguments: [
        "notes.txt", "README.md", ".DS_Store", "3_add.up.sql.bak", "3-add.up.sql", "add.up.sql", "3_add.UP.sql",
        "V3__add.sql", "3.up.sql", "3_add.up", "3_add.up.", "3_add.up.sql~", "3_add.txt", "_3_add.up.sql", "3_add",
        "3_x.up.y.sql", "١_arabic_digit.up.sql",
    ])
    func rejectsOtherNames(fileName: String) throws {
        #expect(try MigrationFileName.parse(fileName) == nil)
    }

    @Test func versionAboveInt64MaxIsAnError() {
        for fileName in [
            "9223372036854775808_big.up.sql", "99999999999999999999999_big.down.sql", "9223372036854775808_big.sql",
        ] {
            #expect {
                try MigrationFileName.parse(fileName)
            } throws: { error in
                let error = error as? MigrateError
                return error?.code == .invalidSource
                    && error?.message
                        == "\(fileName): version \(fileName.prefix { $0.isNumber }) is larger than the largest "
                        + "supported version 9223372036854775807"
            }
        }
    }

    @Test(arguments: [
        ("3_add.up.sql.bak", "the extension 'sql.bak' contains a dot (a backup or renamed copy?)"),
        ("3_add.down.sql.orig", "the extension 'sql.orig' contains a dot (a backup or renamed copy?)"),
        ("3_x.up.y.sql", "the extension 'y.sql' contains a dot (a backup or renamed copy?)"),
        ("3-add.up.sql", "the version must be followed by '_', not '-'"),
        ("add.up.sql", "the name does not start with a version number"),
        ("3_add.UP.sql", "the direction 'UP' must be lowercase 'up'"),
        ("3_add.Down.sql", "the direction 'Down' must be lowercase 'down'"),
        ("V3__add.sql", "a Flyway-style name; golang-migrate names it 3_add.up.sql"),
        ("U3__add.sql", "a Flyway-style name; golang-migrate names it 3_add.down.sql"),
        ("V1.2__add.sql", "a Flyway-style name; golang-migrate names it VERSION_NAME.up.sql"),
        ("R__views.sql", "a Flyway repeatable migration (R__NAME.sql); repeatable migrations are not supported"),
        ("3.up.sql", "the version must be followed by '_' and a name (3_NAME)"),
        ("3_add.up", "there is no extension after '.up'"),
        ("3_add.up.", "the extension after '.up.' is empty"),
        ("3_add.up.sql~", "'sql~' looks like an editor backup"),
        ("schema.sql", "the name does not start with a version number"),
        ("3.sql", "the version must be followed by '_' and a name (3_NAME)"),
    ])
    func explainsNearMisses(fileName: String, reason: String) throws {
        #expect(try MigrationFileName.parse(fileName) == nil)
        #expect(MigrationFileName.nearMissReason(fileName) == reason)
    }

    @Test(arguments: [
        "notes.txt", "README.md", "readme.up.sql", ".3_add.up.sql.swp", ".gitkeep", "1_init.up.sql", "4_tags.sql",
        "Makefile", "3_add.txt", "up.txt", "9223372036854775808_big.up.sql",
    ])
    func unrelatedAndValidNamesAreNoNearMiss(fileName: String) {
        #expect(MigrationFileName.nearMissReason(fileName) == nil)
    }

    /// A name is printed and stored: its control characters come out escaped, as Swift writes them.
    @Test(arguments: [
        ("1_a\nno change.up.sql", #"a\nno change"#),
        ("2_\u{1B}[31mred\u{1B}[0m.down.sql", #"\u{1B}[31mred\u{1B}[0m"#),
        ("3_tab\tcr\r\u{0}del\u{7F}c1\u{9B}.sql", #"tab\tcr\r\0del\u{7F}c1\u{9B}"#),
        ("4_plain_é.up.sql", "plain_é"),
    ])
    func namesHaveControlCharactersEscaped(fileName: String, name: String) throws {
        #expect(try MigrationFileName.parse(fileName)?.name == name)
    }

    @Test func nearMissReasonsEscapeTheNameParts() {
        #expect(MigrationFileName.nearMissReason("3\u{1B}add.up.sql") == #"the version must be followed by '_', not '\u{1B}'"#)
    }
}
