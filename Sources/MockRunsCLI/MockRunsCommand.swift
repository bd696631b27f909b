import ArgumentParser
import Foundation
import MicroHTTPDHost
import MockRuns
import Scenarios

/// `mockruns`: serve a scenario, or validate, list and describe scenario files.
@main
struct MockRunsCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "mockruns",
        abstract: "A deterministic local fake of five job-run APIs, scripted by JSON scenarios.",
        discussion: """
            With no subcommand, serves: `mockruns --scenario foundry-error` plays the bundled scenario \
            foundry-error.json (or any scenario file path). When ready it prints one JSON line on stdout: \
            {"event":"ready","url":...,"port":...,"scenario":...}.
            """,
        version: version,
        subcommands: [Serve.self, Validate.self, List.self, Schema.self, Verify.self],
        defaultSubcommand: Serve.self
    )

    /// Parses and runs, turning every error into one line on stderr and a non-zero exit.
    static func main() {
        // Before any thread exists, so all of them inherit it: see StopSignals.
        StopSignals.block()
        do {
            var command = try parseFast(Array(CommandLine.arguments.dropFirst()))
            if !(command is Serve) { StopSignals.unblock() }
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            if let failure = error as? CommandFailure {
                Console.error(failure.message)
                Foundation.exit(failure.exitCode)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            Console.error("\(message) (see mockruns --help)")
            Foundation.exit(code.rawValue == 0 ? 1 : code.rawValue)
        }
    }
}

extension MockRunsCommand {
    /// The plain serve form (no subcommand, no help) is parsed as `Serve` alone: building the whole command tree
    /// costs several milliseconds of start-up, which CI fixtures pay on every start.
    static func parseFast(_ arguments: [String]) throws -> any ParsableCommand {
        let subcommandNames = ["serve", "validate", "list", "schema", "verify", "help"]
        let needsRoot =
            arguments.first.map(subcommandNames.contains) ?? false
            || arguments.contains { $0 == "-h" || $0 == "--help" || $0 == "--version" || $0.hasPrefix("--generate-") || $0.hasPrefix("--experimental") }
        return needsRoot ? try parseAsRoot(arguments) : try Serve.parse(arguments)
    }
}

/// A failure the user must fix, reported as one line; `exitCode` tells scripts what kind.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 1
}

/// Where the CLI writes: stdout for machine-read lines, stderr for people.
enum Console {
    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func error(_ line: String) {
        FileHandle.standardError.write(Data(("mockruns: error: " + line + "\n").utf8))
    }

    static func log(_ line: String) {
        FileHandle.standardError.write(Data(("mockruns: " + line + "\n").utf8))
    }

    /// Text a client or a file controls, for a log line: control characters (newlines, escape sequences) and
    /// backslashes written as escapes, so the text cannot split a line or forge another.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\\" {
                out += scalar == "\\" ? "\\\\" : "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// The descriptors of every API the server fakes, for loading and validating scenarios.
let catalog = ScenarioCatalog(loader: ScenarioLoader(apis: APIRegistry.fakes.map(\.descriptor)))
