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
        subcommands: [Serve.self, Validate.self, List.self, Schema.self, OpenAPI.self, Verify.self, Record.self, Contract.self],
        defaultSubcommand: Serve.self
    )

    /// Parses and runs, turning every error into one line on stderr and a non-zero exit.
    static func main() {
        // Before any thread exists, so all of them inherit it: see StopSignals.
        StopSignals.block()
        do {
            switch try parseFast(Array(CommandLine.arguments.dropFirst())) {
            case .serve(let settings):
                try settings.run()
            case .command(var command):
                if !(command is Serve || command is Record) { StopSignals.unblock() }
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            if let failure = error as? CommandFailure {
                Console.error(failure.message)
                Glibc.exit(failure.exitCode)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            Console.error("\(message) (see mockruns --help)")
            Glibc.exit(code.rawValue == 0 ? 1 : code.rawValue)
        }
    }
}

extension MockRunsCommand {
    /// The plain serve form (no subcommand, no help) is parsed as `Serve` alone — first without ArgumentParser
    /// (`ServeSettings.parseQuickly`), then by it when the quick parser leaves the line to it: building the whole
    /// command tree, and reading a command's options by reflection, cost milliseconds of start-up, which CI
    /// fixtures pay on every start.
    /// The names `configuration.subcommands` answers to (and `help`), written out so start-up builds no command
    /// tree; `CLIParsingTests` holds the two lists together.
    static let subcommandNames = ["serve", "validate", "list", "schema", "openapi", "verify", "record", "contract", "help"]

    static func parseFast(_ arguments: [String]) throws -> Invocation {
        let needsRoot =
            arguments.first.map(subcommandNames.contains) ?? false
            || arguments.contains { $0 == "-h" || $0 == "--help" || $0 == "--version" || $0.hasPrefix("--generate-") || $0.hasPrefix("--experimental") }
        if needsRoot { return .command(try parseAsRoot(arguments)) }
        if let settings = ServeSettings.parseQuickly(arguments) { return .serve(settings) }
        return .command(try Serve.parse(arguments))
    }

    /// What `main` runs: the serve form as the quick parser read it, or a command ArgumentParser parsed.
    enum Invocation {
        case serve(ServeSettings)
        case command(any ParsableCommand)
    }
}

/// A failure the user must fix, reported as one line; `exitCode` tells scripts what kind.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32 = 1
}

/// A secret or setting an option may also take from the environment (so it stays out of the process list):
/// the variable's value, nil when it is unset or empty.
func environmentValue(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
}

/// Where the CLI writes: stdout for machine-read lines, stderr for people. Each line goes out in one write(2),
/// unbuffered, so lines from several threads never interleave and the ready line is out before it returns.
enum Console {
    static func out(_ line: String) { write(line + "\n", to: STDOUT_FILENO) }

    /// `text` exactly as given on stdout (a document that ends in its own newline).
    static func print(_ text: String) { write(text, to: STDOUT_FILENO) }

    static func error(_ line: String) { write("mockruns: error: " + line + "\n", to: STDERR_FILENO) }

    static func log(_ line: String) { write("mockruns: " + line + "\n", to: STDERR_FILENO) }

    /// A line exactly as given (no prefix) on stderr.
    static func raw(_ line: String) { write(line + "\n", to: STDERR_FILENO) }

    private static func write(_ text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return  // a closed pipe: nothing more can be said
                }
            }
        }
    }

    /// Why a file operation failed, for a message: the system's words for an errno, or the error as it is.
    static func reason(_ error: any Error) -> String {
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        if let cocoa = error as? CocoaError, let underlying = cocoa.underlying as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        return "\(error)"
    }

    /// `value` with one decimal (`12.3`), as request logs show milliseconds.
    static func oneDecimal(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let tenths = Int((abs(value) * 10).rounded())
        return (value < 0 && tenths > 0 ? "-" : "") + "\(tenths / 10).\(tenths % 10)"
    }

    /// Text a client or a file controls, for a log line: control characters (newlines, escape sequences) and
    /// backslashes written as escapes, so the text cannot split a line or forge another.
    static func escaped(_ text: String) -> String {
        // Most lines need nothing escaped: one pass over the bytes says so (a C1 control starts with 0xC2).
        guard text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") || $0 == 0xC2 }) else {
            return text
        }
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
