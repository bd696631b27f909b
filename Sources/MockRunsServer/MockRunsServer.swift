#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import MicroHTTPDHost
import MockRuns
import MockRunsHTTP
import Scenarios

/// mockruns inside a test process: a real server on a loopback port, no binary to find, start or stop.
///
///     let server = try MockRunsServer(scenario: .bundled("wes-happy"))
///     // point the client under test at server.url + "/ga4gh/wes/v1"
///     try server.advance(seconds: 30)
///     #expect(try server.verify().failed == false)
///
/// Every steering call goes through the same admin API a test process would reach over HTTP (`/__mockruns/...`),
/// answered in-process, so an embedded server behaves exactly like `mockruns` started from the command line. The
/// server stops on `stop()` or when the value is released.
public final class MockRunsServer: Sendable {
    /// Where a scenario comes from.
    public enum Source: Sendable {
        /// A scenario bundled with mockruns, by name (`wes-happy`, `foundry-error`; `default` for the default one).
        case bundled(String)
        /// A scenario file on disk.
        case file(String)
        /// A whole scenario document as JSON text; `file` names it in error messages.
        case json(String, file: String = "inline scenario")
    }

    /// What went wrong, in the words the command line would print.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The admin API's status for a refused steering call; nil for a scenario that did not load or a server
        /// that did not start.
        public var status: Int?
        public var message: String
        public var description: String { message }
    }

    /// `http://127.0.0.1:PORT`, no trailing slash: every API is served under it (`url + "/ga4gh/wes/v1"`).
    public let url: String
    public let port: Int
    /// The app behind the server, for tests that look inside (the engine's runs, the journal).
    public let app: MockRunsApp
    private let server: HTTPServer

    /// The scenarios bundled with mockruns and the loader that checks scenario files.
    public static let catalog = ScenarioCatalog(loader: ScenarioLoader(apis: APIRegistry.fakes.map(\.descriptor)))

    /// Starts serving at once, on 127.0.0.1 and a free port.
    /// - Parameters:
    ///   - time: real time by default; pass a `ManualTimeSource` to steer `wall`-clock scenarios by hand.
    ///   - options: the same settings as the command line's (strict mode, CORS, an admin token...).
    public init(
        scenario: Source = .bundled("default"), options: ServerOptions = ServerOptions(),
        time: any TimeSource = MonotonicTime()
    ) throws(Failure) {
        let loaded = try Self.scenario(scenario)
        app = MockRunsApp(scenario: loaded, catalog: Self.catalog, time: time, options: options)
        do {
            server = try HTTPServer(configuration: HTTPServer.Configuration(host: "127.0.0.1", port: 0), responder: app)
        } catch {
            throw Failure(status: nil, message: "mockruns could not start: \(error)")
        }
        url = server.url
        port = server.port
    }

    deinit { server.stop() }

    /// Stops serving; waiting requests are answered or ended first. Calling it again does nothing.
    public func stop() { server.stop() }

    /// Plays another scenario from its beginning (runs, counters, clock and journal start afresh).
    public func load(_ source: Source) throws(Failure) {
        app.install(try Self.scenario(source))
    }

    /// Starts the scenario over: no runs, counters and clock at their start, an empty journal.
    public func reset() throws(Failure) {
        _ = try admin("POST", "/reset")
    }

    /// Moves the scenario clock forward (a `virtual` clock, or extra time on a `wall` one).
    public func advance(seconds: Double) throws(Failure) {
        _ = try admin("POST", "/clock/advance", body: JSON.object([("seconds", .double(seconds))]))
    }

    /// The runs the server holds, every API's or one API's (`wes`, `workspace`, `foundry`, `controller`, `solvexia`).
    public func runs(api: String? = nil) throws(Failure) -> [JSON] {
        try admin("GET", "/runs", query: api.map { [("api", $0)] } ?? [])["runs"]?.arrayValue ?? []
    }

    /// The journal: what the client sent and what it was answered, oldest first; each entry as
    /// `GET /__mockruns/journal` shows it. Filters as that endpoint's (`api`, `endpoint`, `run`, `status`, `since`,
    /// `limit`).
    public func journal(_ filters: [String: String] = [:]) throws(Failure) -> [JSON] {
        let query = filters.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        return try admin("GET", "/journal", query: query)["requests"]?.arrayValue ?? []
    }

    /// Judges the client under test by the journal: every rule, or as `expectations` asks
    /// (`{"rules": {"poll-interval": {"minMs": 500}}, "api": "wes"}`, the body of `POST /__mockruns/verify`).
    public func verify(_ expectations: JSON? = nil) throws(Failure) -> Report {
        let answer = try admin(expectations == nil ? "GET" : "POST", "/verify", body: expectations, passing: [200, 409])
        guard let report = Report(json: answer) else {
            throw Failure(status: nil, message: "the verification report is not in the expected shape")
        }
        return report
    }

    /// A steering call answered in-process by the admin API, as if sent over HTTP by a test on this machine.
    private func admin(
        _ method: String, _ path: String, query: [(name: String, value: String)] = [], body: JSON? = nil,
        passing: Set<Int> = [200]
    ) throws(Failure) -> JSON {
        var headers = HTTPHeaders()
        headers.add("Host", "127.0.0.1:\(port)")
        if let token = app.options.adminToken { headers.add("Authorization", "Bearer " + token) }
        if body != nil { headers.add("Content-Type", "application/json") }
        let request = HTTPRequest(
            method: method, path: MockRunsApp.adminPrefix + path.dropFirst(), query: query, headers: headers,
            body: body?.bytes ?? [])
        let response = app.respond(to: request).response
        guard case .bytes(let bytes) = response.body, let json = try? JSON.parse(bytes) else {
            throw Failure(status: response.status, message: "the admin API answered \(response.status) without a JSON body")
        }
        guard passing.contains(response.status) else {
            throw Failure(status: response.status, message: json["error"]?.stringValue ?? "the admin API answered \(response.status)")
        }
        return json
    }

    private static func scenario(_ source: Source) throws(Failure) -> Scenario {
        do {
            switch source {
            case .bundled("default"):
                var scenario = catalog.defaultScenario()
                scenario.name = "default"
                return scenario
            case .bundled(let name):
                return try catalog.loadBundled(name)
            case .file(let path):
                return try catalog.load(path)
            case .json(let text, let file):
                return try catalog.loader.load(Array(text.utf8), file: file)
            }
        } catch let error as CatalogError {
            throw Failure(status: nil, message: error.description)
        } catch let error as ScenarioError {
            throw Failure(status: nil, message: error.description)
        } catch {
            throw Failure(status: nil, message: "\(error)")
        }
    }
}
