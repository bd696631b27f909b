import Foundation
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// `--cors`: a browser front end polling the faked APIs gets its preflights answered and may read every answer
/// (and the headers a poller needs, such as Retry-After); the admin API stays behind its own guard.
@Suite struct CORSTests {
    static let page = "http://localhost:3000"
    static let status = "/ga4gh/wes/v1/runs"
    /// The 1st listing answers, the 2nd is rate-limited.
    static let scenario = #"{"apis": {"wes": {"faults": [{"endpoint": "list_runs", "nth": 2, "respond": {"status": 429, "retryAfter": 2}}]}}}"#

    func server(cors: [String]) throws -> MockServer {
        try MockServer(json: Self.scenario, options: ServerOptions(cors: CORSPolicy(origins: cors)))
    }

    func preflight(_ server: TestServer, origin: String = page, path: String = status, headers: String = "x-sbg-auth-token")
        async throws -> TestResponse
    {
        try await server.send(
            "OPTIONS", path,
            headers: ["Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": headers])
    }

    func journalled(_ server: TestServer) async throws -> Int {
        let journal = try await server.send("GET", "/__mockruns/journal")
        return (journal.jsonObject?["requests"] as? [Any])?.count ?? -1
    }

    @Test func aPreflightIsAnsweredWithTheRoutesMethodsAndTheAskedHeaders() async throws {
        let mock = try server(cors: [Self.page])
        let answer = try await preflight(mock.server)
        #expect(answer.status == 204)
        #expect(answer.headers["Access-Control-Allow-Origin"] == Self.page)
        #expect(answer.headers["Access-Control-Allow-Methods"] == "GET, HEAD, POST, OPTIONS")
        #expect(answer.headers["Access-Control-Allow-Headers"] == "x-sbg-auth-token")
        #expect(answer.headers["Access-Control-Max-Age"] == "600")
        #expect(answer.headers["Vary"] == "Origin")
        let one = try await preflight(mock.server, path: "/ga4gh/wes/v1/runs/r-1/status")
        #expect(one.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS")
        // A header list that is not plain names is not echoed.
        for asked in ["x-token; evil=1", "x y", "a,,b"] {
            let odd = try await preflight(mock.server, headers: asked)
            #expect(odd.headers["Access-Control-Allow-Headers"] == "Authorization, Content-Type, X-SBG-Auth-Token, X-API-Key", "\(asked)")
        }
        let list = try await preflight(mock.server, headers: "x-sbg-auth-token , content-type")
        #expect(list.headers["Access-Control-Allow-Headers"] == "x-sbg-auth-token , content-type")
        // The browser's preflights are not the client's requests.
        #expect(try await journalled(mock.server) == 0)
    }

    @Test func everyAPIAnswerLetsThePageReadItAndItsRetryAfter() async throws {
        let mock = try server(cors: [Self.page])
        let first = try await mock.server.send("GET", Self.status, headers: ["Origin": Self.page, "X-SBG-Auth-Token": "t"])
        #expect(first.status == 200)
        #expect(first.headers["Access-Control-Allow-Origin"] == Self.page)
        #expect(first.headers["Vary"] == "Origin")
        #expect(first.headers["Access-Control-Expose-Headers"] == "Date")
        let limited = try await mock.server.send("GET", Self.status, headers: ["Origin": Self.page, "X-SBG-Auth-Token": "t"])
        #expect(limited.status == 429)
        #expect(limited.headers["Access-Control-Allow-Origin"] == Self.page)
        let exposed = limited.headers["Access-Control-Expose-Headers"]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(exposed?.contains("Retry-After") == true)
        #expect(exposed?.contains("Date") == true)
        // An API's own errors (a wrong method) are readable too.
        let wrong = try await mock.server.send("DELETE", Self.status + "/r-1/status", headers: ["Origin": Self.page])
        #expect(wrong.status == 405)
        #expect(wrong.headers["Access-Control-Allow-Origin"] == Self.page)
        #expect(try await journalled(mock.server) == 3)
    }

    @Test func anOriginNotListedGetsNoCORSAndAClearPreflightRefusal() async throws {
        let mock = try server(cors: [Self.page])
        let refused = try await preflight(mock.server, origin: "http://evil.test")
        #expect(refused.status == 403)
        #expect(refused.headers["Access-Control-Allow-Origin"] == nil)
        // In the API's own error body, saying how to allow it.
        #expect(refused.jsonObject?["status_code"] as? Int == 403)
        #expect((refused.jsonObject?["msg"] as? String)?.contains("--cors") == true)
        let plain = try await mock.server.send("GET", Self.status, headers: ["Origin": "http://evil.test", "X-SBG-Auth-Token": "t"])
        #expect(plain.status == 200)
        #expect(plain.headers["Access-Control-Allow-Origin"] == nil)
        // `null` (sandboxed frames, file: pages) is never an allowed origin.
        let star = try server(cors: ["*"])
        let null = try await preflight(star.server, origin: "null")
        #expect(null.headers["Access-Control-Allow-Origin"] == nil)
        // The advice is not to start with --cors null (the CLI refuses it), nor with '*', which is on.
        let message = null.jsonObject?["msg"] as? String ?? ""
        #expect(message.contains("never null") && !message.contains("--cors"), "\(message)")
    }

    /// `--admin-cors '*'` allows any origin, not `null`, nor a value that is no origin: one of 8,000 bytes was
    /// echoed and the answer did not fit beside its other headers (the client got nothing).
    @Test func anAdminStarAllowsOnlyOrigins() async throws {
        let mock = try MockServer(json: Self.scenario, options: ServerOptions(adminOrigins: ["*"]))
        let page = try await mock.server.send("GET", "/__mockruns/health", headers: ["Origin": "http://a.test"])
        #expect(page.status == 200)
        #expect(page.headers["Access-Control-Allow-Origin"] == "http://a.test")
        for origin in ["null", "http://" + String(repeating: "a", count: 8_000)] {
            let refused = try await mock.server.send("GET", "/__mockruns/health", headers: ["Origin": origin])
            #expect(refused.status == 403, "\(origin.prefix(20))")
            #expect(refused.headers["Access-Control-Allow-Origin"] == nil)
            #expect(refused.text.count < 1_000)  // the origin is cut in the message
        }
    }

    @Test func aStarAllowsAnyOriginByEchoingIt() async throws {
        let mock = try server(cors: ["*"])
        for origin in ["http://a.test", "https://b.test:8443"] {
            let answer = try await mock.server.send("GET", "/api/v1/processruns/x/runstatus", headers: ["Origin": origin])
            #expect(answer.headers["Access-Control-Allow-Origin"] == origin)
        }
    }

    @Test func withoutCORSNothingChangesAndTheAdminAPIStaysGuarded() async throws {
        let off = try server(cors: [])
        let preflight = try await preflight(off.server)
        #expect(preflight.status == 405)
        #expect(preflight.headers["Access-Control-Allow-Origin"] == nil)
        let read = try await off.server.send("GET", Self.status, headers: ["Origin": Self.page, "X-SBG-Auth-Token": "t"])
        #expect(read.headers["Access-Control-Allow-Origin"] == nil)
        // --cors opens the faked APIs, not /__mockruns/ (that is --admin-cors).
        let on = try server(cors: ["*"])
        let admin = try await on.server.send("POST", "/__mockruns/reset", headers: ["Origin": Self.page])
        #expect(admin.status == 403)
    }

    @Test func settingsAreOriginsOrAStar() {
        for good in ["*", "http://localhost:3000", "https://app.example.com", "http://[::1]:8080"] {
            #expect(CORSPolicy.isValidSetting(good), "\(good)")
        }
        for bad in ["", "localhost:3000", "http://", "http://a.test/path", "ftp://a.test", "http://a b", "null", "http://a.test\r\nX: y"] {
            #expect(!CORSPolicy.isValidSetting(bad), "\(bad)")
        }
    }
}
