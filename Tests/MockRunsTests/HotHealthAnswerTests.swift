import MockRunsHTTP
import Scenarios
import Testing

@testable import MockRuns

/// The health check's answer kept for a second of the scenario clock: every answer is the one the admin route
/// makes and `stamp` finishes (the same fields in the same order, the same body), its Date follows the clock
/// (never a stale second), and `stamp` leaves alone only an answer it stamped itself.
@Suite struct HotHealthAnswerTests {
    typealias Fields = [(name: String, value: String)]

    let app = MockRunsApp(
        scenario: ScenarioCatalog(loader: ScenarioLoader(apis: APIRegistry.fakes.map(\.descriptor))).defaultScenario(),
        time: ManualTimeSource())

    func flat(_ fields: Fields) -> [String] { fields.map { "\($0.name): \($0.value)" } }

    func bytes(_ response: HTTPResponse) -> [UInt8]? {
        if case .bytes(let bytes) = response.body { return bytes }
        return nil
    }

    /// The answer as the admin route makes it afresh, stamped as `respond` stamps it.
    func fresh(_ method: String = "GET") -> HTTPResponse {
        var response = app.admin(HTTPRequest(method: method, path: "/__mockruns/health"), path: "/health", in: app.root)
        app.stamp(&response, in: app.root)
        return response
    }

    func health(_ method: String = "GET", _ headers: [(String, String)] = []) -> HTTPResponse {
        app.respond(to: HTTPRequest(method: method, path: "/__mockruns/health", headers: HTTPHeaders(headers))).response
    }

    func poll() {
        _ = app.respond(
            to: HTTPRequest(
                method: "GET", path: "/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status",
                headers: HTTPHeaders([("X-SBG-Auth-Token", "t")])))
    }

    @Test func everyAnswerIsTheFreshOneAndFollowsTheClock() {
        var dates: Set<String> = []
        for _ in 0..<4 {
            for method in ["GET", "HEAD", "GET"] {
                let kept = health(method), made = fresh(method)
                #expect(kept.status == 200)
                #expect(flat(kept.headers.fields) == flat(made.headers.fields))
                #expect(bytes(kept) == bytes(made) && bytes(kept) == Array(#"{"status":"ok"}"#.utf8))
                #expect(kept.headers.fields.map(\.name) == ["Content-Type", "Date", "X-Content-Type-Options"])
                if let date = kept.headers["Date"] { dates.insert(date) }
            }
            poll()  // the default clock moves a second a poll
        }
        // Four seconds, four Dates: none kept past its second.
        #expect(dates.count == 4)
    }

    /// With an Origin the kept answer still gets its CORS headers, `nosniff` moved after them.
    @Test func corsHeadersStillGoBeforeNosniff() {
        _ = health()
        let answer = health("GET", [("Host", "127.0.0.1:9"), ("Origin", "http://127.0.0.1:9")])
        #expect(
            answer.headers.fields.map(\.name) == ["Content-Type", "Date", "Access-Control-Allow-Origin", "Vary", "X-Content-Type-Options"])
        #expect(answer.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:9")
        // And the next plain check is the plain answer again.
        #expect(flat(health().headers.fields) == flat(fresh().headers.fields))
    }

    @Test func otherMethodsAreNotTheHealthAnswer() {
        let post = health("POST")
        #expect(post.status == 404)
        #expect(bytes(post).map { String(decoding: $0, as: UTF8.self).contains("no admin route POST") } == true)
    }

    func stamped(_ fields: [(String, String)]) -> [String] {
        var response = HTTPResponse(status: 200, headers: HTTPHeaders(fields))
        app.stamp(&response, in: app.root)
        return flat(response.headers.fields)
    }

    /// `stamp` leaves an answer alone only when it ends in the one `nosniff` it writes, and has a Date.
    @Test func stampLeavesAloneOnlyWhatItStamped() {
        let date = ("Date", "Wed, 01 Jan 2025 00:00:00 GMT")
        #expect(stamped([("A", "1"), date, ("X-Content-Type-Options", "nosniff")]) == ["A: 1", "Date: \(date.1)", "X-Content-Type-Options: nosniff"])
        // Another spelling of the name, another value, two of them, not last: written anew, last.
        #expect(stamped([date, ("x-content-type-options", "nosniff")]) == ["Date: \(date.1)", "X-Content-Type-Options: nosniff"])
        #expect(stamped([date, ("X-Content-Type-Options", "NOSNIFF")]) == ["Date: \(date.1)", "X-Content-Type-Options: nosniff"])
        #expect(stamped([date, ("X-Content-Type-Options", "nosniff\u{0}")]) == ["Date: \(date.1)", "X-Content-Type-Options: nosniff"])
        #expect(
            stamped([("X-Content-Type-Options", "nosniff"), date, ("X-Content-Type-Options", "nosniff")])
                == ["Date: \(date.1)", "X-Content-Type-Options: nosniff"])
        #expect(stamped([("X-Content-Type-Options", "nosniff"), date]) == ["Date: \(date.1)", "X-Content-Type-Options: nosniff"])
        // Without a Date, one is added after it, as before.
        let undated = stamped([("X-Content-Type-Options", "nosniff")])
        #expect(undated.count == 2 && undated[0] == "X-Content-Type-Options: nosniff" && undated[1].hasPrefix("Date: "))
    }
}
