import Foundation
import SwiftMigrate
import Testing

@Suite struct SchemaSnapshotTests {
    static let table = SchemaObject.ID(.table, "public.accounts")

    /// A small schema, given out of order on purpose.
    static let objects: [SchemaObject] = [
        SchemaObject(kind: .comment, name: "table public.accounts", parent: table, definition: "'Exchange accounts.'"),
        SchemaObject(kind: .index, name: "public.idx_accounts_status", parent: table,
                     definition: "CREATE INDEX idx_accounts_status ON public.accounts USING btree (status) WHERE (status = 'active'::text)"),
        SchemaObject(kind: .column, name: "public.accounts.status", parent: table, definition: "text NOT NULL"),
        SchemaObject(kind: .column, name: "public.accounts.id", parent: table, definition: "bigint NOT NULL"),
        SchemaObject(kind: .function, name: "public.touch()", definition: "CREATE FUNCTION public.touch()\r\n RETURNS void  \r\nAS $$ SELECT 1 $$\n\n"),
        SchemaObject(kind: .table, name: "public.accounts", definition: "(id, status)"),
        SchemaObject(kind: .type, name: "public.side", definition: "ENUM ('buy', 'sell')"),
        SchemaObject(kind: .schema, name: "public", definition: ""),
    ]

    @Test func rendersOneObjectPerLineMembersUnderTheirTable() {
        let snapshot = SchemaSnapshot(objects: Self.objects)
        #expect(snapshot.rendered() == """
            schema public

            type public.side ENUM ('buy', 'sell')

            table public.accounts (id, status)
              column public.accounts.id bigint NOT NULL
              column public.accounts.status text NOT NULL
              index public.idx_accounts_status CREATE INDEX idx_accounts_status ON public.accounts USING btree (status) WHERE (status = 'active'::text)
              comment on table public.accounts 'Exchange accounts.'

            function public.touch()
                CREATE FUNCTION public.touch()
                 RETURNS void
                AS $$ SELECT 1 $$

            """)
    }

    @Test func orderAndLineEndingsDoNotMatter() {
        var shuffled = Self.objects.reversed().map { $0 }
        shuffled[0] = SchemaObject(kind: .schema, name: "public", definition: "\n")
        let function = shuffled.firstIndex { $0.kind == .function }!
        shuffled[function] = SchemaObject(
            kind: .function, name: "public.touch()", definition: "CREATE FUNCTION public.touch()\n RETURNS void\nAS $$ SELECT 1 $$"
        )
        #expect(SchemaSnapshot(objects: shuffled) == SchemaSnapshot(objects: Self.objects))
        #expect(SchemaSnapshot(objects: shuffled).rendered() == SchemaSnapshot(objects: Self.objects).rendered())
        #expect(SchemaSnapshot(objects: []).rendered() == "")
    }

    @Test func jsonRoundTripsAndIsSorted() throws {
        let snapshot = SchemaSnapshot(objects: Self.objects)
        let json = try snapshot.json()
        #expect(json.contains(#""kind" : "column""#))
        #expect(json.contains(#""name" : "public.accounts.id""#))
        #expect(json.contains(#""parent" : {"#))
        let decoded = try JSONDecoder().decode(SchemaSnapshot.self, from: Data(json.utf8))
        #expect(decoded == snapshot)
        // Hand-written JSON in any order decodes to the same sorted snapshot.
        let handWritten = """
            {"objects": [{"kind": "materialized view", "name": "public.v", "definition": " SELECT 1;  "},
                         {"kind": "schema", "name": "public", "definition": ""}]}
            """
        let small = try JSONDecoder().decode(SchemaSnapshot.self, from: Data(handWritten.utf8))
        #expect(small.objects.map(\.id) == [SchemaObject.ID(.schema, "public"), SchemaObject.ID(.materializedView, "public.v")])
        #expect(small.object(.materializedView, "public.v")?.definition == " SELECT 1;")
    }

    @Test func differencesNameEachObject() {
        let expected = SchemaSnapshot(objects: Self.objects)
        var objects = Self.objects.filter { $0.name != "public.accounts.status" && $0.kind != .comment }
        objects.append(SchemaObject(kind: .index, name: "public.idx_leftover", parent: Self.table, definition: "CREATE INDEX idx_leftover ON public.accounts USING btree (id)"))
        objects[objects.firstIndex { $0.kind == .type }!].definition = "ENUM ('buy')"
        objects[objects.firstIndex { $0.kind == .function }!] = SchemaObject(
            kind: .function, name: "public.touch()", definition: "CREATE FUNCTION public.touch()\n RETURNS void\nAS $$ SELECT 2 $$"
        )
        let actual = SchemaSnapshot(objects: objects)
        let messages = actual.differences(from: expected).map(\.description)
        #expect(messages == [
            "type public.side differs: expected `ENUM ('buy', 'sell')`, found `ENUM ('buy')`",
            "column public.accounts.status is missing",
            "index public.idx_leftover still exists",
            "comment on table public.accounts is missing",
            "function public.touch() differs: line 3: expected `AS $$ SELECT 1 $$`, found `AS $$ SELECT 2 $$`",
        ])
        let changes = actual.differences(from: expected).map(\.change)
        #expect(changes == [.changed, .missing, .extra, .missing, .changed])
        #expect(expected.differences(from: expected).isEmpty)
    }

    @Test func aLineMoreOrLessIsShownAsNothing() {
        let short = SchemaSnapshot(objects: [SchemaObject(kind: .view, name: "v", definition: "SELECT 1\nFROM t")])
        let long = SchemaSnapshot(objects: [SchemaObject(kind: .view, name: "v", definition: "SELECT 1\nFROM t\nWHERE x")])
        #expect(short.differences(from: long).map(\.description) == ["view v differs: line 3: expected `WHERE x`, found nothing"])
        #expect(long.differences(from: short).map(\.description) == ["view v differs: line 3: expected nothing, found `WHERE x`"])
    }

    @Test func lookups() {
        let snapshot = SchemaSnapshot(objects: Self.objects)
        #expect(snapshot.names(of: .column) == ["public.accounts.id", "public.accounts.status"])
        #expect(snapshot.object(.table, "public.accounts")?.definition == "(id, status)")
        #expect(snapshot.object(.table, "public.missing") == nil)
        #expect(SchemaObject.ID(.comment, "column public.accounts.id").description == "comment on column public.accounts.id")
    }
}
