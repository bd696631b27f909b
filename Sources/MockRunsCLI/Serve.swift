import ArgumentParser
import Dispatch
import Foundation
import MicroHTTPDHost
import MockRuns
import Scenarios

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a scenario (the default subcommand).")

    enum LogLevel: String, ExpressibleByArgument, CaseIterable {
        case info, warning
    }

    @Option(help: "A scenario file, or a bundled scenario's name (see `mockruns list`). Default: the embedded default.")
    var scenario: String?

    @Option(help: "The IPv4 address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one (reported in the ready line).")
    var port = 8080

    @Option(help: "Also write the port, once listening, to this file.")
    var portFile: String?

    @Option(help: "info: one line per request on stderr; warning: problems only.")
    var logLevel: LogLevel = .info

    @Option(help: "Largest request body accepted, in bytes; larger ones get 413.")
    var maxBodyBytes = 1_048_576

    @Option(help: "For `wall` clock scenarios: scenario seconds per real second (overrides the file's timeScale).")
    var timeScale: Double?

    func validate() throws {
        guard (0...65535).contains(port) else {
            throw ValidationError("--port must be from 0 to 65535, got \(port)")
        }
        guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive, got \(maxBodyBytes)") }
        if let timeScale, !(timeScale > 0 && timeScale.isFinite) {
            throw ValidationError("--time-scale must be a positive number, got \(timeScale)")
        }
    }

    func run() throws {
        var loaded: Scenario
        if let name = scenario {
            do {
                loaded = try catalog.load(name)
            } catch {
                throw CommandFailure(message: error.description.replacingOccurrences(of: "\n", with: "; "), exitCode: 2)
            }
        } else {
            loaded = catalog.defaultScenario()
            loaded.name = "default"
        }
        if let timeScale { loaded.clock.timeScale = timeScale }

        let verbose = logLevel == .info
        let app = MockRunsApp(scenario: loaded, catalog: catalog, time: MonotonicTime()) { note in
            Console.log(note)
        }
        var configuration = HTTPServer.Configuration(host: host, port: port, maxBodyBytes: maxBodyBytes)
        if verbose {
            configuration.onRequestCompleted = { entry in
                let ms = Double(entry.duration.components.attoseconds) / 1e15 + Double(entry.duration.components.seconds) * 1000
                let outcome = entry.drop.map { "dropped (\($0.rawValue))" } ?? String(entry.status)
                Console.log("\(entry.method) \(entry.path) -> \(outcome) in \(String(format: "%.1f", ms)) ms")
            }
        }
        // Signals are caught before the server answers anything, so a stop sent right after start is not lost.
        let shutdown = ShutdownSignals()
        let server: HTTPServer
        do {
            server = try HTTPServer(configuration: configuration, responder: app)
        } catch let error as HostError {
            throw CommandFailure(message: error.message, exitCode: 3)
        }
        if let portFile {
            do {
                try "\(server.port)\n".write(toFile: portFile, atomically: true, encoding: .utf8)
            } catch {
                server.stop()
                throw CommandFailure(message: "cannot write the port file \(portFile): \(error.localizedDescription)")
            }
        }
        let ready: JSON = [
            "event": "ready", "url": .string(server.url), "port": .int(server.port), "scenario": .string(loaded.name),
        ]
        Console.out(ready.serialized())
        fflush(nil)
        if verbose { Console.log("serving scenario \"\(loaded.name)\" on \(server.url); Ctrl-C stops") }
        shutdown.waitThenStop(server)
    }
}

/// Catches SIGINT and SIGTERM from creation on; `waitThenStop` blocks until one arrives, then stops the server
/// (resuming any waiting connections) so the process can exit 0.
final class ShutdownSignals {
    private let received = DispatchSemaphore(value: 0)
    private let queue = DispatchQueue(label: "mockruns.signals")
    private var sources: [DispatchSourceSignal] = []

    init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            let received = self.received
            source.setEventHandler { received.signal() }
            source.resume()
            sources.append(source)
        }
    }

    func waitThenStop(_ server: HTTPServer) {
        received.wait()
        server.stop()
    }
}

/// Real elapsed time for `wall` clock scenarios: the one place mockruns reads a clock, handed to the engine.
struct MonotonicTime: TimeSource {
    func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
