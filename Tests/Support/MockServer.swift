import MockRuns
import MockRunsServer
import Scenarios

/// The whole mock server (admin API and every fake) playing one scenario on a manual clock, over real HTTP:
/// the one way the end-to-end tests start it, so they all load scenarios and build the app alike. It is the
/// embedded `MockRunsServer` a user's tests start, with a test client beside it.
public struct MockServer: Sendable {
    public static var loader: ScenarioLoader { catalog.loader }
    public static var catalog: ScenarioCatalog { MockRunsServer.catalog }

    /// For tests that look inside: the engine's runs and requests.
    public let app: MockRunsApp
    public let server: TestServer
    public let embedded: MockRunsServer

    /// - Parameter time: the app's time source (the journal's `wallMs`, sessions' idleness, `wall` clocks).
    public init(
        _ scenario: Scenario, options: ServerOptions = ServerOptions(), time: any TimeSource = ManualTimeSource()
    ) throws {
        embedded = try MockRunsServer(loaded: scenario, options: options, time: time)
        app = embedded.app
        server = TestServer(serving: embedded.server, owner: embedded)
    }

    /// A bundled scenario by name (`wes-happy`).
    public init(bundled name: String) throws {
        try self.init(try Self.catalog.load(name))
    }

    /// Inline scenario JSON; `file` names it in errors and gives the scenario its default name.
    public init(json: String, file: String = "inline.json", options: ServerOptions = ServerOptions()) throws {
        try self.init(try Self.loader.load(Array(json.utf8), file: file), options: options)
    }

    /// Just the HTTP side, for tests that only send requests.
    public static func start(_ scenario: Scenario) throws -> TestServer { try MockServer(scenario).server }
    public static func start(bundled name: String) throws -> TestServer { try MockServer(bundled: name).server }
    public static func start(json: String) throws -> TestServer { try MockServer(json: json).server }
}
