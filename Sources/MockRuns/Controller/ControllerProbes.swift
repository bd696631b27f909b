import Scenarios

/// The Python Controller contract this fake serves (docs/apis/controller.md), as `mockruns contract --api
/// controller` checks it: Flask `{"message"}` errors (401, 400), `{"status"}` reads.
extension ControllerFake {
    static let unknownResource = "mockruns-contract-no-such-resource"

    public func probeContract(_ session: ProbeSession) {
        let docs = documentation
        let key = session.options.token
        let resource = session.options.runID
        func request(_ method: String, _ path: String, _ parameters: [(String, String)]) -> ProbeRequest {
            ProbeRequest(method, path + "?" + parameters.map { "\($0.0)=\(ProbeSession.percentEncoded($0.1))" }.joined(separator: "&"))
        }
        func expectMessage(_ c: ProbeCheck, _ request: ProbeRequest, _ status: Int, _ what: String) throws(ProbeStop) {
            let answer = try c.send(request)
            try c.expectStatus(answer, [status], what)
            c.expectJSON(answer, docs.errorBody, what)
        }
        session.check("controller.auth.missing-401", "run_status without api_key gets 401 {\"message\"}") { c in
            try expectMessage(c, request("GET", "/controller/run_status", [("resourceID", Self.unknownResource)]), 401, "GET /controller/run_status without api_key")
        }
        session.check("controller.auth.invalid-401", "run_status with an api_key never issued gets 401 {\"message\"}") { c in
            try expectMessage(
                c, request("GET", "/controller/run_status", [("api_key", ProbeSession.invalidCredential), ("resourceID", Self.unknownResource)]), 401,
                "GET /controller/run_status with an invalid api_key")
        }
        let needsKey = key == nil ? "needs --token (the api_key)" : nil
        session.check("controller.status.missing-resource-400", "run_status without resourceID gets 400 {\"message\"}", needs: needsKey) { c in
            try expectMessage(c, request("GET", "/controller/run_status", [("api_key", key!)]), 400, "GET /controller/run_status without resourceID")
        }
        session.check("controller.status.bad-user-id-400", "run_status with a userID that is not an integer gets 400 {\"message\"}", needs: needsKey) { c in
            try expectMessage(
                c, request("GET", "/controller/run_status", [("api_key", key!), ("resourceID", resource ?? Self.unknownResource), ("userID", "abc")]), 400,
                "GET /controller/run_status?userID=abc")
        }
        session.check(
            "controller.status.unknown-run", "run_status of an unknown resource answers 200 {\"status\":\"No ongoing run\"} or 400 Invalid Resource",
            needs: needsKey
        ) { c in
            let answer = try c.send(request("GET", "/controller/run_status", [("api_key", key!), ("resourceID", Self.unknownResource)]))
            try c.expectStatus(answer, [200, 400], "GET /controller/run_status of \(Self.unknownResource)")
            if answer.status == 400 {
                c.expectJSON(answer, docs.schema("GET", "run_status", status: 400), "GET /controller/run_status of \(Self.unknownResource)")
            } else if let json = c.expectJSON(answer, docs.schema("GET", "run_status", status: 200), "GET /controller/run_status of \(Self.unknownResource)"),
                let status = json["status"]?.stringValue, status != "No ongoing run"
            {
                c.fail("GET /controller/run_status of \(Self.unknownResource): $.status is \(status), expected No ongoing run")
            }
        }
        let needsRun = needsKey ?? (resource == nil ? "needs --run-id (a resourceID)" : nil)
        session.check("controller.status.shape", "run_status of a resource answers 200 {\"status\"}", needs: needsRun) { c in
            let answer = try c.send(request("GET", "/controller/run_status", [("api_key", key!), ("resourceID", resource!)]))
            try c.expectStatus(answer, [200], "GET /controller/run_status")
            c.expectJSON(answer, docs.schema("GET", "run_status", status: 200), "GET /controller/run_status")
        }

        let needsWrites = session.options.allowWrites ? needsRun : "needs --allow-writes"
        var started = false
        session.check("controller.run.shape", "POST /controller/run answers 200 {\"message\":\"Your Request started\"} (201 for a resource on HOLD)", needs: needsWrites) { c in
            let answer = try c.send(request("POST", "/controller/run", [("api_key", key!), ("resourceID", resource!)]))
            try c.expectStatus(answer, [200, 201], "POST /controller/run")
            let json = c.expectJSON(answer, docs.schema("POST", "run", status: answer.status), "POST /controller/run")
            if answer.status == 200, let message = json?["message"]?.stringValue, message != "Your Request started" {
                c.fail("POST /controller/run: $.message is \(message), expected Your Request started")
            }
            started = answer.status == 200
        }
        session.check(
            "controller.run.poll-terminal", "the started run ends Finished or Error (or No ongoing run); every answer is {\"status\"}",
            needs: needsWrites ?? (started ? nil : "needs a started run (controller.run.shape did not start one)")
        ) { c in
            let last = try c.poll(request("GET", "/controller/run_status", [("api_key", key!), ("resourceID", resource!)]), "GET /controller/run_status") { answer in
                guard answer.status == 200 else { return answer.retryAfterSeconds == nil }
                return ["Finished", "Error", "No ongoing run"].contains(answer.json?["status"]?.stringValue ?? "")
            }
            try c.expectStatus(last, [200], "GET /controller/run_status")
            c.expectJSON(last, docs.schema("GET", "run_status", status: 200), "GET /controller/run_status")
        }
    }
}
