import ArgumentParser
import Foundation
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
                for warning in scenario.warnings {
                    FileHandle.standardError.write(Data("\(file): warning: \(warning.description)\n".utf8))
                }
                let warned = scenario.warnings.isEmpty ? "" : ", \(scenario.warnings.count) warning(s)"
                Console.out("\(file): ok (scenario \"\(scenario.name)\"\(warned))")
            } catch {
                failed += 1
                FileHandle.standardError.write(Data((error.description + "\n").utf8))
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
            Console.out(name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + description)
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
