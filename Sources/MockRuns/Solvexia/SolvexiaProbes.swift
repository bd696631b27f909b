import Scenarios

/// The Solvexia contract this fake serves (docs/apis/solvexia.md), as `mockruns contract --api solvexia`
/// checks it: OAuth2 client credentials (RFC 6749 errors), 403 `{"message","supportId"}` for a missing or bad
/// token, 404 for an unknown run, and each example's body (`runDurationInSeconds` vs cancel's `runDurationInSec`).
extension SolvexiaFake {
    static let errorShape = BodyShape.object([.init("message", .string()), .init("supportId", .string())])
    static let oauthErrorShape = BodyShape.object([.init("error", .string()), .init("error_description", .string(), required: false)])
    static let tokenShape = BodyShape.object([
        .init("access_token", .string()), .init("token_type", .string(oneOf: ["Bearer", "bearer"])), .init("expires_in", .integer),
    ])
    static let date = BodyShape.nullable(.string())
    static let runStatusShape = BodyShape.object([
        .init("id", .string()), .init("dateStarted", date), .init("dateFinished", date),
        .init("runDurationInSeconds", .nullable(.integer)), .init("status", .string(oneOf: runStates)),
    ])
    static let cancelShape = BodyShape.object([
        .init("id", .string()), .init("dateStarted", date), .init("dateFinished", date),
        .init("runDurationInSec", .nullable(.integer)), .init("status", .string(oneOf: ["Cancelled"])),
    ])
    static let processRunShape = BodyShape.object(
        ["id", "name", "process", "description", "alertEmailAddress", "alertSMS", "lastModifiedBy", "dateModified", "dateCreated"]
            .map { BodyShape.Member($0, .nullable(.string())) })
    static let stepsShape = BodyShape.array(.object([
        .init("isEnabled", .boolean), .init("stepOrder", .string()), .init("id", .string()), .init("name", .string()),
    ]))
    static let unknownRun = "pr-0"

    public func probeContract(_ session: ProbeSession) {
        let options = session.options
        var token = options.token
        func bearer(_ value: String?) -> [(String, String)] {
            if !options.headers.isEmpty, value == token { return options.headers }
            return value.map { [("Authorization", "Bearer \($0)")] } ?? []
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
            if let issued = c.expectJSON(answer, Self.tokenShape, "POST /oauth/token")?["access_token"]?.stringValue { token = issued }
        }
        session.check("solvexia.token.invalid-client-401", "POST /oauth/token with a wrong client secret gets 401 {\"error\":\"invalid_client\"}") { c in
            let answer = try sendToken(c, tokenRequest(options.clientID ?? "mockruns-contract-client", ProbeSession.invalidCredential))
            try c.expectStatus(answer, [401], "POST /oauth/token with a wrong secret")
            let error = c.expectJSON(answer, Self.oauthErrorShape, "POST /oauth/token with a wrong secret")?["error"]?.stringValue
            if let error, error != "invalid_client" { c.fail("POST /oauth/token with a wrong secret: $.error is \(error), expected invalid_client") }
        }
        session.check("solvexia.token.unsupported-grant-400", "POST /oauth/token with grant_type password gets 400 {\"error\":\"unsupported_grant_type\"}") { c in
            let answer = try sendToken(c, tokenRequest(options.clientID ?? "mockruns-contract-client", ProbeSession.invalidCredential, grant: "password"))
            try c.expectStatus(answer, [400], "POST /oauth/token with grant_type password")
            let error = c.expectJSON(answer, Self.oauthErrorShape, "POST /oauth/token with grant_type password")?["error"]?.stringValue
            if let error, error != "unsupported_grant_type" {
                c.fail("POST /oauth/token with grant_type password: $.error is \(error), expected unsupported_grant_type")
            }
        }
        let run = options.runID
        let probeRun = run ?? Self.unknownRun
        func expectError(_ c: ProbeCheck, _ request: ProbeRequest, _ status: Int, _ what: String) throws(ProbeStop) {
            let answer = try c.send(request)
            try c.expectStatus(answer, [status], what)
            c.expectJSON(answer, Self.errorShape, what)
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
            try expectError(c, ProbeRequest("GET", "/api/v1/processruns/\(Self.unknownRun)/runstatus", headers: bearer(token)), 404, "GET /api/v1/processruns/\(Self.unknownRun)/runstatus")
        }
        session.check("solvexia.processrun.unknown-run-404", "GET /api/v1/processruns/{unknown} gets 404 {\"message\",\"supportId\"}", needs: needsToken) { c in
            try expectError(c, ProbeRequest("GET", "/api/v1/processruns/\(Self.unknownRun)", headers: bearer(token)), 404, "GET /api/v1/processruns/\(Self.unknownRun)")
        }
        let needsRun = needsToken ?? (run == nil ? "needs --run-id (a process run id, pr-...)" : nil)
        func read(_ c: ProbeCheck, _ path: String, _ shape: BodyShape) throws(ProbeStop) {
            let answer = try c.send(ProbeRequest("GET", path, headers: bearer(token)))
            try c.expectStatus(answer, [200], "GET \(path)")
            c.expectJSON(answer, shape, "GET \(path)")
        }
        session.check("solvexia.runstatus.shape", "GET .../runstatus answers 200 with a ProcessRunStatus", needs: needsRun) { c in
            try read(c, "/api/v1/processruns/\(run!)/runstatus", Self.runStatusShape)
        }
        session.check("solvexia.processrun.shape", "GET /api/v1/processruns/{id} answers 200 with a Process Run", needs: needsRun) { c in
            try read(c, "/api/v1/processruns/\(run!)", Self.processRunShape)
        }
        session.check("solvexia.steps.shape", "GET .../steps answers 200 with the data steps", needs: needsRun) { c in
            try read(c, "/api/v1/processruns/\(run!)/steps", Self.stepsShape)
        }

        let process = options.parameters["process"]
        let needsWrites = options.allowWrites
            ? needsToken ?? (process == nil ? "needs --param process=p-... (the process to create runs of)" : nil) : "needs --allow-writes"
        func createAndStart(_ c: ProbeCheck) throws(ProbeStop) -> String {
            let created = try c.send(.json("POST", "/api/v1/processes/\(process!)/processruns", .object([("namePrefix", "mockruns-contract")]), headers: bearer(token)))
            try c.expectStatus(created, [200, 201], "POST /api/v1/processes/\(process!)/processruns")
            guard let id = c.expectJSON(created, Self.processRunShape, "POST /api/v1/processes/\(process!)/processruns")?["id"]?.stringValue else {
                throw .failed
            }
            let start = try c.send(ProbeRequest("POST", "/api/v1/processruns/\(id)/start", headers: bearer(token)))
            try c.expectStatus(start, [200], "POST /api/v1/processruns/\(id)/start")
            let status = c.expectJSON(start, Self.runStatusShape, "POST /api/v1/processruns/\(id)/start")?["status"]?.stringValue
            if let status, status != "Scheduled", status != "Running" {
                c.fail("POST /api/v1/processruns/\(id)/start: $.status is \(status), expected Scheduled")
            }
            return id
        }
        var started: String?
        session.check("solvexia.start.shape", "a created run starts: Process Run, then ProcessRunStatus Scheduled", needs: needsWrites) { c in
            started = try createAndStart(c)
        }
        session.check(
            "solvexia.start.poll-terminal", "the started run ends Finished, Cancelled or TimedOut; every read is a ProcessRunStatus",
            needs: needsWrites ?? (started == nil ? "needs a started run (solvexia.start.shape failed)" : nil)
        ) { c in
            let path = "/api/v1/processruns/\(started!)/runstatus"
            let last = try c.poll(ProbeRequest("GET", path, headers: bearer(token)), "GET \(path)") { answer in
                guard answer.status == 200 else { return answer.retryAfterSeconds == nil }
                let status = answer.json?["status"]?.stringValue ?? ""
                return Self.terminal.contains(status) || !Self.runStates.contains(status)
            }
            try c.expectStatus(last, [200], "GET \(path)")
            c.expectJSON(last, Self.runStatusShape, "GET \(path)")
        }
        var cancelled: String?
        session.check("solvexia.cancel.shape", "POST .../cancel of a started run answers 200 ProcessRunStatus Cancelled (runDurationInSec)", needs: needsWrites) { c in
            let id = try createAndStart(c)
            let answer = try c.send(ProbeRequest("POST", "/api/v1/processruns/\(id)/cancel", headers: bearer(token)))
            try c.expectStatus(answer, [200], "POST /api/v1/processruns/\(id)/cancel")
            c.expectJSON(answer, Self.cancelShape, "POST /api/v1/processruns/\(id)/cancel")
            cancelled = id
        }
        session.check(
            "solvexia.cancel.state-after", "after cancel the run's status reads Cancelled",
            needs: needsWrites ?? (cancelled == nil ? "needs a cancelled run (solvexia.cancel.shape failed)" : nil)
        ) { c in
            let path = "/api/v1/processruns/\(cancelled!)/runstatus"
            let answer = try c.send(ProbeRequest("GET", path, headers: bearer(token)))
            try c.expectStatus(answer, [200], "GET \(path)")
            if let status = c.expectJSON(answer, Self.runStatusShape, "GET \(path)")?["status"]?.stringValue, status != "Cancelled" {
                c.fail("GET \(path) after cancel: $.status is \(status), expected Cancelled")
            }
        }
    }
}
