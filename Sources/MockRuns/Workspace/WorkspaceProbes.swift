import Scenarios

/// The workspace-runs contract this fake serves (docs/apis/workspace.md), as `mockruns contract --api
/// workspace` checks it: problem+json errors (401, 404), the bodies of its documentation, cursor paging,
/// `X-Request-Id` on every answer, create → poll → cancel.
extension WorkspaceFake {
    static let unknownRun = "00000000-0000-4000-8000-00000000c0de"

    public var probeParameters: KeyValuePairs<String, String> {
        ["workspace": "the workspace UUID whose runs are checked",
         "document": "the input document UUID of new runs, with --allow-writes"]
    }

    public func probeContract(_ session: ProbeSession) {
        let docs = documentation
        let options = session.options
        let auth = session.credentialHeaders { [("X-API-Key", $0)] }
        let invalid = session.invalidCredentialHeaders { [("X-API-Key", $0)] }
        let workspace = options.parameters["workspace"]
        let needsWorkspace = workspace == nil ? "needs --param workspace=UUID (the workspace whose runs are checked)" : nil
        let runs = "/api/v1/workspaces/\(ProbeSession.percentEncoded(workspace ?? ""))/runs"
        func get(_ path: String, _ headers: [(String, String)] = auth) -> ProbeRequest { ProbeRequest("GET", runs + path, headers: headers) }
        func expectProblem(_ c: ProbeCheck, _ request: ProbeRequest, _ status: Int, _ what: String) throws(ProbeStop) {
            let answer = try c.send(request)
            try c.expectStatus(answer, [status], what)
            let json = c.expectJSON(answer, docs.errorBody, "\(what) body (problem+json)", mediaType: "application/problem+json")
            if let code = json?["status"]?.intValue, code != status { c.fail("\(what): $.status is \(code) but the answer's status is \(status)") }
            expectRequestID(c, answer, what)
        }
        func expectRequestID(_ c: ProbeCheck, _ answer: ProbeAnswer, _ what: String) {
            if answer.header("X-Request-Id")?.isEmpty ?? true { c.fail("\(what): no X-Request-Id header (every answer carries one)") }
        }
        session.check("workspace.auth.missing-401", "a request without a key gets 401 problem+json", needs: needsWorkspace) { c in
            try expectProblem(c, get("", []), 401, "GET .../runs without a key")
        }
        session.check("workspace.auth.invalid-401", "a request with a key never issued gets 401 problem+json", needs: needsWorkspace) { c in
            try expectProblem(c, get("", invalid), 401, "GET .../runs with an invalid key")
        }
        var listed: String?
        session.check("workspace.runs.list-shape", "GET .../runs answers 200 {items, meta} with X-Request-Id", needs: needsWorkspace) { c in
            let answer = try c.send(get(""))
            try c.expectStatus(answer, [200], "GET .../runs")
            listed = c.expectJSON(answer, docs.schema("GET", "list", status: 200), "GET .../runs")?["items"]?.arrayValue?.first?["id"]?.stringValue
            expectRequestID(c, answer, "GET .../runs")
        }
        session.check("workspace.runs.paging", "GET .../runs?limit=1 gives one run a page; nextCursor leads to the next", needs: needsWorkspace) { c in
            let answer = try c.send(get("?limit=1"))
            try c.expectStatus(answer, [200], "GET .../runs?limit=1")
            guard let json = c.expectJSON(answer, docs.schema("GET", "list", status: 200), "GET .../runs?limit=1") else { return }
            let items = json["items"]?.arrayValue ?? []
            if items.count > 1 { c.fail("GET .../runs?limit=1: \(items.count) items on the page, expected at most 1") }
            guard json["meta"]?["hasMore"]?.boolValue == true else {
                c.note("one page only: meta.hasMore is false")
                return
            }
            guard let cursor = json["meta"]?["nextCursor"]?.stringValue, !cursor.isEmpty else {
                c.fail("GET .../runs?limit=1: meta.hasMore is true but meta.nextCursor is \(json["meta"]?["nextCursor"]?.serialized() ?? "missing")")
                return
            }
            let next = try c.send(get("?limit=1&cursor=\(ProbeSession.percentEncoded(cursor))"))
            try c.expectStatus(next, [200], "GET .../runs with nextCursor")
            let nextID = c.expectJSON(next, docs.schema("GET", "list", status: 200), "GET .../runs with nextCursor")?["items"]?.arrayValue?.first?["id"]?.stringValue
            if let nextID, nextID == items.first?["id"]?.stringValue {
                c.fail("GET .../runs with nextCursor: the next page starts with the same run \(nextID) as the first")
            }
        }
        session.check("workspace.runs.unknown-run-404", "GET .../runs/{unknown} gets 404 problem+json", needs: needsWorkspace) { c in
            try expectProblem(c, get("/\(Self.unknownRun)"), 404, "GET .../runs/\(Self.unknownRun)")
        }
        let run = options.runID ?? listed
        session.check("workspace.run.shape", "GET .../runs/{id} answers 200 with a RunResource", needs: needsWorkspace ?? (run == nil ? "needs --run-id (GET .../runs listed no run)" : nil)) { c in
            let answer = try c.send(get("/\(run!)"))
            try c.expectStatus(answer, [200], "GET .../runs/\(run!)")
            c.expectJSON(answer, docs.schema("GET", "get", status: 200), "GET .../runs/\(run!)")
        }

        let document = options.parameters["document"]
        let needsWrites = options.allowWrites ? needsWorkspace ?? (document == nil ? "needs --param document=UUID (the input document of new runs)" : nil) : "needs --allow-writes"
        func create(_ c: ProbeCheck) throws(ProbeStop) -> String {
            let body = JSON.object([("inputDocumentId", .string(document!)), ("options", .object([("operation", "process")]))])
            let answer = try c.send(.json("POST", runs, body, headers: auth))
            try c.expectStatus(answer, [201], "POST .../runs")
            guard let id = c.expectJSON(answer, docs.schema("POST", "create", status: 201), "POST .../runs")?["id"]?.stringValue else { throw .failed }
            return id
        }
        session.check(
            "workspace.submit.shape", "POST .../runs answers 201 with a RunResource", needs: needsWrites, makes: "a created run",
            create,
            then: ("workspace.submit.poll-terminal", "the created run ends succeeded, failed or cancelled; every read is a RunResource")
        ) { c, created in
            let last = try c.poll(get("/\(created)"), "GET .../runs/\(created)") { answer in
                guard answer.status == 200 else { return answer.retryAfterSeconds == nil }
                let status = answer.json?["status"]?.stringValue ?? ""
                return Self.terminal.contains(status) || !Self.states.contains(status)
            }
            try c.expectStatus(last, [200], "GET .../runs/\(created)")
            c.expectJSON(last, docs.schema("GET", "get", status: 200), "GET .../runs/\(created)")
        }
        session.check(
            "workspace.cancel.shape", "POST .../runs/{id}/cancel of a new run answers 200 with the RunResource", needs: needsWrites,
            makes: "a cancelled run",
            { c in
                let id = try create(c)
                let answer = try c.send(ProbeRequest("POST", runs + "/\(id)/cancel", headers: auth))
                try c.expectStatus(answer, [200], "POST .../runs/\(id)/cancel")
                c.expectJSON(answer, docs.schema("POST", "cancel", status: 200), "POST .../runs/\(id)/cancel")
                return id
            },
            then: ("workspace.cancel.state-after", "after cancel the run reads cancelled")
        ) { c, cancelled in
            let answer = try c.send(get("/\(cancelled)"))
            try c.expectStatus(answer, [200], "GET .../runs/\(cancelled)")
            if let status = c.expectJSON(answer, docs.schema("GET", "get", status: 200), "GET .../runs/\(cancelled)")?["status"]?.stringValue, status != "cancelled" {
                c.fail("GET .../runs/\(cancelled) after cancel: $.status is \(status), expected cancelled")
            }
        }
    }
}
