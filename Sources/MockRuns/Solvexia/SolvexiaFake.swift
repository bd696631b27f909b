import MockRunsHTTP
import Scenarios

/// Solvexia process runs (docs/apis/solvexia.md): `/api/v1/processruns/...` with a Bearer token from
/// `POST /oauth/token` (client credentials), `{"message","supportId"}` errors, 403 for a missing token.
///
/// A process run is one engine run (`pr-…`). It exists NotStarted (its own timeline) until the client starts it;
/// `start` plays the run's `on.start` timeline (default Scheduled → Running → Finished). Steps live in the run's
/// `fields.steps`; their statuses are phase fields: `stepStatus: {"ds-1": "Running"}` sets the named steps when
/// the run enters the phase, and a step keeps its status until a later phase changes it (see docs/apis/solvexia.md).
public struct SolvexiaFake: APIFake {
    public init() {}

    /// The runstatus answers of the last few run phases (a client polls one run over and over).
    let statusMemo = SolvexiaStatusMemo()

    static let api = "solvexia"
    static let runStates = ["NotStarted", "Scheduled", "Running", "Finished", "Cancelled", "TimedOut"]
    static let stepStates = ["NotStarted", "Running", "Success", "Warning", "Failed", "Scheduled", "Cancelled", "Skipped"]
    static let terminal: Set<String> = ["Finished", "Cancelled", "TimedOut"]

    public let descriptor = APIDescriptor(
        name: SolvexiaFake.api,
        summary: "Solvexia process runs: /api/v1/processruns/{id}[/start|/cancel|/runstatus|/steps...], POST /oauth/token",
        states: SolvexiaFake.runStates,
        terminalStates: SolvexiaFake.terminal,
        endpoints: [
            "token", "processrun", "start", "cancel", "requests", "runstatus", "steps", "step_runstatus",
            "restartfromhere", "create",
        ],
        matchFields: ["processId", "namePrefix"],
        fields: ["name", "process", "processName", "description", "alertEmailAddress", "alertSMS", "lastModifiedBy", "dateCreated", "dateModified", "steps", "stepStatus", "stepMessages"],
        permissions: ["read", "run", "create"],
        events: [
            "start": EventScript(
                timeline: [Phase("Scheduled", .polls(1)), Phase("Running", .polls(2)), Phase("Finished")],
                allowedFrom: ["NotStarted"]),
            "cancel": EventScript(timeline: [Phase("Cancelled")], allowedFrom: ["Scheduled", "Running"]),
            "restart": EventScript(
                timeline: [Phase("Running", .polls(2)), Phase("Finished")],
                allowedFrom: ["Running", "Finished", "Cancelled", "TimedOut"]),
        ],
        defaultTimeline: [Phase("NotStarted")],
        settings: [
            .init(
                "cancelledStepStatus", .oneOf(["documented", "cancelled", "Cancelled"]), default: "documented",
                "a cancelled step's status: documented (\"cancelled\" in step run statuses, as the step run-status example; \"Cancelled\" in the runstatus array, as the newer page), or one spelling everywhere"),
            .init(
                "clients", .strings, default: .null,
                "valid client credentials for POST /oauth/token as \"client_id:client_secret\"; unset: any non-empty pair"),
            .init(
                "tokenLifetimeSeconds", .integer(1...31_536_000), default: 600,
                "expires_in of issued tokens, in seconds of scenario time"),
            .init(
                "unauthenticatedStatus", .oneOf(["403", "401"]), default: "403",
                "status for a missing, unknown or expired token: 403 (documented) or 401 (undocumented)"),
            .init(
                "durationField", .oneOf(["documented", "runDurationInSeconds", "runDurationInSec"]), default: "documented",
                "duration key: as each documented example spells it (start/runstatus: runDurationInSeconds, cancel and steps: runDurationInSec), or one spelling everywhere"),
            .init(
                "emptyDates", .oneOf(["documented", "null", "empty"]), default: "documented",
                "an unset date: null, except the cancel answer's dateStarted \"\" (documented); always null; always \"\""),
            .init(
                "timestampFormat", .oneOf(["documented", "dotnet7", "millis", "trimmedZ", "iso8601Z"]), default: "documented",
                "dates: per documented example (process run 2020-06-15T02:24:14.2700000, run status 2025-02-05T22:40:19.923, step status 2025-01-13T03:51:03.27Z) or one format everywhere"),
            .init(
                "runStatusShape", .oneOf(["object", "array"]), default: "object",
                "GET .../runstatus: a ProcessRunStatus object (the contract) or [run status, step statuses...] (the newer docs page)"),
            .init(
                "processes", .strings, default: .null,
                "process ids that exist for POST /api/v1/processes/{processId}/processruns; unset: any id starting p-"),
        ],
        makeID: { random, _ in "pr-\(random.int(in: 100_000...999_999))" }
    )

    public let routeTable: RouteTable = {
        let run = "/api/v1/processruns/{id}"
        return RouteTable([
            Route("POST", "/oauth/token", endpoint: "token"),
            Route("POST", "/api/oauth/token", endpoint: "token"),
            Route("GET", run, endpoint: "processrun", run: "id", caseInsensitive: true),
            Route("POST", run + "/start", endpoint: "start", run: "id", caseInsensitive: true),
            Route("POST", run + "/cancel", endpoint: "cancel", run: "id", caseInsensitive: true),
            Route("POST", "/api/v1/requests", endpoint: "requests", caseInsensitive: true),
            Route("GET", run + "/runstatus", endpoint: "runstatus", run: "id", caseInsensitive: true),
            Route("GET", run + "/steps", endpoint: "steps", run: "id", caseInsensitive: true),
            Route("GET", run + "/steps/{stepId}/runstatus", endpoint: "step_runstatus", run: "id", caseInsensitive: true),
            Route("POST", run + "/steps/{stepId}/restartfromhere", endpoint: "restartfromhere", run: "id", caseInsensitive: true),
            // The newer docs page names the same operation `.../steps/{stepId}/start`.
            Route("POST", run + "/steps/{stepId}/start", endpoint: "restartfromhere", run: "id", caseInsensitive: true),
            Route("POST", "/api/v1/processes/{processId}/processruns", endpoint: "create", caseInsensitive: true),
        ], claiming: ["/api/v1/processruns", "/api/v1/processes", "/api/v1/requests"])
    }()

    /// `consuming`, as `APIFake` declares it: the endpoint is handed back as it came for all but one route, where
    /// taken by copy it cost 241 instructions a request (bench/speed/instructions.sh solvexia).
    public func refine(_ endpoint: consuming Endpoint, for request: HTTPRequest) -> Endpoint {
        // The deprecated request names its run in the body; let faults target it.
        if endpoint.name == "requests", case .success(let body) = request.jsonBody() {
            endpoint.runID = body["processRunId"]?.stringValue
        }
        return endpoint
    }

    public func handle(_ request: HTTPRequest, at endpoint: Endpoint, context: FakeContext) throws(APIError)
        -> HTTPResponse
    {
        if endpoint.name == "token" { return try SolvexiaAuth.issueToken(request, context: context) }
        let permission: String
        switch endpoint.name {
        case "start", "cancel", "requests", "restartfromhere": permission = "run"
        case "create": permission = "create"
        default: permission = "read"
        }
        try SolvexiaAuth.authorize(request, permission: permission, context: context)
        let (settings, now) = (context.settings, context.now)
        let id = endpoint.parameters["id"] ?? ""
        if endpoint.name == "runstatus" {
            // The poll: its body kept for the run's phase, its settings read only when the phase's is first rendered.
            let view = try read(id, context)
            return ok(statusMemo.answer(view, at: now) { SolvexiaRender(settings: settings, now: now).runStatusBody(view) })
        }
        let render = SolvexiaRender(settings: settings, now: now)
        switch endpoint.name {
        case "processrun":
            let view = try peek(id, context)
            return ok(render.processRun(view))
        case "start":
            return ok(try start(id, render: render, context: context))
        case "cancel":
            return ok(try cancel(id, render: render, context: context))
        case "requests":
            return ok(try deprecatedRequest(request, render: render, context: context))
        case "steps":
            let view = try peek(id, context)
            return ok(.array(render.steps(view).filter(\.isDataStep).map(\.listItem)))
        case "step_runstatus":
            let stepID = endpoint.parameters["stepId"] ?? ""
            let view = try read(id, context)
            return ok(try render.stepStatus(view, stepID: stepID))
        case "restartfromhere":
            return ok(try restart(id, stepID: endpoint.parameters["stepId"] ?? "", render: render, context: context))
        case "create":
            return ok(try create(request, processID: endpoint.parameters["processId"] ?? "", render: render, context: context))
        default:
            throw APIError(404, "Resource not found")
        }
    }

    private func ok(_ json: JSON) -> HTTPResponse {
        ok(json.bytes)
    }

    private func ok(_ bytes: [UInt8]) -> HTTPResponse {
        .json(200, bytes, contentType: "application/json; charset=utf-8")
    }

    // MARK: runs

    private func peek(_ id: String, _ context: FakeContext) throws(APIError) -> RunView {
        guard let view = context.scenario.withEngine({ $0.peek(api: Self.api, id: id) }), !view.gone else {
            throw Self.runNotFound(id)
        }
        return view
    }

    private func read(_ id: String, _ context: FakeContext) throws(APIError) -> RunView {
        switch context.scenario.withEngine({ $0.read(api: Self.api, id: id) }) {
        case .found(let view): return view
        case .gone, .notFound: throw Self.runNotFound(id)
        }
    }

    static func runNotFound(_ id: String) -> APIError {
        APIError(404, "Process run \(id) doesn't exist or has been deleted")
    }

    private func start(_ id: String, render: SolvexiaRender, context: FakeContext) throws(APIError) -> [UInt8] {
        switch context.scenario.withEngine({ $0.send("start", api: Self.api, id: id) }) {
        case .accepted(let view):
            return render.runStatus(view, answer: .start)
        case .repeated(let view) where view.state == "Scheduled":
            // Started and not yet running: starting it again answers its status (the docs start pr-114278 the new
            // way, then the deprecated way, and both answers show it Scheduled).
            return render.runStatus(view, answer: .start)
        case .repeated(let view), .refused(let view):
            throw APIError(400, "Process run \(id) cannot be started: its status is \(view.state)")
        case .notFound:
            throw Self.runNotFound(id)
        }
    }

    private func cancel(_ id: String, render: SolvexiaRender, context: FakeContext) throws(APIError) -> [UInt8] {
        switch context.scenario.withEngine({ $0.send("cancel", api: Self.api, id: id) }) {
        case .accepted(let view), .repeated(let view):
            return render.runStatus(view, answer: .cancel)
        case .refused(let view):
            if view.state == "Cancelled" { return render.runStatus(view, answer: .cancel) }
            throw APIError(400, "Process run \(id) cannot be cancelled: its status is \(view.state)")
        case .notFound:
            throw Self.runNotFound(id)
        }
    }

    static let startRequests: Set<String> = ["ProcessRun_StartRq", "startRun"]
    static let cancelRequests: Set<String> = ["ProcessRun_CancelRq", "cancelRun"]

    private func deprecatedRequest(_ request: HTTPRequest, render: SolvexiaRender, context: FakeContext) throws(APIError)
        -> [UInt8]
    {
        try SolvexiaContract.jsonBody(request, endpoint: "POST /api/v1/requests", context: context)
        let body: JSON
        switch request.jsonBody() {
        case .success(let json): body = json
        case .failure(let problem): throw APIError(400, "Invalid request body: \(problem.message)")
        }
        guard case .object = body else { throw APIError(400, "Invalid request body: expected a JSON object, found \(body.kindName)") }
        guard let kind = body["request"]?.stringValue, !kind.isEmpty else {
            throw APIError(400, "The request property is required: ProcessRun_StartRq or ProcessRun_CancelRq")
        }
        guard let id = body["processRunId"]?.stringValue, !id.isEmpty else {
            throw APIError(400, "The processRunId property is required")
        }
        if Self.startRequests.contains(kind) { return try start(id, render: render, context: context) }
        if Self.cancelRequests.contains(kind) { return try cancel(id, render: render, context: context) }
        throw APIError(400, "Unknown request \"\(kind)\"; expected ProcessRun_StartRq or ProcessRun_CancelRq")
    }

    /// Restart from a step (allowed once the run has been Running): the run goes back into its scripted
    /// `on.restart` timeline, or else its start timeline, at the first phase that marks the step Running (else the
    /// first Running phase, else the first phase). The step itself reads Running from then on, as the contract
    /// says, until a later phase or the run's end gives it another status.
    private func restart(_ id: String, stepID: String, render: SolvexiaRender, context: FakeContext) throws(APIError)
        -> JSON
    {
        let descriptor = self.descriptor
        let result: Result<RunView, APIError> = context.scenario.withEngine { engine in
            guard let view = engine.peek(api: Self.api, id: id), !view.gone else { return .failure(Self.runNotFound(id)) }
            guard render.steps(view).contains(where: { $0.id == stepID }) else {
                return .failure(APIError(404, "Step \(stepID) doesn't exist in process run \(id)"))
            }
            guard view.state != "NotStarted", view.state != "Scheduled" else {
                return .failure(APIError(400, "Process run \(id) has not started running; its status is \(view.state)"))
            }
            // A run cancelled (or timed out) before it ever ran has no step to restart from.
            guard render.started(view) != nil else {
                return .failure(
                    APIError(400, "Process run \(id) never ran (it is \(view.state) and was never Running); there is no step to restart"))
            }
            let event = view.script.events["restart"] != nil ? "restart" : "start"
            let timeline = (view.script.events[event] ?? descriptor.events[event])?.timeline ?? []
            let index = Self.restartPhase(in: timeline, stepID: stepID)
            guard let after = engine.rewind(
                    api: Self.api, id: id, toPhase: index, event: event,
                    marking: [(SolvexiaRender.restartMark, .string(stepID))]) else {
                return .failure(Self.runNotFound(id))
            }
            return .success(after)
        }
        let view = try result.get()
        return try render.stepStatus(view, stepID: stepID, answer: .restart)
    }

    static func restartPhase(in timeline: [Phase], stepID: String) -> Int {
        if let index = timeline.firstIndex(where: { $0.fields["stepStatus"]?[stepID]?.stringValue == "Running" }) {
            return index
        }
        return timeline.firstIndex { $0.state == "Running" } ?? 0
    }

    private func create(_ request: HTTPRequest, processID: String, render: SolvexiaRender, context: FakeContext)
        throws(APIError) -> JSON
    {
        var prefix: String?
        try SolvexiaContract.jsonBody(request, endpoint: "POST /api/v1/processes/{processId}/processruns", context: context)
        if !request.body.isEmpty {
            switch request.jsonBody() {
            case .failure(let problem): throw APIError(400, "Invalid request body: \(problem.message)")
            case .success(.object(let members)):
                if let value = members.first(where: { $0.0 == "namePrefix" })?.1, value != .null {
                    guard let text = value.stringValue else {
                        throw APIError(400, "namePrefix must be a string, found \(value.kindName)")
                    }
                    // Kept with the run and shown in every answer about it: bounded like any value a client sends.
                    guard text.count <= 256, !text.containsControlCharacters else {
                        throw APIError(400, "namePrefix must be at most 256 characters without control characters")
                    }
                    prefix = text
                }
            case .success(let other):
                throw APIError(400, "Invalid request body: expected a JSON object, found \(other.kindName)")
            }
        }
        let settings = render.settings
        let known = settings["processes"]?.arrayValue?.compactMap(\.stringValue)
        let exists = known.map { $0.contains(processID) } ?? processID.hasPrefix("p-")
        guard exists, processID.count > 2 else {
            throw APIError(404, "Process \(processID) doesn't exist or has been deleted")
        }
        var members: [(String, JSON)] = [("processId", .string(processID))]
        if let prefix { members.append(("namePrefix", .string(prefix))) }
        let view = context.scenario.withEngine { engine in
            let number = Self.nextRunNumber(of: processID, engine: &engine)
            return engine.createRun(api: Self.api, request: .object(members + [("runNumber", .int(number))]))
        }
        return render.processRun(view)
    }

    /// The most processes whose run numbers are kept as counters; past it a process's runs are counted afresh
    /// each time (correct, only slower), so a client naming a new process per request cannot grow the store.
    static let countedProcesses = 10_000

    /// The number of a new run of `processID`: one more than the runs of that process. Counting the runs (as
    /// views) on each creation made creating runs quadratic (the 5,000th took 20 times the first), so the count
    /// is taken once per process, without views, and then kept, under the engine lock, beside the runs it counts.
    private static func nextRunNumber(of processID: String, engine: inout Engine) -> Int {
        let key = "runNumber:" + processID
        let number: Int
        if let counted = engine.stored(api: api, key)?.intValue {
            number = counted + 1
        } else {
            let processes = engine.stored(api: api, "runNumberProcesses")?.intValue ?? 0
            number = engine.countRuns(api: api) { SolvexiaRender.processID(fields: $0, request: $1) == processID } + 1
            guard processes < countedProcesses else { return number }
            engine.store(api: api, "runNumberProcesses", .int(processes + 1))
        }
        engine.store(api: api, key, .int(number))
        return number
    }

    // MARK: errors

    /// `{"message","supportId"}` for the API; RFC 6749 `{"error","error_description"}` for the token endpoint.
    /// The supportId is filled in by `finish` from the scenario's seed.
    public func response(for error: APIError, to request: HTTPRequest, settings: [String: JSON]) -> HTTPResponse {
        var headers = HTTPHeaders()
        if request.path.lowercased().hasSuffix("/oauth/token") {
            let code = error.code ?? (error.status == 401 ? "invalid_client" : "invalid_request")
            let body: JSON = .object([("error", .string(code)), ("error_description", .string(error.message))])
            if error.status == 401 { headers.set("WWW-Authenticate", "Bearer") }
            return .json(error.status, body.bytes, contentType: "application/json; charset=utf-8", headers: headers)
        }
        let body: JSON = .object([("message", .string(error.message)), ("supportId", .string(""))])
        return .json(error.status, body.bytes, contentType: "application/json; charset=utf-8", headers: headers)
    }

    /// Gives each error body a supportId: a UUID from the scenario's seed and the count of errors so far.
    public func finish(_ response: consuming HTTPResponse, to request: HTTPRequest, scenario: LiveScenario) -> HTTPResponse {
        guard response.status >= 300, case .bytes(let bytes) = response.body,
            let json = try? JSON.parse(bytes), json["supportId"] == .string("")
        else { return response }
        let supportID = scenario.withEngine { engine -> String in
            let n = (engine.stored(api: Self.api, "supportIds")?.intValue ?? 0) + 1
            engine.store(api: Self.api, "supportIds", .int(n))
            var random = SeededRandom(seed: engine.scenario.seed, stream: "supportId/solvexia/\(n)")
            return random.uuid()
        }
        response.body = .bytes(json.setting("supportId", .string(supportID)).bytes)
        return response
    }
}
