import Foundation
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// The admin API under /__mockruns/ over real HTTP: reset, load, clock, runs, journal, and the 404 for unknown
/// routes.
@Suite struct AdminTests {
    static let json: KeyValuePairs<String, String> = ["Content-Type": "application/json"]
    static let form: KeyValuePairs<String, String> = ["Content-Type": "application/x-www-form-urlencoded"]
    static let runParams = "apiKey=k&sourceID=S1&status2Match=error&stepName=uuid"

    func foundryStatus(_ server: TestServer) async throws -> String {
        let r = try await server.send("GET", "/dashboard/run_status?" + Self.runParams)
        return r.status == 200 ? (r.jsonObject?["status"] as? String ?? "?") : String(r.status)
    }

    func startFoundryRun(_ server: TestServer) async throws {
        let r = try await server.send("POST", "/dashboard/run", headers: Self.form, body: Array(Self.runParams.utf8))
        #expect(r.status == 200)
    }

    @Test func healthAndIndex() async throws {
        let server = try MockServer.start(json: "{}")
        let health = try await server.send("GET", "/__mockruns/health")
        #expect(health.status == 200)
        #expect(health.text == #"{"status":"ok"}"#)
        let index = try await server.send("GET", "/__mockruns/")
        #expect((index.jsonObject?["admin"] as? [String])?.contains("POST /__mockruns/reset") == true)
        let unknown = try await server.send("POST", "/__mockruns/explode")
        #expect(unknown.status == 404)
        #expect(unknown.jsonObject?["allowed"] is [String])
    }

    @Test func unknownRouteListsWhatIsServed() async throws {
        let server = try MockServer.start(json: "{}")
        let r = try await server.send("GET", "/no/such/thing")
        #expect(r.status == 404)
        #expect(r.jsonObject?["error"] as? String == "no route for GET /no/such/thing")
        let served = r.jsonObject?["served"] as? [[String: Any]]
        let apis = served?.compactMap { $0["api"] as? String } ?? []
        #expect(Set(apis) == Set(APIRegistry.fakes.map(\.descriptor.name)))
    }

    @Test func resetStartsTheScenarioOverBeforeAnswering() async throws {
        let server = try MockServer.start(bundled: "foundry-404-after-finish")
        try await startFoundryRun(server)
        for _ in 0..<4 { _ = try await foundryStatus(server) }
        #expect(try await foundryStatus(server) == "404")
        let reset = try await server.send("POST", "/__mockruns/reset")
        #expect(reset.status == 200)
        #expect(reset.jsonObject?["scenario"] as? String == "foundry-404-after-finish")
        #expect(try await foundryStatus(server) == "404")  // no run any more: reset removed it
        try await startFoundryRun(server)
        #expect(try await foundryStatus(server) == "RUNNING")
    }

    @Test func loadABundledScenarioByName() async throws {
        let server = try MockServer.start(json: "{}")
        let r = try await server.send("POST", "/__mockruns/scenario?name=foundry-error")
        #expect(r.status == 200)
        #expect(r.jsonObject?["scenario"] as? String == "foundry-error")
        let current = try await server.send("GET", "/__mockruns/scenario")
        #expect(current.jsonObject?["description"] as? String == "Foundry: RUNNING for 2 status reads, then ERROR with an errMessage")
        let missing = try await server.send("POST", "/__mockruns/scenario?name=nope")
        #expect(missing.status == 404)
        #expect((missing.jsonObject?["allowed"] as? [String])?.contains("foundry-error") == true)
    }

    @Test func loadAScenarioFromTheBodyAndRefuseABrokenOne() async throws {
        let server = try MockServer.start(json: "{}")
        let body = #"{"name": "posted", "apis": {"foundry": {"defaultRun": {"timeline": [{"state": "ERROR"}]}}}}"#
        let r = try await server.send("PUT", "/__mockruns/scenario", headers: Self.json, body: Array(body.utf8))
        #expect(r.status == 200)
        #expect(r.jsonObject?["scenario"] as? String == "posted")
        try await startFoundryRun(server)
        #expect(try await foundryStatus(server) == "ERROR")

        let broken = #"{"apis": {"foundry": {"defaultRun": {"timeline": [{"state": "DONE"}]}}}}"#
        let refused = try await server.send("PUT", "/__mockruns/scenario", headers: Self.json, body: Array(broken.utf8))
        #expect(refused.status == 400)
        #expect((refused.jsonObject?["error"] as? String)?.contains("apis.foundry.defaultRun.timeline[0].state") == true)
        // The refused file changed nothing.
        #expect(try await server.send("GET", "/__mockruns/scenario").jsonObject?["scenario"] as? String == "posted")
        let empty = try await server.send("PUT", "/__mockruns/scenario")
        #expect(empty.status == 400)
    }

    @Test func virtualClockMovesOnlyWhenAdvanced() async throws {
        let server = try MockServer.start(json: """
            {"clock": {"mode": "virtual", "epoch": "2030-01-01T00:00:00Z"},
             "apis": {"foundry": {"defaultRun": {"timeline": [{"state": "RUNNING", "seconds": 60}, {"state": "FINISHED"}]}}}}
            """)
        try await startFoundryRun(server)
        for _ in 0..<5 { #expect(try await foundryStatus(server) == "RUNNING") }
        let advanced = try await server.send("POST", "/__mockruns/clock/advance", headers: Self.json, body: Array(#"{"seconds": 59}"#.utf8))
        #expect(advanced.jsonObject?["now"] as? String == "2030-01-01T00:00:59.000Z")
        #expect(try await foundryStatus(server) == "RUNNING")
        _ = try await server.send("POST", "/__mockruns/clock/advance?seconds=1")
        #expect(try await foundryStatus(server) == "FINISHED")
        let bad = try await server.send("POST", "/__mockruns/clock/advance", headers: Self.json, body: Array(#"{"seconds": "soon"}"#.utf8))
        #expect(bad.status == 400)
        #expect(try await server.send("GET", "/__mockruns/clock").jsonObject?["now"] as? String == "2030-01-01T00:01:00.000Z")
    }

    /// Clock moves say what was wrong: an unknown key or parameter (a typo that moved nothing) and a number that
    /// is not decimal (`0x10` was taken as 16) are 400s that name `seconds`.
    @Test func clockAdvanceRefusesWhatItDoesNotRead() async throws {
        let server = try MockServer.start(json: #"{"clock": {"mode": "virtual", "epoch": "2030-01-01T00:00:00Z"}}"#)
        for (target, body) in [
            ("/__mockruns/clock/advance?seconds=0x10", ""), ("/__mockruns/clock/advance?second=5", ""),
            ("/__mockruns/clock/advance?seconds=inf", ""), ("/__mockruns/clock/advance", #"{"seconds": 5, "extra": 1}"#),
            ("/__mockruns/clock/advance", "[5]"),
        ] {
            let answer = try await server.send(
                "POST", target, headers: body.isEmpty ? [:] : Self.json, body: Array(body.utf8))
            #expect(answer.status == 400, "\(target) \(body): \(answer.text)")
            #expect(answer.text.contains("seconds"), "\(answer.text)")
        }
        #expect(try await server.send("GET", "/__mockruns/clock").jsonObject?["now"] as? String == "2030-01-01T00:00:00.000Z")
        let moved = try await server.send("POST", "/__mockruns/clock/advance?seconds=1.5e1")
        #expect(moved.jsonObject?["now"] as? String == "2030-01-01T00:00:15.000Z", "\(moved.text)")
    }

    @Test func runsListShowsPhases() async throws {
        let server = try MockServer.start(bundled: "foundry-error")
        try await startFoundryRun(server)
        for _ in 0..<3 { _ = try await foundryStatus(server) }
        let r = try await server.send("GET", "/__mockruns/runs?api=foundry")
        let runs = r.jsonObject?["runs"] as? [[String: Any]]
        #expect(runs?.count == 1)
        #expect(runs?.first?["id"] as? String == "S1/error/uuid")
        #expect(runs?.first?["state"] as? String == "ERROR")
        #expect(runs?.first?["reads"] as? Int == 3)
        #expect(runs?.first?["terminal"] as? Bool == true)
        let bad = try await server.send("GET", "/__mockruns/runs?api=nope")
        #expect(bad.status == 400)
    }

    /// The runs list pages (a full table listed at once held the server a quarter of a second): pages of `limit`
    /// from `offset` through every API in turn give the whole list once, `next` says where the next page starts.
    @Test func runsListPages() async throws {
        let server = try MockServer.start(MockServer.catalog.defaultScenario())
        for n in 0..<3 {
            _ = try await server.send("POST", "/controller/run?api_key=k&resourceID=page-\(n)")
        }
        let whole = try await server.send("GET", "/__mockruns/runs")
        let all = (whole.jsonObject?["runs"] as? [[String: Any]] ?? []).map { "\($0["api"]!)/\($0["id"]!)" }
        #expect(all.count >= 5 && whole.jsonObject?["total"] as? Int == all.count, "\(whole.text)")
        #expect(whole.jsonObject?["next"] is NSNull)
        var paged: [String] = [], offset: Int? = 0
        while let from = offset {
            let page = try await server.send("GET", "/__mockruns/runs?limit=2&offset=\(from)")
            let runs = page.jsonObject?["runs"] as? [[String: Any]] ?? []
            #expect(runs.count <= 2)
            paged += runs.map { "\($0["api"]!)/\($0["id"]!)" }
            offset = page.jsonObject?["next"] as? Int
            if paged.count > all.count { break }
        }
        #expect(paged == all)
        for query in ["limit=0", "limit=1001", "offset=-1", "offset=x", "page=2"] {
            let bad = try await server.send("GET", "/__mockruns/runs?\(query)")
            #expect(bad.status == 400, "\(query): \(bad.text)")
        }
    }

    @Test func journalRecordsRequestsAndFaults() async throws {
        let server = try MockServer.start(json: #"{"apis": {"foundry": {"faults": [{"endpoint": "run_status", "nth": 1, "respond": {"status": 500}}]}}}"#)
        try await startFoundryRun(server)
        #expect(try await foundryStatus(server) == "500")
        let journal = try await server.send("GET", "/__mockruns/journal")
        let entries = journal.jsonObject?["requests"] as? [[String: Any]] ?? []
        #expect(entries.map { $0["endpoint"] as? String } == ["run", "run_status"])
        #expect(entries.last?["fault"] as? String == "status 500")
        #expect(try await server.send("DELETE", "/__mockruns/journal").status == 200)
        let cleared = try await server.send("GET", "/__mockruns/journal")
        #expect((cleared.jsonObject?["requests"] as? [Any])?.isEmpty == true)
    }

    @Test func droppedConnectionsAreScripted() async throws {
        let server = try MockServer.start(json: #"{"apis": {"foundry": {"faults": [{"endpoint": "run_status", "every": 2, "drop": "reset"}, {"endpoint": "run", "nth": 1, "drop": "empty"}]}}}"#)
        let post = "POST /dashboard/run HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + "Content-Length: \(Self.runParams.utf8.count)\r\nConnection: close\r\n\r\n\(Self.runParams)"
        let empty = try server.rawExchange(post)
        #expect(empty.bytes.isEmpty)
        #expect(empty.ending == .closed)
        #expect(try server.rawExchange(post).text.hasPrefix("HTTP/1.1 200"))
        let get = "GET /dashboard/run_status?\(Self.runParams) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        #expect(try server.rawExchange(get).text.hasPrefix("HTTP/1.1 200"))
        let reset = try server.rawExchange(get)
        #expect(reset.bytes.isEmpty)
        #expect(reset.ending == .reset)
        #expect(try server.rawExchange(get).text.hasPrefix("HTTP/1.1 200"))
    }
}
