import Foundation
import MockRuns
import MockRunsHTTP
import MockRunsTesting
import Scenarios
import Testing

/// Strict contract mode (docs/scenarios.md, "Strict contract mode"; each docs/apis/<api>.md, "Strict mode"): every
/// leniency of a fake is a deviation on the request's journal entry; with `"strict": true` the same request gets
/// the real service's status and error body, and its journal entry still lists the deviation. Well-formed
/// sessions get no deviation at all, strict or not.
@Suite struct StrictModeTests {
    /// A server on `apis` (the inside of a scenario's `apis` object), strict or not.
    static func server(strict: Bool, apis: String = "{}") throws -> TestServer {
        try MockServer.start(json: #"{"strict": \#(strict), "apis": \#(apis)}"#)
    }

    /// A bundled scenario with strict mode on.
    static func strictServer(bundled name: String) throws -> MockServer {
        var scenario = try MockServer.catalog.load(name)
        scenario.strict = true
        return try MockServer(scenario)
    }

    /// The journal's entries, oldest first.
    static func journal(_ server: TestServer) async throws -> [[String: Any]] {
        let r = try await server.send("GET", "/__mockruns/journal")
        try #require(r.status == 200, "\(r.text)")
        return r.jsonObject?["requests"] as? [[String: Any]] ?? []
    }

    /// The deviations of the newest journal entry for `method` `path`.
    static func deviations(_ server: TestServer, _ method: String, _ path: String) async throws -> [String] {
        let entries = try await journal(server)
        let entry = try #require(
            entries.last { $0["method"] as? String == method && $0["path"] as? String == path },
            "no journal entry for \(method) \(path): \(entries)")
        return entry["deviations"] as? [String] ?? []
    }

    /// Every deviation in the journal, with its request.
    static func allDeviations(_ server: TestServer) async throws -> [String] {
        try await journal(server).flatMap { entry in
            (entry["deviations"] as? [String] ?? []).map { "\(entry["method"] ?? "") \(entry["path"] ?? ""): \($0)" }
        }
    }

    /// The newest entry for the request lists exactly one deviation, naming `naming`.
    static func expectDeviation(
        _ server: TestServer, _ method: String, _ path: String, naming: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let found = try await deviations(server, method, path)
        #expect(found.count == 1, "\(found)", sourceLocation: sourceLocation)
        #expect(found.first?.contains(naming) == true, "\(found)", sourceLocation: sourceLocation)
        #expect(found.first?.contains(" — ") == true, "what the client did — what the real service does: \(found)", sourceLocation: sourceLocation)
    }

    // MARK: Foundry

    /// POST dashboard/run with its parameters in the query: Foundry reads them from the body only.
    @Test(arguments: [false, true]) func foundryRunParametersInTheQuery(strict: Bool) async throws {
        let server = try Self.server(strict: strict)
        let path = "/dashboard/run"
        let r = try await server.send("POST", path + "?apiKey=k&sourceID=S1&status2Match=error&stepName=transform")
        if strict {
            #expect(r.status == 403)
            #expect(r.headers["Content-Type"]?.hasPrefix("text/plain") == true)
            #expect(r.text == "Unauthorized: apiKey is missing")
        } else {
            #expect(r.status == 200, "\(r.text)")
            #expect(r.jsonObject?["status"] as? String == "RUNNING")
        }
        try await Self.expectDeviation(server, "POST", path, naming: "apiKey, sourceID, status2Match, stepName sent in the query")
    }

    /// Only stepName in the query, the rest in a form body: strict mode answers Foundry's 400 naming it.
    @Test(arguments: [false, true]) func foundryOneParameterInTheQuery(strict: Bool) async throws {
        let server = try Self.server(strict: strict)
        let r = try await server.send(
            "POST", "/dashboard/run?stepName=transform", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: "apiKey=k&sourceID=S1&status2Match=error")
        #expect(r.status == (strict ? 400 : 200), "\(r.text)")
        if strict { #expect(r.text == "Missing required parameter(s): stepName") }
        try await Self.expectDeviation(server, "POST", "/dashboard/run", naming: "stepName sent in the query")
    }

    /// A JSON body without Content-Type (sent raw: URLSession would add one).
    @Test(arguments: [false, true]) func foundryJSONBodyWithoutContentType(strict: Bool) async throws {
        let server = try Self.server(strict: strict)
        let body = #"{"apiKey":"k","sourceID":"S1","status2Match":"error","stepName":"transform"}"#
        let raw = try await server.sendRaw(
            "POST /dashboard/run HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let text = raw.text
        if strict {
            #expect(text.hasPrefix("HTTP/1.1 403"), "\(text)")
            #expect(text.hasSuffix("\r\n\r\nUnauthorized: apiKey is missing"), "\(text)")
        } else {
            #expect(text.hasPrefix("HTTP/1.1 200"), "\(text)")
            #expect(text.contains(#"{"status":"RUNNING""#), "\(text)")
        }
        try await Self.expectDeviation(server, "POST", "/dashboard/run", naming: "without Content-Type: application/json")
    }

    // MARK: Controller

    /// `/controller/run/`: Flask serves `/controller/run` only.
    @Test(arguments: [false, true]) func controllerTrailingSlash(strict: Bool) async throws {
        let server = try Self.server(strict: strict)
        let r = try await server.send("POST", "/controller/run/?api_key=k&resourceID=SCR_1")
        #expect(r.headers["Content-Type"] == "application/json")
        if strict {
            #expect(r.status == 404)
            let message = try #require(r.jsonObject?["message"] as? String)
            #expect(Array((r.jsonObject ?? [:]).keys) == ["message"])
            #expect(message.hasPrefix("no endpoint POST /controller/run/; served here: POST /controller/run"), "\(message)")
        } else {
            #expect(r.status == 200)
            #expect(r.text == #"{"message":"Your Request started"}"#)
        }
        try await Self.expectDeviation(server, "POST", "/controller/run/", naming: "/controller/run/ ends with a slash")
        // The same request without the slash: no deviation, in either mode.
        let plain = try await server.send("GET", "/controller/run_status?api_key=k&resourceID=SCR_1")
        #expect(plain.status == 200)
        #expect(try await Self.deviations(server, "GET", "/controller/run_status").isEmpty)
    }

    // MARK: WES

    static let wesRuns = WESTests.base + "/runs"

    /// POST /runs without X-SBG-Auth-Token: Cavatica answers 401.
    @Test(arguments: [false, true]) func wesSubmitWithoutToken(strict: Bool) async throws {
        let server = try Self.server(strict: strict)
        let form = WESTests.Multipart.workflow()
        let r = try await server.send("POST", Self.wesRuns, headers: ["Content-Type": form.contentType], body: form.bytes)
        #expect(r.headers["Content-Type"] == "application/json")
        if strict {
            #expect(r.status == 401)
            #expect(r.jsonObject?["status_code"] as? Int == 401)
            #expect((r.jsonObject?["msg"] as? String)?.contains("X-SBG-Auth-Token header is missing") == true, "\(r.text)")
        } else {
            #expect(r.status == 200, "\(r.text)")
            #expect(r.jsonObject?["run_id"] is String)
        }
        try await Self.expectDeviation(server, "POST", Self.wesRuns, naming: "POST /runs without X-SBG-Auth-Token")
    }

    /// `Authorization: Bearer` with the acceptBearer setting: Cavatica reads X-SBG-Auth-Token only.
    @Test(arguments: [false, true]) func wesBearerToken(strict: Bool) async throws {
        let server = try Self.server(strict: strict, apis: #"{"wes": {"settings": {"acceptBearer": true}}}"#)
        let r = try await server.send("GET", Self.wesRuns, headers: ["Authorization": "Bearer abc"])
        if strict {
            #expect(r.status == 401)
            #expect(r.jsonObject?["status_code"] as? Int == 401)
            #expect((r.jsonObject?["msg"] as? String)?.contains("X-SBG-Auth-Token") == true, "\(r.text)")
        } else {
            #expect(r.status == 200, "\(r.text)")
        }
        try await Self.expectDeviation(server, "GET", Self.wesRuns, naming: "Authorization: Bearer")
    }

    /// POST /runs form-encoded: the WES API takes multipart/form-data.
    @Test(arguments: [false, true]) func wesSubmitFormEncoded(strict: Bool) async throws {
        let server = try Self.server(strict: strict)
        let r = try await server.send(
            "POST", Self.wesRuns,
            headers: [WESTests.token: "t", "Content-Type": "application/x-www-form-urlencoded"],
            body: "workflow_url=https%3A%2F%2Fexample.org%2Fecho.cwl&workflow_type=CWL&workflow_type_version=v1.0")
        if strict {
            #expect(r.status == 400)
            #expect(r.jsonObject?["status_code"] as? Int == 400)
            #expect((r.jsonObject?["msg"] as? String)?.contains("multipart/form-data") == true, "\(r.text)")
        } else {
            #expect(r.status == 200, "\(r.text)")
        }
        try await Self.expectDeviation(server, "POST", Self.wesRuns, naming: "application/x-www-form-urlencoded")
    }

    /// A form field a RunRequest does not have (`workflow_parameters`, a typo of workflow_params).
    @Test(arguments: [false, true]) func wesUnknownFormField(strict: Bool) async throws {
        let server = try Self.server(strict: strict)
        let form = WESTests.Multipart.workflow(extra: [("workflow_parameters", "{}")])
        let r = try await server.send(
            "POST", Self.wesRuns, headers: [WESTests.token: "t", "Content-Type": form.contentType], body: form.bytes)
        if strict {
            #expect(r.status == 400)
            #expect(r.jsonObject?["status_code"] as? Int == 400)
            #expect((r.jsonObject?["msg"] as? String)?.contains(#""workflow_parameters""#) == true, "\(r.text)")
        } else {
            #expect(r.status == 200, "\(r.text)")
        }
        try await Self.expectDeviation(server, "POST", Self.wesRuns, naming: #""workflow_parameters""#)
    }

    /// The real wes-client submits without a token (its auth header is commented out in 5.0): in strict mode its
    /// submission is refused with 401 and wes-client fails; reading with it still works.
    @Test func wesClientSubmitIsRefusedInStrictMode() async throws {
        let mock = try MockServer(json: #"{"strict": true}"#, file: "wes-client-strict.json")
        let dir = try WESClientTests.workdir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await WESClientTests.wesClient(["echo.cwl", "job.json"], server: mock.server, in: dir)
        #expect(run.status != 0, "stdout: \(run.stdout)\nstderr: \(run.stderr)")
        #expect(run.stderr.contains("401"), "\(run.stderr)")
        #expect(mock.app.scenario.withEngine { $0.runs(api: "wes") }.isEmpty, "nothing was created")
        try await Self.expectDeviation(mock.server, "POST", Self.wesRuns, naming: "POST /runs without X-SBG-Auth-Token")
        let entries = try await Self.journal(mock.server)
        #expect(entries.last { $0["method"] as? String == "POST" }?["status"] as? Int == 401)

        let info = try await WESClientTests.wesClient(["--info"], server: mock.server, in: dir)
        #expect(info.status == 0, "\(info.stderr)")
        #expect(try await Self.deviations(mock.server, "GET", WESTests.base + "/service-info").isEmpty)
    }

    // MARK: Solvexia

    /// client_secret in the query of POST /oauth/token: RFC 6749 takes the parameters in the body.
    @Test(arguments: [false, true]) func solvexiaTokenSecretInTheQuery(strict: Bool) async throws {
        let server = try Self.server(strict: strict)
        let r = try await server.send(
            "POST", "/oauth/token?client_secret=s3cret", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: "grant_type=client_credentials&client_id=app")
        if strict {
            #expect(r.status == 400)
            #expect(r.jsonObject?["error"] as? String == "invalid_request", "\(r.text)")
            #expect((r.jsonObject?["error_description"] as? String)?.contains("client_secret") == true, "\(r.text)")
        } else {
            #expect(r.status == 200, "\(r.text)")
            #expect(r.jsonObject?["token_type"] as? String == "Bearer")
        }
        try await Self.expectDeviation(server, "POST", "/oauth/token", naming: "client_secret sent in the query")
    }

    /// The deprecated POST /api/v1/requests with its JSON body sent as text/plain.
    @Test(arguments: [false, true]) func solvexiaRequestBodyAsTextPlain(strict: Bool) async throws {
        let server = try Self.server(strict: strict, apis: #"{"solvexia": {"runs": [{"id": "pr-114278"}]}}"#)
        let r = try await server.send(
            "POST", "/api/v1/requests", headers: ["Authorization": "Bearer t", "Content-Type": "text/plain"],
            body: #"{"request":"ProcessRun_StartRq","processRunId":"pr-114278"}"#)
        if strict {
            #expect(r.status == 415)
            #expect(Set((r.jsonObject ?? [:]).keys) == ["message", "supportId"], "\(r.text)")
            #expect((r.jsonObject?["message"] as? String)?.contains("'text/plain' is not supported") == true, "\(r.text)")
        } else {
            #expect(r.status == 200, "\(r.text)")
            #expect(r.jsonObject?["status"] as? String == "Scheduled")
        }
        try await Self.expectDeviation(server, "POST", "/api/v1/requests", naming: "JSON body sent with text/plain")
    }

    // MARK: Workspace

    static let ws = WorkspaceTests.ws
    static let wsRuns = WorkspaceTests.runs

    /// The create body sent as text/plain: FastAPI does not read it as JSON and answers 422.
    @Test(arguments: [false, true]) func workspaceBodyAsTextPlain(strict: Bool) async throws {
        let server = try Self.server(strict: strict)
        let r = try await server.send(
            "POST", Self.wsRuns, headers: ["X-API-Key": "k", "Content-Type": "text/plain"], body: WorkspaceTests.seedBody)
        if strict {
            WorkspaceTests().expectProblem(r, 422, code: "model_attributes_type", path: "body")
            #expect(r.jsonObject?["type"] as? String == "validation_error")
        } else {
            #expect(r.status == 201, "\(r.text)")
        }
        try await Self.expectDeviation(server, "POST", Self.wsRuns, naming: "JSON body sent as text/plain")
    }

    /// An unknown top-level field and a camelCase option in the seed body style: the server forbids extra fields.
    @Test(arguments: [false, true]) func workspaceUnknownFields(strict: Bool) async throws {
        let server = try Self.server(strict: strict)
        let body = #"{"inputDocumentId":"\#(WorkspaceTests.doc)","priority":"high","options":{"operation":"process","dryRun":true}}"#
        let r = try await server.send(
            "POST", Self.wsRuns, headers: ["X-API-Key": "k", "Content-Type": "application/json"], body: body)
        if strict {
            WorkspaceTests().expectProblem(r, 422, code: "extra_forbidden", path: "priority")
            let errors = r.jsonObject?["errors"] as? [[String: Any]] ?? []
            #expect(errors.map { $0["path"] as? String } == ["priority", "options.dryRun"], "\(r.text)")
        } else {
            #expect(r.status == 201, "\(r.text)")
        }
        try await Self.expectDeviation(server, "POST", Self.wsRuns, naming: #""priority", "options.dryRun""#)
    }

    // MARK: well-formed sessions get no deviation in strict mode

    /// foundry-happy: a JSON run and a form run, polled to the end.
    @Test func foundryHappySessionUnderStrictMode() async throws {
        let server = try Self.strictServer(bundled: "foundry-happy").server
        let json = try await server.send(
            "POST", "/dashboard/run", headers: ["Content-Type": "application/json"],
            body: #"{"apiKey":"k","sourceID":"SCR_017041-1","status2Match":"error","stepName":"transform"}"#)
        #expect(json.status == 200, "\(json.text)")
        let form = try await server.send(
            "POST", "/foundry/api/dashboard/run", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: "apiKey=k&sourceID=SCR_2&status2Match=finished&stepName=uuid")
        #expect(form.status == 200, "\(form.text)")
        var seen: [String] = []
        for _ in 0..<8 {
            let r = try await server.send("GET", "/dashboard/run_status?apiKey=k&sourceID=SCR_017041-1&status2Match=error&stepName=transform")
            seen.append(r.status == 200 ? r.jsonObject?["status"] as? String ?? "?" : String(r.status))
            if r.status == 404 { break }
        }
        #expect(seen.contains("FINISHED") && seen.last == "404", "\(seen)")
        #expect(try await Self.allDeviations(server).isEmpty)
    }

    /// controller-happy: run, then run_status until "No ongoing run".
    @Test func controllerHappySessionUnderStrictMode() async throws {
        let server = try Self.strictServer(bundled: "controller-happy").server
        let query = "api_key=KEY&resourceID=SCR_017041&userID=4"
        #expect(try await server.send("POST", "/controller/run?" + query).status == 200)
        var seen: [String] = []
        for _ in 0..<6 {
            let r = try await server.send("GET", "/controller/run_status?" + query)
            #expect(r.status == 200)
            seen.append(r.jsonObject?["status"] as? String ?? "?")
        }
        #expect(seen.first == "Running" && seen.contains("Finished") && seen.last == "No ongoing run", "\(seen)")
        #expect(try await Self.allDeviations(server).isEmpty)
    }

    /// wes-happy: service-info, a multipart submission with the token, status polls, the run log, its logs and
    /// tasks, the list, and a cancel refused for a finished run.
    @Test func wesHappySessionUnderStrictMode() async throws {
        let server = try Self.strictServer(bundled: "wes-happy").server
        let token: KeyValuePairs<String, String> = [WESTests.token: "t"]
        #expect(try await server.send("GET", WESTests.base + "/service-info", headers: token).status == 200)
        let form = WESTests.Multipart.workflow(extra: [("tags", #"{"project":"p1"}"#), ("workflow_engine_parameters", "{}")])
        let submit = try await server.send(
            "POST", Self.wesRuns, headers: [WESTests.token: "t", "Content-Type": form.contentType], body: form.bytes)
        #expect(submit.status == 200, "\(submit.text)")
        let id = try #require(submit.jsonObject?["run_id"] as? String)
        var states: [String] = []
        for _ in 0..<6 {
            states.append(try await server.send("GET", "\(Self.wesRuns)/\(id)/status", headers: token).jsonObject?["state"] as? String ?? "?")
        }
        #expect(states.last == "COMPLETE", "\(states)")
        for path in ["", "/logs/stderr", "/logs/stdout", "/tasks?page_size=1"] {
            let r = try await server.send("GET", "\(Self.wesRuns)/\(id)\(path)", headers: token)
            #expect(r.status == 200, "\(path): \(r.text)")
        }
        #expect(try await server.send("GET", Self.wesRuns + "?page_size=10", headers: token).status == 200)
        #expect(try await server.send("POST", "\(Self.wesRuns)/\(id)/cancel", headers: token).status == 400)
        #expect(try await Self.allDeviations(server).isEmpty)
    }

    /// solvexia-happy: a form-encoded token, then start, status polls, steps and a step's status, the
    /// deprecated start of a new run, and a created run.
    @Test func solvexiaHappySessionUnderStrictMode() async throws {
        let server = try Self.strictServer(bundled: "solvexia-happy").server
        let token = try await server.send(
            "POST", "/oauth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: "grant_type=client_credentials&client_id=app&client_secret=secret")
        #expect(token.status == 200, "\(token.text)")
        let bearer = "Bearer " + (try #require(token.jsonObject?["access_token"] as? String))
        let auth: KeyValuePairs<String, String> = ["Authorization": bearer]
        let runs = try await server.send("GET", "/__mockruns/runs?api=solvexia")
        let ids = (runs.jsonObject?["runs"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        let id = try #require(ids.first, "\(runs.text)")
        #expect(try await server.send("GET", "/api/v1/processruns/\(id)", headers: auth).status == 200)
        let start = try await server.send("POST", "/api/v1/processruns/\(id)/start", headers: auth)
        #expect(start.status == 200, "\(start.text)")
        var states: [String] = []
        for _ in 0..<8 {
            let r = try await server.send("GET", "/api/v1/processRuns/\(id)/runstatus", headers: auth)
            states.append(r.jsonObject?["status"] as? String ?? "?")
        }
        #expect(states.last == "Finished", "\(states)")
        let steps = try await server.send("GET", "/api/v1/processruns/\(id)/steps", headers: auth)
        let step = try #require((steps.json as? [[String: Any]])?.first?["id"] as? String, "\(steps.text)")
        #expect(try await server.send("GET", "/api/v1/processruns/\(id)/steps/\(step)/runstatus", headers: auth).status == 200)
        let created = try await server.send(
            "POST", "/api/v1/processes/p-114273/processruns", headers: ["Authorization": bearer, "Content-Type": "application/json"],
            body: #"{"namePrefix":"nightly"}"#)
        #expect(created.status == 200, "\(created.text)")
        let newID = try #require(created.jsonObject?["id"] as? String)
        let old = try await server.send(
            "POST", "/api/v1/requests", headers: ["Authorization": bearer, "Content-Type": "application/json"],
            body: #"{"request":"ProcessRun_StartRq","processRunId":"\#(newID)"}"#)
        #expect(old.status == 200, "\(old.text)")
        #expect(try await Self.allDeviations(server).isEmpty)
    }

    /// workspace-happy: the how-to page's camelCase create, the server's snake_case create with every option,
    /// polls, output, download, list, and the Api-Key authorization scheme the ADE API guide documents.
    @Test func workspaceHappySessionUnderStrictMode() async throws {
        let server = try Self.strictServer(bundled: "workspace-happy").server
        let key: KeyValuePairs<String, String> = ["X-API-Key": "admin-key"]
        let json: KeyValuePairs<String, String> = ["X-API-Key": "admin-key", "Content-Type": "application/json"]
        let seed = try await server.send("POST", Self.wsRuns, headers: json, body: WorkspaceTests.seedBody)
        #expect(seed.status == 201, "\(seed.text)")
        let snake = try await server.send(
            "POST", Self.wsRuns, headers: ["Authorization": "Api-Key admin-key", "Content-Type": "application/json; charset=utf-8"],
            body: #"{"input_document_id":"\#(WorkspaceTests.doc)","configuration_id":null,"options":{"operation":"validate","dry_run":true,"log_level":"DEBUG","input_sheet_names":["Sheet1"],"active_sheet_only":false,"metadata":{"k":"v"}}}"#)
        #expect(snake.status == 201, "\(snake.text)")
        let id = try #require(seed.jsonObject?["id"] as? String)
        var states: [String] = []
        for _ in 0..<6 {
            states.append(try await server.send("GET", "\(Self.wsRuns)/\(id)", headers: key).jsonObject?["status"] as? String ?? "?")
        }
        #expect(states.last == "succeeded", "\(states)")
        #expect(try await server.send("GET", "\(Self.wsRuns)/\(id)/output", headers: key).status == 200)
        #expect(try await server.send("GET", "\(Self.wsRuns)/\(id)/output/download", headers: key).status == 200)
        #expect(try await server.send("GET", Self.wsRuns + "?limit=1&includeTotal=true", headers: key).status == 200)
        #expect(try await Self.allDeviations(server).isEmpty)
    }
}
