import SwiftMigrate
import Testing

/// Annotated single files (`-- +migrate Up` / `-- +migrate Down`) and the `notransaction` annotation, through
/// ``InMemorySource`` so that what is tested is what users get.
@Suite struct MigrationAnnotationsTests {
    private func load(_ files: [String: String]) throws -> LoadedSource {
        try InMemorySource(files: files, displayName: "migrations").load()
    }

    private func loadError(_ files: [String: String]) -> MigrateError? {
        do {
            _ = try InMemorySource(files: files, displayName: "migrations").load()
            return nil
        } catch {
            return error
        }
    }

    @Test func splitsTheUserGuideExample() throws {
        let text = """
            -- +migrate Up
            ALTER TABLE positions ADD COLUMN notes TEXT;
            -- +migrate Down
            ALTER TABLE positions DROP COLUMN notes;

            """
        let loaded = try load(["6_position_notes.sql": text])
        #expect(loaded.warnings.isEmpty)
        let migration = try #require(loaded.migrations.first)
        #expect(migration.version == 6)
        #expect(migration.name == "position_notes")
        #expect(
            migration.up
                == MigrationScript(
                    path: "migrations/6_position_notes.sql", contents: "ALTER TABLE positions ADD COLUMN notes TEXT;\n",
                    firstLine: 2
                ))
        #expect(
            migration.down
                == MigrationScript(
                    path: "migrations/6_position_notes.sql", contents: "ALTER TABLE positions DROP COLUMN notes;\n",
                    firstLine: 4
                ))
    }

    @Test func allowsCommentsBeforeTheFirstDirectiveAndEitherOrder() throws {
        let text = """
            -- Tags, both directions in one file.
            /* a block comment
               over two lines */

            -- +migrate down
            DROP TABLE tags;

            --+MIGRATE   UP
            CREATE TABLE tags (id int);
            """
        let migration = try #require(try load(["004_tags.sql": text]).migrations.first)
        #expect(migration.up?.contents == "CREATE TABLE tags (id int);")
        #expect(migration.up?.firstLine == 9)
        #expect(migration.down?.contents == "DROP TABLE tags;\n\n")
        #expect(migration.down?.firstLine == 6)
    }

    @Test func notransactionOptionAndStatementMarkersStayInTheText() throws {
        let text = """
            -- +migrate Up notransaction
            -- +migrate StatementBegin
            CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;
            -- +migrate StatementEnd
            CREATE INDEX CONCURRENTLY i ON t (c);
            -- +migrate Down
            DROP FUNCTION f();

            """
        let migration = try #require(try load(["7_f.sql": text]).migrations.first)
        #expect(migration.up?.forcesNoTransaction == true)
        #expect(migration.down?.forcesNoTransaction == false)
        #expect(
            migration.up?.contents == """
                -- +migrate StatementBegin
                CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;
                -- +migrate StatementEnd
                CREATE INDEX CONCURRENTLY i ON t (c);

                """)
    }

    @Test func crlfFilesSplitAtTheDirectiveLines() throws {
        let text = "-- +migrate Up\r\nCREATE TABLE a (id int);\r\n-- +migrate Down\r\nDROP TABLE a;\r\n"
        let migration = try #require(try load(["1_a.sql": text]).migrations.first)
        #expect(migration.up?.contents == "CREATE TABLE a (id int);\r\n")
        #expect(migration.down?.contents == "DROP TABLE a;\r\n")
        #expect(migration.down?.firstLine == 4)
    }

    @Test func upOnlyFileHasNoDownAndEmptySectionsAreKept() throws {
        let loaded = try load([
            "1_a.sql": "-- +migrate Up\nCREATE TABLE a (id int);\n",
            "2_b.sql": "-- +migrate Up\n-- +migrate Down",
        ])
        #expect(loaded.migrations.map(\.version) == [1, 2])
        #expect(loaded.migrations[0].down == nil)
        #expect(loaded.migrations[1].up == MigrationScript(path: "migrations/2_b.sql", contents: "", firstLine: 2))
        #expect(loaded.migrations[1].down == MigrationScript(path: "migrations/2_b.sql", contents: "", firstLine: 3))
    }

    @Test func textBeforeTheFirstDirectiveIsAnError() {
        let error = loadError(["3_x.sql": "-- header\n\n  CREATE TABLE early (id int);\n-- +migrate Up\nSELECT 1;\n"])
        #expect(error?.code == .invalidSource)
        #expect(
            error?.description
                == "migrations/3_x.sql:3:3: text before the first '-- +migrate Up' or '-- +migrate Down' directive")
    }

    @Test func malformedDirectivesAreErrors() {
        let unknown = loadError(["3_x.sql": "-- +migrate Up\nSELECT 1;\n-- +migrate Dwon\nSELECT 2;\n"])
        #expect(unknown?.code == .invalidSource)
        #expect(
            unknown?.description == "migrations/3_x.sql:3:1: unknown directive '-- +migrate Dwon' (expected Up, Down, "
                + "StatementBegin, StatementEnd or notransaction)")

        let option = loadError(["3_x.sql": "-- +migrate Up quickly\nSELECT 1;\n"])
        #expect(
            option?.description
                == "migrations/3_x.sql:1:1: unknown option 'quickly' in '-- +migrate Up' (only notransaction is allowed)"
        )

        let twice = loadError(["3_x.sql": "-- +migrate Up\nSELECT 1;\n  -- +migrate Up\n"])
        #expect(twice?.description == "migrations/3_x.sql:3:3: a second '-- +migrate Up' directive")
    }

    @Test func sqlFileWithoutUpDirectiveIsANearMiss() throws {
        let loaded = try load([
            "1_a.up.sql": "SELECT 1;",
            "3_seed.sql": "INSERT INTO t VALUES (1);\n",
            "4_goose.sql": "-- +goose Up\nSELECT 1;\n",
            "5_only_down.sql": "-- +migrate Down\nDROP TABLE t;\n",
        ])
        #expect(loaded.migrations.map(\.version) == [1])
        let prefix =
            "has a version but no '-- +migrate Up' directive, so it is neither VERSION_NAME.up.EXT / .down.EXT "
            + "nor an annotated migration"
        #expect(
            loaded.warnings == [
                SourceWarning(path: "migrations/3_seed.sql", message: prefix + "; ignored"),
                SourceWarning(
                    path: "migrations/4_goose.sql",
                    message: prefix + " (it uses goose's '-- +goose Up'; write '-- +migrate Up'); ignored"),
                SourceWarning(
                    path: "migrations/5_only_down.sql", message: prefix + " (it has only a Down section); ignored"),
            ])
    }

    @Test func plainFilesHonourTheNotransactionAnnotation() throws {
        let loaded = try load([
            "1_index.up.sql": "CREATE INDEX CONCURRENTLY i ON t (c);\n  --  +Migrate NoTransaction  \n",
            "1_index.down.sql": "-- +migrated notransaction is prose, not a directive\nDROP INDEX i;\n",
        ])
        #expect(loaded.migrations.first?.up?.forcesNoTransaction == true)
        #expect(loaded.migrations.first?.down?.forcesNoTransaction == false)
        #expect(
            loaded.migrations.first?.down?.contents
                == "-- +migrated notransaction is prose, not a directive\nDROP INDEX i;\n")
    }

    @Test func upDownDirectivesInAPlainFileAreAnError() {
        let error = loadError([
            "1_a.up.sql": "-- +migrate Up\nCREATE TABLE a (id int);\n-- +migrate Down\nDROP TABLE a;\n"
        ])
        #expect(error?.code == .invalidSource)
        #expect(error?.location == SourceLocation(file: "migrations/1_a.up.sql", line: 1, column: 1))
    }
}
