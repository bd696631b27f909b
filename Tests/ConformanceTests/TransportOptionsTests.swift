import Foundation
import MicroHTTPDHost
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// What the transport options change in the app: which hosts count as loopback (the admin guard), and the
/// scheme of URLs written into answers when the server itself serves HTTPS.
@Suite struct TransportOptionsTests {
    @Test(arguments: [
        ("localhost", true), ("localhost:8080", true), ("127.0.0.1", true), ("127.0.0.1:8080", true),
        ("::1", true), ("[::1]", true), ("[::1]:8080", true),
        ("::", false), ("[::]:8080", false), ("0.0.0.0", false), ("::ffff:10.0.0.1", false), ("example.com", false),
    ])
    func loopbackHosts(host: String, loopback: Bool) {
        #expect(ServerOptions.isLoopback(host: host) == loopback)
    }

    @Test func adminRequestsAddressedToTheIPv6LoopbackPassTheGuard() async throws {
        let server = try MockServer.start(MockServer.catalog.defaultScenario())
        let ipv6 = try await server.send("POST", "/__mockruns/reset", headers: ["Host": "[::1]:\(server.port)"])
        #expect(ipv6.status == 200)
        let rebound = try await server.send("POST", "/__mockruns/reset", headers: ["Host": "evil.example:\(server.port)"])
        #expect(rebound.status == 403)
        #expect((rebound.jsonObject?["error"] as? String)?.contains("[::1]") == true)
    }

    @Test func aServerServingHTTPSWritesHTTPSURLs() async throws {
        let app = MockRunsApp(
            scenario: MockServer.catalog.defaultScenario(), catalog: MockServer.catalog, time: ManualTimeSource(),
            options: ServerOptions(servesHTTPS: true))
        let server = try TestServer(responder: app)
        let run = HardeningTests.wesRun
        let log = try await server.send("GET", run, headers: ["X-SBG-Auth-Token": "t"])
        let stdout = (log.jsonObject?["run_log"] as? [String: Any])?["stdout"] as? String
        #expect(stdout?.hasPrefix("https://127.0.0.1:\(server.port)/ga4gh/wes/v1/runs/") == true, "\(stdout ?? "nil")")
        // A proxy in front that says the client spoke plain http wins.
        let proxied = try await server.send("GET", run, headers: ["X-SBG-Auth-Token": "t", "X-Forwarded-Proto": "http"])
        let plain = (proxied.jsonObject?["run_log"] as? [String: Any])?["stdout"] as? String
        #expect(plain?.hasPrefix("http://127.0.0.1:\(server.port)/") == true, "\(plain ?? "nil")")
    }
}
