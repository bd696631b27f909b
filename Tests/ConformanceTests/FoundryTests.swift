import Foundation
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// Foundry (docs/apis/foundry.md) over real HTTP: both path prefixes, JSON and form bodies, plain-text errors,
/// every bundled foundry scenario played read by read.
@Suite struct FoundryTests {
    static let params = "apiKey=k1&sourceID=SCR_017041-1&status2Match=error&stepName=transform"
    static let form: KeyValuePairs<String, String> = ["Content-Type": "application/x-www-form-urlencoded"]
    static let json: KeyValuePairs<String, String> = ["Content-Type": "application/json"]

    func startRun(_ server: TestServer, prefix: String = "/dashboard") async throws -> TestResponse {
        try await server.send("POST", prefix + "/run", headers: Self.form, body: Array(Self.params.utf8))
    }

    func status(_ server: TestServer, prefix: String = "/dashboard", params: String = FoundryTests.params) async throws -> TestResponse {
        try await server.send("GET", prefix + "/run_status?" + params)
    }

    /// Reads run_status `count` times: each answer as "STATE" or the HTTP status for errors.
    func statuses(_ server: TestServer, count: Int) async throws -> [String] {
        var seen: [String] = []
        for _ in 0..<count {
            let r = try await status(server)
            seen.append(r.status == 200 ? (r.jsonObject?["status"] as? String ?? "?") : String(r.status))
        }
        return seen
    }

    @Test(arguments: ["/dashboard", "/foundry/api/dashboard"])
    func runThenPollToFinished(prefix: String) async throws {
        let server = try MockServer.start(json: "{}")
        let run = try await startRun(server, prefix: prefix)
        #expect(run.status == 200)
        #expect(run.headers["Content-Type"] == "application/json")
        #expect(run.text == #"{"status":"RUNNING","logMessage":"updating status of 14 records to new.1"}"#)
        var seen: [String] = []
        for _ in 0..<3 {
            let r = try await status(server, prefix: prefix)
            #expect(r.status == 200)
            seen.append(r.jsonObject?["status"] as? String ?? "?")
            #expect(r.jsonObject?["errMessage"] == nil)
            #expect(r.jsonObject?["logMessage"] is String)
        }
        #expect(seen == ["RUNNING", "RUNNING", "FINISHED"])
        // Documented: once the run request is finished, run_status answers 404.
        let gone = try await status(server, prefix: prefix)
        #expect(gone.status == 404)
        #expect(gone.text.contains("already finished"))
        // Posting the run again starts it afresh, FINISHED read once more.
        _ = try await startRun(server, prefix: prefix)
        #expect(try await statuses(server, count: 4) == ["RUNNING", "RUNNING", "FINISHED", "404"])
    }

    /// A status poll's parameters are its query's, the first of each name (later repeats are ignored), for the
    /// key, the status match and the apiKey alike.
    @Test func aPollReadsTheFirstOfEachRepeatedParameter() async throws {
        let server = try MockServer.start(json: "{}")
        _ = try await startRun(server)
        let repeated = try await status(server, params: Self.params + "&status2Match=bogus&sourceID=other&stepName=&apiKey=")
        #expect(repeated.status == 200)
        #expect(repeated.jsonObject?["status"] as? String == "RUNNING")
        let badFirst = try await status(server, params: "status2Match=bogus&" + Self.params)
        #expect(badFirst.status == 400)
        #expect(badFirst.text == #"Invalid status2Match "bogus"; allowed: error, finished"#)
        let otherRun = try await status(server, params: "sourceID=other&" + Self.params)
        #expect(otherRun.status == 404)
        #expect(otherRun.text == "No run scheduled for sourceID=other status2Match=error stepName=transform")
        let emptyStep = try await status(server, params: "stepName=&" + Self.params)
        #expect(emptyStep.status == 400)
        #expect(emptyStep.text == "Missing required parameter(s): stepName")
    }

    @Test func finishedForeverSettingAndScenario() async throws {
        let inline = try MockServer.start(json: #"{"apis":{"foundry":{"settings":{"runStatusAfterFinish":"finished"}}}}"#)
        _ = try await startRun(inline)
        #expect(try await statuses(inline, count: 5) == ["RUNNING", "RUNNING", "FINISHED", "FINISHED", "FINISHED"])
        let bundled = try MockServer.start(bundled: "foundry-finished-forever")
        _ = try await startRun(bundled)
        #expect(try await statuses(bundled, count: 4) == ["RUNNING", "RUNNING", "FINISHED", "FINISHED"])
        // A run's own notFoundAfter still counts its FINISHED reads.
        let counted = try MockServer.start(json: #"{"apis":{"foundry":{"defaultRun":{"timeline":[{"state":"RUNNING","polls":1},{"state":"FINISHED"}],"notFoundAfter":2}}}}"#)
        _ = try await startRun(counted)
        #expect(try await statuses(counted, count: 4) == ["RUNNING", "FINISHED", "FINISHED", "404"])
        // The setting is validated like the others.
        #expect(throws: (any Error).self) {
            _ = try MockServer.loader.load(Array(#"{"apis":{"foundry":{"settings":{"runStatusAfterFinish":"forever"}}}}"#.utf8), file: "x.json")
        }
    }

    @Test func runAcceptsAJSONBody() async throws {
        let server = try MockServer.start(json: "{}")
        let body = #"{"apiKey":"k1","sourceID":"SCR_017041-1","status2Match":"finished","stepName":"uuid"}"#
        let r = try await server.send("POST", "/dashboard/run", headers: Self.json, body: Array(body.utf8))
        #expect(r.status == 200)
        #expect(r.jsonObject?["status"] as? String == "RUNNING")
        let s = try await status(server, params: "apiKey=k1&sourceID=SCR_017041-1&status2Match=finished&stepName=uuid")
        #expect(s.status == 200)
        // A run is keyed by all three: the same source with another status2Match has no run.
        let other = try await status(server)
        #expect(other.status == 404)
    }

    @Test func errorScenarioEndsInErrorWithErrMessage() async throws {
        let server = try MockServer.start(bundled: "foundry-error")
        _ = try await startRun(server)
        #expect(try await statuses(server, count: 4) == ["RUNNING", "RUNNING", "ERROR", "ERROR"])
        let last = try await status(server)
        #expect(last.jsonObject?["errMessage"] as? String == "transform: record SCR_017041-7 has no 'title' field")
        #expect(last.jsonObject?["logMessage"] as? String == "step transform failed on 3 of 14 records")
    }

    @Test func happyScenarioWaitsOneSecondOnRun() async throws {
        let server = try MockServer.start(bundled: "foundry-happy")
        let started = Date()
        let run = try await startRun(server)
        #expect(run.status == 200)
        #expect(Date().timeIntervalSince(started) >= 0.95)
        #expect(try await statuses(server, count: 3) == ["RUNNING", "RUNNING", "FINISHED"])
    }

    @Test func slowScenarioStaysRunningForTenReads() async throws {
        let server = try MockServer.start(bundled: "foundry-slow")
        _ = try await startRun(server)
        let started = Date()
        let seen = try await statuses(server, count: 11)
        #expect(seen == Array(repeating: "RUNNING", count: 10) + ["FINISHED"])
        #expect(Date().timeIntervalSince(started) >= 11 * 0.2)
    }

    @Test func notFoundAfterFinishScenario() async throws {
        let server = try MockServer.start(bundled: "foundry-404-after-finish")
        _ = try await startRun(server)
        #expect(try await statuses(server, count: 5) == ["RUNNING", "RUNNING", "FINISHED", "404", "404"])
        let gone = try await status(server)
        #expect(gone.headers["Content-Type"]?.hasPrefix("text/plain") == true)
        #expect(gone.text.contains("already finished"))
    }

    @Test func forbiddenScenarioRefusesOtherKeys() async throws {
        let server = try MockServer.start(bundled: "foundry-403")
        let refused = try await startRun(server)
        #expect(refused.status == 403)
        #expect(refused.headers["Content-Type"]?.hasPrefix("text/plain") == true)
        #expect(refused.text.contains("invalid apiKey"))
        let params = Self.params.replacingOccurrences(of: "apiKey=k1", with: "apiKey=foundry-test-key")
        let ok = try await server.send("POST", "/dashboard/run", headers: Self.form, body: Array(params.utf8))
        #expect(ok.status == 200)
    }

    @Test func missingApiKeyIs403NeverA401() async throws {
        let server = try MockServer.start(json: "{}")
        let r = try await server.send("GET", "/dashboard/run_status?sourceID=S&status2Match=error&stepName=uuid")
        #expect(r.status == 403)
        #expect(r.text.contains("apiKey is missing"))
    }

    @Test func emptyForbiddenBodySetting() async throws {
        let server = try MockServer.start(json: #"{"apis": {"foundry": {"settings": {"forbiddenBody": "empty"}}}}"#)
        let r = try await server.send("GET", "/dashboard/run_status?sourceID=S&status2Match=error&stepName=uuid")
        #expect(r.status == 403)
        #expect(r.body.isEmpty)
    }

    @Test(arguments: [
        ("apiKey=k", "sourceID, status2Match, stepName"),
        ("apiKey=k&sourceID=S", "status2Match, stepName"),
        ("apiKey=k&sourceID=S&status2Match=error", "stepName"),
        ("apiKey=k&status2Match=error&stepName=uuid", "sourceID"),
        ("apiKey=k&sourceID=&status2Match=error&stepName=uuid", "sourceID"),
    ])
    func missingParametersAre400NamingThem(query: String, named: String) async throws {
        let server = try MockServer.start(json: "{}")
        for (method, path, body) in [
            ("GET", "/dashboard/run_status?" + query, nil), ("POST", "/dashboard/run", Array(query.utf8)),
        ] {
            let r = try await server.send(method, path, headers: Self.form, body: body)
            #expect(r.status == 400)
            #expect(r.headers["Content-Type"]?.hasPrefix("text/plain") == true)
            #expect(r.text == "Missing required parameter(s): \(named)")
        }
    }

    @Test func badStatus2MatchIs400() async throws {
        let server = try MockServer.start(json: "{}")
        let r = try await status(server, params: "apiKey=k&sourceID=S&status2Match=new&stepName=uuid")
        #expect(r.status == 400)
        #expect(r.text.contains("allowed: error, finished"))
    }

    @Test func malformedJSONBodyIs400() async throws {
        let server = try MockServer.start(json: "{}")
        for body in ["{\"apiKey\": ", "[1,2]", "\"text\""] {
            let r = try await server.send("POST", "/dashboard/run", headers: Self.json, body: Array(body.utf8))
            #expect(r.status == 400, "body \(body)")
            #expect(r.text.contains("JSON"))
        }
    }

    @Test func unknownRunIs404() async throws {
        let server = try MockServer.start(json: "{}")
        let r = try await status(server)
        #expect(r.status == 404)
        #expect(r.text == "No run scheduled for sourceID=SCR_017041-1 status2Match=error stepName=transform")
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        let server = try MockServer.start(json: "{}")
        let r = try await server.send("GET", "/dashboard/run?" + Self.params)
        #expect(r.status == 405)
        #expect(r.headers["Allow"] == "POST")
        let d = try await server.send("DELETE", "/foundry/api/dashboard/run_status")
        #expect(d.status == 405)
        #expect(d.headers["Allow"] == "GET")
    }

    @Test func scriptedServerFaultUsesThePlainTextBody() async throws {
        let server = try MockServer.start(json: #"{"apis": {"foundry": {"faults": [{"endpoint": "run_status", "nth": 2, "respond": {"status": 500}}]}}}"#)
        _ = try await startRun(server)
        let codes = try await statuses(server, count: 3)
        #expect(codes == ["RUNNING", "500", "RUNNING"])
    }

    @Test func sameRequestsGiveTheSameBytes() async throws {
        func play() async throws -> [String] {
            let server = try MockServer.start(bundled: "foundry-error")
            var out = [try await startRun(server).text]
            for _ in 0..<4 { out.append(try await status(server).text) }
            out.append(try await server.send("GET", "/__mockruns/runs").text)
            return out
        }
        #expect(try await play() == (try await play()))
    }

    @Test func flakyScenarioFailsOnCueAndStillFinishes() async throws {
        let server = try MockServer.start(bundled: "foundry-flaky")
        _ = try await startRun(server)
        // Raw sockets: an HTTP client library would retry the reset GET and hide it.
        let get = "GET /dashboard/run_status?\(Self.params) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        var seen: [String] = []
        for _ in 0..<8 {
            let exchange = try server.rawExchange(get)
            if exchange.ending == .reset && exchange.bytes.isEmpty {
                seen.append("reset")
            } else if exchange.text.hasPrefix("HTTP/1.1 200") {
                seen.append(exchange.text.contains("\"RUNNING\"") ? "RUNNING" : "FINISHED")
            } else {
                seen.append(String(exchange.text.prefix(12).suffix(3)))
            }
        }
        // Faulted requests are not status reads: the run still shows its 4 reads of RUNNING.
        #expect(seen == ["RUNNING", "RUNNING", "500", "RUNNING", "reset", "500", "RUNNING", "FINISHED"])
    }

    @Test func virtualClockScenarioMovesWhenAdvanced() async throws {
        let server = try MockServer.start(bundled: "foundry-virtual-clock")
        _ = try await startRun(server)
        #expect(try await statuses(server, count: 3) == ["RUNNING", "RUNNING", "RUNNING"])
        _ = try await server.send("POST", "/__mockruns/clock/advance?seconds=600")
        #expect(try await statuses(server, count: 1) == ["FINISHED"])
    }

    @Test func keyExpiresAfterThreeRequests() async throws {
        let server = try MockServer.start(bundled: "foundry-key-expires")
        let short = Self.params.replacingOccurrences(of: "apiKey=k1", with: "apiKey=short-lived-key")
        var codes: [Int] = []
        for _ in 0..<4 { codes.append(try await status(server, params: short).status) }
        #expect(codes == [404, 404, 404, 403])
        let long = Self.params.replacingOccurrences(of: "apiKey=k1", with: "apiKey=long-lived-key")
        #expect(try await status(server, params: long).status == 404)
    }
}
