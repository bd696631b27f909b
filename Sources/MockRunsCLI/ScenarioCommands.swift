import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import MockRuns
import Scenarios

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check scenario files; print every problem with its file and JSON path.")

    @Argument(help: "Scenario files or bundled names.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one scenario file") }
    }

    func run() throws {
        var failed = 0
        for file in files {
            do {
                let scenario = try catalog.load(file)
                // The file's name and the scenario's come from outside: a newline or an escape must not forge a line.
                let shown = Console.escaped(file)
                for warning in scenario.warnings {
                    Console.raw("\(shown): warning: \(warning.description)")
                }
                let warned = scenario.warnings.isEmpty ? "" : ", \(scenario.warnings.count) warning(s)"
                Console.out("\(shown): ok (scenario \(JSON.quotedForMessage(scenario.name))\(warned))")
            } catch {
                failed += 1
                Console.raw(error.description)
            }
        }
        if failed > 0 {
            throw CommandFailure(message: "\(failed) of \(files.count) scenario file(s) invalid", exitCode: 1)
        }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the bundled scenarios with their descriptions.")

    func run() throws {
        let names = catalog.bundledNames()
        guard !names.isEmpty else {
            throw CommandFailure(message: "no bundled scenarios found (set MOCKRUNS_SCENARIOS to the Scenarios folder)")
        }
        let width = names.map(\.count).max() ?? 0
        for name in names {
            let description: String
            do {
                description = try catalog.load(name).description
            } catch {
                description = "(invalid: \(error.description.split(separator: "\n").first ?? ""))"
            }
            Console.out(name + String(repeating: " ", count: max(0, width + 2 - name.count)) + description)
        }
    }
}

struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the JSON Schema of scenario files (for editors).")

    func run() throws {
        Console.out(ScenarioSchema.document(apis: APIRegistry.fakes.map(\.descriptor)).prettyPrinted())
    }
}
