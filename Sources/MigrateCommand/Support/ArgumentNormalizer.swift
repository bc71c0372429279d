import ArgumentParser

/// Turns golang-migrate's command line into one swift-argument-parser understands.
///
/// golang-migrate puts global options before the command (`migrate -path m -database URL up 2`) and uses
/// Go's flag syntax (`-name value`, `-name=value`, `--name=value`). We accept that and also options after the
/// command, so the global options found before the command are moved after it, a global option and its value
/// become one `--name=value` token (so `-lock-timeout -5` is a bad value, not a missing one), and a negative
/// number such as `force -1` is protected from being read as an option.
enum ArgumentNormalizer {
    /// Global options that take a value. Kept by hand; GlobalOptionsCLITests checks both lists against the
    /// options the parser describes for every command, so one missing here fails the tests.
    static let valueOptions: Set<String> = [
        "path", "source", "database", "lock-timeout", "prefetch", "db-lock-timeout", "db-statement-timeout", "lock-retries", "wait-replicas",
        // A fleet's (FleetOptions): only the commands that take a fleet know them.
        "targets", "schemas", "parallel", "canary",
    ]
    /// Global boolean options.
    static let flagOptions: Set<String> = [
        "verbose", "version", "help", "h", "allow-modified", "allow-out-of-order", "continue-on-error",
    ]
    /// The subcommands' names, from the command itself so that a new command is never missing here.
    static let commands: Set<String> = Set(Migrate.configuration.subcommands.map { $0._commandName } + ["help"])

    static func normalize(_ arguments: [String]) -> [String] {
        var globals: [String] = []
        var rest: [String] = []
        var index = 0
        // Before the command: collect global options.
        while index < arguments.count {
            let argument = arguments[index]
            if commands.contains(argument) { break }
            guard let (name, inlineValue) = splitOption(argument) else { break }
            if valueOptions.contains(name) {
                if let inlineValue {
                    globals.append("--\(name)=\(inlineValue)")
                } else if index + 1 < arguments.count {
                    index += 1
                    globals.append("--\(name)=\(arguments[index])")
                } else {
                    globals.append("--" + name)  // the parser reports the missing value
                }
            } else if flagOptions.contains(name) {
                globals.append(name == "h" ? "--help" : "--" + name)
            } else {
                // Unknown: alone, so that the parser reports it (and not the words after it, which may be its
                // value), by its whole name: as `-pathh` the parser would read a group of short flags, find `-h`,
                // print the help and exit 0 without running anything.
                return [argument.hasPrefix("--") || name.count == 1 ? argument : "-" + argument]
            }
            index += 1
        }
        // The command and what follows it: split `=` forms of known long options, protect negative numbers.
        while index < arguments.count {
            let argument = arguments[index]
            if argument.count > 1, argument.hasPrefix("-"), Int64(argument) != nil {
                rest.append(contentsOf: ["--", argument])
                rest.append(contentsOf: arguments[(index + 1)...])
                break
            }
            if let (name, inlineValue) = splitOption(argument), !rest.isEmpty {
                if valueOptions.contains(name), inlineValue == nil, index + 1 < arguments.count {
                    index += 1
                    rest.append("--\(name)=\(arguments[index])")
                } else {
                    rest.append(name.count == 1 ? "-" + name : "--" + name)
                    if let inlineValue { rest.append(inlineValue) }
                }
            } else {
                rest.append(argument)
            }
            index += 1
        }
        guard let command = rest.first else {
            // Options but no command (`migrate -path m -database URL`): -help and -version still answer; otherwise
            // nothing is left to parse and the caller prints the usage. Passing the options on would make the
            // parser report the first one the root command lacks ("Unknown option '--path'"), which is not what
            // is wrong.
            if globals.contains("--help") { return ["--help"] }
            if globals.contains("--version") { return ["--version"] }
            return []
        }
        // An unknown command: without the global options, the parser names it ("Unexpected argument 'upp'")
        // instead of complaining about the first option the root command does not have.
        guard commands.contains(command) else { return rest }
        return [command] + globals + rest.dropFirst()
    }

    /// `-name`, `--name`, `-name=value`, `--name=value` → (name, value); nil when not an option.
    private static func splitOption(_ argument: String) -> (String, String?)? {
        guard argument.hasPrefix("-"), argument != "-", argument != "--" else { return nil }
        let body = argument.hasPrefix("--") ? argument.dropFirst(2) : argument.dropFirst()
        if let equals = body.firstIndex(of: "=") {
            return (String(body[..<equals]), String(body[body.index(after: equals)...]))
        }
        return (String(body), nil)
    }
}
