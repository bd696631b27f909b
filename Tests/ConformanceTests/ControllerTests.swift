import Foundation
import MockRuns
import MockRunsHTTP
import MockRunsTesting
import Scenarios
import Testing

/// The Python Controller fake over real HTTP (docs/apis/controller.md).
@Suite struct ControllerTests {
    /// A server playing a bundled scenario (by name) or inline scenario JSON.
    private struct Harness {
        let app: MockRunsApp
        let server: TestServer

        init(bundled name: String) throws { self.init(try MockServer(bundled: name)) }
        init(json: String) throws { self.init(try MockServer(json: json)) }
        private init(_ mock: MockServer) { (app, server) = (mock.app, mock.server) }

        func run(_ query: String) async throws -> TestResponse {
            try await server.send("POST", "/controller/run?" + query)
        }

        func status(_ query: String) async throws -> TestResponse {
            try await server.send("GET", "/controller/run_status?" + query)
        }
    }

    private func message(_ response: TestResponse) -> String? { response.jsonObject?["message"] as? String }
    private func statusWord(_ response: TestResponse) -> String? { response.jsonObject?["status"] as? String }

    private func expectMessage(_ response: TestResponse, _ status: Int, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, "body: \(response.text)", sourceLocation: sourceLocation)
        #expect(message(response) == text, "body: \(response.text)", sourceLocation: sourceLocation)
        #expect(response.headers["Content-Type"] == "application/json", sourceLocation: sourceLocation)
        #expect(response.jsonObject?.count == 1, "only \"message\": \(response.text)", sourceLocation: sourceLocation)
    }

    // MARK: endpoints

    @Test func runStartsARunAndStatusFollowsTheDefaultLifecycle() async throws {
        let h = try Harness(json: "{}")
        let before = try await h.status("api_key=k&resourceID=SCR_1")
        #expect(before.status == 200)
        #expect(before.text == #"{"status":"No ongoing run"}"#)

        let started = try await h.run("api_key=k&resourceID=SCR_1")
        expectMessage(started, 200, "Your Request started")

        var seen: [String] = []
        for _ in 0..<4 {
            let r = try await h.status("api_key=k&resourceID=SCR_1")
            #expect(r.status == 200)
            seen.append(statusWord(r) ?? "?")
        }
        #expect(seen == ["Running", "Running", "Finished", "Finished"])
        // Another resource has no run.
        let other = try await h.status("api_key=k&resourceID=SCR_2")
        #expect(statusWord(other) == "No ongoing run")
    }

    @Test func userIDDefaultsToFourAndIsKeptAsAnInteger() async throws {
        let h = try Harness(json: "{}")
        _ = try await h.run("api_key=k&resourceID=A")
        _ = try await h.run("api_key=k&resourceID=B&userID=17")
        let requests = h.app.scenario.withEngine { $0.runs(api: "controller") }.map { ($0.id, $0.request) }
        #expect(requests.count == 2)
        #expect(requests.first?.0 == "A")
        #expect(requests.first?.1["userID"] == .int(4))
        #expect(requests.last?.0 == "B")
        #expect(requests.last?.1["userID"] == .int(17))
    }

    @Test func runAgainRestartsTheResourcesRun() async throws {
        let h = try Harness(json: "{}")
        _ = try await h.run("api_key=k&resourceID=R")
        for _ in 0..<3 { _ = try await h.status("api_key=k&resourceID=R") }
        #expect(statusWord(try await h.status("api_key=k&resourceID=R")) == "Finished")
        expectMessage(try await h.run("api_key=k&resourceID=R"), 200, "Your Request started")
        #expect(statusWord(try await h.status("api_key=k&resourceID=R")) == "Running")
    }

    // MARK: bad input

    @Test(arguments: ["POST /controller/run", "GET /controller/run_status"])
    func missingResourceIDIs400(_ route: String) async throws {
        let h = try Harness(json: "{}")
        let parts = route.split(separator: " ").map(String.init)
        for query in ["api_key=k", "api_key=k&resourceID=", "api_key=k&userID=3"] {
            let r = try await h.server.send(parts[0], parts[1] + "?" + query)
            expectMessage(r, 400, "Specify ResourceID")
        }
    }

    @Test(arguments: ["POST /controller/run", "GET /controller/run_status"])
    func nonIntegerUserIDIs400(_ route: String) async throws {
        let h = try Harness(json: "{}")
        let parts = route.split(separator: " ").map(String.init)
        for bad in ["abc", "4.5", "", "0x10"] {
            let r = try await h.server.send(parts[0], parts[1] + "?api_key=k&resourceID=R&userID=" + bad)
            #expect(r.status == 400, "userID=\(bad): \(r.text)")
            #expect(message(r)?.hasPrefix("Failed Request : userID must be an integer") == true, "\(r.text)")
        }
        // A bad userID does not start a run.
        #expect(statusWord(try await h.status("api_key=k&resourceID=R")) == "No ongoing run")
    }

    @Test(arguments: ["POST /controller/run", "GET /controller/run_status"])
    func missingOrEmptyAPIKeyIs401(_ route: String) async throws {
        let h = try Harness(json: "{}")
        let parts = route.split(separator: " ").map(String.init)
        for query in ["resourceID=R", "api_key=&resourceID=R", ""] {
            let r = try await h.server.send(parts[0], parts[1] + (query.isEmpty ? "" : "?" + query))
            expectMessage(r, 401, "Unauthorized access")
        }
    }

    @Test func wrongMethodAndUnknownPathsAnswerInTheControllersBody() async throws {
        let h = try Harness(json: "{}")
        let get = try await h.server.send("GET", "/controller/run?api_key=k&resourceID=R")
        #expect(get.status == 405)
        #expect(get.headers["Allow"] == "POST")
        #expect(message(get)?.contains("allowed: POST") == true)
        let post = try await h.server.send("POST", "/controller/run_status?api_key=k&resourceID=R")
        #expect(post.status == 405)
        #expect(post.headers["Allow"] == "GET")
        let unknown = try await h.server.send("GET", "/controller/ingest_status?api_key=k&resourceID=R")
        #expect(unknown.status == 404)
        #expect(message(unknown)?.contains("POST /controller/run") == true)
        // A POST body is ignored: the parameters are query parameters.
        let body = try await h.server.send(
            "POST", "/controller/run", headers: ["Content-Type": "application/json"], body: #"{"api_key":"k","resourceID":"R"}"#)
        expectMessage(body, 401, "Unauthorized access")
    }

    // MARK: bundled scenarios

    @Test func controllerHappyScenario() async throws {
        let h = try Harness(bundled: "controller-happy")
        #expect(statusWord(try await h.status("api_key=k&resourceID=SCR_017041")) == "No ongoing run")
        expectMessage(try await h.run("api_key=k&resourceID=SCR_017041&userID=4"), 200, "Your Request started")
        var seen: [String] = []
        for _ in 0..<6 { seen.append(statusWord(try await h.status("api_key=k&resourceID=SCR_017041")) ?? "?") }
        #expect(seen == ["Running", "Running", "Finished", "Finished", "No ongoing run", "No ongoing run"])
    }

    @Test func controllerErrorScenario() async throws {
        let h = try Harness(bundled: "controller-error")
        // Known resources only.
        expectMessage(try await h.run("api_key=k&resourceID=SCR_OTHER"), 400, "Invalid Resource")
        expectMessage(try await h.status("api_key=k&resourceID=SCR_OTHER"), 400, "Invalid Resource")

        expectMessage(try await h.run("api_key=k&resourceID=SCR_ERR"), 200, "Your Request started")
        var seen: [String] = []
        for _ in 0..<5 { seen.append(statusWord(try await h.status("api_key=k&resourceID=SCR_ERR")) ?? "?") }
        #expect(seen == ["Running", "Running", "Running", "Error", "Error"])

        expectMessage(try await h.run("api_key=k&resourceID=SCR_STUCK"), 200, "Your Request started")
        seen = []
        for _ in 0..<4 { seen.append(statusWord(try await h.status("api_key=k&resourceID=SCR_STUCK")) ?? "?") }
        #expect(seen == ["Running", "STUCK", "STUCK", "STUCK"])

        // On HOLD from the start: run answers 201 with the documented message and does not start a run.
        #expect(statusWord(try await h.status("api_key=k&resourceID=SCR_HOLD")) == "HOLD")
        expectMessage(try await h.run("api_key=k&resourceID=SCR_HOLD"), 201, "Failed request - Specified resource is on HOLD. ")
        #expect(statusWord(try await h.status("api_key=k&resourceID=SCR_HOLD")) == "HOLD")
    }

    @Test func controllerAuthScenario() async throws {
        let h = try Harness(bundled: "controller-auth")
        expectMessage(try await h.run("resourceID=R"), 401, "Unauthorized access")
        expectMessage(try await h.run("api_key=wrong&resourceID=R"), 401, "Unauthorized access")
        expectMessage(try await h.status("api_key=wrong&resourceID=R"), 401, "Unauthorized access")
        expectMessage(try await h.run("api_key=status-only&resourceID=R"), 403, "Access Denied")
        #expect(statusWord(try await h.status("api_key=status-only&resourceID=R")) == "No ongoing run")
        expectMessage(try await h.run("api_key=good-key&resourceID=R"), 200, "Your Request started")
        let status = try await h.status("api_key=status-only&resourceID=R")
        #expect(status.status == 200)
        #expect(statusWord(status) == "Running")
    }

    @Test func faultsTargetOneResource() async throws {
        let h = try Harness(json: #"""
            {"apis": {"controller": {"faults": [{"endpoint": "run_status", "run": "BAD", "nth": 1, "respond": {"status": 500}}]}}}
            """#)
        let ok = try await h.status("api_key=k&resourceID=GOOD")
        #expect(ok.status == 200)
        let failed = try await h.status("api_key=k&resourceID=BAD")
        #expect(failed.status == 500)
        #expect(message(failed) != nil, "a scripted 500 uses the {\"message\"} body: \(failed.text)")
        #expect(try await h.status("api_key=k&resourceID=BAD").status == 200)
    }

    // MARK: determinism

    @Test func sameScenarioAndRequestsGiveTheSameBytes() async throws {
        func play() async throws -> [String] {
            let h = try Harness(bundled: "controller-error")
            var bodies: [String] = []
            for (method, path) in [
                ("POST", "/controller/run?api_key=k&resourceID=SCR_ERR"),
                ("GET", "/controller/run_status?api_key=k&resourceID=SCR_ERR"),
                ("POST", "/controller/run?api_key=k&resourceID=SCR_HOLD"),
                ("GET", "/controller/run_status?api_key=k&resourceID=SCR_ERR&userID=x"),
                ("GET", "/controller/run_status?api_key=k&resourceID=SCR_ERR"),
                ("GET", "/controller/run_status?api_key=k&resourceID=SCR_ERR"),
                ("GET", "/controller/run_status?api_key=k&resourceID=SCR_ERR"),
            ] {
                let r = try await h.server.send(method, path)
                bodies.append("\(r.status) \(r.text)")
            }
            return bodies
        }
        let first = try await play()
        let second = try await play()
        #expect(first == second)
        #expect(first.last == #"200 {"status":"Error"}"#)
    }
}
