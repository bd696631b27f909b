import Foundation
import MicroHTTPDHost
import MockRuns
import MockRunsHTTP
import MockRunsTesting
import Scenarios
import Testing

/// Sessions over real HTTP: the table (create, list, get, delete, names, cap, idle expiry), every API under a
/// session's prefix with the URLs it writes keeping the prefix, each session's own admin API, and that a
/// session's answers are the same bytes whatever other sessions do beside it.
@Suite struct SessionTests {
    static let json: KeyValuePairs<String, String> = ["Content-Type": "application/json"]
    static let wes = "/ga4gh/wes/v1"
    static let wesAuth: KeyValuePairs<String, String> = ["X-SBG-Auth-Token": "t"]
    /// The default scenario's finished WES run.
    static let completeRun = "40a9c1a6-9263-4982-a574-e494f7c4b621"

    func create(_ server: TestServer, _ body: String? = nil) async throws -> TestResponse {
        try await server.send("POST", "/__mockruns/sessions", headers: Self.json, body: body.map { Array($0.utf8) })
    }

    func created(_ server: TestServer, _ body: String) async throws -> [String: Any] {
        let r = try await create(server, body)
        try #require(r.status == 201, "\(r.text)")
        return try #require(r.jsonObject)
    }

    func error(_ r: TestResponse) -> String { r.jsonObject?["error"] as? String ?? "(no error member: \(r.text))" }

    func names(_ server: TestServer) async throws -> [String] {
        let r = try await server.send("GET", "/__mockruns/sessions")
        #expect(r.status == 200)
        return (r.jsonObject?["sessions"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    // MARK: the table

    @Test func createListGetDelete() async throws {
        let server = try MockServer.start(bundled: "wes-happy")
        // No body: a name picked in creation order, the root's current scenario.
        let first = try await created(server, "")
        #expect(first["name"] as? String == "s1")
        #expect(first["url"] as? String == server.url + "/__sessions/s1")
        #expect(first["admin"] as? String == server.url + "/__mockruns/sessions/s1")
        let summary = try #require(first["scenario"] as? [String: Any])
        let rootSummary = try #require(try await server.send("GET", "/__mockruns/scenario").jsonObject)
        #expect(summary["scenario"] as? String == "wes-happy")
        #expect(Set(summary.keys) == Set(rootSummary.keys))
        let named = try await created(server, #"{"name": "worker-1.a_b", "scenario": "foundry-slow"}"#)
        #expect(named["name"] as? String == "worker-1.a_b")
        #expect((named["scenario"] as? [String: Any])?["scenario"] as? String == "foundry-slow")
        let inline = try await created(server, #"{"scenario": {"description": "inline", "seed": 7}}"#)
        #expect(inline["name"] as? String == "s2")
        #expect((inline["scenario"] as? [String: Any])?["seed"] as? Int == 7)

        let list = try #require(try await server.send("GET", "/__mockruns/sessions").jsonObject?["sessions"] as? [[String: Any]])
        #expect(list.compactMap { $0["name"] as? String } == ["default", "s1", "worker-1.a_b", "s2"])
        #expect(list.compactMap { $0["scenario"] as? String } == ["wes-happy", "wes-happy", "foundry-slow", "inline"])
        #expect(list[0]["url"] as? String == server.url)
        #expect(list.allSatisfy { $0["runs"] is Int && $0["requests"] is Int })

        let one = try await server.send("GET", "/__mockruns/sessions/worker-1.a_b")
        #expect(one.status == 200)
        #expect(one.jsonObject?["scenario"] as? String == "foundry-slow")
        #expect(one.jsonObject?["url"] as? String == server.url + "/__sessions/worker-1.a_b")

        let deleted = try await server.send("DELETE", "/__mockruns/sessions/s1")
        #expect(deleted.status == 200)
        #expect(deleted.jsonObject?["status"] as? String == "deleted")
        #expect(try await names(server) == ["default", "worker-1.a_b", "s2"])
        // Picked names keep counting: a deleted s1 is not picked again.
        #expect(try await created(server, "{}")["name"] as? String == "s3")

        for path in ["/__mockruns/sessions/s1", "/__mockruns/sessions/s1/clock", "/__sessions/s1/ga4gh/wes/v1/runs"] {
            let gone = try await server.send("GET", path)
            #expect(gone.status == 404, "\(path)")
            #expect(error(gone).contains("no session \"s1\""), "\(path): \(gone.text)")
            #expect(error(gone).contains("POST /__mockruns/sessions"), "says how to create one")
        }
        let again = try await server.send("DELETE", "/__mockruns/sessions/s1")
        #expect(again.status == 404)
        let root = try await server.send("DELETE", "/__mockruns/sessions/default")
        #expect(root.status == 400)
        #expect(error(root).contains("default"))
    }

    @Test func badNamesAndBodiesAre400() async throws {
        let server = try MockServer.start(json: "{}")
        let long = String(repeating: "x", count: 65)
        for name in [long, "../x", "a/b", "a\\u0000b", "a\\nb", "default", "", ".", "..", "caf\\u00e9", "\\u212a", "a b"] {
            let r = try await create(server, #"{"name": "\#(name)"}"#)
            #expect(r.status == 400, "\(name): \(r.text)")
            #expect(error(r).contains(name == "default" ? "root session" : "A-Z a-z 0-9 . _ -"), "\(name): \(r.text)")
            #expect(!r.text.contains("\u{0}"), "no raw NUL echoed")
        }
        #expect(try await create(server, #"{"name": "\#(String(repeating: "y", count: 64))"}"#).status == 201)
        let cases: [(String, String)] = [
            (#"{"name": 5}"#, "name must be a string"),
            (#"{"nmae": "a"}"#, "unknown key \"nmae\""),
            ("[1]", "is an array"),
            ("{", "not valid JSON"),
            (#"{"scenario": "no-such-scenario"}"#, "no bundled scenario \"no-such-scenario\""),
            (#"{"scenario": 3}"#, "a bundled scenario's name or a scenario document"),
            (#"{"scenario": {"apis": {"wes": {"defaultRun": {"timeline": [{"state": "DANCING"}]}}}}}"#,
             "request body: scenario.apis.wes.defaultRun.timeline[0].state"),
        ]
        for (body, message) in cases {
            let r = try await create(server, body)
            #expect(r.status == 400, "\(body): \(r.text)")
            #expect(error(r).contains(message), "\(body): \(r.text)")
        }
        let taken = try await create(server, #"{"name": "a"}"#)
        #expect(taken.status == 201)
        let twice = try await create(server, #"{"name": "a"}"#)
        #expect(twice.status == 409)
        #expect(error(twice).contains("a session named a exists"))
        // A look-alike of a session's name never reaches it: names are compared as bytes.
        #expect(try await create(server, #"{"name": "K"}"#).status == 201)
        #expect(try await server.send("GET", "/__sessions/K" + Self.wes + "/service-info", headers: Self.wesAuth).status == 200)
        for path in ["/__sessions/%E2%84%AA", "/__sessions/%00", "/__sessions/K%00", "/__sessions/"] {
            let r = try await server.send("GET", path + Self.wes + "/service-info", headers: Self.wesAuth)
            #expect(r.status == 404, "\(path): \(r.text)")
            #expect(error(r).hasPrefix("no session "), "\(path): \(r.text)")
            #expect(!r.text.contains("\u{0}"))
        }
        _ = try await server.send("DELETE", "/__mockruns/sessions/K")
        // A body that is not JSON is refused by the admin guard, as everywhere in the admin API.
        let text = try await server.send("POST", "/__mockruns/sessions", headers: ["Content-Type": "text/plain"], body: "name=a")
        #expect(text.status == 415)
        #expect(try await names(server) == ["default", String(repeating: "y", count: 64), "a"])
    }

    @Test func theCapIs429UntilOneIsDeleted() async throws {
        let server = try MockServer(json: "{}", options: ServerOptions(maxSessions: 2)).server
        #expect(try await create(server).status == 201)
        #expect(try await create(server).status == 201)
        let third = try await create(server)
        #expect(third.status == 429)
        #expect(error(third).contains("2 sessions exist, the cap is --max-sessions 2"), "\(third.text)")
        #expect(error(third).contains("DELETE"))
        #expect(try await server.send("DELETE", "/__mockruns/sessions/s1").status == 200)
        #expect(try await created(server, "{}")["name"] as? String == "s3")
        // Sessions off: the root still serves.
        let off = try MockServer(json: "{}", options: ServerOptions(maxSessions: 0)).server
        let refused = try await create(off)
        #expect(refused.status == 429)
        #expect(error(refused).contains("sessions are off") && !error(refused).contains("DELETE"), "\(refused.text)")
        #expect(try await off.send("GET", "/__mockruns/health").status == 200)
    }

    @Test func anIdleSessionEndsAfterItsTTL() async throws {
        let time = ManualTimeSource()
        let server = try MockServer(MockServer.catalog.defaultScenario(), options: ServerOptions(sessionTTL: 10), time: time).server
        _ = try await created(server, #"{"name": "a"}"#)
        _ = try await created(server, #"{"name": "b"}"#)
        time.advance(by: 6)
        // A request of either kind keeps a session alive.
        #expect(try await server.send("GET", "/__sessions/a/ga4gh/wes/v1/service-info", headers: Self.wesAuth).status == 200)
        time.advance(by: 6)  // a idle 6 s, b 12 s
        #expect(try await names(server) == ["default", "a"])
        #expect(try await server.send("GET", "/__mockruns/sessions/a/clock").status == 200)
        time.advance(by: 9.5)
        #expect(try await server.send("GET", "/__mockruns/sessions/a").status == 200)
        time.advance(by: 10)
        let expired = try await server.send("GET", "/__sessions/a/ga4gh/wes/v1/service-info", headers: Self.wesAuth)
        #expect(expired.status == 404)
        #expect(error(expired).contains("no session \"a\""))
        #expect(try await names(server) == ["default"], "the root never ends")
        // An ended session's name is free again.
        #expect(try await create(server, #"{"name": "a"}"#).status == 201)
    }

    // MARK: the APIs under a prefix

    @Test func aWESRunLifecycleInASessionKeepsThePrefixInItsURLs() async throws {
        let server = try MockServer.start(json: "{}")
        let session = try await created(server, #"{"name": "w", "scenario": "wes-happy"}"#)
        let base = try #require(session["url"] as? String) + Self.wes
        let prefix = "/__sessions/w" + Self.wes
        let form = WESTests.Multipart.workflow()
        let submit = try await server.send(
            "POST", prefix + "/runs", headers: [WESTests.token: "t", "Content-Type": form.contentType], body: form.bytes)
        #expect(submit.status == 200, "\(submit.text)")
        let id = try #require(submit.jsonObject?["run_id"] as? String)
        var states: [String] = []
        for _ in 0..<5 {
            let r = try await server.send("GET", prefix + "/runs/\(id)/status", headers: Self.wesAuth)
            states.append(r.jsonObject?["state"] as? String ?? "?")
        }
        #expect(states == ["QUEUED", "INITIALIZING", "RUNNING", "RUNNING", "COMPLETE"])
        let log = try #require(try await server.send("GET", prefix + "/runs/\(id)", headers: Self.wesAuth).jsonObject)
        if let url = log["task_logs_url"] as? String { #expect(url.hasPrefix(base), "\(url)") }
        let tasks = try #require(log["task_logs"] as? [[String: Any]])
        let stdout = try #require(tasks.first?["stdout"] as? String)
        #expect(stdout.hasPrefix(base + "/runs/\(id)/tasks/"), "\(stdout)")
        let followed = try await server.send("GET", String(stdout.dropFirst(server.url.count)), headers: Self.wesAuth)
        #expect(followed.status == 200, "\(followed.text)")
        // Nothing of it at the root.
        let atRoot = try await server.send("GET", Self.wes + "/runs/\(id)/status", headers: Self.wesAuth)
        #expect(atRoot.status == 404)
        #expect((try await server.send("GET", "/__mockruns/runs?api=wes").jsonObject?["runs"] as? [Any])?.count == 0)
    }

    @Test func aWorkspaceRunInASessionKeepsThePrefixInItsLinks() async throws {
        let server = try MockServer.start(json: "{}")
        _ = try await created(server, #"{"name": "ws", "scenario": "workspace-happy"}"#)
        let runs = "/__sessions/ws" + WorkspaceTests.runs
        let r = try await server.send(
            "POST", runs, headers: ["X-API-Key": "admin-key", "Content-Type": "application/json"], body: WorkspaceTests.seedBody)
        #expect(r.status == 201, "\(r.text)")
        let id = try #require(r.jsonObject?["id"] as? String)
        #expect(r.headers["Location"] == "\(runs)/\(id)")
        let links = try #require(r.jsonObject?["links"] as? [String: String])
        #expect(links["self"] == "\(runs)/\(id)")
        #expect(links["events"] == "\(runs)/\(id)/events/stream")
        var status = ""
        for _ in 0..<4 {
            status = try await server.send("GET", "\(runs)/\(id)", headers: WorkspaceTests.key).jsonObject?["status"] as? String ?? "?"
        }
        #expect(status == "succeeded")
        let output = try #require(try await server.send("GET", "\(runs)/\(id)/output", headers: WorkspaceTests.key).jsonObject)
        let download = try #require(output["download_url"] as? String)
        #expect(download == "\(runs)/\(id)/output/download")
        let file = try await server.send("GET", download, headers: WorkspaceTests.key)
        #expect(file.status == 200)
        #expect(file.text == "sheet,rows\nSheet1,42\n")
        // Its problem bodies name the path as the client sent it.
        let missing = try await server.send("GET", "\(runs)/00000000-0000-4000-8000-000000000000", headers: WorkspaceTests.key)
        #expect(missing.status == 404)
        #expect(missing.jsonObject?["instance"] as? String == "\(runs)/00000000-0000-4000-8000-000000000000")
    }

    @Test func foundryControllerAndSolvexiaAnswerInASession() async throws {
        let server = try MockServer.start(MockServer.catalog.defaultScenario())
        _ = try await created(server, #"{"name": "f"}"#)
        let params = "apiKey=k&sourceID=SCR_017041-1&status2Match=error&stepName=transform"
        let run = try await server.send(
            "POST", "/__sessions/f/dashboard/run", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: params)
        #expect(run.status == 200, "\(run.text)")
        let status = try await server.send("GET", "/__sessions/f/dashboard/run_status?" + params)
        #expect(status.status == 200)
        #expect(status.jsonObject?["status"] as? String == "RUNNING")
        let solvexia = try await server.send(
            "GET", "/__sessions/f/api/v1/processruns/pr-114278/runstatus", headers: ["Authorization": "Bearer any-token"])
        #expect(solvexia.status == 200, "\(solvexia.text)")
        #expect(solvexia.jsonObject?["status"] is String)
        // The Controller too; its run is the session's, the root has "No ongoing run".
        #expect(try await server.send("POST", "/__sessions/f/controller/run?api_key=k&resourceID=SCR_1").status == 200)
        let controller = try await server.send("GET", "/__sessions/f/controller/run_status?api_key=k&resourceID=SCR_1")
        #expect(controller.jsonObject?["status"] as? String == "Running", "\(controller.text)")
        let controllerAtRoot = try await server.send("GET", "/controller/run_status?api_key=k&resourceID=SCR_1")
        #expect(controllerAtRoot.text == #"{"status":"No ongoing run"}"#)
        // The Foundry run is the session's: the root's status read knows none.
        let rootStatus = try await server.send("GET", "/dashboard/run_status?" + params)
        #expect(rootStatus.text != status.text)
        // A path no fake owns, or the prefix alone: the usual 404 listing routes, in the session.
        for path in ["/__sessions/f", "/__sessions/f/no/such/thing"] {
            let r = try await server.send("GET", path)
            #expect(r.status == 404)
            #expect(r.jsonObject?["served"] is [Any], "\(path): \(r.text)")
        }
        // The root is also reachable as the session default.
        let viaDefault = try await server.send("GET", "/__sessions/default/ga4gh/wes/v1/runs/\(Self.completeRun)/status", headers: Self.wesAuth)
        #expect(viaDefault.status == 200)
        let journal = try await server.send("GET", "/__mockruns/sessions/default/journal")
        #expect((journal.jsonObject?["requests"] as? [[String: Any]])?.count == 3, "the root's two status reads and this one")
    }

    @Test func corsAndTheBodyLimitWorkUnderAPrefix() async throws {
        let page = "http://localhost:3000"
        let mock = try MockServer(json: "{}", options: ServerOptions(cors: CORSPolicy(origins: [page])))
        let small = try TestServer(responder: mock.app, configuration: HTTPServer.Configuration(maxBodyBytes: 64))
        _ = try await created(small, #"{"name": "a"}"#)
        let runs = "/__sessions/a" + WorkspaceTests.runs
        let preflight = try await small.send("OPTIONS", runs, headers: ["Origin": page, "Access-Control-Request-Method": "POST"])
        #expect(preflight.status == 204)
        #expect(preflight.headers["Access-Control-Allow-Origin"] == page)
        #expect(preflight.headers["Access-Control-Allow-Methods"]?.contains("POST") == true)
        let list = try await small.send("GET", runs, headers: ["Origin": page, "X-API-Key": "k"])
        #expect(list.status == 200)
        #expect(list.headers["Access-Control-Allow-Origin"] == page)
        // Too large a body: the workspace API's own 413 with the session's Date, not an admin error.
        #expect(try await small.send("POST", "/__mockruns/sessions/a/clock/advance?seconds=86400").status == 200)
        let big = try await small.send(
            "POST", runs, headers: ["X-API-Key": "k", "Content-Type": "application/json"], body: Array(repeating: UInt8(ascii: "a"), count: 5000))
        #expect(big.status == 413)
        #expect(big.headers["Content-Type"] == "application/problem+json")
        #expect(big.headers["Date"] == "Thu, 02 Jan 2025 00:00:01 GMT", "a day on, and the one list read")
        let unknown = try await small.send(
            "POST", "/__sessions/zz" + WorkspaceTests.runs, headers: ["Content-Type": "application/json"],
            body: Array(repeating: UInt8(ascii: "a"), count: 5000))
        #expect(unknown.status == 413)
        #expect(unknown.jsonObject?["error"] is String, "the admin error body: no API owns an unknown session")
    }

    // MARK: each session's admin API

    @Test func eachSessionHasItsOwnClockRunsJournalAndVerdict() async throws {
        let server = try MockServer.start(MockServer.catalog.defaultScenario())
        _ = try await created(server, #"{"name": "a"}"#)
        _ = try await created(server, #"{"name": "b"}"#)
        let advance = try await server.send("POST", "/__mockruns/sessions/a/clock/advance?seconds=3600")
        #expect(advance.status == 200)
        #expect(advance.jsonObject?["now"] as? String == "2025-01-01T01:00:00.000Z")
        #expect(try await server.send("GET", "/__mockruns/sessions/b/clock").jsonObject?["now"] as? String == "2025-01-01T00:00:00.000Z")
        #expect(try await server.send("GET", "/__mockruns/clock").jsonObject?["now"] as? String == "2025-01-01T00:00:00.000Z")
        // The Date header is the session's clock.
        let health = try await server.send("GET", "/__mockruns/sessions/a/health")
        #expect(health.text == #"{"status":"ok"}"#)
        #expect(health.headers["Date"] == "Wed, 01 Jan 2025 01:00:00 GMT")

        // A WES run in each; resetting a keeps b's.
        let form = WESTests.Multipart.workflow()
        for name in ["a", "b"] {
            let r = try await server.send(
                "POST", "/__sessions/\(name)" + Self.wes + "/runs", headers: [WESTests.token: "t", "Content-Type": form.contentType],
                body: form.bytes)
            #expect(r.status == 200)
        }
        func wesRuns(_ admin: String) async throws -> Int {
            try #require(try await server.send("GET", admin + "/runs?api=wes").jsonObject?["runs"] as? [Any]).count
        }
        #expect(try await wesRuns("/__mockruns/sessions/a") == 2)  // the scripted one and the created one
        #expect(try await wesRuns("/__mockruns") == 1)
        #expect(try await server.send("POST", "/__mockruns/sessions/a/reset").status == 200)
        #expect(try await wesRuns("/__mockruns/sessions/a") == 1)
        #expect(try await wesRuns("/__mockruns/sessions/b") == 2)
        #expect(try await server.send("GET", "/__mockruns/sessions/a/clock").jsonObject?["now"] as? String == "2025-01-01T00:00:00.000Z")

        // Journals: a's has only a's requests, paths as the API saw them.
        let status = "/ga4gh/wes/v1/runs/\(Self.completeRun)/status"
        for _ in 0..<2 { _ = try await server.send("GET", "/__sessions/a" + status, headers: Self.wesAuth) }
        let journalA = try #require(try await server.send("GET", "/__mockruns/sessions/a/journal").jsonObject?["requests"] as? [[String: Any]])
        #expect(journalA.compactMap { $0["path"] as? String } == [status, status])
        let journalB = try #require(try await server.send("GET", "/__mockruns/sessions/b/journal").jsonObject?["requests"] as? [[String: Any]])
        #expect(journalB.compactMap { $0["path"] as? String } == [Self.wes + "/runs"])
        #expect((try await server.send("GET", "/__mockruns/journal").jsonObject?["requests"] as? [Any])?.count == 0)

        // Verify judges a alone: it polled a finished run twice.
        let verdictA = try await server.send("GET", "/__mockruns/sessions/a/verify")
        #expect(verdictA.status == 409, "\(verdictA.text)")
        #expect(try await server.send("GET", "/__mockruns/sessions/b/verify").status == 200)
        #expect(try await server.send("GET", "/__mockruns/verify").status == 200)
        let allowed = try await server.send(
            "POST", "/__mockruns/sessions/a/verify", headers: Self.json, body: #"{"rules": {"poll-after-terminal": {"allow": 1}}}"#)
        #expect(allowed.status == 200, "\(allowed.text)")
        #expect(try await server.send("DELETE", "/__mockruns/sessions/a/journal").status == 200)
        #expect(try await server.send("GET", "/__mockruns/sessions/a/verify").status == 200)

        // Loading a scenario into a session leaves the others alone.
        let loaded = try await server.send("POST", "/__mockruns/sessions/b/scenario?name=foundry-slow")
        #expect(loaded.status == 200)
        #expect(try await server.send("GET", "/__mockruns/sessions/b/scenario").jsonObject?["scenario"] as? String == "foundry-slow")
        #expect(try await server.send("GET", "/__mockruns/sessions/a/scenario").jsonObject?["scenario"] as? String == "default")
        #expect(try await server.send("GET", "/__mockruns/scenario").jsonObject?["scenario"] as? String == "default")
        let put = try await server.send("PUT", "/__mockruns/sessions/a/scenario", headers: Self.json, body: #"{"seed": 9}"#)
        #expect(put.jsonObject?["seed"] as? Int == 9)
        // The report is the root's.
        #expect(try await server.send("POST", "/__mockruns/sessions/a/report").status == 404)
        #expect(try await server.send("GET", "/__mockruns/sessions/a/nope").status == 404)
    }

    @Test func theAdminGuardCoversSessions() async throws {
        let server = try MockServer(json: "{}", options: ServerOptions(adminToken: "secret")).server
        #expect(try await create(server).status == 401)
        #expect(try await server.send("GET", "/__mockruns/sessions").status == 401)
        let ok = try await server.send(
            "POST", "/__mockruns/sessions", headers: ["Authorization": "Bearer secret", "Content-Type": "application/json"],
            body: #"{"name": "a"}"#)
        #expect(ok.status == 201)
        #expect(try await server.send("POST", "/__mockruns/sessions/a/reset").status == 401)
        // The session's API paths are the API's, open as at the root.
        #expect(try await server.send("GET", "/__sessions/a/ga4gh/wes/v1/service-info", headers: Self.wesAuth).status == 200)
        // A browser page may not make sessions.
        let page = try await server.send(
            "POST", "/__mockruns/sessions", headers: ["Authorization": "Bearer secret", "Origin": "http://evil.test"])
        #expect(page.status == 403)
    }

    @Test func parallelTestsEachSeeOnlyTheirOwnSession() async throws {
        let server = try MockServer.start(json: "{}")
        let form = WESTests.Multipart.workflow()
        // Eight "tests" at once, each in its own session on the same scenario: each sees its own three runs
        // only, and, the seed and the requests being the same, each makes the same ids.
        let seen = try await withThrowingTaskGroup(of: (ids: [String], listed: [String], journal: Int).self) { group in
            for index in 0..<8 {
                group.addTask {
                    let name = "t\(index)"
                    let made = try await server.send(
                        "POST", "/__mockruns/sessions", headers: Self.json, body: Array(#"{"name": "\#(name)", "scenario": "wes-happy"}"#.utf8))
                    try #require(made.status == 201, "\(made.text)")
                    let p = "/__sessions/\(name)" + Self.wes
                    var ids: [String] = []
                    for _ in 0..<3 {
                        let r = try await server.send(
                            "POST", p + "/runs", headers: [WESTests.token: "t", "Content-Type": form.contentType], body: form.bytes)
                        ids.append(try #require(r.jsonObject?["run_id"] as? String, "\(r.text)"))
                    }
                    for id in ids {
                        var state = ""
                        for _ in 0..<5 { state = try await server.send("GET", p + "/runs/\(id)/status", headers: Self.wesAuth).jsonObject?["state"] as? String ?? "?" }
                        #expect(state == "COMPLETE")
                    }
                    let runs = try await server.send("GET", p + "/runs", headers: Self.wesAuth).jsonObject?["runs"] as? [[String: Any]] ?? []
                    let journal = try await server.send("GET", "/__mockruns/sessions/\(name)/journal").jsonObject?["requests"] as? [Any] ?? []
                    return (ids, runs.compactMap { $0["run_id"] as? String }, journal.count)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(seen.count == 8)
        for result in seen {
            #expect(Set(result.listed) == Set(result.ids), "a session lists its own runs only")
            #expect(result.ids == seen[0].ids, "same seed, same requests: same ids in every session")
            #expect(result.journal == 3 + 15 + 1)
        }
        #expect(Set(seen[0].ids).count == 3)
        #expect((try await server.send("GET", Self.wes + "/runs", headers: Self.wesAuth).jsonObject?["runs"] as? [Any])?.count == 0)
    }

    // MARK: determinism

    /// One exchange as bytes: status, the headers a client may read the scenario from, the body.
    func exchange(_ r: TestResponse) -> String {
        let headers = ["Date", "X-Request-Id", "Location", "Retry-After", "Content-Type"].map { "\($0): \(r.headers[$0] ?? "-")" }
        return "\(r.status)\n" + headers.joined(separator: "\n") + "\n" + r.text
    }

    /// The requests session `name` makes: a WES run polled to its end and its log, a workspace run and its
    /// output, a Foundry run, a Solvexia token; `other` (when set) runs between every two of them.
    func script(_ server: TestServer, in name: String, between other: (() async throws -> Void)? = nil) async throws -> [String] {
        let p = "/__sessions/" + name
        let form = WESTests.Multipart.workflow()
        let workspace = p + WorkspaceTests.runs
        let foundry = "apiKey=k&sourceID=SCR_017041-1&status2Match=error&stepName=transform"
        var steps: [@Sendable () async throws -> TestResponse] = [
            { try await server.send("POST", p + Self.wes + "/runs", headers: [WESTests.token: "t", "Content-Type": form.contentType], body: form.bytes) },
            {
                try await server.send(
                    "POST", workspace, headers: ["X-API-Key": "admin-key", "Content-Type": "application/json"], body: WorkspaceTests.seedBody)
            },
            { try await server.send("POST", p + "/dashboard/run", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: foundry) },
            { try await server.send("POST", p + "/oauth/token", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: "grant_type=client_credentials&client_id=c&client_secret=s") },
        ]
        var answers: [String] = []
        for step in steps {
            answers.append(exchange(try await step()))
            try await other?()
        }
        // Ids the first answers made, then their reads.
        let wesID = try #require(answers[0].components(separatedBy: "\"run_id\":\"").dropFirst().first?.prefix(36)).description
        let workspaceID = try #require(answers[1].components(separatedBy: "\"id\":\"").dropFirst().first?.prefix(36)).description
        steps = (0..<5).map { _ in { try await server.send("GET", p + Self.wes + "/runs/\(wesID)/status", headers: Self.wesAuth) } }
        steps.append { try await server.send("GET", p + Self.wes + "/runs/\(wesID)", headers: Self.wesAuth) }
        steps += (0..<4).map { _ in { try await server.send("GET", "\(workspace)/\(workspaceID)", headers: WorkspaceTests.key) } }
        steps.append { try await server.send("GET", "\(workspace)/\(workspaceID)/output/download", headers: WorkspaceTests.key) }
        steps.append { try await server.send("GET", p + "/dashboard/run_status?" + foundry) }
        steps.append { try await server.send("GET", p + "/__mockruns-not-an-api") }
        for step in steps {
            answers.append(exchange(try await step()))
            try await other?()
        }
        return answers
    }

    @Test func aSessionsAnswersAreTheSameBytesWhateverRunsBesideIt() async throws {
        // One public URL, so URLs written into answers do not differ by the servers' ports.
        let options = ServerOptions(publicURL: "http://mock.test")
        let alone = try MockServer(MockServer.catalog.defaultScenario(), options: options).server
        _ = try await created(alone, #"{"name": "a", "scenario": "wes-happy"}"#)
        let expected = try await script(alone, in: "a")
        #expect(expected.count == 17)
        // Real answers, not a run of 404s: only the last request (no fake owns it) is one.
        #expect(expected.map { $0.prefix(3) } == ["200", "201", "200", "200"] + Array(repeating: "200", count: 12) + ["404"])
        #expect(expected.contains { $0.contains(#""state":"COMPLETE""#) })
        #expect(expected.contains { $0.contains("http://mock.test/__sessions/a/ga4gh/wes/v1/runs/") }, "the log's URLs are in it")

        let busy = try MockServer(MockServer.catalog.defaultScenario(), options: options).server
        _ = try await created(busy, #"{"name": "b", "scenario": "wes-happy"}"#)
        _ = try await created(busy, #"{"name": "a", "scenario": "wes-happy"}"#)
        _ = try await created(busy, #"{"name": "c", "scenario": "wes-slow"}"#)
        // b plays the same script (same scenario, so the same ids if anything leaked), c polls on another
        // scenario, and the root is used too; all between every two of a's requests.
        let form = WESTests.Multipart.workflow()
        let others: @Sendable () async throws -> Void = {
            _ = try await busy.send("POST", "/__sessions/b" + Self.wes + "/runs", headers: [WESTests.token: "t", "Content-Type": form.contentType], body: form.bytes)
            _ = try await busy.send("GET", "/__sessions/c" + Self.wes + "/runs", headers: Self.wesAuth)
            _ = try await busy.send("POST", "/__mockruns/sessions/c/clock/advance?seconds=7")
            _ = try await busy.send("GET", Self.wes + "/runs/\(Self.completeRun)/status", headers: Self.wesAuth)
        }
        let interleaved = try await script(busy, in: "a", between: others)
        #expect(interleaved.count == expected.count)
        for (index, (want, got)) in zip(expected, interleaved).enumerated() {
            #expect(want == got, "answer \(index) differs")
        }
        // And b, which ran a's first four requests among others, got the same first run id as a.
        let bRuns = try #require(try await busy.send("GET", "/__mockruns/sessions/b/runs?api=wes").jsonObject?["runs"] as? [[String: Any]])
        #expect(expected[0].contains(bRuns.first?["id"] as? String ?? "none"))
    }
}
