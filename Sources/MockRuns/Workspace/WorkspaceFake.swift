#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import MockRunsHTTP
import Scenarios

/// Workspace runs of the document-processing service "ADE":
/// `/api/v1/workspaces/{workspaceId}/runs[...]`, `X-API-Key` (or `Authorization: Api-Key KEY`), problem+json
/// errors, an `X-Request-Id` on every answer, and a Server-Sent Events stream served without a thread per client.
public struct WorkspaceFake: APIFake {
    public init() {}

    /// The run bodies of recent polls (`GET .../runs/{runId}`): a run's body changes only with its phase, its
    /// duration's clock and its output's readiness.
    let memo = RenderMemo()
    /// The last creation body read, for a client that sends the same one over and over.
    let createMemo = WorkspaceCreateBody.Memo()

    static let api = "workspace"
    static let states = ["queued", "running", "succeeded", "failed", "cancelled"]
    static let terminal: Set<String> = ["succeeded", "failed", "cancelled"]

    public let descriptor: APIDescriptor = {
        var descriptor = WorkspaceFake.baseDescriptor
        // The download's Content-Type and Content-Disposition.
        descriptor.headerFields = ["output_filename", "output_content_type"]
        return descriptor
    }()

    private static let baseDescriptor = APIDescriptor(
        name: WorkspaceFake.api,
        summary: "Workspace runs (ADE): /api/v1/workspaces/{workspaceId}/runs[/{runId}[/cancel|/output|/output/download|/events/stream]]",
        states: WorkspaceFake.states,
        terminalStates: WorkspaceFake.terminal,
        endpoints: ["create", "list", "get", "cancel", "output", "download", "events"],
        matchFields: ["workspace_id", "document_id", "operation"],
        fields: ["workspace_id", "document_id", "configuration_id", "operation", "failure_message", "exit_code", "output_ready", "output_delay_seconds", "output_filename", "output_content_type", "output_content"],
        permissions: ["read", "create", "cancel"],
        events: ["cancel": EventScript(timeline: [Phase("cancelled", log: ["run cancelled"])], allowedFrom: ["queued", "running"])],
        defaultTimeline: [
            Phase("queued", .polls(1), log: ["run queued"]),
            Phase("running", .polls(2), log: ["engine started", "processing document"]),
            Phase("succeeded", log: ["output written", "run succeeded"]),
        ],
        settings: [
            .init(
                "bodyStyle", .oneOf(["seed", "strict"]), default: "seed",
                "POST .../runs body: the seed's camelCase (inputDocumentId; snake_case also taken) or the server's strict snake_case (input_document_id; unknown fields refused)"),
            .init(
                "workspaces", .strings, default: .null,
                "workspace ids that exist (others 404); unset: any well-formed UUID"),
            .init(
                "documents", .strings, default: .null,
                "document ids that exist (others 404 on create); unset: any well-formed UUID"),
            .init(
                "streamPollMilliseconds", .integer(1...60_000), default: 500,
                "events/stream: how long the stream waits between its own status reads"),
            .init(
                "keepaliveEvery", .integer(1...100_000), default: 10,
                "events/stream: a keepalive event after this many idle status reads"),
        ],
        makeID: { random, _ in random.uuid() }
    )

    /// `text` as an HTTP quoted-string (RFC 9110 §5.6.4): a quote or backslash in a file name escaped, so it
    /// cannot end the parameter and add another.
    static func quotedString(_ text: String) -> String {
        var out = "\""
        for character in text.unicodeScalars {
            if character == "\"" || character == "\\" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(character)
        }
        return out + "\""
    }

    public let routeTable: RouteTable = {
        let base = "/api/v1/workspaces/{workspaceId}/runs"
        return RouteTable([
            Route("POST", base, endpoint: "create"),
            Route("GET", base, endpoint: "list"),
            Route("GET", base + "/{runId}", endpoint: "get", run: "runId"),
            Route("POST", base + "/{runId}/cancel", endpoint: "cancel", run: "runId"),
            Route("GET", base + "/{runId}/output", endpoint: "output", run: "runId"),
            Route("GET", base + "/{runId}/output/download", endpoint: "download", run: "runId"),
            Route("GET", base + "/{runId}/events/stream", endpoint: "events", run: "runId"),
        ], claiming: ["/api/v1/workspaces"])
    }()


    public func handle(_ request: HTTPRequest, at endpoint: Endpoint, context: FakeContext) throws(APIError)
        -> HTTPResponse
    {
        let workspace = endpoint.parameters["workspaceId"] ?? ""
        let permission: String
        switch endpoint.name {
        case "create": permission = "create"
        case "cancel": permission = "cancel"
        default: permission = "read"
        }
        try authorize(request, permission: permission, workspace: workspace, context: context)
        guard WorkspaceRender.isUUID(workspace) else {
            throw APIError(
                422, "workspaceId is not a valid UUID",
                fieldErrors: [.init(path: "workspaceId", message: "Input should be a valid UUID", code: "uuid_parsing")])
        }
        let (settings, now) = (context.settings, context.now)
        if let known = settings["workspaces"]?.arrayValue?.compactMap(\.stringValue),
            !known.contains(where: { $0.lowercased() == workspace.lowercased() })
        {
            throw APIError(404, "Workspace \(workspace) not found", fieldErrors: [.init(path: "workspaceId", message: "workspace not found", code: "not_found")])
        }
        let render = WorkspaceRender(workspace: workspace, now: now, basePath: context.basePath)
        if endpoint.name == "create" { return try create(request, workspace: workspace, settings: settings, render: render, context: context) }
        if endpoint.name == "list" { return try list(request, workspace: workspace, render: render, context: context) }

        let runID = endpoint.parameters["runId"] ?? ""
        if endpoint.name == "get" {
            // Checked and counted as a poll in one step: a run of another workspace is not counted.
            let read = context.scenario.withEngine { engine in
                engine.read(api: Self.api, id: runID) { Self.exists($0, in: workspace) }
            }
            guard case .found(let view) = read else { throw Self.runNotFound(runID) }
            return .json(200, memo.body(for: render.memoKey(view)) { render.run(view) })
        }
        // Every other run endpoint first checks that the run exists in this workspace, without counting a poll.
        let current = try peek(runID, workspace: workspace, context: context)
        switch endpoint.name {
        case "cancel":
            return try cancel(runID, render: render, context: context)
        case "output":
            return .json(200, render.output(current))
        case "download":
            let output = render.outputFile(current)
            guard output.ready else {
                throw APIError(
                    409, "The output of run \(runID) is not ready (status \(current.state))", code: "OUTPUT_NOT_READY",
                    fieldErrors: [.init(path: "output", message: "output is not ready", code: "OUTPUT_NOT_READY")])
            }
            var headers = HTTPHeaders()
            headers.set("Content-Type", output.contentType)
            headers.set("Content-Disposition", "attachment; filename=\(Self.quotedString(output.filename))")
            return HTTPResponse(status: 200, headers: headers, body: output.bytes)
        case "events":
            var after = 0
            if let cursor = request.queryValue("cursor") ?? request.headers["Last-Event-ID"] {
                guard let n = Int(cursor), n >= 0 else {
                    throw APIError(
                        422, "cursor must be a whole number ≥ 0 (the id of the last event received)",
                        fieldErrors: [.init(path: "cursor", message: "Input should be a valid integer", code: "int_parsing")])
                }
                after = n
            }
            let stream = WorkspaceEventStream(
                runID: runID, scenario: context.scenario, render: render, after: after,
                interval: .milliseconds(settings["streamPollMilliseconds"]?.intValue ?? 500),
                keepaliveEvery: settings["keepaliveEvery"]?.intValue ?? 10)
            var headers = HTTPHeaders()
            headers.set("Content-Type", "text/event-stream; charset=utf-8")
            headers.set("Cache-Control", "no-cache")
            return HTTPResponse(status: 200, headers: headers, stream: stream)
        default:
            throw APIError(404, "no such endpoint")
        }
    }

    static func runNotFound(_ id: String) -> APIError {
        APIError(404, "Run \(id) not found", fieldErrors: [.init(path: "runId", message: "run not found", code: "not_found")])
    }

    private func peek(_ runID: String, workspace: String, context: FakeContext) throws(APIError) -> RunView {
        guard let view = context.scenario.withEngine({ $0.peek(api: Self.api, id: runID) }), Self.exists(view, in: workspace)
        else { throw Self.runNotFound(runID) }
        return view
    }

    /// Whether `view` is a run this workspace's client may see (not gone, and its own or a shared scripted one).
    private static func exists(_ view: RunView?, in workspace: String) -> Bool {
        guard let view, !view.gone else { return false }
        return WorkspaceRender.belongs(view, to: workspace)
    }

    // MARK: auth

    static func apiKey(_ request: HTTPRequest) -> String? {
        if let key = request.headers["X-API-Key"] { return key.trimmingSpaces() }
        return request.authorization(scheme: "Api-Key")
    }

    /// Made once: a dictionary literal in `authorize` was built on every request (~1,000 instructions).
    private static let challenge = ["WWW-Authenticate": "Api-Key"]

    private func authorize(_ request: HTTPRequest, permission: String, workspace: String, context: FakeContext) throws(APIError) {
        let key = Self.apiKey(request)
        let decision = context.scenario.withEngine {
            $0.authorize(api: Self.api, credential: key, permission: permission, scope: workspace)
        }
        let challenge = Self.challenge
        switch decision {
        case .granted: return
        case .missing: throw APIError(401, "Authentication required: send the key as X-API-Key: <key> or Authorization: Api-Key <key>", headers: challenge)
        case .invalid: throw APIError(401, "Invalid API key", headers: challenge)
        case .expired: throw APIError(401, "The API key has been revoked or has expired", headers: challenge)
        case .forbidden(let why):
            throw APIError(403, "The API key lacks the \(permission) permission on runs in workspace \(workspace) (\(why))")
        }
    }

    // MARK: create

    private func create(
        _ request: HTTPRequest, workspace: String, settings: [String: JSON], render: WorkspaceRender, context: FakeContext
    ) throws(APIError) -> HTTPResponse {
        let bodyStyle = settings["bodyStyle"]  // one look-up for both readers
        let style = bodyStyle?.stringValue ?? "seed"
        let strict = bodyStyle == "strict"
        let creation: WorkspaceCreateBody.Creation
        if let known = createMemo.creation(of: request.body, strict: strict, workspace: workspace) {
            // A body read before (and accepted then): its JSON for the contract check, which may note a deviation
            // on every request.
            try WorkspaceContract.create(request, body: .success(known.json), bodyStyle: style, context: context)
            creation = known
        } else {
            let read = request.jsonBody()  // once: the contract check and the run both look at it
            try WorkspaceContract.create(request, body: read, bodyStyle: style, context: context)
            let body: JSON
            switch read {
            case .success(let json): body = json
            case .failure(let problem): throw APIError(400, "Malformed request body: \(problem.message)")
            }
            let parsed = try WorkspaceCreateBody.parse(body, strict: strict)
            // Room for all five made at once (grown from the three written first, the array was made twice).
            var fields: [(String, JSON)] = []
            fields.reserveCapacity(5)
            fields.append(("workspace_id", .string(workspace)))
            fields.append(("document_id", .string(parsed.documentID)))
            fields.append(("operation", .string(parsed.operation)))
            if let configuration = parsed.configurationID { fields.append(("configuration_id", .string(configuration))) }
            fields.append(("options", parsed.options))
            creation = WorkspaceCreateBody.Creation(
                bytes: request.body, strict: strict, workspace: workspace, json: body, parsed: parsed,
                runRequest: .object(fields))
            createMemo.keep(creation)
        }
        let parsed = creation.parsed
        if let known = settings["documents"]?.arrayValue?.compactMap(\.stringValue),
            !known.contains(where: { $0.lowercased() == parsed.documentID.lowercased() })
        {
            throw APIError(
                404, "Document \(parsed.documentID) not found in workspace \(workspace)",
                fieldErrors: [.init(path: parsed.documentPath, message: "document not found", code: "not_found")])
        }
        let view = context.scenario.withEngine { $0.createRun(api: Self.api, request: creation.runRequest) }
        var response = HTTPResponse.json(201, render.run(view))
        response.headers.set("Location", render.path(view.id))
        return response
    }

    // MARK: list

    private func list(_ request: HTTPRequest, workspace: String, render: WorkspaceRender, context: FakeContext) throws(APIError)
        -> HTTPResponse
    {
        var limit = 50
        if let text = request.queryValue("limit") {
            guard let n = Int(text) else {
                throw APIError(422, "limit must be a whole number from 1 to 200", fieldErrors: [.init(path: "limit", message: "Input should be a valid integer", code: "int_parsing")])
            }
            guard (1...200).contains(n) else {
                throw APIError(422, "limit must be from 1 to 200, found \(n)", fieldErrors: [.init(path: "limit", message: n < 1 ? "Input should be greater than or equal to 1" : "Input should be less than or equal to 200", code: n < 1 ? "greater_than_equal" : "less_than_equal")])
            }
            limit = n
        }
        var offset = 0
        if let cursor = request.queryValue("cursor"), !cursor.isEmpty {
            guard let n = PageCursor.decode(cursor) else {
                throw APIError(422, "cursor \"\(cursor)\" is not a cursor this server gave out", fieldErrors: [.init(path: "cursor", message: "invalid cursor", code: "invalid_cursor")])
            }
            offset = n
        }
        var includeTotal = false
        if let text = request.queryValue("includeTotal") {
            guard let b = ["true": true, "1": true, "false": false, "0": false][text.lowercased()] else {
                throw APIError(422, "includeTotal must be true or false", fieldErrors: [.init(path: "includeTotal", message: "Input should be a valid boolean", code: "bool_parsing")])
            }
            includeTotal = b
        }
        let runs = context.scenario.withEngine { $0.runs(api: Self.api) }
            .filter { !$0.gone && WorkspaceRender.belongs($0, to: workspace) }
            .reversed()
        let all = Array(runs)
        let page = all.dropFirst(offset).prefix(limit)
        let hasMore = offset + page.count < all.count
        let meta: JSON = .object([
            ("limit", .int(limit)), ("hasMore", .bool(hasMore)),
            ("nextCursor", hasMore ? .string(PageCursor.encode(offset + page.count)) : .null),
            ("totalIncluded", .bool(includeTotal)), ("totalCount", includeTotal ? .int(all.count) : .null),
        ])
        var out = JSONWriter(capacity: 1_000 * max(page.count, 1))
        out.openObject()
        out.key("items")
        out.openArray()
        for run in page {
            out.item()
            render.write(run, to: &out)
        }
        out.closeArray()
        out.key("meta")
        out.value(meta)
        out.closeObject()
        return .json(200, out.bytes)
    }

    // MARK: cancel

    private func cancel(_ runID: String, render: WorkspaceRender, context: FakeContext) throws(APIError) -> HTTPResponse {
        switch context.scenario.withEngine({ $0.send("cancel", api: Self.api, id: runID) }) {
        case .accepted(let view), .repeated(let view):
            return .json(200, render.run(view))
        case .refused(let view):
            if view.state == "cancelled" { return .json(200, render.run(view)) }
            throw APIError(
                409, "Run \(runID) is \(view.state) and can no longer be cancelled", code: "RUN_NOT_CANCELLABLE",
                fieldErrors: [.init(path: "status", message: "run is \(view.state)", code: "invalid_state")])
        case .notFound:
            throw Self.runNotFound(runID)
        }
    }

    // MARK: errors

    static let titles: [Int: (String, String)] = [
        400: ("bad_request", "Bad Request"), 401: ("unauthorized", "Unauthorized"), 403: ("forbidden", "Forbidden"),
        404: ("not_found", "Not Found"), 405: ("method_not_allowed", "Method Not Allowed"), 409: ("conflict", "Conflict"),
        413: ("payload_too_large", "Content Too Large"), 422: ("validation_error", "Unprocessable Content"),
        429: ("too_many_requests", "Too Many Requests"), 500: ("internal_error", "Internal Server Error"),
        502: ("bad_gateway", "Bad Gateway"), 503: ("service_unavailable", "Service Unavailable"),
    ]

    /// `application/problem+json`; `requestId` is filled in by `finish`, with the `X-Request-Id` header.
    public func response(for error: APIError, to request: HTTPRequest, settings: [String: JSON]) -> HTTPResponse {
        let (type, title) = Self.titles[error.status] ?? ("error", "HTTP \(error.status)")
        var errors = error.fieldErrors.map { e -> JSON in
            .object([("path", .string(e.path)), ("message", .string(e.message)), ("code", .string(e.code))])
        }
        if errors.isEmpty, let code = error.code {
            errors = [.object([("path", ""), ("message", .string(error.message)), ("code", .string(code))])]
        }
        let body: JSON = .object([
            ("type", .string(type)), ("title", .string(title)), ("status", .int(error.status)),
            ("detail", .string(error.message)), ("instance", .string(request.basePath + request.path)), ("requestId", .null),
            ("errors", .array(errors)),
        ])
        return .json(error.status, body.bytes, contentType: "application/problem+json")
    }

    /// Stamps `X-Request-Id` (from the seed and the count of answers) on every answer, and into problem bodies.
    /// Crockford's base 32, as the API's request ids use it.
    private static let requestIDAlphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    public func finish(_ response: consuming HTTPResponse, to request: HTTPRequest, scenario: LiveScenario) -> HTTPResponse {
        let (seed, n) = scenario.withEngine { engine in
            (engine.scenario.seed, engine.countAnswer(api: Self.api))
        }
        // The stream of "requestId/workspace/N", its 30 characters written straight into the string (through an
        // array, with the label interpolated and the count read and stored by two look-ups, ~3,700 instructions
        // more on every workspace answer: bench/speed/instructions.sh workspace). Each draw gives 12 characters,
        // five bits each (a draw a character was ~600 instructions more).
        var random = SeededRandom(seed: seed, stream: "requestId/workspace/", number: n)
        let requestID = Self.requestIDAlphabet.withUnsafeBufferPointer { alphabet in
            String(unsafeUninitializedCapacity: 30) { out in
                (out[0], out[1], out[2], out[3]) = (UInt8(ascii: "r"), UInt8(ascii: "e"), UInt8(ascii: "q"), UInt8(ascii: "_"))
                var bits: UInt64 = 0
                for index in 4..<30 {
                    if (index - 4) % 12 == 0 { bits = random.next() }
                    out[index] = alphabet[Int(bits & 31)]
                    bits >>= 5
                }
                return 30
            }
        }
        response.headers.set("X-Request-Id", requestID)
        if case .bytes(let bytes) = response.body, response.headers["Content-Type"] == "application/problem+json",
            let json = try? JSON.parse(bytes), json["requestId"] == .null
        {
            response.body = .bytes(json.setting("requestId", .string(requestID)).bytes)
        }
        return response
    }
}
