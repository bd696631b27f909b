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
import MockRunsHTTP
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

    @Option(help: "Where to listen: localhost (127.0.0.1 and ::1, one port), an IPv4 address, or an IPv6 address (::1; :: takes IPv4 too). Any but a loopback address serves other machines.")
    var host = Defaults.host

    // `parsing: .unconditional` on the numbers: `--port -1` is told the option's range, not that its value is
    // missing (a value starting with `-` was taken for an option).
    @Option(parsing: .unconditional, help: "The port to listen on; 0 picks a free one (reported in the ready line).")
    var port = Defaults.port

    @Option(help: "Also write the port, once listening, to this file.")
    var portFile: String?

    @Option(help: "info: one line per request on stderr; warning: problems only.")
    var logLevel: LogLevel = Defaults.logLevel

    @Option(parsing: .unconditional, help: "Largest request body accepted, in bytes; larger ones get 413.")
    var maxBodyBytes = Defaults.maxBodyBytes

    @Option(parsing: .unconditional, help: "Each connection's memory for a request's line and headers (and the answer's headers), in bytes, 4096-1048576: a longer request line gets 414, longer headers 431. Each header also takes 56 bytes of it (query arguments take only their text). More costs every request some time.")
    var maxHeaderBytes = Defaults.maxHeaderBytes

    @Option(parsing: .unconditional, help: "For `wall` clock scenarios: scenario seconds per real second (overrides the file's timeScale).")
    var timeScale: Double?

    @Option(parsing: .unconditional, help: "Seconds a new connection has to send its request, and a request its body; slower ones are closed.")
    var requestTimeout: Double = Defaults.requestTimeout

    @Option(help: "Require `Authorization: Bearer TOKEN` on every admin (/__mockruns/) request (or set MOCKRUNS_ADMIN_TOKEN, which other users cannot read in the process list).")
    var adminToken: String?

    @Option(help: "A browser origin allowed to call the admin API (repeatable; `*` for any). Default: none but the server's own.")
    var adminCors: [String] = []

    @Option(help: "A browser origin allowed to call the faked APIs (repeatable; `*` for any): preflights are answered and every API answer carries Access-Control-Allow-Origin and Expose-Headers. Default: no CORS.")
    var cors: [String] = []

    @Flag(help: "Strict contract mode: refuse what the real services refuse, record every deviation, exit non-zero at stop if any was seen or a verification rule failed.")
    var strict = false

    @Option(help: "At exit (and on POST /__mockruns/report), write the verification of the client to this file: JUnit XML when it ends in .xml, else JSON.")
    var report: String?

    @Option(help: "The URL clients reach the server by (e.g. https://mock.test behind a TLS proxy), for URLs in answers.")
    var publicURL: String?

    @Flag(help: "Reload the --scenario file when it changes on disk, as PUT /__mockruns/scenario would; an invalid save is logged and the previous scenario kept.")
    var watch = false

    @Option(help: "Serve HTTPS with this PEM certificate (with --tls-key).")
    var tlsCert: String?

    @Option(help: "The PEM private key of --tls-cert.")
    var tlsKey: String?

    @Flag(help: "Serve HTTPS with a throwaway self-signed certificate for 127.0.0.1, ::1 and localhost; its path is in the ready line (tlsCert).")
    var tlsSelfSigned = false

    @Option(parsing: .unconditional, help: "Server threads per listen socket (1-64): they read, encrypt and write in parallel; the scenario still answers one request at a time.")
    var threads = Defaults.threads

    @Option(parsing: .unconditional, help: "The most sessions (POST /__mockruns/sessions) alive at once, the root `default` not counted; 0 turns sessions off.")
    var maxSessions = Defaults.maxSessions

    @Option(parsing: .unconditional, help: "End a session after this many seconds without a request to it (API or admin). Default: sessions last until deleted.")
    var sessionTtl: Double?

    /// The options as plain values, which is what runs.
    var settings: ServeSettings {
        ServeSettings(
            scenario: scenario,
            host: host,
            port: port,
            portFile: portFile,
            logLevel: logLevel,
            maxBodyBytes: maxBodyBytes,
            maxHeaderBytes: maxHeaderBytes,
            timeScale: timeScale,
            requestTimeout: requestTimeout,
            adminToken: adminToken,
            adminCors: adminCors,
            cors: cors,
            strict: strict,
            report: report,
            publicURL: publicURL,
            watch: watch,
            tlsCert: tlsCert,
            tlsKey: tlsKey,
            tlsSelfSigned: tlsSelfSigned,
            threads: threads,
            maxSessions: maxSessions,
            sessionTtl: sessionTtl)
    }

    func validate() throws { try settings.validate() }

    func run() throws { try settings.run() }
}

/// What the serve form was asked for, as plain values. The quick parser (QuickServeParser.swift) fills one without
/// building `Serve`: each of `Serve`'s property wrappers works out its option names when made, ~376,000 instructions
/// of every start (a Set of names each, and the first Set of that type scans the runtime's conformance records).
/// `Serve` hands over what ArgumentParser parsed, so both forms run the same code.
struct ServeSettings: Equatable {
    typealias Defaults = Serve.Defaults
    typealias LogLevel = Serve.LogLevel

    var scenario: String?
    var host = Defaults.host
    var port = Defaults.port
    var portFile: String?
    var logLevel: LogLevel = Defaults.logLevel
    var maxBodyBytes = Defaults.maxBodyBytes
    var maxHeaderBytes = Defaults.maxHeaderBytes
    var timeScale: Double?
    var requestTimeout: Double = Defaults.requestTimeout
    var adminToken: String?
    var adminCors: [String] = []
    var cors: [String] = []
    var strict = false
    var report: String?
    var publicURL: String?
    var watch = false
    var tlsCert: String?
    var tlsKey: String?
    var tlsSelfSigned = false
    var threads = Defaults.threads
    var maxSessions = Defaults.maxSessions
    var sessionTtl: Double?

    /// `--admin-token`, else `MOCKRUNS_ADMIN_TOKEN`.
    var effectiveAdminToken: String? {
        adminToken ?? environmentValue("MOCKRUNS_ADMIN_TOKEN")
    }

    func validate() throws {
        guard (0...65535).contains(port) else {
            throw ValidationError("--port must be from 0 to 65535, got \(port)")
        }
        guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive, got \(maxBodyBytes)") }
        try Self.validate(maxHeaderBytes: maxHeaderBytes)
        if let timeScale, !(timeScale > 0 && timeScale <= ClockSpec.maximumTimeScale) {
            throw ValidationError(
                "--time-scale must be above 0 and at most \(Int(ClockSpec.maximumTimeScale)) (as a scenario's clock.timeScale), got \(timeScale)")
        }
        guard requestTimeout > 0, requestTimeout <= 3600 else {
            throw ValidationError("--request-timeout must be from 0 (exclusive) to 3600 seconds, got \(requestTimeout)")
        }
        if let token = effectiveAdminToken, token.isEmpty || token.containsControlCharacters || token.contains(" ") {
            throw ValidationError("--admin-token (or MOCKRUNS_ADMIN_TOKEN) must be non-empty, without spaces or control characters")
        }
        for origin in cors + adminCors where !CORSPolicy.isValidSetting(origin) {
            throw ValidationError("--cors and --admin-cors take * or an origin such as http://localhost:3000 (scheme, host, optional port, no path), got \(Credentials.printable(origin))")
        }
        if let publicURL, !ServerOptions.isValidPublicURL(publicURL) {
            throw ValidationError("--public-url must be an http:// or https:// URL such as https://mock.test:8443, got \(Credentials.printable(publicURL))")
        }
        if watch, let problem = ScenarioWatch.usageProblem(scenario: scenario) { throw ValidationError(problem) }
        if let report, let problem = OutputFile.problem(report, option: "--report") { throw ValidationError(problem) }
        if let portFile, let problem = OutputFile.problem(portFile, option: "--port-file") { throw ValidationError(problem) }
        try validateTLSOptions()
        guard (1...HTTPServer.threadLimit).contains(threads) else {
            throw ValidationError("--threads must be from 1 to \(HTTPServer.threadLimit), got \(threads)")
        }
        guard (0...ServerOptions.maximumMaxSessions).contains(maxSessions) else {
            throw ValidationError("--max-sessions must be from 0 to \(ServerOptions.maximumMaxSessions), got \(maxSessions)")
        }
        if let sessionTtl, !(sessionTtl > 0 && sessionTtl <= 31_536_000) {
            throw ValidationError("--session-ttl must be a number of seconds above 0 and at most 31536000 (a year), got \(sessionTtl)")
        }
    }

    /// `--max-header-bytes`' check, which `record` shares.
    static func validate(maxHeaderBytes: Int) throws {
        let range = HTTPServer.headerMemoryRange
        guard range.contains(maxHeaderBytes) else {
            throw ValidationError("--max-header-bytes must be from \(range.lowerBound) to \(range.upperBound), got \(maxHeaderBytes)")
        }
    }

    func run() throws {
        var loaded: Scenario
        if let name = scenario {
            do {
                loaded = try catalog.load(name)
            } catch {
                throw CommandFailure(message: error.description.replacing("\n", with: "; "), exitCode: 2)
            }
        } else {
            loaded = catalog.defaultScenario()
            loaded.name = "default"
        }
        loaded = ScenarioWatch.adopting(loaded, timeScale: timeScale)

        let verbose = logLevel == .info
        let loopback = ServerOptions.isLoopback(host: host)
        let adminToken = effectiveAdminToken
        let tls = try loadTLS()
        defer { tls?.removeFiles() }
        let options = ServerOptions(
            adminToken: adminToken, adminOrigins: adminCors, loopbackOnly: loopback, publicURL: publicURL, strict: strict,
            reportPath: report, cors: CORSPolicy(origins: cors), servesHTTPS: tls != nil, maxSessions: maxSessions,
            sessionTTL: sessionTtl)
        let app = MockRunsApp(scenario: loaded, catalog: catalog, time: MonotonicTime(), options: options) { note in
            Console.log(note)
        }
        let configuration = HTTPServer.Configuration(
            host: host, port: port, maxBodyBytes: maxBodyBytes, requestTimeoutSeconds: requestTimeout,
            tls: tls?.identity, headerMemoryBytes: maxHeaderBytes, threads: threads)
        let server = try HTTPServer.started(configuration, responder: app, logRequests: verbose)
        if let portFile {
            do {
                try "\(server.port)\n".write(toFile: portFile, atomically: true, encoding: .utf8)
            } catch {
                server.stop()
                throw CommandFailure(message: "cannot write the port file \(portFile): \(Console.reason(error))")
            }
        }
        let watcher = try watch ? ScenarioWatch(file: scenario ?? "", app: app, timeScale: timeScale) : nil
        var ready: [(String, JSON)] = [
            ("event", "ready"), ("url", .string(server.url)), ("urls", .array(server.urls.map(JSON.string))),
            ("port", .int(server.port)), ("scenario", .string(loaded.name)),
        ]
        if let tls { ready.append(("tlsCert", .string(tls.certificatePath))) }
        Console.out(JSON.object(ready).serialized())
        fflush(nil)
        if !loopback {
            Console.log(
                "warning: listening on \(host), not a loopback address: every faked API"
                    + (adminToken == nil ? " and the admin API (/__mockruns/: reset, load scenarios) are" : " is")
                    + " reachable from other machines" + (adminToken == nil ? "; consider --admin-token" : ""))
        }
        if verbose { Console.log("serving scenario \(Console.escaped(loaded.name)) on \(server.url); Ctrl-C or SIGTERM stops") }
        StopSignals().waitThenStop(server) { watcher?.stop() }
        try finish(app, strict: strict || loaded.strict)
    }

    /// After the server stopped: the report, and in strict mode a non-zero exit when the client misbehaved.
    private func finish(_ app: MockRunsApp, strict: Bool) throws {
        let verdict = app.verify()
        if let report {
            do {
                try app.writeReport(to: report)
            } catch {
                throw CommandFailure(message: "cannot write the report to \(report): \(Console.reason(error))", exitCode: 1)
            }
        }
        guard strict else { return }
        let failed = verdict.results.filter { $0.verdict == .fail }
        if !failed.isEmpty || app.sawDeviation {
            for result in failed { Console.log("verification failed: \(result.rule) (\(result.api)): \(Console.escaped(result.message))") }
            throw CommandFailure(
                message: "strict mode: \(failed.count) verification rule(s) failed\(app.sawDeviation ? " and contract deviations were seen" : "")",
                exitCode: 1)
        }
    }
}

/// SIGINT and SIGTERM stop the server. `main` blocks both before anything else runs (see `StopSignals.block`),
/// so every thread inherits the mask and a signal sent at any moment — even before the ready line, even when
/// the parent started mockruns with SIGINT ignored (a shell without job control, `nohup`, a test fixture) —
/// stays pending until `waitThenStop` takes it with `sigwait`.
struct StopSignals {
    /// Restores the default action of SIGINT and SIGTERM (a parent may have left them ignored) and blocks them
    /// in the calling thread, which threads started later inherit. Call first thing in `main`.
    static func block() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        var set = stopSet
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// For commands that do not serve: Ctrl-C ends them the ordinary way.
    static func unblock() {
        var set = stopSet
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    private static var stopSet: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        return set
    }

    /// Blocks until SIGINT or SIGTERM arrives, then stops the server (resuming any waiting connections). `first`
    /// runs before the server stops: the scenario watch ends there, so no reload resets the journal the report reads.
    func waitThenStop(_ server: HTTPServer, first: () -> Void = {}) {
        var set = Self.stopSet
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        first()
        server.stop()
    }
}

extension HTTPServer {
    /// Starts a server for a command (serve, record): at the info level one line per request, escaped, since the
    /// method and path are the client's and must not split or forge a line; a host error is exit code 3; the
    /// host's notes are logged.
    static func started(
        _ configuration: Configuration, responder: any HTTPResponder, logRequests: Bool
    ) throws(CommandFailure) -> HTTPServer {
        var configuration = configuration
        if logRequests {
            configuration.onRequestCompleted = { entry in
                let ms = Double(entry.duration.components.attoseconds) / 1e15 + Double(entry.duration.components.seconds) * 1000
                let outcome = entry.drop.map { "dropped (\($0.rawValue))" } ?? String(entry.status)
                Console.log("\(Console.escaped(entry.method)) \(Console.escaped(entry.path)) -> \(outcome) in \(Console.oneDecimal(ms)) ms")
            }
        }
        let server: HTTPServer
        do {
            server = try HTTPServer(configuration: configuration, responder: responder)
        } catch let error as HostError {
            // A host that is no address this server can listen on is a usage error (64), as a bad --port is.
            throw CommandFailure(message: error.message, exitCode: error.kind == .invalidHost ? 64 : 3)
        } catch {
            throw CommandFailure(message: "\(error)", exitCode: 3)
        }
        for note in server.notes { Console.log(note) }
        return server
    }
}
