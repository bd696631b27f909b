import Foundation
import MicroHTTPDHost
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// Odd input across the APIs: mistyped paths get each API's own 404, oversized bodies a 413 with the scenario's
/// Date, broken form escapes stay contained, the admin API reads no arbitrary file.
@Suite struct RobustnessTests {
    @Test func mistypedPathsGetTheirAPIsOwnNotFound() async throws {
        let server = try MockServer.start(json: "{}")
        let foundry = try await server.send("GET", "/dashboard/run_statuz")
        #expect(foundry.status == 404)
        #expect(foundry.headers["Content-Type"]?.hasPrefix("text/plain") == true)
        #expect(foundry.text.hasPrefix("no endpoint GET /dashboard/run_statuz"))

        let workspace = try await server.send("GET", "/api/v1/workspaces/3fa85f64-5717-4562-b3fc-2c963f66afa6/unknown")
        #expect(workspace.status == 404)
        #expect(workspace.headers["Content-Type"] == "application/problem+json")
        #expect(workspace.headers["X-Request-Id"] != nil)
        #expect(workspace.jsonObject?["type"] as? String == "not_found")

        let solvexia = try await server.send("GET", "/api/v1/processruns/pr-114278/steps/ds-114279/runstatus/extra")
        #expect(solvexia.status == 404)
        #expect(solvexia.jsonObject?["message"] is String)
        #expect(solvexia.jsonObject?["supportId"] is String)

        let wes = try await server.send("GET", "/ga4gh/wes/v1/nothing")
        #expect(wes.jsonObject?["status_code"] as? Int == 404)
    }

    @Test func oversizedBodyIs413WithTheScenarioDate() async throws {
        let mock = try MockServer(json: "{}")
        let small = try TestServer(responder: mock.app, configuration: HTTPServer.Configuration(maxBodyBytes: 64))
        let body = Array(repeating: UInt8(ascii: "a"), count: 5000)
        let r = try await small.send(
            "POST", "/api/v1/workspaces/3fa85f64-5717-4562-b3fc-2c963f66afa6/runs",
            headers: ["X-API-Key": "k", "Content-Type": "application/json"], body: body)
        #expect(r.status == 413)
        #expect(r.headers["Content-Type"] == "application/problem+json")
        #expect(r.headers["Date"]?.hasSuffix("2025 00:00:00 GMT") == true)
    }

    @Test func faultTargetsAFoundryRunNamedInTheBody() async throws {
        let server = try MockServer.start(json: #"{"apis": {"foundry": {"faults": [{"endpoint": "run", "run": "S1/error/uuid", "nth": 1, "respond": {"status": 500}}]}}}"#)
        let form: KeyValuePairs<String, String> = ["Content-Type": "application/x-www-form-urlencoded"]
        let other = try await server.send("POST", "/dashboard/run", headers: form, body: Array("apiKey=k&sourceID=S2&status2Match=error&stepName=uuid".utf8))
        #expect(other.status == 200)
        let hit = try await server.send("POST", "/dashboard/run", headers: form, body: Array("apiKey=k&sourceID=S1&status2Match=error&stepName=uuid".utf8))
        #expect(hit.status == 500)
    }

    @Test func brokenPercentEscapeDoesNotSpillIntoTheNextField() async throws {
        let server = try MockServer.start(json: "{}")
        let form: KeyValuePairs<String, String> = ["Content-Type": "application/x-www-form-urlencoded"]
        let r = try await server.send("POST", "/dashboard/run", headers: form, body: Array("apiKey=k&sourceID=ab%4&status2Match=finished&stepName=a+b%21".utf8))
        #expect(r.status == 200)
        let runs = try await server.send("GET", "/__mockruns/runs?api=foundry").jsonObject?["runs"] as? [[String: Any]]
        #expect(runs?.first?["id"] as? String == "ab%4/finished/a b!")
    }

    @Test func adminLoadsBundledScenariosByNameOnly() async throws {
        let server = try MockServer.start(json: "{}")
        for name in ["/etc/passwd", "../Package.swift", "Scenarios/default.json"] {
            let r = try await server.send("POST", "/__mockruns/scenario?name=" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name))
            #expect(r.status == 404, "\(name)")
            #expect((r.jsonObject?["error"] as? String)?.contains("no bundled scenario") == true)
        }
        let huge = try await server.send("POST", "/__mockruns/clock/advance?seconds=1e300")
        #expect(huge.status == 400)
        #expect(try await server.send("GET", "/__mockruns/health").status == 200)
    }
}
