import Foundation
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// Solvexia process runs (docs/apis/solvexia.md) over real HTTP: OAuth client credentials, Bearer auth, every
/// endpoint with its documented body, the `{message, supportId}` errors, every bundled solvexia scenario.
@Suite struct SolvexiaTests {
    static let auth: KeyValuePairs<String, String> = ["Authorization": "Bearer any-token"]
    static let runPath = "/api/v1/processruns/pr-114278"

    func get(_ server: TestServer, _ path: String, headers: KeyValuePairs<String, String> = SolvexiaTests.auth) async throws -> TestResponse {
        try await server.send("GET", path, headers: headers)
    }

    func post(_ server: TestServer, _ path: String, headers: KeyValuePairs<String, String> = SolvexiaTests.auth, body: String? = nil)
        async throws -> TestResponse
    {
        try await server.send("POST", path, headers: headers, body: body.map { Array($0.utf8) })
    }

    func object(_ r: TestResponse) -> [String: Any] { r.jsonObject ?? [:] }

    static func isUUID(_ value: Any?) -> Bool {
        guard let s = value as? String else { return false }
        return UUID(uuidString: s) != nil
    }

    /// The documented error body: `{"message","supportId"}` and nothing else.
    func expectError(_ r: TestResponse, _ status: Int, contains text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, sourceLocation: sourceLocation)
        let body = object(r)
        #expect(Set(body.keys) == ["message", "supportId"], "\(r.text)", sourceLocation: sourceLocation)
        #expect(Self.isUUID(body["supportId"]), sourceLocation: sourceLocation)
        if let text { #expect((body["message"] as? String)?.contains(text) == true, "\(r.text)", sourceLocation: sourceLocation) }
    }

    /// Run status, then the step's status, per read (each read is a poll).
    func runStatus(_ server: TestServer) async throws -> String {
        object(try await get(server, Self.runPath + "/runstatus"))["status"] as? String ?? "?"
    }

    func stepStatus(_ server: TestServer, _ step: String) async throws -> [String: Any] {
        object(try await get(server, Self.runPath + "/steps/\(step)/runstatus"))
    }

    // MARK: OAuth

    @Test func tokenFromJSONAndFormIsAccepted() async throws {
        let server = try MockServer.start(bundled: "solvexia-403")
        let json = try await post(
            server, "/oauth/token", headers: ["Content-Type": "application/json"],
            body: #"{"client_id":"mockruns-client","client_secret":"s3cret","grant_type":"client_credentials"}"#)
        #expect(json.status == 200)
        let body = object(json)
        #expect(Array(body.keys).sorted() == ["access_token", "expires_in", "token_type"])
        #expect(body["token_type"] as? String == "Bearer")
        #expect(body["expires_in"] as? Int == 5)
        let token = try #require(body["access_token"] as? String)
        #expect(token.count > 40)
        let form = try await post(
            server, "/api/oauth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: "client_id=mockruns-client&client_secret=s3cret&grant_type=client_credentials&scope=processrun")
        #expect(form.status == 200)
        #expect(object(form)["access_token"] as? String != token)

        let read = try await get(server, Self.runPath, headers: ["Authorization": "Bearer \(token)"])
        #expect(read.status == 200)
        #expect(object(read)["id"] as? String == "pr-114278")
        // The token may start a run (issued tokens hold every permission).
        let start = try await post(server, Self.runPath + "/start", headers: ["Authorization": "Bearer \(token)"])
        #expect(start.status == 200)
        // 5 s lifetime on a polls clock (1 s per request): a few requests later it has expired.
        var last = 200
        for _ in 0..<6 { last = try await get(server, Self.runPath, headers: ["Authorization": "Bearer \(token)"]).status }
        #expect(last == 403)
        let expired = try await get(server, Self.runPath, headers: ["Authorization": "Bearer \(token)"])
        expectError(expired, 403, contains: "expired")
    }

    @Test func tokenErrorsFollowRFC6749() async throws {
        let server = try MockServer.start(bundled: "solvexia-403")
        let headers: KeyValuePairs<String, String> = ["Content-Type": "application/json"]
        let cases: [(String, Int, String)] = [
            (#"{"client_id":"mockruns-client","client_secret":"wrong","grant_type":"client_credentials"}"#, 401, "invalid_client"),
            (#"{"client_id":"mockruns-client","client_secret":"s3cret","grant_type":"password"}"#, 400, "unsupported_grant_type"),
            (#"{"client_id":"mockruns-client","client_secret":"s3cret"}"#, 400, "invalid_request"),
            (#"{"client_secret":"s3cret","grant_type":"client_credentials"}"#, 400, "invalid_request"),
            (#"{"client_id": "#, 400, "invalid_request"),
            // A JSON body's parameters are strings: a number or a list never signs in.
            (#"{"client_id":"mockruns-client","client_secret":["s3cret"],"grant_type":"client_credentials"}"#, 400, "invalid_request"),
            (#"{"client_id":1.0,"client_secret":"s3cret","grant_type":"client_credentials"}"#, 400, "invalid_request"),
        ]
        for (body, status, code) in cases {
            let r = try await post(server, "/oauth/token", headers: headers, body: body)
            #expect(r.status == status, "\(body)")
            #expect(object(r)["error"] as? String == code, "\(body): \(r.text)")
            #expect(object(r)["error_description"] is String)
        }
        let get = try await server.send("GET", "/oauth/token")
        #expect(get.status == 405)
        #expect(get.headers["Allow"] == "POST")
    }

    @Test func anyClientGetsATokenByDefault() async throws {
        let server = try MockServer.start(json: "{}")
        let r = try await post(
            server, "/oauth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: "client_id=DDF-AAFBD447-55432-475B-83DB-B5AD78878821&client_secret=B5AD78878821&grant_type=client_credentials")
        #expect(r.status == 200)
        #expect(object(r)["expires_in"] as? Int == 600)
    }

    // MARK: auth

    @Test func authFailuresAre403WithSupportId() async throws {
        let server = try MockServer.start(bundled: "solvexia-403")
        expectError(try await get(server, Self.runPath, headers: [:]), 403, contains: "no Bearer token")
        expectError(try await get(server, Self.runPath, headers: ["Authorization": "Basic abc"]), 403)
        expectError(try await get(server, Self.runPath, headers: ["Authorization": "Bearer nope"]), 403, contains: "invalid token")
        // A listed token with read permission only.
        let readOnly: KeyValuePairs<String, String> = ["Authorization": "Bearer read-only-token"]
        #expect(try await get(server, Self.runPath, headers: readOnly).status == 200)
        #expect(try await get(server, Self.runPath + "/steps", headers: readOnly).status == 200)
        expectError(try await post(server, Self.runPath + "/start", headers: readOnly), 403, contains: "run")
        expectError(try await post(server, "/api/v1/processes/p-114273/processruns", headers: readOnly), 403)
        // It was refused, so the run was not started.
        #expect(object(try await get(server, Self.runPath + "/runstatus", headers: readOnly))["status"] as? String == "NotStarted")
    }

    @Test func unauthenticatedStatusSetting() async throws {
        let server = try MockServer.start(json: #"{"apis":{"solvexia":{"settings":{"unauthenticatedStatus":"401"}}}}"#)
        let r = try await get(server, "/api/v1/processruns/pr-1", headers: [:])
        expectError(r, 401)
        #expect(r.headers["WWW-Authenticate"] == "Bearer")
    }

    // MARK: endpoints

    @Test func processRunMatchesTheDocumentedExample() async throws {
        let server = try MockServer.start(MockServer.catalog.defaultScenario())
        let r = try await get(server, Self.runPath)
        #expect(r.status == 200)
        #expect(
            r.text
                == #"{"id":"pr-114278","name":"processapitest : run #1","process":"p-114273","alertEmailAddress":"","alertSMS":"","description":"Description here","lastModifiedBy":"usa.john.adams","dateModified":"2020-06-15T02:24:14.2700000","dateCreated":"2020-06-15T02:24:14.2700000"}"#
        )
        let steps = try await get(server, Self.runPath + "/steps")
        #expect(
            steps.text
                == #"[{"isEnabled":true,"stepOrder":"1.1","id":"ds-114279","name":"New data step"},{"isEnabled":true,"stepOrder":"1.2","id":"ds-114278","name":"New data step 2"}]"#
        )
        // The action step is no data step, but its status can be read (seed: as-20682).
        #expect(try await get(server, Self.runPath + "/steps/as-20682/runstatus").status == 200)
        #expect(try await get(server, "/api/v1/processruns/pr-263").status == 200)
    }

    @Test func defaultScenarioHasTheSeedIDs() async throws {
        let server = try MockServer.start(MockServer.catalog.defaultScenario())
        for path in ["/api/v1/processruns/pr-114278", "/api/v1/processruns/pr-263", Self.runPath + "/steps/ds-114279/runstatus",
                     Self.runPath + "/steps/ds-114278/runstatus", Self.runPath + "/steps/as-20682/runstatus"] {
            #expect(try await get(server, path).status == 200, "\(path)")
        }
        let cancel = try await post(server, "/api/v1/processruns/pr-263/cancel")
        #expect(cancel.status == 200)
        #expect(object(cancel)["status"] as? String == "Cancelled")
    }

    @Test func happyScenarioPhaseByPhase() async throws {
        let server = try MockServer.start(bundled: "solvexia-happy")
        #expect(try await runStatus(server) == "NotStarted")
        let start = try await post(server, Self.runPath + "/start")
        #expect(start.status == 200)
        #expect(start.text == #"{"id":"pr-114278","dateStarted":null,"dateFinished":null,"runDurationInSeconds":null,"status":"Scheduled"}"#)
        // Each read of ds-114278's status is a poll: Scheduled, then one phase per read.
        var seen: [String] = []
        for _ in 0..<5 {
            let step = try await stepStatus(server, "ds-114278")
            seen.append(step["status"] as? String ?? "?")
            #expect(Array(step.keys).sorted() == ["completionMessage", "dateFinished", "dateStarted", "id", "runDurationInSec", "status"])
        }
        #expect(seen == ["NotStarted", "NotStarted", "Running", "Success", "Success"])
        let final = object(try await get(server, Self.runPath + "/runstatus"))
        #expect(final["status"] as? String == "Finished")
        let started = try #require(final["dateStarted"] as? String)
        let finished = try #require(final["dateFinished"] as? String)
        // Documented run-status time format: 2025-02-05T22:40:19.923 (milliseconds, no zone).
        #expect(started.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$"#, options: .regularExpression) != nil)
        #expect(started < finished)
        #expect((final["runDurationInSeconds"] as? Int ?? -1) >= 1)
        for step in ["ds-114279", "ds-114278", "as-20682"] {
            let s = try await stepStatus(server, step)
            #expect(s["status"] as? String == "Success", "\(step)")
            #expect((s["dateStarted"] as? String)?.hasSuffix("Z") == true)
        }
        // Finished: start and cancel are refused with the documented error body.
        expectError(try await post(server, Self.runPath + "/start"), 400, contains: "Finished")
        expectError(try await post(server, Self.runPath + "/cancel"), 400, contains: "Finished")
    }

    @Test(arguments: ["processRuns", "processruns", "PROCESSRUNS"])
    func runStatusPathCasing(segment: String) async throws {
        let server = try MockServer.start(bundled: "solvexia-happy")
        let r = try await get(server, "/api/v1/\(segment)/pr-114278/runstatus")
        #expect(r.status == 200)
        #expect(r.text == #"{"id":"pr-114278","dateStarted":null,"dateFinished":null,"runDurationInSeconds":null,"status":"NotStarted"}"#)
    }

    @Test func deprecatedRequestsStartAndCancel() async throws {
        let server = try MockServer.start(bundled: "solvexia-cancel-mid-run")
        let json: KeyValuePairs<String, String> = ["Authorization": "Bearer t", "Content-Type": "application/json"]
        let start = try await post(server, "/api/v1/requests", headers: json, body: #"{"request":"ProcessRun_StartRq","processRunId":"pr-114278"}"#)
        #expect(start.status == 200)
        #expect(object(start)["status"] as? String == "Scheduled")
        #expect(try await runStatus(server) == "Scheduled")
        #expect(try await runStatus(server) == "Running")
        let cancel = try await post(server, "/api/v1/requests", headers: json, body: #"{"request":"ProcessRun_CancelRq","processRunId":"pr-114278"}"#)
        #expect(cancel.status == 200)
        let body = object(cancel)
        #expect(body["status"] as? String == "Cancelled")
        #expect(body["runDurationInSec"] != nil && body["runDurationInSeconds"] == nil)
        let bad: [String] = [
            #"{"request":"ProcessRun_PauseRq","processRunId":"pr-114278"}"#,
            #"{"processRunId":"pr-114278"}"#,
            #"{"request":"ProcessRun_StartRq"}"#,
            #"["ProcessRun_StartRq"]"#,
            "not json",
            "",
        ]
        for b in bad { expectError(try await post(server, "/api/v1/requests", headers: json, body: b), 400) }
        expectError(
            try await post(server, "/api/v1/requests", headers: json, body: #"{"request":"ProcessRun_StartRq","processRunId":"pr-404"}"#),
            404)
    }

    @Test func cancelMidRunScenario() async throws {
        let server = try MockServer.start(bundled: "solvexia-cancel-mid-run")
        expectError(try await post(server, Self.runPath + "/cancel"), 400, contains: "NotStarted")
        #expect(try await post(server, Self.runPath + "/start").status == 200)
        #expect(try await runStatus(server) == "Scheduled")
        #expect(try await runStatus(server) == "Running")
        #expect(try await stepStatus(server, "ds-114278")["status"] as? String == "Running")
        #expect(try await stepStatus(server, "ds-114279")["status"] as? String == "Success")
        let cancel = try await post(server, Self.runPath + "/cancel")
        #expect(cancel.status == 200)
        // Documented cancel answer: dateFinished null, runDurationInSec, status Cancelled.
        let body = object(cancel)
        #expect(Array(body.keys).sorted() == ["dateFinished", "dateStarted", "id", "runDurationInSec", "status"])
        #expect(body["dateFinished"] is NSNull)
        #expect(body["status"] as? String == "Cancelled")
        #expect(try await runStatus(server) == "Cancelled")
        // The documented step run status of a cancelled step: "cancelled" in lower case, dateFinished null.
        let step = try await stepStatus(server, "ds-114278")
        #expect(step["status"] as? String == "cancelled")
        #expect(step["dateFinished"] is NSNull)
        #expect(step["dateStarted"] is String)
        #expect(try await stepStatus(server, "ds-114279")["status"] as? String == "Success")
        // Cancelling again answers the same status; starting again is refused.
        #expect(object(try await post(server, Self.runPath + "/cancel"))["status"] as? String == "Cancelled")
        expectError(try await post(server, Self.runPath + "/start"), 400)
    }

    @Test func restartOfARunCancelledBeforeItRanIsRefused() async throws {
        let server = try MockServer.start(MockServer.catalog.defaultScenario())
        #expect(try await post(server, Self.runPath + "/start").status == 200)
        // Cancelled while still Scheduled: it never ran.
        let cancel = try await post(server, Self.runPath + "/cancel")
        #expect(cancel.status == 200)
        #expect(object(cancel)["runDurationInSec"] is NSNull)
        expectError(try await post(server, Self.runPath + "/steps/as-20682/restartfromhere"), 400, contains: "never ran")
        expectError(try await post(server, Self.runPath + "/steps/ds-114279/start"), 400, contains: "never ran")
        // Refused, so nothing moved: the run stays Cancelled and its steps NotStarted.
        for _ in 0..<4 { #expect(try await runStatus(server) == "Cancelled") }
        #expect(try await stepStatus(server, "as-20682")["status"] as? String == "NotStarted")
    }

    @Test func cancelledStepStatusSetting() async throws {
        func cancelledStep(_ settings: String) async throws -> [String: Any] {
            let server = try MockServer.start(json: #"{"apis":{"solvexia":{"settings":\#(settings)}}}"#)
            // A created run (default lifecycle, two data steps that follow it), started, seen Running, cancelled.
            let id = try #require(object(try await post(server, "/api/v1/processes/p-1/processruns"))["id"] as? String)
            let path = "/api/v1/processruns/" + id
            #expect(try await post(server, path + "/start").status == 200)
            for _ in 0..<2 { _ = try await get(server, path + "/runstatus") }
            #expect(try await post(server, path + "/cancel").status == 200)
            let number = Int(id.dropFirst(3)) ?? 0
            return object(try await get(server, path + "/steps/ds-\(number + 1)/runstatus"))
        }
        #expect(try await cancelledStep("{}")["status"] as? String == "cancelled")
        let capitalised = try await cancelledStep(#"{"cancelledStepStatus":"Cancelled"}"#)
        #expect(capitalised["status"] as? String == "Cancelled")
        #expect(capitalised["dateFinished"] is NSNull)
        let explicit = try await cancelledStep(#"{"cancelledStepStatus":"cancelled","emptyDates":"null"}"#)
        #expect(explicit["status"] as? String == "cancelled")
        #expect(explicit["dateFinished"] is String)
        #expect(throws: (any Error).self) {
            _ = try MockServer.loader.load(Array(#"{"apis":{"solvexia":{"settings":{"cancelledStepStatus":"CANCELLED"}}}}"#.utf8), file: "x.json")
        }
    }

    @Test func timeoutScenario() async throws {
        let server = try MockServer.start(bundled: "solvexia-timeout")
        #expect(try await post(server, Self.runPath + "/start").status == 200)
        var seen: [String] = []
        for _ in 0..<5 { seen.append(try await runStatus(server)) }
        #expect(seen == ["Scheduled", "Running", "Running", "TimedOut", "TimedOut"])
        let step = try await stepStatus(server, "ds-114279")
        #expect(step["status"] as? String == "Failed")
        #expect(step["completionMessage"] as? String == "The step exceeded the process run time limit")
        #expect(try await stepStatus(server, "ds-114278")["status"] as? String == "NotStarted")
        expectError(try await post(server, Self.runPath + "/cancel"), 400, contains: "TimedOut")
    }

    @Test func stepFailedRestartScenario() async throws {
        let server = try MockServer.start(bundled: "solvexia-step-failed-restart")
        expectError(try await post(server, Self.runPath + "/steps/ds-114278/restartfromhere"), 400, contains: "not started")
        #expect(try await post(server, Self.runPath + "/start").status == 200)
        var seen: [String] = []
        for _ in 0..<4 { seen.append(try await runStatus(server)) }
        #expect(seen == ["Scheduled", "Running", "Running", "Finished"])
        let failed = try await stepStatus(server, "ds-114278")
        #expect(failed["status"] as? String == "Failed")
        #expect(failed["completionMessage"] as? String == "Column 'Amount' was not found in the source file")
        #expect(try await stepStatus(server, "as-20682")["status"] as? String == "Skipped")

        let restart = try await post(server, Self.runPath + "/steps/ds-114278/restartfromhere")
        #expect(restart.status == 200)
        let body = object(restart)
        #expect(body["id"] as? String == "ds-114278")
        #expect(body["status"] as? String == "Running")
        #expect(body["completionMessage"] as? String == "step is currently running")
        #expect(body["dateFinished"] is NSNull)
        #expect((body["dateStarted"] as? String)?.hasSuffix("Z") == true)
        #expect(body["runDurationInSec"] is Int)
        seen = []
        for _ in 0..<3 { seen.append(try await runStatus(server)) }
        #expect(seen == ["Running", "Running", "Finished"])
        for step in ["ds-114279", "ds-114278", "as-20682"] {
            #expect(try await stepStatus(server, step)["status"] as? String == "Success", "\(step)")
        }
        expectError(try await post(server, Self.runPath + "/steps/ds-999/restartfromhere"), 404, contains: "ds-999")
    }

    /// The contract: a restart "sets that step (and the run) Running again" and answers it Running, even when no
    /// phase of the timeline it re-enters marks that step Running (the phase's own step statuses are older).
    @Test func restartedStepRunsAgainWhereNoPhaseSaysSo() async throws {
        let server = try MockServer.start(bundled: "solvexia-step-failed-restart")
        #expect(try await post(server, Self.runPath + "/start").status == 200)
        for _ in 0..<4 { _ = try await runStatus(server) }
        let before = try await stepStatus(server, "ds-114279")
        #expect(before["status"] as? String == "Success")

        let restart = object(try await post(server, Self.runPath + "/steps/ds-114279/restartfromhere"))
        #expect(restart["status"] as? String == "Running", "\(restart)")
        #expect(restart["completionMessage"] as? String == "step is currently running")
        #expect(restart["dateFinished"] is NSNull)
        #expect(restart["dateStarted"] as? String != before["dateStarted"] as? String, "the step started again")
        #expect(restart["runDurationInSec"] as? Int == 0)
        // Still running while the re-run goes on (no phase speaks of it), done when the run finishes.
        #expect(try await stepStatus(server, "ds-114279")["status"] as? String == "Running")
        #expect(try await runStatus(server) == "Running")
        #expect(try await runStatus(server) == "Finished")
        let after = try await stepStatus(server, "ds-114279")
        #expect(after["status"] as? String == "Success")
        #expect(after["dateStarted"] as? String == restart["dateStarted"] as? String)
    }

    /// A run whose script gives no step statuses: its steps follow the run, and a restart from the second step
    /// runs that one, with the first done.
    @Test func restartFromALaterStepOfARunWithoutStepStatuses() async throws {
        let server = try MockServer.start(bundled: "solvexia-happy")
        let id = try #require(object(try await post(server, "/api/v1/processes/p-114273/processruns"))["id"] as? String)
        let path = "/api/v1/processruns/\(id)"
        let steps = try #require(try await get(server, path + "/steps").json as? [[String: Any]]).compactMap { $0["id"] as? String }
        #expect(steps.count == 2)
        #expect(try await post(server, path + "/start").status == 200)
        func status(_ suffix: String) async throws -> String? { object(try await get(server, path + suffix))["status"] as? String }
        #expect(try await status("/runstatus") == "Scheduled")
        #expect(try await status("/runstatus") == "Running")

        let restart = object(try await post(server, path + "/steps/\(steps[1])/restartfromhere"))
        #expect(restart["id"] as? String == steps[1])
        #expect(restart["status"] as? String == "Running", "\(restart)")
        #expect(restart["completionMessage"] as? String == "step is currently running")
        #expect(try await status("/steps/\(steps[0])/runstatus") == "Success")
        #expect(try await status("/steps/\(steps[1])/runstatus") == "Running")
        #expect(try await status("/runstatus") == "Finished")
        #expect(try await status("/steps/\(steps[0])/runstatus") == "Success")
        #expect(try await status("/steps/\(steps[1])/runstatus") == "Success")
    }

    @Test func restartWithoutScriptRewindsIntoTheStartTimeline() async throws {
        let server = try MockServer.start(bundled: "solvexia-happy")
        #expect(try await post(server, Self.runPath + "/start").status == 200)
        for _ in 0..<5 { _ = try await runStatus(server) }
        #expect(try await runStatus(server) == "Finished")
        // The newer docs' spelling of the same operation.
        let restart = try await post(server, Self.runPath + "/steps/ds-114278/start")
        #expect(restart.status == 200)
        #expect(object(restart)["status"] as? String == "Running")
        #expect(try await stepStatus(server, "ds-114278")["status"] as? String == "Running")
        #expect(try await stepStatus(server, "as-20682")["status"] as? String == "Running")
        #expect(try await runStatus(server) == "Finished")
    }

    @Test func createAProcessRun() async throws {
        let server = try MockServer.start(bundled: "solvexia-happy")
        let json: KeyValuePairs<String, String> = ["Authorization": "Bearer t", "Content-Type": "application/json"]
        let created = try await post(server, "/api/v1/processes/p-114273/processruns", headers: json, body: #"{"namePrefix":"nightly"}"#)
        #expect(created.status == 200)
        let run = object(created)
        let id = try #require(run["id"] as? String)
        #expect(id.range(of: #"^pr-\d+$"#, options: .regularExpression) != nil)
        #expect(run["name"] as? String == "nightly : run #2")
        #expect(run["process"] as? String == "p-114273")
        #expect(Array(run.keys).sorted() == ["alertEmailAddress", "alertSMS", "dateCreated", "dateModified", "description", "id", "lastModifiedBy", "name", "process"])
        #expect((run["dateCreated"] as? String)?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}$"#, options: .regularExpression) != nil)
        // No body at all is fine too.
        let bare = try await post(server, "/api/v1/processes/p-114273/processruns")
        #expect(bare.status == 200)
        #expect(object(bare)["name"] as? String == "processapitest : run #3")
        // Numbers go on by creation; many runs keep distinct ids (six random digits repeat by chance within a few
        // thousand draws: a repeat is drawn again, not allowed to replace a run).
        var ids: Set<String> = [id]
        for n in 4...303 {
            let next = object(try await post(server, "/api/v1/processes/p-114273/processruns"))
            #expect(next["name"] as? String == "processapitest : run #\(n)")
            ids.insert(next["id"] as? String ?? "")
        }
        #expect(ids.count == 301)
        // The created run plays the scenario's default run.
        let path = "/api/v1/processruns/\(id)"
        #expect(object(try await get(server, path + "/runstatus"))["status"] as? String == "NotStarted")
        #expect(try await post(server, path + "/start").status == 200)
        var seen: [String] = []
        for _ in 0..<4 { seen.append(object(try await get(server, path + "/runstatus"))["status"] as? String ?? "?") }
        #expect(seen == ["Scheduled", "Running", "Running", "Finished"])
        let steps = try await get(server, path + "/steps")
        let list = try #require(steps.json as? [[String: Any]])
        #expect(list.count == 2)
        let firstStep = try #require(list.first?["id"] as? String)
        #expect(object(try await get(server, path + "/steps/\(firstStep)/runstatus"))["status"] as? String == "Success")

        expectError(try await post(server, "/api/v1/processes/p-999/processruns"), 404, contains: "p-999")
        expectError(try await post(server, "/api/v1/processes/p-114273/processruns", headers: json, body: "{"), 400)
        expectError(try await post(server, "/api/v1/processes/p-114273/processruns", headers: json, body: #"{"namePrefix":7}"#), 400)
        expectError(try await post(server, "/api/v1/processes/p-114273/processruns", headers: json, body: "[1]"), 400)
    }

    @Test func unknownRunsStepsAndMethods() async throws {
        let server = try MockServer.start(bundled: "solvexia-happy")
        let missing = "/api/v1/processruns/pr-404"
        for r in [
            try await get(server, missing), try await post(server, missing + "/start"), try await post(server, missing + "/cancel"),
            try await get(server, missing + "/runstatus"), try await get(server, missing + "/steps"),
            try await get(server, missing + "/steps/ds-1/runstatus"), try await post(server, missing + "/steps/ds-1/restartfromhere"),
        ] {
            expectError(r, 404, contains: "pr-404")
        }
        expectError(try await get(server, Self.runPath + "/steps/ds-1/runstatus"), 404, contains: "ds-1")
        let wrong = try await server.send("DELETE", Self.runPath, headers: Self.auth)
        expectError(wrong, 405)
        #expect(wrong.headers["Allow"] == "GET")
    }

    @Test func settingsSwitchTheDocumentedQuirks() async throws {
        let scenario = """
            {"apis":{"solvexia":{"settings":{"durationField":"runDurationInSeconds","emptyDates":"empty",
              "timestampFormat":"iso8601Z","runStatusShape":"array"},
              "runs":[{"id":"pr-1","fields":{"steps":[{"id":"ds-2","name":"A"}]},
                "on":{"start":{"timeline":[{"state":"Running","polls":1,"fields":{"stepStatus":{"ds-2":"Running"}}},{"state":"Finished"}]}}}]}}}
            """
        let server = try MockServer.start(json: scenario)
        let start = object(try await post(server, "/api/v1/processruns/pr-1/start"))
        #expect(start["runDurationInSeconds"] is Int)
        #expect(start["dateFinished"] as? String == "")
        #expect((start["dateStarted"] as? String)?.hasSuffix("Z") == true)
        let cancel = object(try await post(server, "/api/v1/processruns/pr-1/cancel"))
        #expect(cancel["runDurationInSeconds"] is Int && cancel["runDurationInSec"] == nil)
        #expect((cancel["dateFinished"] as? String)?.hasSuffix("Z") == true)
        let status = try await get(server, "/api/v1/processruns/pr-1/runstatus")
        let items = try #require(status.json as? [[String: Any]])
        #expect(items.count == 2)
        #expect(items[0]["id"] as? String == "pr-1")
        #expect(items[1]["id"] as? String == "ds-2")
        #expect(items[1]["status"] as? String == "Cancelled")
        #expect(items[1]["runDurationInSeconds"] is Int)
    }

    @Test func sameRequestsGiveTheSameBytes() async throws {
        let server = try MockServer.start(bundled: "solvexia-step-failed-restart")
        func session() async throws -> [String] {
            var bodies: [String] = []
            let token = try await post(
                server, "/oauth/token", headers: ["Content-Type": "application/json"],
                body: #"{"client_id":"a","client_secret":"b","grant_type":"client_credentials"}"#)
            bodies.append(token.text)
            let auth: KeyValuePairs<String, String> = ["Authorization": "Bearer \(object(token)["access_token"] as? String ?? "")"]
            bodies.append(try await post(server, Self.runPath + "/start", headers: auth).text)
            for _ in 0..<4 { bodies.append(try await get(server, Self.runPath + "/runstatus", headers: auth).text) }
            bodies.append(try await get(server, Self.runPath + "/steps/ds-114278/runstatus", headers: auth).text)
            bodies.append(try await post(server, Self.runPath + "/steps/ds-114278/restartfromhere", headers: auth).text)
            bodies.append(try await get(server, Self.runPath + "/steps/nope/runstatus", headers: auth).text)
            bodies.append(try await get(server, Self.runPath, headers: [:]).text)
            return bodies
        }
        let first = try await session()
        #expect(try await server.send("POST", "/__mockruns/reset").status == 200)
        let second = try await session()
        #expect(first == second)
        #expect(first.last?.contains("supportId") == true)
    }
}
