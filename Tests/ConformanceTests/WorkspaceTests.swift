import Foundation
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// Workspace runs ("ADE", docs/apis/workspace.md) over real HTTP: every endpoint, problem+json errors, X-Request-Id
/// on every answer, the SSE stream read in full, every bundled workspace scenario.
@Suite struct WorkspaceTests {
    static let ws = "3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10"
    static let ws2 = "8b2d4e61-0f3a-4c59-a8e7-5d1c9b3a7e22"
    static let doc = "c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33"
    static let runs = "/api/v1/workspaces/\(ws)/runs"
    static let key: KeyValuePairs<String, String> = ["X-API-Key": "admin-key"]
    static let seedBody = #"{"inputDocumentId":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"operation":"process"}}"#

    func object(_ r: TestResponse) -> [String: Any] { r.jsonObject ?? [:] }

    func create(_ server: TestServer, body: String = WorkspaceTests.seedBody, workspace: String = WorkspaceTests.ws,
                headers: KeyValuePairs<String, String> = ["X-API-Key": "admin-key", "Content-Type": "application/json"])
        async throws -> TestResponse
    {
        try await server.send("POST", "/api/v1/workspaces/\(workspace)/runs", headers: headers, body: Array(body.utf8))
    }

    func createdID(_ server: TestServer) async throws -> String {
        let r = try await create(server)
        #expect(r.status == 201)
        return try #require(object(r)["id"] as? String)
    }

    func get(_ server: TestServer, _ path: String, headers: KeyValuePairs<String, String> = WorkspaceTests.key) async throws -> TestResponse {
        try await server.send("GET", path, headers: headers)
    }

    /// The documented problem+json body, with the request id of the header.
    func expectProblem(
        _ r: TestResponse, _ status: Int, code: String? = nil, path: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(r.status == status, "\(r.text)", sourceLocation: sourceLocation)
        #expect(r.headers["Content-Type"] == "application/problem+json", sourceLocation: sourceLocation)
        let body = object(r)
        #expect(Array(body.keys).sorted() == ["detail", "errors", "instance", "requestId", "status", "title", "type"], sourceLocation: sourceLocation)
        #expect(body["status"] as? Int == status, sourceLocation: sourceLocation)
        #expect(body["requestId"] as? String == r.headers["X-Request-Id"], sourceLocation: sourceLocation)
        #expect((body["instance"] as? String)?.hasPrefix("/api/v1/workspaces/") == true, sourceLocation: sourceLocation)
        let errors = body["errors"] as? [[String: Any]] ?? []
        if let code {
            #expect(errors.contains { $0["code"] as? String == code }, "\(r.text)", sourceLocation: sourceLocation)
        }
        if let path {
            #expect(errors.contains { $0["path"] as? String == path }, "\(r.text)", sourceLocation: sourceLocation)
        }
    }

    // MARK: create and read

    @Test func createReturnsARunResource() async throws {
        let server = try MockServer.start(bundled: "workspace-happy")
        let r = try await create(server)
        #expect(r.status == 201)
        #expect(r.headers["X-Request-Id"]?.hasPrefix("req_") == true)
        let run = object(r)
        let id = try #require(run["id"] as? String)
        #expect(UUID(uuidString: id) != nil)
        #expect(r.headers["Location"] == "\(Self.runs)/\(id)")
        #expect(
            Array(run.keys).sorted() == [
                "completed_at", "configuration_id", "created_at", "duration_seconds", "exit_code", "failure_message", "id", "input",
                "links", "object", "operation", "output", "started_at", "status", "workspace_id",
            ])
        #expect(run["object"] as? String == "ade.run")
        #expect(run["workspace_id"] as? String == Self.ws)
        #expect(run["status"] as? String == "queued")
        #expect(run["operation"] as? String == "process")
        #expect((run["input"] as? [String: Any])?["document_id"] as? String == Self.doc)
        #expect((run["output"] as? [String: Any])?["ready"] as? Bool == false)
        #expect((run["links"] as? [String: Any])?["self"] as? String == "\(Self.runs)/\(id)")
        // snake_case is taken too in the default (seed) mode.
        let snake = try await create(server, body: #"{"input_document_id":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"operation":"validate","dry_run":true}}"#)
        #expect(snake.status == 201)
        #expect(object(snake)["operation"] as? String == "validate")
        // The Api-Key authorization scheme works like X-API-Key.
        let scheme = try await get(server, "\(Self.runs)/\(id)", headers: ["Authorization": "Api-Key other"])
        #expect(scheme.status == 200)
    }

    /// A file name goes into Content-Disposition as a quoted-string: a quote in it cannot end the parameter and
    /// add another (`a"; x=".csv` wrote a second parameter).
    @Test func aQuoteInTheOutputFileNameIsEscaped() async throws {
        let server = try MockServer.start(json: #"""
            {"apis": {"workspace": {"defaultRun": {"timeline": [{"state": "succeeded",
              "fields": {"output_ready": true, "output_filename": "a\"; x=\".csv\\b"}}]}}}}
            """#)
        let id = try await createdID(server)
        let file = try await get(server, "\(Self.runs)/\(id)/output/download")
        #expect(file.status == 200)
        #expect(file.headers["Content-Disposition"] == #"attachment; filename="a\"; x=\".csv\\b""#)
    }

    @Test func happyScenarioPhaseByPhase() async throws {
        let server = try MockServer.start(bundled: "workspace-happy")
        let id = try await createdID(server)
        let path = "\(Self.runs)/\(id)"
        var seen: [String] = []
        for _ in 0..<3 {
            let r = try await get(server, path)
            seen.append(object(r)["status"] as? String ?? "?")
            #expect(object(try await get(server, path + "/output"))["ready"] as? Bool == false)
            expectProblem(try await get(server, path + "/output/download"), 409, code: "OUTPUT_NOT_READY")
        }
        #expect(seen == ["queued", "running", "running"])
        let done = object(try await get(server, path))
        #expect(done["status"] as? String == "succeeded")
        #expect(done["exit_code"] as? Int == 0)
        #expect(done["failure_message"] is NSNull)
        #expect(done["started_at"] is String && done["completed_at"] is String)
        #expect(done["duration_seconds"] is NSNumber)
        let output = object(try await get(server, path + "/output"))
        #expect(output["ready"] as? Bool == true)
        #expect(output["filename"] as? String == "normalized.csv")
        #expect(output["content_type"] as? String == "text/csv")
        #expect(output["size_bytes"] as? Int == "sheet,rows\nSheet1,42\n".utf8.count)
        #expect(output["download_url"] as? String == path + "/output/download")
        let file = try await get(server, path + "/output/download")
        #expect(file.status == 200)
        #expect(file.text == "sheet,rows\nSheet1,42\n")
        #expect(file.headers["Content-Disposition"] == "attachment; filename=\"normalized.csv\"")
        #expect(file.headers["X-Request-Id"] != nil)
        // Cancelling a succeeded run is a conflict.
        expectProblem(try await server.send("POST", path + "/cancel", headers: Self.key), 409, code: "invalid_state")
    }

    /// A run's answer tells its output file's size without making the file: the size told is the size served,
    /// for the default CSV (which names the document, the run and its state) too.
    @Test func theDefaultOutputsSizeIsTheSizeServed() async throws {
        let server = try MockServer.start(json: #"""
            {"name": "default-output", "apis": {"workspace": {"defaultRun": {"timeline": [
              {"state": "queued", "polls": 1}, {"state": "succeeded"}]}}}}
            """#)
        let id = try await createdID(server)
        let path = "\(Self.runs)/\(id)"
        var run = object(try await get(server, path))
        for _ in 0..<3 where run["status"] as? String != "succeeded" { run = object(try await get(server, path)) }
        #expect(run["status"] as? String == "succeeded")
        let told = (run["output"] as? [String: Any])?["size_bytes"] as? Int
        let file = try await get(server, path + "/output/download")
        #expect(file.status == 200)
        #expect(file.text == "document_id,run_id,status\n\(Self.doc),\(id),succeeded\n")
        #expect(told == file.body.count)
        #expect(object(try await get(server, path + "/output"))["size_bytes"] as? Int == file.body.count)
    }

    @Test func failedScenarioRetriesThenFails() async throws {
        let server = try MockServer.start(bundled: "workspace-failed")
        let id = try await createdID(server)
        let path = "\(Self.runs)/\(id)"
        var seen: [String] = []
        for _ in 0..<6 { seen.append(object(try await get(server, path))["status"] as? String ?? "?") }
        #expect(seen == ["queued", "running", "queued", "running", "failed", "failed"])
        let run = object(try await get(server, path))
        #expect(run["failure_message"] as? String == "Sheet 'Data' has no header row")
        #expect(run["exit_code"] as? Int == 2)
        #expect(object(try await get(server, path + "/output"))["ready"] as? Bool == false)
        expectProblem(try await get(server, path + "/output/download"), 409, code: "OUTPUT_NOT_READY")
        expectProblem(try await server.send("POST", path + "/cancel", headers: Self.key), 409)
    }

    @Test func cancelMidRunScenario() async throws {
        let server = try MockServer.start(bundled: "workspace-cancel-mid-run")
        let id = try await createdID(server)
        let path = "\(Self.runs)/\(id)"
        #expect(object(try await get(server, path))["status"] as? String == "queued")
        #expect(object(try await get(server, path))["status"] as? String == "running")
        let cancel = try await server.send("POST", path + "/cancel", headers: Self.key)
        #expect(cancel.status == 200)
        #expect(object(cancel)["status"] as? String == "cancelled")
        #expect(object(cancel)["completed_at"] is String)
        let again = try await server.send("POST", path + "/cancel", headers: Self.key)
        #expect(again.status == 200)
        #expect(object(again)["status"] as? String == "cancelled")
        #expect(object(try await get(server, path))["status"] as? String == "cancelled")
        expectProblem(try await get(server, path + "/output/download"), 409, code: "OUTPUT_NOT_READY")
    }

    @Test func outputNotReadyScenario() async throws {
        let server = try MockServer.start(bundled: "workspace-output-not-ready")
        let id = try await createdID(server)
        let path = "\(Self.runs)/\(id)"
        var seen: [String] = []
        for _ in 0..<3 { seen.append(object(try await get(server, path))["status"] as? String ?? "?") }
        #expect(seen == ["queued", "running", "succeeded"])
        // Succeeded, but the output comes 5 scenario seconds (requests) later.
        var readiness: [Bool] = []
        for _ in 0..<6 { readiness.append(object(try await get(server, path + "/output"))["ready"] as? Bool ?? false) }
        #expect(readiness.first == false)
        #expect(readiness.last == true)
        #expect(readiness == readiness.sorted { !$0 && $1 })
        let file = try await get(server, path + "/output/download")
        #expect(file.status == 200)
        #expect(file.text == "id,value\n1,ok\n")
    }

    // MARK: list

    @Test func listPagesWithCursor() async throws {
        let server = try MockServer.start(bundled: "workspace-happy")
        var ids: [String] = []
        for _ in 0..<3 { ids.append(try await createdID(server)) }
        // A run in another workspace is not listed (and is 404 here).
        let other = try await create(server, workspace: Self.ws2)
        let otherID = try #require(object(other)["id"] as? String)
        let first = object(try await get(server, Self.runs + "?limit=2&includeTotal=true"))
        let items = try #require(first["items"] as? [[String: Any]])
        #expect(items.compactMap { $0["id"] as? String } == [ids[2], ids[1]])
        let meta = try #require(first["meta"] as? [String: Any])
        #expect(meta["limit"] as? Int == 2)
        #expect(meta["hasMore"] as? Bool == true)
        #expect(meta["totalIncluded"] as? Bool == true)
        #expect(meta["totalCount"] as? Int == 3)
        let cursor = try #require(meta["nextCursor"] as? String)
        let second = object(try await get(server, Self.runs + "?limit=2&cursor=\(cursor)"))
        #expect((second["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
        let meta2 = try #require(second["meta"] as? [String: Any])
        #expect(meta2["hasMore"] as? Bool == false)
        #expect(meta2["nextCursor"] is NSNull)
        #expect(meta2["totalIncluded"] as? Bool == false)
        #expect(meta2["totalCount"] is NSNull)
        let all = object(try await get(server, Self.runs))
        #expect((all["meta"] as? [String: Any])?["limit"] as? Int == 50)
        #expect((all["items"] as? [Any])?.count == 3)
        expectProblem(try await get(server, "\(Self.runs)/\(otherID)"), 404, path: "runId")
        for query in ["limit=0", "limit=201", "limit=abc", "cursor=zzz", "includeTotal=maybe"] {
            expectProblem(try await get(server, Self.runs + "?" + query), 422)
        }
    }

    // MARK: events

    @Test func eventStreamReadInFull() async throws {
        let server = try MockServer.start(
            json: """
                {"apis":{"workspace":{"settings":{"streamPollMilliseconds":5,"keepaliveEvery":2},
                  "defaultRun":{"timeline":[{"state":"queued","polls":1,"log":["queued"]},
                    {"state":"running","polls":4,"log":["started","working"]},
                    {"state":"succeeded","log":["done"]}]}}}}
                """)
        let id = try await createdID(server)
        let stream = try await get(server, "\(Self.runs)/\(id)/events/stream")
        #expect(stream.status == 200)
        #expect(stream.headers["Content-Type"]?.hasPrefix("text/event-stream") == true)
        #expect(stream.headers["X-Request-Id"] != nil)
        let events = Self.parseSSE(stream.text)
        let names = events.map(\.event)
        #expect(names.first == "ready")
        #expect(names.last == "end")
        #expect(names.contains("keepalive"))
        let messages = events.filter { $0.event == "message" }
        #expect(messages.compactMap { ($0.json["message"] as? String) } == ["queued", "started", "working", "done"])
        #expect(messages.map(\.id) == ["1", "2", "3", "4"])
        let end = try #require(events.last?.json)
        #expect(end["runId"] as? String == id)
        #expect(end["status"] as? String == "succeeded")
        #expect(end["reason"] as? String == "completed")
        // The stream's own reads moved the run: it is now succeeded for a poller too.
        #expect(object(try await get(server, "\(Self.runs)/\(id)"))["status"] as? String == "succeeded")
        // Resuming after event 2 sends only the later lines; reading twice gives the same bytes.
        let resumed = try await get(server, "\(Self.runs)/\(id)/events/stream?cursor=2")
        #expect(Self.parseSSE(resumed.text).filter { $0.event == "message" }.map(\.id) == ["3", "4"])
        let again = try await get(server, "\(Self.runs)/\(id)/events/stream?cursor=2")
        #expect(again.text == resumed.text)
        expectProblem(try await get(server, "\(Self.runs)/\(id)/events/stream?cursor=x"), 422)
    }

    @Test func eventStreamOfACancelledRun() async throws {
        let server = try MockServer.start(bundled: "workspace-cancel-mid-run")
        let id = try await createdID(server)
        #expect(try await server.send("POST", "\(Self.runs)/\(id)/cancel", headers: Self.key).status == 200)
        let events = Self.parseSSE(try await get(server, "\(Self.runs)/\(id)/events/stream").text)
        #expect(events.map(\.event) == ["ready", "message", "message", "end"])
        #expect(events.last?.json["reason"] as? String == "cancelled")
    }

    struct SSEEvent {
        var event: String
        var id: String?
        var json: [String: Any]
    }

    static func parseSSE(_ text: String) -> [SSEEvent] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var event = "message"
            var id: String?
            var data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            guard !data.isEmpty else { return nil }
            let json = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
            return SSEEvent(event: event, id: id, json: json)
        }
    }

    // MARK: auth

    @Test func authScenario() async throws {
        let server = try MockServer.start(bundled: "workspace-auth")
        let missing = try await get(server, Self.runs, headers: [:])
        expectProblem(missing, 401)
        // Both ways the service takes a key are named.
        let detail = object(missing)["detail"] as? String ?? ""
        #expect(detail.contains("X-API-Key") && detail.contains("Authorization: Api-Key"), "\(detail)")
        let bad = try await get(server, Self.runs, headers: ["X-API-Key": "nope"])
        expectProblem(bad, 401)
        #expect(bad.headers["WWW-Authenticate"] == "Api-Key")
        let id = try await createdID(server)
        // read-key reads but may not create or cancel.
        let read: KeyValuePairs<String, String> = ["X-API-Key": "read-key", "Content-Type": "application/json"]
        #expect(try await get(server, "\(Self.runs)/\(id)", headers: read).status == 200)
        expectProblem(try await create(server, headers: read), 403)
        expectProblem(try await server.send("POST", "\(Self.runs)/\(id)/cancel", headers: read), 403)
        // other-ws-key has no access to this workspace; in its own, this run does not exist.
        expectProblem(try await get(server, "\(Self.runs)/\(id)", headers: ["X-API-Key": "other-ws-key"]), 403)
        expectProblem(try await get(server, "/api/v1/workspaces/\(Self.ws2)/runs/\(id)", headers: ["X-API-Key": "other-ws-key"]), 404)
        #expect(try await get(server, "/api/v1/workspaces/\(Self.ws2)/runs", headers: ["Authorization": "Api-Key other-ws-key"]).status == 200)
        // A workspace that does not exist: 404 for a key without workspace scopes (a scoped key gets 403 first).
        let unknown = "/api/v1/workspaces/00000000-0000-4000-8000-000000000000/runs"
        expectProblem(try await get(server, unknown, headers: ["X-API-Key": "short-key"]), 404, path: "workspaceId")
        expectProblem(try await get(server, unknown), 403)
        // short-key wears out after 3 requests (the 404 above was its first).
        var statuses: [Int] = []
        for _ in 0..<3 { statuses.append(try await get(server, Self.runs, headers: ["X-API-Key": "short-key"]).status) }
        #expect(statuses == [200, 200, 401])
    }

    // MARK: bad input

    @Test func invalidOptionsScenario() async throws {
        let server = try MockServer.start(bundled: "workspace-invalid-options")
        let cases: [(String, Int, String, String)] = [
            (Self.seedBody, 422, "extra_forbidden", "inputDocumentId"),
            (#"{"options":{}}"#, 422, "missing", "input_document_id"),
            (#"{"input_document_id":"not-a-uuid"}"#, 422, "uuid_parsing", "input_document_id"),
            (#"{"input_document_id":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"operation":"explode"}}"#, 422, "enum", "options.operation"),
            (#"{"input_document_id":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"log_level":"TRACE"}}"#, 422, "enum", "options.log_level"),
            (#"{"input_document_id":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"color":"red"}}"#, 422, "extra_forbidden", "options.color"),
            (#"{"input_document_id":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"activeSheetOnly":true}}"#, 422, "extra_forbidden", "options.activeSheetOnly"),
            (
                #"{"input_document_id":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"active_sheet_only":true,"input_sheet_names":["A"]}}"#,
                422, "invalid_combination", "options.active_sheet_only"
            ),
            (#"{"input_document_id":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"dry_run":"yes"}}"#, 422, "bool_type", "options.dry_run"),
            (#"{"input_document_id":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":[]}"#, 422, "model_attributes_type", "options"),
            (#"["x"]"#, 422, "model_attributes_type", "body"),
            (#"{"input_document_id":"11111111-2222-4333-8444-555555555555"}"#, 404, "not_found", "input_document_id"),
        ]
        for (body, status, code, path) in cases {
            expectProblem(try await create(server, body: body), status, code: code, path: path)
        }
        expectProblem(try await create(server, body: "{"), 400)
        expectProblem(try await create(server, body: ""), 400)
        let ok = try await create(
            server,
            body: #"{"input_document_id":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"operation":"publish","input_sheet_names":["A","B"],"log_level":"DEBUG","metadata":{"k":"v"}}}"#)
        #expect(ok.status == 201)
        #expect(object(ok)["operation"] as? String == "publish")
        #expect((object(ok)["input"] as? [String: Any])?["input_sheet_names"] as? [String] == ["A", "B"])
    }

    @Test func seedModeStillChecksOptions() async throws {
        let server = try MockServer.start(bundled: "workspace-happy")
        expectProblem(
            try await create(server, body: #"{"inputDocumentId":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"activeSheetOnly":true,"inputSheetNames":["A"]}}"#),
            422, code: "invalid_combination", path: "options.activeSheetOnly")
        expectProblem(try await create(server, body: #"{"inputDocumentId":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"nope":1}}"#), 422, code: "extra_forbidden")
        // Unknown top-level fields pass in the seed mode.
        #expect(try await create(server, body: #"{"inputDocumentId":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","note":"x"}"#).status == 201)
    }

    @Test func unknownRunsBadPathsAndMethods() async throws {
        let server = try MockServer.start(bundled: "workspace-happy")
        let missing = "\(Self.runs)/99999999-9999-4999-8999-999999999999"
        for (method, suffix) in [("GET", ""), ("POST", "/cancel"), ("GET", "/output"), ("GET", "/output/download"), ("GET", "/events/stream")] {
            expectProblem(try await server.send(method, missing + suffix, headers: Self.key), 404, code: "not_found")
        }
        expectProblem(try await get(server, "/api/v1/workspaces/not-a-uuid/runs"), 422, code: "uuid_parsing")
        let wrong = try await server.send("DELETE", Self.runs, headers: Self.key)
        expectProblem(wrong, 405)
        #expect(wrong.headers["Allow"] == "GET, POST" || wrong.headers["Allow"] == "POST, GET")
    }

    @Test func requestIdOnEveryAnswerIncludingFaults() async throws {
        let server = try MockServer.start(
            json: #"{"apis":{"workspace":{"faults":[{"endpoint":"list","nth":1,"respond":{"status":503}},{"endpoint":"list","nth":2,"respond":{"status":500,"body":{"x":1}}}]}}}"#)
        let first = try await get(server, Self.runs)
        expectProblem(first, 503)
        let second = try await get(server, Self.runs)
        #expect(second.status == 500)
        #expect(second.headers["X-Request-Id"] != nil)
        let third = try await get(server, Self.runs)
        #expect(third.status == 200)
        let ids = [first, second, third].compactMap { $0.headers["X-Request-Id"] }
        #expect(Set(ids).count == 3)
    }

    /// `req_` and 26 characters of Crockford's base 32, a new id for every answer, every place of it drawn (a
    /// place that kept one character over 40 answers would be a draw that ran out of bits).
    @Test func requestIdsAreCrockfordBase32AndDrawnInEveryPlace() async throws {
        let server = try MockServer.start(bundled: "workspace-happy")
        var ids: [String] = []
        for _ in 0..<40 {
            let r = try await get(server, Self.runs + "?limit=1")
            #expect(r.status == 200)
            ids.append(r.headers["X-Request-Id"] ?? "")
        }
        let alphabet = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        for id in ids {
            #expect(id.hasPrefix("req_") && id.count == 30 && id.dropFirst(4).allSatisfy(alphabet.contains), "\(id)")
        }
        #expect(Set(ids).count == ids.count)
        let places = ids.map(Array.init)
        for place in 4..<30 {
            #expect(Set(places.map { $0.count == 30 ? $0[place] : "-" }).count > 1, "place \(place): \(ids)")
        }
    }

    @Test func sameRequestsGiveTheSameBytes() async throws {
        let server = try MockServer.start(bundled: "workspace-happy")
        func session() async throws -> [String] {
            var out: [String] = []
            let created = try await create(server)
            out.append(created.text + (created.headers["X-Request-Id"] ?? ""))
            let id = object(created)["id"] as? String ?? ""
            for suffix in ["", "", "/output", "", "", "/output/download", "/events/stream"] {
                let r = try await get(server, "\(Self.runs)/\(id)\(suffix)")
                out.append(r.text + (r.headers["X-Request-Id"] ?? ""))
            }
            let list = try await get(server, Self.runs + "?limit=0")
            out.append(list.text)
            return out
        }
        let first = try await session()
        #expect(try await server.send("POST", "/__mockruns/reset").status == 200)
        let second = try await session()
        #expect(first == second)
    }
}
