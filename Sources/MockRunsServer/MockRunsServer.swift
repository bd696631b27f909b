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
/// Every steering call (`MockRunsSteering`: load, reset, advance, runs, journal, verify) goes through the same admin
/// API a test process would reach over HTTP (`/__mockruns/...`), answered in-process, so an embedded server behaves
/// exactly like `mockruns` started from the command line. Parallel tests can share one server, each in its own
/// `session()`. The server stops on `stop()` or when the value is released.
public final class MockRunsServer: MockRunsSteering {
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
    /// The host serving it, for tests that look at the transport (mockruns' own tests do).
    public let server: HTTPServer
    /// The server's own admin API (the session `default`).
    public let steering: AdminChannel

    /// The scenarios bundled with mockruns and the loader that checks scenario files.
    public static let catalog = ScenarioCatalog(loader: ScenarioLoader(apis: APIRegistry.fakes.map(\.descriptor)))

    /// Starts serving at once, on 127.0.0.1 and a free port.
    /// - Parameters:
    ///   - time: real time by default; pass a `ManualTimeSource` to steer `wall`-clock scenarios by hand.
    ///   - options: the same settings as the command line's (strict mode, CORS, an admin token...).
    public convenience init(
        scenario: Source = .bundled("default"), options: ServerOptions = ServerOptions(),
        time: any TimeSource = MonotonicTime()
    ) throws(Failure) {
        try self.init(loaded: try Self.scenario(scenario), options: options, time: time)
    }

    /// Starts serving a scenario already loaded (or built in code).
    public init(loaded: Scenario, options: ServerOptions = ServerOptions(), time: any TimeSource = MonotonicTime()) throws(Failure) {
        app = MockRunsApp(scenario: loaded, catalog: Self.catalog, time: time, options: options)
        do {
            server = try HTTPServer(configuration: HTTPServer.Configuration(host: "127.0.0.1", port: 0), responder: app)
        } catch {
            throw Failure(status: nil, message: "mockruns could not start: \(error)")
        }
        url = server.url
        port = server.port
        steering = AdminChannel(app: app, port: port, prefix: "/__mockruns")
    }

    deinit { server.stop() }

    /// Stops serving; waiting requests are answered or ended first. Calling it again does nothing.
    public func stop() { server.stop() }

    /// A session of its own on this server: its own scenario, runs, clock and journal, every API served under
    /// `session.url` (`…/__sessions/NAME`). Parallel tests sharing one server each take one.
    /// - Parameters:
    ///   - name: 1 to 64 of `A-Z a-z 0-9 . _ -`; nil lets the server pick (`s1`, `s2`, …).
    ///   - scenario: nil plays the server's scenario.
    public func session(name: String? = nil, scenario: Source? = nil) throws(Failure) -> Session {
        var members: [(String, JSON)] = []
        if let name { members.append(("name", .string(name))) }
        if let scenario { members.append(("scenario", try Self.document(scenario))) }
        let answer = try steering.call("POST", "/sessions", body: .object(members), passing: [201])
        guard let name = answer["name"]?.stringValue, let url = answer["url"]?.stringValue else {
            throw Failure(status: nil, message: "the session answer is not in the expected shape")
        }
        return Session(name: name, url: url, steering: steering.session(name))
    }

    /// One session on a `MockRunsServer` (see `MockRunsServer.session`).
    public struct Session: MockRunsSteering {
        public let name: String
        /// `http://127.0.0.1:PORT/__sessions/NAME`: the base URL for the client under test.
        public let url: String
        public let steering: AdminChannel

        /// Ends the session: its runs and journal are gone.
        public func close() throws(Failure) {
            _ = try steering.call("DELETE", "")
        }
    }

    /// A scenario as the admin API takes it in a body: a bundled name, or a whole document, checked here first
    /// so errors name its file.
    static func document(_ source: Source) throws(Failure) -> JSON {
        let bytes: [UInt8], file: String
        switch source {
        case .bundled(let name):
            return .string(name)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Failure(status: nil, message: "cannot read the scenario file \(path)")
            }
            (bytes, file) = (Array(data), path)
        case .json(let text, let name):
            (bytes, file) = (Array(text.utf8), name)
        }
        do {
            _ = try catalog.loader.load(bytes, file: file)
            return try JSON.parse(bytes)
        } catch {
            throw Failure(status: nil, message: "\(error)")
        }
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
