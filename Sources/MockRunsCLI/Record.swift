import ArgumentParser
import Dispatch
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import MicroHTTPDHost
import MockRuns
import MockRunsHTTP
import OutboundHTTP
import Scenarios

/// `mockruns record`: a recording proxy in front of a real service, writing a scenario that replays what it saw.
struct Record: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Forward a client's requests to a real service and write a scenario that replays what was seen.",
        discussion: """
            Point the client at the ready line's url. On SIGINT/SIGTERM (or POST /__record/stop) the scenario is \
            written to --out: each run's states as a timeline by polls, error answers as faults, median latencies, \
            credentials as placeholders to fill in.
            """)

    @Option(help: "The API the client speaks: \(Record.recordable.joined(separator: ", ")).")
    var api: String

    @Option(help: "The real service's base URL, e.g. https://cavatica-ws.sbgenomics.com (http or https; a path is put before every request's).")
    var upstream: String

    @Option(help: "Where to write the scenario when recording stops.")
    var out: String

    @Option(help: "Where to listen (as for serve): localhost, an IPv4 or an IPv6 address.")
    var host = Serve.Defaults.host

    @Option(help: "The port to listen on; 0 picks a free one (reported in the ready line).")
    var port = Serve.Defaults.port

    @Option(help: "Trust only the certificates in this PEM file for an https upstream (default: the system's store).")
    var cacert: String?

    @Option(parsing: .unconditional, help: "Seconds to connect to the upstream.")
    var connectTimeout = 10.0

    @Option(parsing: .unconditional, help: "Seconds the upstream may stay silent while answering.")
    var readTimeout = 60.0

    @Option(parsing: .unconditional, help: "Requests forwarded at once (1-64).")
    var workers = 4

    @Option(help: "Requests waiting for a worker at most; beyond that the client gets 503.")
    var queue = 64

    @Option(help: "Largest request body accepted from the client, in bytes.")
    var maxBodyBytes = Serve.Defaults.maxBodyBytes

    @Option(help: "Each connection's memory for a request's line and headers, in bytes (4096-1048576; as serve's).")
    var maxHeaderBytes = Serve.Defaults.maxHeaderBytes

    @Option(help: "info: one line per request on stderr; warning: problems only.")
    var logLevel: Serve.LogLevel = .info

    /// The APIs whose fakes can read their traffic into a scenario.
    static var recordable: [String] { APIRegistry.fakes.filter { $0.recording != nil }.map(\.descriptor.name) }

    func validate() throws {
        guard Self.recordable.contains(api) else {
            let known = APIRegistry.fakes.map(\.descriptor.name)
            throw ValidationError(
                known.contains(api)
                    ? "--api \(api) cannot be recorded yet; recordable: \(Self.recordable.joined(separator: ", "))"
                    : "unknown --api \(Credentials.printable(api)); recordable: \(Self.recordable.joined(separator: ", "))")
        }
        if case .failure(let error) = OutboundURL.parse(upstream) { throw ValidationError("--upstream: \(error.message)") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
        guard connectTimeout > 0, connectTimeout <= 3600, readTimeout > 0, readTimeout <= 3600 else {
            throw ValidationError("--connect-timeout and --read-timeout must be from 0 (exclusive) to 3600 seconds")
        }
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be from 1 to 64, got \(workers)") }
        guard (0...10_000).contains(queue) else { throw ValidationError("--queue must be from 0 to 10000, got \(queue)") }
        guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive, got \(maxBodyBytes)") }
        try ServeSettings.validate(maxHeaderBytes: maxHeaderBytes)
        if let cacert, access(cacert, R_OK) != 0 {
            throw ValidationError("--cacert \(cacert): cannot read it (\(String(cString: strerror(errno))))")
        }
    }

    func run() throws {
        guard case .success(let upstreamURL) = OutboundURL.parse(upstream),
            let fake = APIRegistry.fakes.first(where: { $0.descriptor.name == api }),
            let recorder = ScenarioRecorder(fake: fake)
        else { throw CommandFailure(message: "--api or --upstream is invalid", exitCode: 64) }
        if let problem = OutputFile.problem(out, option: "--out", example: "recorded.json") {
            throw CommandFailure(message: problem, exitCode: 64)
        }

        let verbose = logLevel == .info
        let client = HTTPClient(
            configuration: .init(connectTimeout: connectTimeout, readTimeout: readTimeout, caFile: cacert))
        let proxy = RecordingProxy(
            upstream: upstreamURL, recorder: recorder, client: client,
            pool: WorkerPool(workers: workers, backlog: queue, label: "mockruns.record"),
            log: { Console.log($0) },
            // A moment later, so the stop request's own answer is written before the server closes.
            onStopRequest: { DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) { kill(getpid(), SIGTERM) } })
        let configuration = HTTPServer.Configuration(
            host: host, port: port, maxBodyBytes: maxBodyBytes, headerMemoryBytes: maxHeaderBytes)
        let server = try HTTPServer.started(configuration, responder: proxy, logRequests: verbose)
        let ready: [(String, JSON)] = [
            ("event", "ready"), ("url", .string(server.url)), ("urls", .array(server.urls.map(JSON.string))),
            ("port", .int(server.port)), ("api", .string(api)), ("upstream", .string(Self.origin(upstreamURL))),
            ("out", .string(out)),
        ]
        Console.out(JSON.object(ready).serialized())
        fflush(nil)
        if verbose { Console.log("recording \(api) from \(Self.origin(upstreamURL)) into \(out); Ctrl-C, SIGTERM or POST \(RecordingProxy.stopPath) stops") }
        StopSignals().waitThenStop(server)
        try write(proxy)
    }

    /// `scheme://host:port` only: an upstream URL's path or query may hold something secret.
    static func origin(_ url: OutboundURL) -> String { "\(url.isHTTPS ? "https" : "http")://\(url.hostHeader)" }

    private func write(_ proxy: RecordingProxy) throws {
        let recorded = proxy.recorded
        let failures = proxy.upstreamFailures
        let now = Timestamp(milliseconds: Int64(time(nil)) * 1000)
        var description = "Recorded by mockruns record from \(Self.origin(proxy.upstream)) (API \(api)) on \(now.iso8601()): "
            + "\(recorded.exchanges) request(s)"
        if failures.count > 0 { description += ", \(failures.count) more got no answer from the upstream (not recorded)" }
        description += "."
        let credentials = recorded.credentialsSeen
        if !credentials.isEmpty {
            let listed = credentials.enumerated().map { index, credential in
                "\(ScenarioRecorder.placeholder(index + 1)) is the \(credential.place) with fingerprint \(credential.fingerprint)"
            }
            description += " Credentials were not written: \(listed.joined(separator: "; ")). Replace each FILL-IN-CREDENTIAL-n in apis.\(api).auth.credentials with the key your client sends (or remove auth to accept any key)."
        }
        if !recorded.dropped.isEmpty { description += " Not kept: " + recorded.dropped.sorted().joined(separator: "; ") + "." }
        let text = recorded.scenario(description: description).prettyPrinted() + "\n"
        do {
            try text.write(toFile: out, atomically: true, encoding: .utf8)
        } catch {
            throw CommandFailure(message: "cannot write the scenario to \(out): \(Console.reason(error))")
        }
        do {
            let scenario = try catalog.load(out)
            Console.log("wrote \(out): \(recorded.exchanges) request(s) recorded; \(scenario.warnings.count) warning(s); mockruns --scenario \(out) replays it")
        } catch {
            throw CommandFailure(message: "the recorded scenario \(out) does not validate (please report this): \(error.description.replacing("\n", with: "; "))", exitCode: 2)
        }
    }
}
