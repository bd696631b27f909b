import MockRunsHTTP
import MockRunsSync
import Scenarios

/// SciCrunch Foundry's `dashboard/run` and `dashboard/run_status` (docs/apis/foundry.md): runs keyed by
/// sourceID + status2Match + stepName, plain-text errors, 403 for any auth failure (Foundry has no 401).
public struct FoundryFake: APIFake {
    public init() {}

    /// The bodies of recent run_status polls (a body shows its run's phase and nothing of the request).
    let statusMemo = RenderMemo()
    /// The run key the last status poll's parameters made.
    let keyMemo = RunKeyMemo()

    static let states = ["RUNNING", "FINISHED", "ERROR"]
    static let requiredParameters = ["sourceID", "status2Match", "stepName"]
    static let statusMatches = ["error", "finished"]

    public let descriptor: APIDescriptor = {
        var descriptor = FoundryFake.baseDescriptor
        // A run's id is its key (source/status/step), from the client's request.
        descriptor.idsFromRequests = true
        descriptor.idsInPath = false
        return descriptor
    }()

    private static let baseDescriptor = APIDescriptor(
        name: "foundry",
        summary: "SciCrunch Foundry: POST dashboard/run, GET dashboard/run_status",
        states: FoundryFake.states,
        terminalStates: ["FINISHED", "ERROR"],
        endpoints: ["run", "run_status"],
        matchFields: FoundryFake.requiredParameters,
        fields: ["logMessage", "errMessage", "runLogMessage"],
        permissions: ["run", "status"],
        defaultTimeline: [
            Phase("RUNNING", .polls(2), fields: ["logMessage": "updating status of 14 records to new.1"]),
            Phase("FINISHED", fields: ["logMessage": "updated status of 14 records"]),
        ],
        settings: [
            .init(
                "forbiddenBody", .oneOf(["text", "empty"]), default: "text",
                "403 body: a plain-text message (the docs) or empty (the predecessor code)"),
            .init(
                "recordCount", .integer(0...1_000_000_000), default: 14,
                "N in the run answer's \"updating status of N records to <status>\""),
            .init(
                "runStatusAfterFinish", .oneOf(["notFound", "finished"]), default: "notFound",
                "run_status of a FINISHED run: notFound (documented: FINISHED once, then 404; a run's notFoundAfter sets how many FINISHED reads) or finished (FINISHED forever)"),
        ],
        makeID: { _, ordinal in "foundry-run-\(ordinal + 1)" }
    )

    public let routeTable = RouteTable(
        ["/dashboard", "/foundry/api/dashboard"].flatMap { prefix in
            [
                Route("POST", prefix + "/run", endpoint: "run"),
                Route("GET", prefix + "/run_status", endpoint: "run_status"),
            ]
        }, claiming: ["/dashboard", "/foundry/api"])

    public func refine(_ endpoint: Endpoint, for request: HTTPRequest) -> Endpoint {
        var endpoint = endpoint
        // The run a request is about is its key (from the query or the body), so faults can target one source.
        if Self.queryOnly(request) {
            // A status poll: its parameters are its query's, read in place (first of each name, as `parameters()`),
            // and its key most often the one the memo made for the last poll.
            let query = request.query
            if let parts = Self.keyParts({ Self.first($0, in: query) }) {
                endpoint.runID = keyMemo.key(parts.source, parts.status, parts.step)
            }
        } else if case .success(let values) = request.parameters(), let key = Self.key(from: values) {
            endpoint.runID = key
        }
        return endpoint
    }

    /// A request whose parameters can only be in its query (no body, no form).
    private static func queryOnly(_ request: HTTPRequest) -> Bool { request.body.isEmpty && request.form == nil }

    public func handle(_ request: HTTPRequest, at endpoint: Endpoint, context: FakeContext) throws(APIError)
        -> HTTPResponse
    {
        let values: Parameters
        if endpoint.name == "run" {
            switch FoundryContract.runParameters(request, context: context) {
            case .success(let v): values = .parsed(v)
            case .failure(let problem): throw APIError(400, problem.message)
            }
        } else {
            values = .query(request.query)
        }
        let permission = endpoint.name == "run" ? "run" : "status"
        let decision = context.scenario.withEngine {
            $0.authorize(api: "foundry", credential: values["apiKey"], permission: permission)
        }
        switch decision {
        case .granted: break
        case .missing: throw APIError(403, "Unauthorized: apiKey is missing")
        case .invalid: throw APIError(403, "Unauthorized: invalid apiKey")
        case .expired: throw APIError(403, "Unauthorized: apiKey is no longer valid")
        case .forbidden(let why): throw APIError(403, "Unauthorized: \(why)")
        }
        let missing = Self.requiredParameters.filter { (values[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            throw APIError(400, "Missing required parameter(s): \(missing.joined(separator: ", "))")
        }
        guard let status2Match = values["status2Match"], Self.statusMatches.contains(status2Match) else {
            throw APIError(400, "Invalid status2Match \"\(values["status2Match"] ?? "")\"; allowed: error, finished")
        }
        // A status poll's values are its query's, from which `refine` already made the key.
        let polled = endpoint.name == "run_status" && Self.queryOnly(request)
        let key = (polled ? endpoint.runID : nil) ?? Self.key { values[$0] } ?? ""
        return endpoint.name == "run" ? try run(values, key: key, context: context) : try status(values, key: key, context: context)
    }

    /// A request's parameters: a run's as `FoundryContract.runParameters` reads them (body or query), a status
    /// poll's read in place from its query, the first of each name. A dictionary of the poll's query, built and
    /// hashed on every poll, cost ~3,400 instructions more (bench/speed/instructions.sh foundry). The query's list
    /// alone is held, not the request (copied in, and destroyed with it).
    private enum Parameters {
        case parsed([String: String])
        case query([(name: String, value: String)])

        subscript(name: String) -> String? {
            switch self {
            case .parsed(let values): values[name]
            case .query(let query): FoundryFake.first(name, in: query)
            }
        }
    }

    /// `HTTPRequest.queryValue(name)` of a request whose query is `query`.
    private static func first(_ name: String, in query: [(name: String, value: String)]) -> String? {
        query.first { $0.name == name }?.value
    }

    private func run(_ values: Parameters, key: String, context: FakeContext) throws(APIError) -> HTTPResponse {
        let request: JSON = .object(Self.requiredParameters.map { ($0, JSON.string(values[$0] ?? "")) })
        let run = context.scenario.withEngine { $0.createRun(api: "foundry", request: request, id: key) }
        let records = context.settings["recordCount"]?.intValue ?? 14
        let target = "new.1"
        let message = run.fields["runLogMessage"]?.stringValue ?? "updating status of \(records) records to \(target)"
        return .json(200, JSON.object([("status", .string(run.state)), ("logMessage", .string(message))]).bytes)
    }

    private func status(_ values: Parameters, key: String, context: FakeContext) throws(APIError) -> HTTPResponse {
        let settings = context.settings
        let result = context.scenario.withEngine { engine -> ReadResult in
            let result = engine.read(api: "foundry", id: key)
            // Documented: once the run request is finished, run_status answers 404. A run whose script sets its own
            // notFoundAfter is left to the engine; any other shows FINISHED to one read, then is gone. (The setting
            // is read for a FINISHED run only: a hashed look-up, read for every poll it made one cost 81,156
            // instructions, now 80,719; bench/speed/instructions.sh foundry.)
            guard case .found(let run) = result, run.state == "FINISHED", run.script.notFoundAfter == nil,
                settings["runStatusAfterFinish"]?.stringValue != "finished"
            else { return result }
            guard run.terminalReads > 1 else { return result }
            engine.noteGone()
            return .gone(run)
        }
        // Only an error names the run's parameters: not written for every answered poll.
        var description: String {
            "sourceID=\(values["sourceID"] ?? "") status2Match=\(values["status2Match"] ?? "") stepName=\(values["stepName"] ?? "")"
        }
        switch result {
        case .notFound:
            throw APIError(404, "No run scheduled for \(description)")
        case .gone:
            throw APIError(404, "No run scheduled for \(description) (the run already finished)")
        case .found(let run):
            // The body shows the run's phase only: kept from an earlier poll of the same phase.
            return .json(200, statusMemo.body(for: RenderMemo.Key(run)) { statusBody(run) })
        }
    }

    /// `{"status", "logMessage"[, "errMessage"]}`, written straight as bytes: a poll's answer needs no value tree.
    private func statusBody(_ run: RunView) -> [UInt8] {
        let fields = run.fields
        var out = JSONWriter()
        out.openObject()
        out.key("status")
        out.string(run.state)
        out.key("logMessage")
        if let message = fields["logMessage"] { out.value(message) } else { out.string(defaultLog(run.state)) }
        if run.state == "ERROR" {
            out.key("errMessage")
            if let message = fields["errMessage"] { out.value(message) } else { out.string("the pipeline step failed") }
        }
        out.closeObject()
        return out.bytes
    }

    private func defaultLog(_ state: String) -> String {
        switch state {
        case "RUNNING": "run in progress"
        case "FINISHED": "run finished"
        default: "run failed"
        }
    }

    static func key(from values: [String: String]) -> String? {
        key { values[$0] }
    }

    /// The run's key, `sourceID/status2Match/stepName`; nil when one of them is missing or empty.
    static func key(_ value: (String) -> String?) -> String? {
        keyParts(value).flatMap { key($0.source, $0.status, $0.step) }
    }

    /// The three parameter values a run's key is made of; nil when one is missing.
    static func keyParts(_ value: (String) -> String?) -> (source: String, status: String, step: String)? {
        guard let source = value("sourceID"), let status = value("status2Match"), let step = value("stepName") else {
            return nil
        }
        return (source, status, step)
    }

    /// `key(_:)` of the three parameters' values; nil when one of them is empty.
    static func key(_ source: String, _ status: String, _ step: String) -> String? {
        guard !source.isEmpty, !status.isEmpty, !step.isEmpty else { return nil }
        // Written at once into a string of its size: appended part by part (`+=` five times, each a generic
        // append) it made a poll 83,596 instructions, now 82,938 (bench/speed/instructions.sh foundry).
        let count = source.utf8.count + status.utf8.count + step.utf8.count + 2
        return String(unsafeUninitializedCapacity: count) { out in
            var at = 0
            func put(_ text: String) {
                let copied: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
                    for byte in bytes {
                        out[at] = byte
                        at += 1
                    }
                }
                if copied == nil {
                    for byte in text.utf8 {
                        out[at] = byte
                        at += 1
                    }
                }
            }
            put(source)
            out[at] = UInt8(ascii: "/")
            at += 1
            put(status)
            out[at] = UInt8(ascii: "/")
            at += 1
            put(step)
            return at
        }
    }

    /// Foundry's errors are plain text ("Response Body: (error message)"); a 403 may be empty by setting.
    public func response(for error: APIError, to request: HTTPRequest, settings: [String: JSON]) -> HTTPResponse {
        if error.status == 403, settings["forbiddenBody"] == "empty" {
            return HTTPResponse(status: 403)
        }
        return .text(error.status, error.message)
    }
}

/// The run key (`FoundryFake.key`) the last status poll's three parameters made, kept for the next poll with the
/// same three: a client polls one run over and over, and comparing the texts' bytes costs less than writing the
/// key again, a heap string checked as UTF-8 and freed after the answer (foundry 50,963 -> 49,986 instructions a
/// poll, bench/speed/instructions.sh foundry). One entry, its texts from one request (bounded by its size).
struct RunKeyMemo: Sendable {
    private struct Entry: Sendable {
        var source: String
        var status: String
        var step: String
        var key: String?
    }

    private let last = Locked<Entry?>(nil)

    /// `FoundryFake.key(source, status, step)`, kept from the last call when all three are the same bytes.
    func key(_ source: String, _ status: String, _ step: String) -> String? {
        let kept = last.withLock { entry -> String?? in
            guard let entry, entry.step.hasSameUTF8(as: step), entry.source.hasSameUTF8(as: source),
                entry.status.hasSameUTF8(as: status)
            else { return nil }
            return .some(entry.key)
        }
        if let kept { return kept }
        let key = FoundryFake.key(source, status, step)
        last.withLock { $0 = Entry(source: source, status: status, step: step, key: key) }
        return key
    }
}
