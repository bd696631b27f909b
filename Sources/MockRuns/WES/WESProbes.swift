import Scenarios

/// The WES contract this fake serves, as `mockruns contract --api wes` checks it on a live server: Cavatica's
/// statuses and ErrorResponse bodies, the bodies of its documentation (the OpenAPI export's), paging, auth,
/// unknown runs, cancel.
extension WESFake {
    /// The tiny CWL tool a write check submits (as an attachment, so the server needs nothing from elsewhere).
    static let probeWorkflow = "cwlVersion: v1.0\nclass: CommandLineTool\nbaseCommand: echo\ninputs: []\noutputs: []\n"
    /// A run id no server has: WES ids are often UUIDs, so it is one.
    static let unknownRun = "00000000-0000-4000-8000-00000000c0de"

    public func probeContract(_ session: ProbeSession) {
        let docs = documentation
        let base = Self.base
        let auth = session.credentialHeaders { [("X-SBG-Auth-Token", $0)] }
        let invalid = session.invalidCredentialHeaders { [("X-SBG-Auth-Token", $0)] }
        func get(_ path: String, _ headers: [(String, String)] = auth) -> ProbeRequest { ProbeRequest("GET", base + path, headers: headers) }
        func expectError(_ c: ProbeCheck, _ request: ProbeRequest, _ status: Int, _ what: String) throws(ProbeStop) {
            let answer = try c.send(request)
            try c.expectStatus(answer, [status], what)
            if let json = c.expectJSON(answer, docs.errorBody, "\(what) body (ErrorResponse)"), let code = json["status_code"]?.intValue,
                code != status
            {
                c.fail("\(what): status_code is \(code) but the answer's status is \(status)")
            }
        }

        session.check("wes.service-info.shape", "GET /service-info answers 200 with a ServiceInfo") { c in
            let answer = try c.send(get("/service-info"))
            try c.expectStatus(answer, [200], "GET /service-info")
            c.expectJSON(answer, docs.schema("GET", "service_info", status: 200), "GET /service-info")
        }
        session.check("wes.auth.missing-401", "a request without a token gets 401 with an ErrorResponse") { c in
            try expectError(c, get("/runs", []), 401, "GET /runs without a token")
        }
        session.check("wes.auth.invalid-401", "a request with a token the server never issued gets 401 with an ErrorResponse") { c in
            try expectError(c, get("/runs", invalid), 401, "GET /runs with an invalid token")
        }
        var listedRun: String?
        session.check("wes.runs.list-shape", "GET /runs answers 200 with a RunListResponse") { c in
            let answer = try c.send(get("/runs"))
            try c.expectStatus(answer, [200], "GET /runs")
            let json = c.expectJSON(answer, docs.schema("GET", "list_runs", status: 200), "GET /runs")
            listedRun = json?["runs"]?.arrayValue?.first?["run_id"]?.stringValue
        }
        session.check("wes.runs.paging", "GET /runs?page_size=1 gives one run a page; next_page_token leads to the next page") { c in
            let first = try c.send(get("/runs?page_size=1"))
            try c.expectStatus(first, [200], "GET /runs?page_size=1")
            guard let json = c.expectJSON(first, docs.schema("GET", "list_runs", status: 200), "GET /runs?page_size=1") else { return }
            let runs = json["runs"]?.arrayValue ?? []
            if runs.count > 1 { c.fail("GET /runs?page_size=1: \(runs.count) runs on the page, expected at most 1") }
            guard let token = json["next_page_token"]?.stringValue, !token.isEmpty else {
                c.note("one page only: next_page_token is empty")
                return
            }
            let second = try c.send(get("/runs?page_size=1&page_token=\(ProbeSession.percentEncoded(token))"))
            try c.expectStatus(second, [200], "GET /runs with next_page_token")
            guard let next = c.expectJSON(second, docs.schema("GET", "list_runs", status: 200), "GET /runs with next_page_token") else { return }
            let firstID = runs.first?["run_id"]?.stringValue
            if let nextID = next["runs"]?.arrayValue?.first?["run_id"]?.stringValue, nextID == firstID {
                c.fail("GET /runs with next_page_token: the next page starts with the same run \(nextID) as the first")
            }
        }
        session.check("wes.status.unknown-run-404", "GET /runs/{unknown}/status gets 404 with an ErrorResponse") { c in
            try expectError(c, get("/runs/\(Self.unknownRun)/status"), 404, "GET /runs/\(Self.unknownRun)/status")
        }
        session.check("wes.run-log.unknown-run-404", "GET /runs/{unknown} gets 404 with an ErrorResponse") { c in
            try expectError(c, get("/runs/\(Self.unknownRun)"), 404, "GET /runs/\(Self.unknownRun)")
        }
        let run = session.options.runID ?? listedRun
        let needsRun = run == nil ? "needs --run-id (GET /runs listed no run)" : nil
        session.check("wes.status.shape", "GET /runs/{id}/status answers 200 with a RunStatus of that run", needs: needsRun) { c in
            let answer = try c.send(get("/runs/\(run!)/status"))
            try c.expectStatus(answer, [200], "GET /runs/\(run!)/status")
            let json = c.expectJSON(answer, docs.schema("GET", "get_run_status", status: 200), "GET /runs/\(run!)/status")
            if let id = json?["run_id"]?.stringValue, id != run { c.fail("GET /runs/\(run!)/status: $.run_id is \(id), expected \(run!)") }
        }
        session.check("wes.run-log.shape", "GET /runs/{id} answers 200 with a RunLog", needs: needsRun) { c in
            let answer = try c.send(get("/runs/\(run!)"))
            try c.expectStatus(answer, [200], "GET /runs/\(run!)")
            c.expectJSON(answer, docs.schema("GET", "get_run_log", status: 200), "GET /runs/\(run!)")
        }

        let needsWrites = session.options.allowWrites ? nil : "needs --allow-writes"
        func submit(_ c: ProbeCheck) throws(ProbeStop) -> String {
            let request = ProbeRequest.multipart(base + "/runs", fields: [
                ("workflow_url", nil, "echo.cwl"), ("workflow_type", nil, "CWL"), ("workflow_type_version", nil, "v1.0"),
                ("workflow_params", nil, "{}"), ("workflow_attachment", "echo.cwl", Self.probeWorkflow),
            ])
            var authenticated = request
            authenticated.headers += auth
            let answer = try c.send(authenticated)
            try c.expectStatus(answer, [200], "POST /runs")
            guard let id = c.expectJSON(answer, docs.schema("POST", "run_workflow", status: 200), "POST /runs")?["run_id"]?.stringValue else { throw .failed }
            return id
        }
        session.check(
            "wes.submit.shape", "POST /runs (multipart) answers 200 with a RunId", needs: needsWrites, makes: "a submitted run",
            submit,
            then: ("wes.submit.poll-terminal", "the submitted run reaches a terminal state; every status read is a RunStatus")
        ) { c, submitted in
            let last = try c.poll(get("/runs/\(submitted)/status"), "GET /runs/\(submitted)/status") { answer in
                guard answer.status == 200, let state = answer.json?["state"]?.stringValue else { return answer.status != 200 && answer.retryAfterSeconds == nil }
                return Self.terminalStates.contains(state) || !Self.states.contains(state)
            }
            try c.expectStatus(last, [200], "GET /runs/\(submitted)/status")
            c.expectJSON(last, docs.schema("GET", "get_run_status", status: 200), "GET /runs/\(submitted)/status")
        }
        session.check(
            "wes.cancel.shape", "POST /runs/{id}/cancel of a new run answers 200 with a RunId", needs: needsWrites,
            makes: "a cancelled run",
            { c in
                let id = try submit(c)
                let answer = try c.send(ProbeRequest("POST", base + "/runs/\(id)/cancel", headers: auth))
                try c.expectStatus(answer, [200], "POST /runs/\(id)/cancel")
                let json = c.expectJSON(answer, docs.schema("POST", "cancel_run", status: 200), "POST /runs/\(id)/cancel")
                if let echoed = json?["run_id"]?.stringValue, echoed != id { c.fail("POST /runs/\(id)/cancel: $.run_id is \(echoed), expected \(id)") }
                return id
            },
            then: ("wes.cancel.state-after", "after cancel the run shows CANCELING, then CANCELED")
        ) { c, cancelled in
            let path = "/runs/\(cancelled)/status"
            let first = try c.send(get(path))
            try c.expectStatus(first, [200], "GET \(path)")
            let state = c.expectJSON(first, docs.schema("GET", "get_run_status", status: 200), "GET \(path)")?["state"]?.stringValue
            guard state == "CANCELING" || state == "CANCELED" else {
                c.fail("GET \(path) after cancel: $.state is \(state ?? "missing"), expected CANCELING or CANCELED")
                return
            }
            let last = try c.poll(get(path), "GET \(path)") { $0.status != 200 || $0.json?["state"]?.stringValue != "CANCELING" }
            try c.expectStatus(last, [200], "GET \(path)")
            if let final = last.json?["state"]?.stringValue, final == "CANCELED" { return }
            c.fail("GET \(path): $.state is \(last.json?["state"]?.serialized() ?? "missing") after CANCELING, expected CANCELED")
        }
        session.check("wes.cancel.unknown-run-404", "POST /runs/{unknown}/cancel gets 404 with an ErrorResponse", needs: needsWrites) { c in
            try expectError(c, ProbeRequest("POST", base + "/runs/\(Self.unknownRun)/cancel", headers: auth), 404, "POST /runs/\(Self.unknownRun)/cancel")
        }
    }
}
