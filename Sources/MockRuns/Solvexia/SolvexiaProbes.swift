import Scenarios

/// The Solvexia contract this fake serves (docs/apis/solvexia.md), as `mockruns contract --api solvexia`
/// checks it: OAuth2 client credentials (RFC 6749 errors), 403 `{"message","supportId"}` for a missing or bad
/// token, 404 for an unknown run, and each example's body (`runDurationInSeconds` vs cancel's `runDurationInSec`).
extension SolvexiaFake {
    static let unknownRun = "pr-0"

    public var probeParameters: KeyValuePairs<String, String> {
        ["process": "a process id (p-...) to create a run of, with --allow-writes"]
    }

    public func probeContract(_ session: ProbeSession) {
        let docs = documentation
        let options = session.options
        var token = options.token
        /// The user's `--header`s, else the token (given, or issued by solvexia.token.shape) as a Bearer.
        func authorized() -> [(String, String)] {
            options.headers.isEmpty ? token.map { [("Authorization", "Bearer \($0)")] } ?? [] : options.headers
        }
        func tokenRequest(_ id: String, _ secret: String, grant: String = "client_credentials") -> ProbeRequest {
            .json("POST", "/oauth/token", .object([
                ("client_id", .string(id)), ("client_secret", .string(secret)), ("grant_type", .string(grant)),
            ]))
        }
        /// Sends a token request; any token the answer carries (even one a lenient server issued for a wrong
        /// secret) is a secret from then on.
        func sendToken(_ c: ProbeCheck, _ request: ProbeRequest) throws(ProbeStop) -> ProbeAnswer {
            let answer = try c.send(request)
            if let issued = answer.json?["access_token"]?.stringValue { session.addSecret(issued) }
            return answer
        }
        let hasClient = options.clientID != nil && options.clientSecret != nil
        session.check(
            "solvexia.token.shape", "POST /oauth/token (client credentials) answers 200 {access_token, token_type: Bearer, expires_in}",
            needs: hasClient ? nil : "needs --client-id and --client-secret"
        ) { c in
            let answer = try sendToken(c, tokenRequest(options.clientID!, options.clientSecret!))
            try c.expectStatus(answer, [200], "POST /oauth/token")
            if let issued = c.expectJSON(answer, docs.schema("POST", "token", status: 200), "POST /oauth/token")?["access_token"]?.stringValue { token = issued }
        }
        session.check("solvexia.token.invalid-client-401", "POST /oauth/token with a wrong client secret gets 401 {\"error\":\"invalid_client\"}") { c in
            let answer = try sendToken(c, tokenRequest(options.clientID ?? "mockruns-contract-client", ProbeSession.invalidCredential))
            try c.expectStatus(answer, [401], "POST /oauth/token with a wrong secret")
            let error = c.expectJSON(answer, docs.schema("POST", "token", status: 401), "POST /oauth/token with a wrong secret")?["error"]?.stringValue
            if let error, error != "invalid_client" { c.fail("POST /oauth/token with a wrong secret: $.error is \(error), expected invalid_client") }
        }
        session.check("solvexia.token.unsupported-grant-400", "POST /oauth/token with grant_type password gets 400 {\"error\":\"unsupported_grant_type\"}") { c in
            let answer = try sendToken(c, tokenRequest(options.clientID ?? "mockruns-contract-client", ProbeSession.invalidCredential, grant: "password"))
            try c.expectStatus(answer, [400], "POST /oauth/token with grant_type password")
            let error = c.expectJSON(answer, docs.schema("POST", "token", status: 400), "POST /oauth/token with grant_type password")?["error"]?.stringValue
            if let error, error != "unsupported_grant_type" {
                c.fail("POST /oauth/token with grant_type password: $.error is \(error), expected unsupported_grant_type")
            }
        }
        let run = options.runID
        let probeRun = run ?? Self.unknownRun
        func expectError(_ c: ProbeCheck, _ request: ProbeRequest, _ status: Int, _ what: String) throws(ProbeStop) {
            let answer = try c.send(request)
            try c.expectStatus(answer, [status], what)
            c.expectJSON(answer, docs.errorBody, what)
        }
        session.check("solvexia.auth.missing-403", "a request without a Bearer token gets 403 {\"message\",\"supportId\"}") { c in
            try expectError(c, ProbeRequest("GET", "/api/v1/processruns/\(probeRun)/runstatus"), 403, "GET .../runstatus without a token")
        }
        session.check("solvexia.auth.invalid-403", "a request with a token never issued gets 403 {\"message\",\"supportId\"}") { c in
            try expectError(
                c, ProbeRequest("GET", "/api/v1/processruns/\(probeRun)/runstatus", headers: [("Authorization", "Bearer \(ProbeSession.invalidCredential)")]),
                403, "GET .../runstatus with an invalid token")
        }
        let needsToken = token == nil && options.headers.isEmpty ? "needs --token or --client-id/--client-secret" : nil
        session.check("solvexia.runstatus.unknown-run-404", "GET /api/v1/processruns/{unknown}/runstatus gets 404 {\"message\",\"supportId\"}", needs: needsToken) { c in
            try expectError(c, ProbeRequest("GET", "/api/v1/processruns/\(Self.unknownRun)/runstatus", headers: authorized()), 404, "GET /api/v1/processruns/\(Self.unknownRun)/runstatus")
        }
        session.check("solvexia.processrun.unknown-run-404", "GET /api/v1/processruns/{unknown} gets 404 {\"message\",\"supportId\"}", needs: needsToken) { c in
            try expectError(c, ProbeRequest("GET", "/api/v1/processruns/\(Self.unknownRun)", headers: authorized()), 404, "GET /api/v1/processruns/\(Self.unknownRun)")
        }
        let needsRun = needsToken ?? (run == nil ? "needs --run-id (a process run id, pr-...)" : nil)
        @discardableResult
        func read(_ c: ProbeCheck, _ path: String, _ endpoint: String) throws(ProbeStop) -> JSON? {
            let answer = try c.send(ProbeRequest("GET", path, headers: authorized()))
            try c.expectStatus(answer, [200], "GET \(path)")
            return c.expectJSON(answer, docs.schema("GET", endpoint, status: 200), "GET \(path)")
        }
        /// The run status as the process-run page's examples have it: an object (the array is the newer page's
        /// `runStatusShape`) with `runDurationInSeconds` (cancel's example says `runDurationInSec`).
        func expectDocumentedRunStatus(_ c: ProbeCheck, _ json: JSON?, _ what: String, duration: String = "runDurationInSeconds") {
            if case .array = json { c.fail("\(what): the answer is an array; the documented run status is an object") }
            c.expectMember(json, duration, what, because: "the documented example of this answer has it")
        }
        session.check("solvexia.runstatus.shape", "GET .../runstatus answers 200 with a ProcessRunStatus", needs: needsRun) { c in
            let path = "/api/v1/processruns/\(run!)/runstatus"
            expectDocumentedRunStatus(c, try read(c, path, "runstatus"), "GET \(path)")
        }
        session.check("solvexia.processrun.shape", "GET /api/v1/processruns/{id} answers 200 with a Process Run", needs: needsRun) { c in
            try read(c, "/api/v1/processruns/\(run!)", "processrun")
        }
        session.check("solvexia.steps.shape", "GET .../steps answers 200 with the data steps", needs: needsRun) { c in
            try read(c, "/api/v1/processruns/\(run!)/steps", "steps")
        }

        let process = options.parameters["process"]
        let needsWrites = options.allowWrites
            ? needsToken ?? (process == nil ? "needs --param process=p-... (the process to create runs of)" : nil) : "needs --allow-writes"
        func createAndStart(_ c: ProbeCheck) throws(ProbeStop) -> String {
            let created = try c.send(.json("POST", "/api/v1/processes/\(process!)/processruns", .object([("namePrefix", "mockruns-contract")]), headers: authorized()))
            try c.expectStatus(created, [200, 201], "POST /api/v1/processes/\(process!)/processruns")
            guard let id = c.expectJSON(created, docs.schema("POST", "create", status: 200), "POST /api/v1/processes/\(process!)/processruns")?["id"]?.stringValue else {
                throw .failed
            }
            let start = try c.send(ProbeRequest("POST", "/api/v1/processruns/\(id)/start", headers: authorized()))
            try c.expectStatus(start, [200], "POST /api/v1/processruns/\(id)/start")
            let started = c.expectJSON(start, docs.schema("POST", "start", status: 200), "POST /api/v1/processruns/\(id)/start")
            expectDocumentedRunStatus(c, started, "POST /api/v1/processruns/\(id)/start")
            let status = started?["status"]?.stringValue
            if let status, status != "Scheduled", status != "Running" {
                c.fail("POST /api/v1/processruns/\(id)/start: $.status is \(status), expected Scheduled")
            }
            return id
        }
        session.check(
            "solvexia.start.shape", "a created run starts: Process Run, then ProcessRunStatus Scheduled", needs: needsWrites,
            makes: "a started run", createAndStart,
            then: ("solvexia.start.poll-terminal", "the started run ends Finished, Cancelled or TimedOut; every read is a ProcessRunStatus")
        ) { c, started in
            let path = "/api/v1/processruns/\(started)/runstatus"
            let last = try c.poll(ProbeRequest("GET", path, headers: authorized()), "GET \(path)") { answer in
                guard answer.status == 200 else { return answer.retryAfterSeconds == nil }
                let status = answer.json?["status"]?.stringValue ?? ""
                return Self.terminal.contains(status) || !Self.runStates.contains(status)
            }
            try c.expectStatus(last, [200], "GET \(path)")
            expectDocumentedRunStatus(c, c.expectJSON(last, docs.schema("GET", "runstatus", status: 200), "GET \(path)"), "GET \(path)")
        }
        session.check(
            "solvexia.cancel.shape", "POST .../cancel of a started run answers 200 ProcessRunStatus Cancelled (runDurationInSec)",
            needs: needsWrites, makes: "a cancelled run",
            { c in
                let id = try createAndStart(c)
                let answer = try c.send(ProbeRequest("POST", "/api/v1/processruns/\(id)/cancel", headers: authorized()))
                try c.expectStatus(answer, [200], "POST /api/v1/processruns/\(id)/cancel")
                let json = c.expectJSON(answer, docs.schema("POST", "cancel", status: 200), "POST /api/v1/processruns/\(id)/cancel")
                expectDocumentedRunStatus(c, json, "POST /api/v1/processruns/\(id)/cancel", duration: "runDurationInSec")
                if let status = json?["status"]?.stringValue, status != "Cancelled" {
                    c.fail("POST /api/v1/processruns/\(id)/cancel: $.status is \(status), expected Cancelled")
                }
                return id
            },
            then: ("solvexia.cancel.state-after", "after cancel the run's status reads Cancelled")
        ) { c, cancelled in
            let path = "/api/v1/processruns/\(cancelled)/runstatus"
            let answer = try c.send(ProbeRequest("GET", path, headers: authorized()))
            try c.expectStatus(answer, [200], "GET \(path)")
            if let status = c.expectJSON(answer, docs.schema("GET", "runstatus", status: 200), "GET \(path)")?["status"]?.stringValue, status != "Cancelled" {
                c.fail("GET \(path) after cancel: $.status is \(status), expected Cancelled")
            }
        }
    }
}
