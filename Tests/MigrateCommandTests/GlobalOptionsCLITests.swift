import Foundation
import Testing

/// golang-migrate writes its options before the command (`migrate -path m -database URL up`). The normalizer that
/// moves them after the command keeps its own list of which options take a value; an option missing from that
/// list was refused before the command (`-allow-out-of-order` once was). The options are read here from the
/// parser's own description of the commands, so a new option is checked without anyone adding it to a test.
@Suite struct GlobalOptionsCLITests {
    struct Option: Hashable {
        var name: String
        var takesValue: Bool
    }

    /// The options every command has (the global ones) and those in the "Fleet options" section, from
    /// `migrate --experimental-dump-help`.
    static func globalAndFleetOptions() throws -> (global: Set<Option>, fleet: Set<Option>) {
        let dump = try CLI.run(["--experimental-dump-help"])
        #expect(dump.status == 0, "\(dump)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let command = try #require(root["command"] as? [String: Any])
        let subcommands = try #require(command["subcommands"] as? [[String: Any]])
            .filter { $0["commandName"] as? String != "help" }
        var global: Set<Option>?
        var fleet: Set<Option> = []
        for subcommand in subcommands {
            var options: Set<Option> = []
            for argument in subcommand["arguments"] as? [[String: Any]] ?? [] {
                let kind = argument["kind"] as? String
                guard kind != "positional", let names = argument["names"] as? [[String: Any]],
                      let name = names.first?["name"] as? String else { continue }
                let option = Option(name: name, takesValue: kind == "option")
                options.insert(option)
                if argument["sectionTitle"] as? String == "Fleet options" { fleet.insert(option) }
            }
            global = global.map { $0.intersection(options) } ?? options
        }
        return (global ?? [], fleet)
    }

    @Test func everyGlobalAndFleetOptionIsAcceptedBeforeTheCommand() throws {
        let (global, fleet) = try Self.globalAndFleetOptions()
        // The description was read: the lists hold what the help shows.
        #expect(global.contains(Option(name: "path", takesValue: true)), "\(global)")
        #expect(global.contains(Option(name: "allow-out-of-order", takesValue: false)), "\(global)")
        #expect(fleet.contains(Option(name: "canary", takesValue: true)), "\(fleet)")
        #expect(fleet.contains(Option(name: "continue-on-error", takesValue: false)), "\(fleet)")
        for option in global.union(fleet).sorted(by: { $0.name < $1.name }) {
            // `status` takes both kinds. A value option read as a flag leaves its value as the command ("Unexpected
            // argument"); a flag read as a value option swallows the command; an unknown one is refused.
            let forms = option.takesValue
                ? [["-\(option.name)", "1"], ["-\(option.name)=1"], ["--\(option.name)=1"]]
                : [["-\(option.name)"], ["--\(option.name)"]]
            for form in forms {
                let result = try CLI.run(form + ["status", "--help"])
                #expect(result.status == 0, "migrate \(form.joined(separator: " ")) status --help: \(result)")
                #expect(result.stdout.hasPrefix("OVERVIEW: Show every migration"), "\(form): \(result)")
            }
        }
    }

    /// An option of one command only (`create -ext`) is not global: before the command it is refused by name,
    /// with a non-zero exit, rather than taken for something else.
    @Test func aCommandsOwnOptionBeforeTheCommandIsRefusedByName() throws {
        let result = try CLI.run(["-ext", "sql", "create", "add_users"])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("Unknown option '-ext'") || result.stderr.contains("Unknown option '--ext'"), "\(result)")
    }
}
