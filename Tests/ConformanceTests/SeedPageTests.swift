import Foundation
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// Each API's public documentation page (the "seed" page the fake was built from), replayed against a server on
/// the embedded default scenario: every example request, in the order the page lists them, must get the page's
/// status and body shape (keys and value types; exact values where the page's are deterministic).
@Suite struct SeedPageTests {
    /// The embedded default scenario; `strict` turns strict contract mode on (every example is a well-formed
    /// request, so strict mode must answer it alike and journal no deviation: see `expectNoDeviation`).
    func defaultServer(strict: Bool = false) throws -> TestServer {
        var scenario = MockServer.catalog.defaultScenario()
        scenario.strict = strict
        return try MockServer.start(scenario)
    }

    /// The page's examples are the documented contract: no request of them is a contract deviation.
    func expectNoDeviation(_ server: TestServer, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deviations = try await StrictModeTests.allDeviations(server)
        #expect(deviations.isEmpty, "\(deviations)", sourceLocation: sourceLocation)
    }

    /// The JSON type of a parsed value: null, string, number, array or object.
    static func kind(_ value: Any?) -> String {
        switch value {
        case nil: "missing"
        case is NSNull: "null"
        case is String: "string"
        case is [Any]: "array"
        case is [String: Any]: "object"
        case is NSNumber: "number"
        default: "other"
        }
    }

    /// The body is a JSON object with exactly these keys, each of this JSON type.
    func expectShape(
        _ r: TestResponse, _ shape: [String: String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let body = r.jsonObject ?? [:]
        #expect(Set(body.keys) == Set(shape.keys), "\(r.text)", sourceLocation: sourceLocation)
        for (key, type) in shape {
            #expect(Self.kind(body[key]) == type, "\(key) in \(r.text)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Foundry — "Foundry API: Run a Source"

    /// POST dashboard/run (form parameters), then GET dashboard/run_status until the run is finished: RUNNING,
    /// FINISHED, then 404 ("the run request is already finished").
    @Test(arguments: [false, true]) func foundryRunASource(strict: Bool) async throws {
        let server = try defaultServer(strict: strict)
        let params = "apiKey=KEY&sourceID=SCR_017041-1&status2Match=error&stepName=transform"
        let run = try await server.send(
            "POST", "/dashboard/run", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: params)
        #expect(run.status == 200)
        #expect(run.text == #"{"status":"RUNNING","logMessage":"updating status of 14 records to new.1"}"#)
        var seen: [String] = []
        for _ in 0..<4 {
            let r = try await server.send("GET", "/dashboard/run_status?" + params)
            if r.status == 200 {
                expectShape(r, ["status": "string", "logMessage": "string"])
                seen.append(r.jsonObject?["status"] as? String ?? "?")
            } else {
                #expect(r.headers["Content-Type"]?.hasPrefix("text/plain") == true)
                #expect(!r.text.isEmpty)
                seen.append(String(r.status))
            }
        }
        #expect(seen == ["RUNNING", "RUNNING", "FINISHED", "404"])
        try await expectNoDeviation(server)
    }

    // MARK: Python Controller — "Python Controller API - Run"

    /// POST controller/run and GET controller/run_status, both with api_key and resourceID in the query.
    @Test(arguments: [false, true]) func controllerRun(strict: Bool) async throws {
        let server = try defaultServer(strict: strict)
        let query = "api_key=KEY&resourceID=SCR_017041"
        let run = try await server.send("POST", "/controller/run?" + query)
        #expect(run.status == 200)
        #expect(run.text == #"{"message":"Your Request started"}"#)
        let status = try await server.send("GET", "/controller/run_status?" + query)
        #expect(status.status == 200)
        expectShape(status, ["status": "string"])
        #expect(["Running", "Finished"].contains(status.jsonObject?["status"] as? String ?? ""))
        try await expectNoDeviation(server)
    }

    // MARK: GA4GH WES on Cavatica — "Get the status of the workflow run"

    @Test(arguments: [false, true]) func wesGetTheStatusOfTheWorkflowRun(strict: Bool) async throws {
        let server = try defaultServer(strict: strict)
        let id = "40a9c1a6-9263-4982-a574-e494f7c4b621"
        let r = try await server.send(
            "GET", "/ga4gh/wes/v1/runs/\(id)/status", headers: ["X-SBG-Auth-Token": "55e9691c111146bd384c5ec40a9f97fb1"])
        #expect(r.status == 200)
        expectShape(r, ["run_id": "string", "state": "string"])
        #expect(r.jsonObject?["run_id"] as? String == id)
        #expect(r.jsonObject?["state"] as? String == "COMPLETE")
        try await expectNoDeviation(server)
    }

    // MARK: Solvexia — "Process Run APIs"

    /// The page's nine examples in its order, with a token from POST /oauth/token first (every example sends a
    /// Bearer token).
    @Test(arguments: [false, true]) func solvexiaProcessRunAPIs(strict: Bool) async throws {
        let server = try defaultServer(strict: strict)
        let token = try await server.send(
            "POST", "/oauth/token", headers: ["Content-Type": "application/json"],
            body: #"{"client_id":"DDF-AAFBD447-55432-475B-83DB-B5AD78878821","client_secret":"B5AD78878821","grant_type":"client_credentials"}"#)
        #expect(token.status == 200)
        let accessToken = try #require(token.jsonObject?["access_token"] as? String)
        let auth: KeyValuePairs<String, String> = ["Authorization": "Bearer \(accessToken)"]
        let json: KeyValuePairs<String, String> = ["Authorization": "Bearer \(accessToken)", "Content-Type": "application/json"]
        let run = "/api/v1/processruns/pr-114278"
        let scheduled = #"{"id":"pr-114278","dateStarted":null,"dateFinished":null,"runDurationInSeconds":null,"status":"Scheduled"}"#
        let cancelShape = ["id": "string", "dateFinished": "null", "dateStarted": "string", "runDurationInSec": "number", "status": "string"]
        let stepShape = [
            "id": "string", "dateFinished": "null", "dateStarted": "string", "runDurationInSec": "number", "status": "string",
            "completionMessage": "string",
        ]

        // 1. Get a process run.
        let get = try await server.send("GET", run, headers: auth)
        #expect(get.status == 200)
        #expect(
            get.text
                == #"{"id":"pr-114278","name":"processapitest : run #1","process":"p-114273","alertEmailAddress":"","alertSMS":"","description":"Description here","lastModifiedBy":"usa.john.adams","dateModified":"2020-06-15T02:24:14.2700000","dateCreated":"2020-06-15T02:24:14.2700000"}"#)

        // 2. Start a process run.
        let start = try await server.send("POST", run + "/start", headers: auth)
        #expect(start.status == 200)
        #expect(start.text == scheduled)

        // 3. Cancel a process run (pr-263).
        let cancel = try await server.send("POST", "/api/v1/processruns/pr-263/cancel", headers: auth)
        #expect(cancel.status == 200)
        expectShape(cancel, cancelShape)
        #expect(cancel.jsonObject?["id"] as? String == "pr-263")
        #expect(cancel.jsonObject?["status"] as? String == "Cancelled")

        // 4. [Deprecated] Start a process run: pr-114278 again, still Scheduled.
        let oldStart = try await server.send(
            "POST", "/api/v1/requests", headers: json, body: #"{"request":"ProcessRun_StartRq","processRunId":"pr-114278"}"#)
        #expect(oldStart.status == 200, "\(oldStart.text)")
        #expect(oldStart.text == scheduled)

        // 5. [Deprecated] Cancel a process run: pr-114278 (the page's answer shows pr-263's, copied from the cancel
        // example; the mock answers for the run asked about).
        let oldCancel = try await server.send(
            "POST", "/api/v1/requests", headers: json, body: #"{"request":"ProcessRun_CancelRq","processRunId":"pr-114278"}"#)
        #expect(oldCancel.status == 200, "\(oldCancel.text)")
        expectShape(oldCancel, cancelShape)
        #expect(oldCancel.jsonObject?["id"] as? String == "pr-114278")
        #expect(oldCancel.jsonObject?["status"] as? String == "Cancelled")

        // 6. Get process run status.
        let status = try await server.send("GET", "/api/v1/processRuns/pr-114278/runstatus", headers: auth)
        #expect(status.status == 200)
        expectShape(
            status, ["id": "string", "dateStarted": "string", "dateFinished": "string", "runDurationInSeconds": "number", "status": "string"])
        #expect(status.jsonObject?["status"] as? String == "Cancelled")
        let millis = #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$"#
        #expect((status.jsonObject?["dateStarted"] as? String)?.range(of: millis, options: .regularExpression) != nil)

        // 7. Get process run data steps.
        let steps = try await server.send("GET", run + "/steps", headers: auth)
        #expect(steps.status == 200)
        #expect(
            steps.text
                == #"[{"isEnabled":true,"stepOrder":"1.1","id":"ds-114279","name":"New data step"},{"isEnabled":true,"stepOrder":"1.2","id":"ds-114278","name":"New data step 2"}]"#)

        // 8. Get a run status of a step: the action step was running when the run was cancelled.
        let step = try await server.send("GET", run + "/steps/as-20682/runstatus", headers: auth)
        #expect(step.status == 200)
        expectShape(step, stepShape)
        #expect(step.jsonObject?["id"] as? String == "as-20682")
        #expect(step.jsonObject?["status"] as? String == "cancelled")
        #expect(step.jsonObject?["completionMessage"] as? String == "")
        #expect((step.jsonObject?["dateStarted"] as? String)?.hasSuffix("Z") == true)

        // 9. Restart a step in a process run.
        let restart = try await server.send("POST", run + "/steps/as-20682/restartfromhere", headers: auth)
        #expect(restart.status == 200, "\(restart.text)")
        expectShape(restart, stepShape)
        #expect(restart.jsonObject?["id"] as? String == "as-20682")
        #expect(restart.jsonObject?["status"] as? String == "Running")
        #expect(restart.jsonObject?["completionMessage"] as? String == "step is currently running")
        try await expectNoDeviation(server)
    }

    // MARK: Workspace runs — "Create and Monitor Runs via API"

    /// 1. create a run (camelCase body, X-API-Key), 2. poll it until it ends, 3. read the output metadata.
    @Test(arguments: [false, true]) func workspaceCreateAndMonitorRuns(strict: Bool) async throws {
        let server = try defaultServer(strict: strict)
        let workspace = "3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10"
        let runs = "/api/v1/workspaces/\(workspace)/runs"
        let key: KeyValuePairs<String, String> = ["X-API-Key": "my-key"]
        let create = try await server.send(
            "POST", runs, headers: ["X-API-Key": "my-key", "Content-Type": "application/json"],
            body: #"{"inputDocumentId":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"operation":"process"}}"#)
        #expect(create.status == 201)
        #expect(create.headers["X-Request-Id"] != nil)
        let id = try #require(create.jsonObject?["id"] as? String)
        #expect(UUID(uuidString: id) != nil)
        #expect(create.jsonObject?["status"] as? String == "queued")

        let lifecycle: Set<String> = ["queued", "running", "succeeded", "failed", "cancelled"]
        var seen: [String] = []
        for _ in 0..<10 {
            let r = try await server.send("GET", runs + "/" + id, headers: key)
            #expect(r.status == 200)
            let state = r.jsonObject?["status"] as? String ?? "?"
            #expect(lifecycle.contains(state), "\(state)")
            seen.append(state)
            if ["succeeded", "failed", "cancelled"].contains(state) { break }
        }
        #expect(seen.last == "succeeded", "\(seen)")

        let output = try await server.send("GET", runs + "/" + id + "/output", headers: key)
        #expect(output.status == 200)
        #expect(output.jsonObject?["ready"] as? Bool == true)
        #expect(output.headers["X-Request-Id"] != nil)
        try await expectNoDeviation(server)
    }
}
