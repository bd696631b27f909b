import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import MockRuns
import MockRunsHTTP
import OutboundHTTP
import Scenarios

/// `mockruns contract --api NAME --url URL`: probes a live server (the real service, another mock, or mockruns)
/// and reports where it differs from the contract mockruns serves. Exit 0 when every check passes.
struct Contract: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a live server against the contract mockruns serves; exit 0 when every check passes.",
        discussion: """
            Read-only unless --allow-writes (which submits, polls and cancels runs). At most --rate requests a \
            second, within --timeout seconds in all. Secrets (--token, --header values, --client-secret) never \
            appear in the output or the report. Exit codes: 0 every check that ran passed (skipped checks do not \
            fail), 1 a check failed, 2 the checks could not be run (bad option value, server unreachable, \
            --timeout ran out), 64 the command line was not understood.
            """)

    @Option(help: "The API: \(APIRegistry.fakes.map(\.descriptor.name).joined(separator: ", ")).")
    var api: String

    @Option(help: "The server's root, e.g. http://127.0.0.1:8080 (a path in it is put before every request's path).")
    var url: String

    @Option(help: "A PEM file of the certificates to trust for an https --url (instead of the system's).")
    var cacert: String?

    @Option(help: "The API's credential, sent where the API takes it (or set MOCKRUNS_CONTRACT_TOKEN).")
    var token: String?

    @Option(name: .customLong("header"), help: "'Name: value' sent on every authenticated request instead of --token (repeatable).")
    var headers: [String] = []

    @Option(help: "OAuth2 client id (Solvexia), exchanged for a token at /oauth/token.")
    var clientId: String?

    @Option(help: "OAuth2 client secret (or set MOCKRUNS_CONTRACT_CLIENT_SECRET).")
    var clientSecret: String?

    @Option(help: "A run that exists on the server, for the checks that read one.")
    var runId: String?

    @Option(name: .customLong("param"), help: "NAME=VALUE an API's checks need (repeatable; see the README per API).")
    var parameters: [String] = []

    @Flag(help: "Also submit, poll and cancel runs (creates runs on the server).")
    var allowWrites = false

    @Option(parsing: .unconditional, help: "Most requests per second.")
    var rate: Double = 5

    @Option(parsing: .unconditional, help: "Most seconds for every check together.")
    var timeout: Double = 120

    @Option(parsing: .unconditional, help: "Most status reads of one run while waiting for it to end.")
    var maxPolls: Int = 60

    @Option(help: "Also write the report here: JUnit XML for .xml, JSON for .json, else text.")
    var report: String?

    @Option(help: "Output on stdout: text, json or junit.")
    var format: String = "text"

    func run() throws {
        guard let fake = APIRegistry.fakes.first(where: { $0.descriptor.name == api }) else {
            throw usage("unknown --api \(Console.escaped(api)); APIs: \(APIRegistry.fakes.map(\.descriptor.name).joined(separator: ", "))")
        }
        guard ["text", "json", "junit"].contains(format) else { throw usage("--format must be text, json or junit, got \(Console.escaped(format))") }
        guard rate.isFinite, rate > 0, rate <= 1000 else { throw usage("--rate must be a number above 0 and at most 1000 (requests a second)") }
        guard timeout.isFinite, timeout > 0, timeout <= 86_400 else { throw usage("--timeout must be a number of seconds above 0, at most 86400") }
        guard (1...10_000).contains(maxPolls) else { throw usage("--max-polls must be a whole number from 1 to 10000") }
        guard token == nil || headers.isEmpty else { throw usage("give --token or --header, not both: --header replaces where the token goes") }
        let server: OutboundURL
        switch OutboundURL.parse(url) {
        case .success(let parsed): server = parsed
        case .failure(let error): throw usage("--url: \(error.message)")
        }
        if let cacert, let problem = InputFile.problem(cacert, option: "--cacert") { throw usage(problem) }
        if let report, let problem = OutputFile.problem(report, option: "--report") { throw usage(problem) }

        var options = ProbeOptions()
        options.token = try plain(token ?? environmentValue("MOCKRUNS_CONTRACT_TOKEN"), "--token")
        options.clientID = try plain(clientId, "--client-id")
        options.clientSecret = try plain(clientSecret ?? environmentValue("MOCKRUNS_CONTRACT_CLIENT_SECRET"), "--client-secret")
        options.runID = try plain(runId, "--run-id")
        options.allowWrites = allowWrites
        options.rate = rate
        options.timeout = timeout
        options.maxPolls = maxPolls
        for header in headers {
            guard let colon = header.firstIndex(of: ":") else { throw usage("--header must be 'Name: value', got a value without a colon") }
            let name = String(header[..<colon])
            let value = String(header[header.index(after: colon)...]).trimmingSpaces()
            guard !name.isEmpty, name.utf8.allSatisfy(\.isTokenByte) else {
                throw usage("--header name \(Console.escaped(name)) is not a header name (letters, digits and !#$%&'*+-.^_`|~)")
            }
            options.headers.append((name, try plain(value, "--header \(name)")!))
        }
        let known = fake.probeParameters.map(\.key)
        for parameter in parameters {
            guard let equals = parameter.firstIndex(of: "="), equals != parameter.startIndex else {
                throw usage("--param must be NAME=VALUE, got \(Console.escaped(parameter))")
            }
            let name = String(parameter[..<equals])
            guard known.contains(name) else {
                let allowed = known.isEmpty
                    ? "the \(api) checks take no --param"
                    : "the \(api) checks take " + fake.probeParameters.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
                throw usage("unknown --param \(Console.escaped(name)); \(allowed)")
            }
            options.parameters[name] = try plain(String(parameter[parameter.index(after: equals)...]), "--param")
        }

        let session = ProbeSession(
            options: options,
            transport: { request, seconds in Self.send(request, to: server, within: seconds, cacert: cacert) },
            clock: ProbeClock(now: MonotonicTime().seconds, sleep: Self.sleep))
        fake.probeContract(session)

        let incomplete = session.unreachable.map { "the server could not be reached: \($0)" }
            ?? (session.ranOutOfTime ? "the --timeout of \(ProbeSession.seconds(timeout)) s ran out" : nil)
        let result = ProbeReport(api: api, url: session.redact(url), results: session.results, incomplete: incomplete)
        let text: (String) -> String = { format in
            switch format {
            case "json": result.json.prettyPrinted() + "\n"
            case "junit": result.junitXML
            default: result.text
            }
        }
        // Escaped: a hostile server's words cannot move the cursor or forge a line.
        let out = text(format)
        Console.out(format == "text" ? out.split(separator: "\n").map { Console.escaped(String($0)) }.joined(separator: "\n") : String(out.dropLast()))
        if let report {
            let lower = report.lowercased()
            let kind = lower.hasSuffix(".xml") ? "junit" : lower.hasSuffix(".json") ? "json" : "text"
            do {
                try ReportFile.write(text(kind), to: report)
            } catch {
                throw CommandFailure(message: "cannot write the report to \(report): \(Console.reason(error))", exitCode: 2)
            }
        }
        if let incomplete { throw CommandFailure(message: "contract check incomplete: \(incomplete)", exitCode: result.failed ? 1 : 2) }
        if result.failed { throw CommandFailure(message: "contract check failed: " + result.summary, exitCode: 1) }
    }

    /// One probe over the outbound client: `request.path` under the URL's own path, the whole answer within
    /// `seconds`. A server that cannot be reached at all is told apart from one that answered badly.
    static func send(_ request: ProbeRequest, to server: OutboundURL, within seconds: Double, cacert: String?)
        -> Result<ProbeAnswer, ProbeTransportError>
    {
        var prefix = server.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        while prefix.hasSuffix("/") { prefix.removeLast() }
        var headers = HTTPHeaders([("User-Agent", "mockruns/\(MockRunsCommand.version) (contract)"), ("Accept", "application/json, */*")])
        for (name, value) in request.headers { headers.add(name, value) }
        let client = HTTPClient(configuration: .init(
            connectTimeout: min(10, seconds), readTimeout: min(30, seconds),
            limits: .init(maxBodyBytes: 8 << 20),  // the contract's bodies are small; a larger one is itself a finding
            caFile: cacert, totalTimeout: seconds))
        do {
            let answer = try client.send(
                OutboundRequest(method: request.method, url: server.with(target: prefix + request.path), headers: headers, body: request.body))
            return .success(ProbeAnswer(status: answer.status, headers: answer.headers.fields.map { ($0.name, $0.value) }, body: answer.body))
        } catch {
            return .failure(ProbeTransportError(error.message, unreachable: [.dns, .refused, .connect, .tls].contains(error.kind)))
        }
    }

    private func usage(_ message: String) -> CommandFailure { CommandFailure(message: message, exitCode: 2) }

    /// `value` when it has no control characters (which could end or forge a header line); names only `what`
    /// in the error, never the value (it may be a secret).
    private func plain(_ value: String?, _ what: String) throws -> String? {
        guard let value else { return nil }
        guard !value.isEmpty, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw usage("\(what) must be non-empty, without control characters (CR, LF, NUL ...)")
        }
        return value
    }

    /// Waits on the monotonic clock (the rate and the --timeout must not jump with the wall clock).
    static func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        var wait = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var left = timespec()
        while nanosleep(&wait, &left) != 0, errno == EINTR { wait = left }
    }
}
