import MockRunsHTTP
import Scenarios

/// GA4GH Workflow Execution Service 1.0 (plus the 1.1 task endpoints) as Cavatica / Seven Bridges serves it
/// (docs/apis/wes.md), under `/ga4gh/wes/v1`. Auth is `X-SBG-Auth-Token` (and `Authorization:
/// Bearer` when the scenario allows it); every error is a WES `ErrorResponse` `{"msg", "status_code"}`.
public struct WESFake: APIFake {
    public init() {}

    static let api = "wes"
    static let base = "/ga4gh/wes/v1"
    static let states = [
        "UNKNOWN", "QUEUED", "INITIALIZING", "RUNNING", "PAUSED", "COMPLETE", "EXECUTOR_ERROR", "SYSTEM_ERROR",
        "CANCELED", "CANCELING", "PREEMPTED",
    ]
    static let terminalStates: Set<String> = ["COMPLETE", "EXECUTOR_ERROR", "SYSTEM_ERROR", "CANCELED", "PREEMPTED"]
    /// SBG: "Only runs whose status is QUEUED, INITIALIZING or RUNNING may be cancelled."
    static let cancellable: Set<String> = ["QUEUED", "INITIALIZING", "RUNNING"]

    public let descriptor = APIDescriptor(
        name: WESFake.api,
        summary: "GA4GH WES 1.0 (+1.1 tasks) as Cavatica/Seven Bridges serves it, under /ga4gh/wes/v1",
        states: WESFake.states,
        terminalStates: WESFake.terminalStates,
        endpoints: [
            "service_info", "list_runs", "run_workflow", "get_run_log", "get_run_status", "cancel_run", "list_tasks",
            "get_task", "logs",
        ],
        matchFields: ["workflow_url", "workflow_type", "workflow_type_version", "workflow_engine", "workflow_engine_version"],
        fields: ["outputs", "exit_code", "name", "cmd", "start_time", "end_time", "stdout", "stderr", "system_logs", "tasks", "request"],
        permissions: ["read", "run", "cancel"],
        events: [
            "cancel": EventScript(
                timeline: [
                    Phase("CANCELING", .polls(1), log: ["cancel requested; stopping the run"]),
                    Phase("CANCELED", log: ["run canceled"]),
                ],
                allowedFrom: WESFake.cancellable)
        ],
        defaultTimeline: [
            Phase("QUEUED", .polls(1), log: ["run queued"]),
            Phase("INITIALIZING", .polls(1), log: ["staging inputs"]),
            Phase("RUNNING", .polls(2), log: ["[workflow] starting step main"]),
            Phase("COMPLETE", log: ["[workflow] completed success"]),
        ],
        settings: [
            .init(
                "acceptBearer", .bool, default: false,
                "also accept `Authorization: Bearer <token>` (other WES servers); SBG takes only X-SBG-Auth-Token"),
            .init(
                "strictAuth", .bool, default: false,
                "refuse POST /runs without a token with 401, as the real service does. Off: let it pass and log a contract deviation (wes-client 5.0 sends no auth header on POST /runs)"),
            .init(
                "cancelRefusedStatus", .integer(400...499), default: 400,
                "HTTP status for cancelling a run that is not QUEUED, INITIALIZING or RUNNING"),
            .init("defaultPageSize", .integer(1...1000), default: 50, "GET /runs and /tasks page size when page_size is not given (SBG: 50)"),
            .init("serviceInfo", .any, default: .null, "an object whose members replace those of the GET /service-info answer"),
            .init(
                "optionalWorkflowType", .bool, default: false,
                "accept POST /runs without workflow_type or workflow_type_version (WES 1.1 requires both; off: 400 naming the missing field)"),
        ],
        makeID: { random, _ in random.uuid() }
    )

    /// The bodies of recent status polls: `{"run_id", "state"}` shows nothing but its run's phase.
    let statusMemo = RenderMemo()
    /// The last submission's RunRequest echo (a client submits the same form over and over).
    let submissionMemo = WESSubmission.Memo()

    public let routeTable = RouteTable([
        Route("GET", WESFake.base + "/service-info", endpoint: "service_info"),
        Route("GET", WESFake.base + "/runs", endpoint: "list_runs"),
        Route("POST", WESFake.base + "/runs", endpoint: "run_workflow"),
        Route("GET", WESFake.base + "/runs/{run_id}", endpoint: "get_run_log", run: "run_id"),
        Route("GET", WESFake.base + "/runs/{run_id}/status", endpoint: "get_run_status", run: "run_id"),
        Route("POST", WESFake.base + "/runs/{run_id}/cancel", endpoint: "cancel_run", run: "run_id"),
        Route("GET", WESFake.base + "/runs/{run_id}/tasks", endpoint: "list_tasks", run: "run_id"),
        Route("GET", WESFake.base + "/runs/{run_id}/tasks/{task_id}", endpoint: "get_task", run: "run_id"),
        Route("GET", WESFake.base + "/runs/{run_id}/logs/{stream}", endpoint: "logs", run: "run_id"),
        Route("GET", WESFake.base + "/runs/{run_id}/tasks/{task_id}/logs/{stream}", endpoint: "logs", run: "run_id"),
    ], claiming: [WESFake.base])


    public func handle(_ request: HTTPRequest, at endpoint: Endpoint, context: consuming FakeContext) throws(APIError)
        -> HTTPResponse
    {
        let settings = context.settings
        try authorize(request, endpoint: endpoint, settings: settings, context: context)
        let runs = WESRuns(context: consume context, settings: settings)
        switch endpoint.name {
        case "service_info": return try runs.serviceInfo()
        case "list_runs": return try runs.list(request)
        case "run_workflow": return try runs.submit(request, memo: submissionMemo)
        case "get_run_log": return try runs.runLog(endpoint.runID ?? "")
        case "get_run_status": return try runs.status(endpoint.runID ?? "", memo: statusMemo)
        case "cancel_run": return try runs.cancel(endpoint.runID ?? "")
        case "list_tasks": return try runs.tasks(endpoint.runID ?? "", request)
        case "get_task": return try runs.task(endpoint.runID ?? "", endpoint.parameters["task_id"] ?? "")
        default:
            return try runs.logText(
                endpoint.runID ?? "", task: endpoint.parameters["task_id"], stream: endpoint.parameters["stream"] ?? "")
        }
    }

    private func permission(for endpoint: String) -> String {
        switch endpoint {
        case "run_workflow": "run"
        case "cancel_run": "cancel"
        default: "read"
        }
    }

    private func authorize(_ request: HTTPRequest, endpoint: Endpoint, settings: [String: JSON], context: FakeContext)
        throws(APIError)
    {
        var credential = request.headers["X-SBG-Auth-Token"]
        var viaBearer = false
        if credential == nil, request.headers["Authorization"] != nil {
            if settings["acceptBearer"]?.boolValue == true {
                guard let token = request.authorization(scheme: "Bearer") else {
                    throw APIError(401, "the Authorization header must be \"Bearer <token>\"")
                }
                try WESContract.bearerToken(context: context)
                credential = token
                viaBearer = true
            } else {
                throw APIError(
                    401, "Unauthorized: send your token in the X-SBG-Auth-Token header (Authorization is not accepted here)")
            }
        }
        let decision = context.scenario.withEngine {
            $0.authorize(api: Self.api, credential: credential, permission: permission(for: endpoint.name))
        }
        switch decision {
        case .granted:
            return
        case .missing:
            if endpoint.name == "run_workflow" {
                try WESContract.submissionWithoutToken(settings: settings, context: context)
                return
            }
            throw APIError(401, "Unauthorized: the X-SBG-Auth-Token header is missing")
        case .invalid:
            throw APIError(401, viaBearer ? "Unauthorized: invalid bearer token" : "Unauthorized: invalid X-SBG-Auth-Token")
        case .expired:
            throw APIError(401, "Unauthorized: the token has expired or was revoked")
        case .forbidden(let why):
            throw APIError(403, "Forbidden: \(why)")
        }
    }

    /// WES `ErrorResponse`: `{"msg": "...", "status_code": N}`.
    public func response(for error: APIError, to request: HTTPRequest, settings: [String: JSON]) -> HTTPResponse {
        let body: JSON = .object([("msg", .string(error.message)), ("status_code", .int(error.status))])
        return .json(error.status, body.bytes)
    }
}
