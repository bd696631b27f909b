import MockRunsHTTP
import Scenarios

/// SciCrunch's Python Controller (docs/apis/controller.md): `POST /controller/run` and
/// `GET /controller/run_status`, everything in the query (api_key, resourceID, userID), every answer a Flask
/// `{"message": ...}` object, runs keyed by resourceID.
///
/// The run_status body is undocumented; it follows the sibling status endpoints:
/// `{"status": "Running" | "Finished" | "No ongoing run"}` (an inference, see docs/apis/controller.md).
public struct ControllerFake: APIFake {
    public init() {}

    /// The bodies of recent run_status polls (a body shows its run's phase and nothing of the request).
    let statusMemo = RenderMemo()

    static let api = "controller"
    /// Engine states: the controller's own words (`Running`, `Finished`) plus the source states its docs name
    /// (`Error` — the source stayed in error after the retries —, `STUCK`, `HOLD`).
    static let states = ["Running", "Finished", "Error", "STUCK", "HOLD"]
    static let noRun = "No ongoing run"
    static let holdMessage = "Failed request - Specified resource is on HOLD. "

    public let descriptor: APIDescriptor = {
        var descriptor = ControllerFake.baseDescriptor
        // A run's id is its resourceID, sent in the query.
        descriptor.idsInPath = false
        return descriptor
    }()

    private static let baseDescriptor = APIDescriptor(
        name: ControllerFake.api,
        summary: "SciCrunch Python Controller: POST /controller/run, GET /controller/run_status",
        states: ControllerFake.states,
        terminalStates: ["Finished", "Error"],
        endpoints: ["run", "run_status"],
        matchFields: ["resourceID", "userID"],
        fields: ["status"],
        permissions: ["run", "status"],
        defaultTimeline: [
            Phase("Running", .polls(2)),
            Phase("Finished"),
        ],
        settings: [
            .init(
                "resources", .strings, default: .null,
                "resourceIDs the controller knows; any other answers 400 {\"message\":\"Invalid Resource\"}. Unset: every resourceID is valid"),
            .init(
                "holdStatus", .integer(200...299), default: 201,
                "HTTP status of the run answer for a resource on HOLD (the docs show 201)"),
        ],
        makeID: { _, ordinal in "controller-run-\(ordinal + 1)" }
    )

    public var routeTable: RouteTable { Self.table }

    /// Made once, and named through the type: the contract check's list of routes (read only for a refusal),
    /// taken from `self`, made its autoclosure copy the whole fake, descriptor and all, on every request (and
    /// destroy it): controller 77,478 -> 76,687 instructions, bench/speed/instructions.sh controller.
    static let table = RouteTable(
        [
            Route("POST", "/controller/run", endpoint: "run"),
            Route("GET", "/controller/run_status", endpoint: "run_status"),
        ], claiming: ["/controller"])

    public func refine(_ endpoint: Endpoint, for request: HTTPRequest) -> Endpoint {
        var endpoint = endpoint
        if let resource = request.queryValue("resourceID"), !resource.isEmpty { endpoint.runID = resource }
        return endpoint
    }

    public func handle(_ request: HTTPRequest, at endpoint: Endpoint, context: FakeContext) throws(APIError)
        -> HTTPResponse
    {
        try ControllerContract.check(request, routes: Self.table.summaries, context: context)
        let permission = endpoint.name == "run" ? "run" : "status"
        let decision = context.scenario.withEngine {
            $0.authorize(api: Self.api, credential: request.queryValue("api_key"), permission: permission)
        }
        switch decision {
        case .granted: break
        case .missing, .invalid, .expired: throw APIError(401, "Unauthorized access")
        case .forbidden: throw APIError(403, "Access Denied")
        }
        guard let resource = request.queryValue("resourceID"), !resource.isEmpty else {
            throw APIError(400, "Specify ResourceID")
        }
        var userID = 4
        if let text = request.queryValue("userID") {
            guard let value = Int(text) else {
                throw APIError(400, "Failed Request : userID must be an integer, got \"\(text)\"")
            }
            userID = value
        }
        let settings = context.settings
        if let known = settings["resources"]?.arrayValue, !known.contains(.string(resource)) {
            throw APIError(400, "Invalid Resource")
        }
        return endpoint.name == "run"
            ? run(resource: resource, userID: userID, settings: settings, context: context)
            : status(resource: resource, context: context)
    }

    private func run(resource: String, userID: Int, settings: [String: JSON], context: FakeContext) -> HTTPResponse {
        let request: JSON = .object([("resourceID", .string(resource)), ("userID", .int(userID))])
        let onHold = context.scenario.withEngine { engine -> Bool in
            if let current = engine.peek(api: Self.api, id: resource), current.state == "HOLD", !current.gone {
                return true
            }
            engine.createRun(api: Self.api, request: request, id: resource)
            return false
        }
        if onHold {
            let status = settings["holdStatus"]?.intValue ?? 201
            return .json(status, JSON.object([("message", .string(Self.holdMessage))]).bytes)
        }
        return .json(200, JSON.object([("message", "Your Request started")]).bytes)
    }

    /// `{"status": ...}`: a run's from its phase, kept from an earlier poll of the same phase (written afresh for
    /// each poll: controller 76,246 instructions, kept 75,933, bench/speed/instructions.sh controller); no run's,
    /// written once.
    private func status(resource: String, context: FakeContext) -> HTTPResponse {
        switch context.scenario.withEngine({ $0.read(api: Self.api, id: resource) }) {
        case .notFound, .gone:
            return .json(200, Self.noRunBody)
        case .found(let run):
            return .json(200, statusMemo.body(for: RenderMemo.Key(run)) { Self.statusBody(run.fields["status"]?.stringValue ?? run.state) })
        }
    }

    static let noRunBody = statusBody(noRun)

    static func statusBody(_ status: String) -> [UInt8] {
        var out = JSONWriter()
        out.openObject()
        out.key("status")
        out.string(status)
        out.closeObject()
        return out.bytes
    }

    /// Every error is Flask's `{"message": "..."}` (double-quoted JSON, whatever the docs' Python quoting shows).
    public func response(for error: APIError, to request: HTTPRequest, settings: [String: JSON]) -> HTTPResponse {
        .json(error.status, JSON.object([("message", .string(error.message))]).bytes)
    }
}
