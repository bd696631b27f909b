import Scenarios

/// The Foundry contract this fake serves (docs/apis/foundry.md), as `mockruns contract --api foundry` checks
/// it: 403 for any auth failure, 400 for missing parameters, 404 for an unknown or finished run, all plain text.
extension FoundryFake {
    /// A run key no Foundry has.
    static let unknownSource = "mockruns-contract-no-such-source"

    public var probeParameters: KeyValuePairs<String, String> {
        ["sourceID": "the run's source (with status2Match and stepName, instead of --run-id)",
         "status2Match": "the run's status2Match", "stepName": "the run's stepName"]
    }

    public func probeContract(_ session: ProbeSession) {
        let docs = documentation
        let key = session.options.token
        // The run: --run-id SOURCE/STATUS2MATCH/STEP (as mockruns names Foundry runs), or --param each.
        var run = session.options.parameters
        if let id = session.options.runID {
            let parts = id.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 3 { (run["sourceID"], run["status2Match"], run["stepName"]) = (parts[0], parts[1], parts[2]) }
        }
        let runKey = Self.requiredParameters.allSatisfy { run[$0] != nil } ? Self.requiredParameters.map { ($0, run[$0]!) } : nil
        let needsRun = runKey == nil ? "needs --run-id SOURCE/STATUS2MATCH/STEP (or --param sourceID=, status2Match=, stepName=)" : nil
        func status(_ parameters: [(String, String)], apiKey: String?) -> ProbeRequest {
            let all = (apiKey.map { [("apiKey", $0)] } ?? []) + parameters
            return ProbeRequest("GET", "/dashboard/run_status?" + all.map { "\($0.0)=\(ProbeSession.percentEncoded($0.1))" }.joined(separator: "&"))
        }
        let unknown = [("sourceID", Self.unknownSource), ("status2Match", "error"), ("stepName", "transform")]

        session.check("foundry.auth.missing-403", "run_status without apiKey gets 403 with a plain-text message") { c in
            let answer = try c.send(status(unknown, apiKey: nil))
            try c.expectStatus(answer, [403], "GET /dashboard/run_status without apiKey")
            c.expectText(answer, "GET /dashboard/run_status without apiKey")
        }
        session.check("foundry.auth.invalid-403", "run_status with an apiKey Foundry never issued gets 403 with a plain-text message") { c in
            let answer = try c.send(status(unknown, apiKey: ProbeSession.invalidCredential))
            try c.expectStatus(answer, [403], "GET /dashboard/run_status with an invalid apiKey")
            c.expectText(answer, "GET /dashboard/run_status with an invalid apiKey")
        }
        let needsKey = key == nil ? "needs --token (the apiKey)" : nil
        session.check("foundry.status.missing-parameters-400", "run_status without sourceID, status2Match, stepName gets 400 in plain text", needs: needsKey) { c in
            let answer = try c.send(status([], apiKey: key))
            try c.expectStatus(answer, [400], "GET /dashboard/run_status without its parameters")
            c.expectText(answer, "GET /dashboard/run_status without its parameters")
        }
        session.check("foundry.status.unknown-run-404", "run_status of a run never scheduled gets 404 in plain text", needs: needsKey) { c in
            let answer = try c.send(status(unknown, apiKey: key))
            try c.expectStatus(answer, [404], "GET /dashboard/run_status of \(Self.unknownSource)")
            c.expectText(answer, "GET /dashboard/run_status of \(Self.unknownSource)")
        }
        session.check("foundry.status.shape", "run_status of a run answers 200 {status, logMessage} (or 404 once finished)", needs: needsKey ?? needsRun) { c in
            let answer = try c.send(status(runKey!, apiKey: key))
            try c.expectStatus(answer, [200, 404], "GET /dashboard/run_status")
            if answer.status == 404 {
                c.expectText(answer, "GET /dashboard/run_status (404: the run finished)")
                c.note("the run has finished: 404, as documented")
            } else {
                c.expectJSON(answer, docs.schema("GET", "run_status", status: 200), "GET /dashboard/run_status")
            }
        }

        let needsWrites = session.options.allowWrites ? needsKey ?? needsRun : "needs --allow-writes"
        var started = false
        session.check("foundry.run.shape", "POST /dashboard/run answers 200 {status: RUNNING, logMessage}", needs: needsWrites) { c in
            let body = JSON.object([("apiKey", .string(key!))] + runKey!.map { ($0.0, JSON.string($0.1)) })
            let answer = try c.send(.json("POST", "/dashboard/run", body))
            try c.expectStatus(answer, [200], "POST /dashboard/run")
            let json = c.expectJSON(answer, docs.schema("POST", "run", status: 200), "POST /dashboard/run")
            if let state = json?["status"]?.stringValue, state != "RUNNING" { c.fail("POST /dashboard/run: $.status is \(state), expected RUNNING") }
            started = true
        }
        session.check(
            "foundry.run.poll-terminal", "the started run reaches FINISHED or ERROR (or 404 once finished); every answer is a status",
            needs: needsWrites ?? (started ? nil : "needs a started run (foundry.run.shape failed)")
        ) { c in
            let last = try c.poll(status(runKey!, apiKey: key), "GET /dashboard/run_status") { answer in
                guard answer.status == 200 else { return answer.retryAfterSeconds == nil }
                let state = answer.json?["status"]?.stringValue
                return state != "RUNNING"
            }
            try c.expectStatus(last, [200, 404], "GET /dashboard/run_status")
            if last.status == 200 { c.expectJSON(last, docs.schema("GET", "run_status", status: 200), "GET /dashboard/run_status") } else { c.expectText(last, "GET /dashboard/run_status (404)") }
        }
    }
}
