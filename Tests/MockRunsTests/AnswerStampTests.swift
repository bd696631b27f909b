import MockRunsHTTP
import Scenarios
import Testing

@testable import MockRuns

/// Every answer's `X-Content-Type-Options` and `Date`, in the order clients have always seen them, from the
/// responder itself (the host writes the fields in this order).
@Suite struct AnswerStampTests {
    let app = MockRunsApp(
        scenario: ScenarioCatalog(loader: ScenarioLoader(apis: APIRegistry.fakes.map(\.descriptor))).defaultScenario(),
        time: ManualTimeSource())

    func names(_ method: String, _ path: String, _ headers: [(String, String)] = []) -> [String] {
        app.respond(to: HTTPRequest(method: method, path: path, headers: HTTPHeaders(headers))).response.headers.fields.map(\.name)
    }

    @Test func apiAnswersEndWithDateThenNosniff() {
        let status = names("GET", "/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status", [("X-SBG-Auth-Token", "t")])
        #expect(status.suffix(2) == ["Date", "X-Content-Type-Options"])
        #expect(status.filter { $0 == "Date" }.count == 1)
        #expect(names("GET", "/nothing") == ["Content-Type", "Date", "X-Content-Type-Options"])
    }

    /// A phase's Retry-After comes before the Date; a fault's own headers too.
    @Test func retryAfterComesBeforeDate() throws {
        let loader = ScenarioLoader(apis: APIRegistry.fakes.map(\.descriptor))
        let scenario = try loader.load(
            Array(
                #"{"apis": {"wes": {"runs": [{"id": "r1", "timeline": [{"state": "RUNNING", "retryAfter": 7}]}], "faults": [{"endpoint": "service_info", "nth": 1, "respond": {"status": 429, "retryAfter": 5}}]}}}"#
                    .utf8), file: "test")
        let app = MockRunsApp(scenario: scenario, time: ManualTimeSource())
        let poll = app.respond(to: HTTPRequest(method: "GET", path: "/ga4gh/wes/v1/runs/r1/status", headers: HTTPHeaders([("X-SBG-Auth-Token", "t")])))
        #expect(poll.response.headers.fields.map(\.name).suffix(3) == ["Retry-After", "Date", "X-Content-Type-Options"])
        #expect(poll.response.headers["Retry-After"] == "7")
        let fault = app.respond(to: HTTPRequest(method: "GET", path: "/ga4gh/wes/v1/service-info", headers: HTTPHeaders([("X-SBG-Auth-Token", "t")])))
        #expect(fault.response.status == 429)
        #expect(fault.response.headers.fields.map(\.name).suffix(3) == ["Retry-After", "Date", "X-Content-Type-Options"])
    }

    @Test func adminAnswersPutNosniffLastAfterCORSHeaders() {
        #expect(names("GET", "/__mockruns/health") == ["Content-Type", "Date", "X-Content-Type-Options"])
        #expect(
            names("GET", "/__mockruns/health", [("Host", "127.0.0.1:9"), ("Origin", "http://127.0.0.1:9")])
                == ["Content-Type", "Date", "Access-Control-Allow-Origin", "Vary", "X-Content-Type-Options"])
        #expect(names("GET", "/__mockruns/sessions/default/nope") == ["Content-Type", "Date", "X-Content-Type-Options"])
    }

    @Test func refusalsBeforeTheAdminRoutesCarryNosniffThenDate() {
        #expect(names("GET", "/__mockruns/health", [("Host", "example.com")]) == ["Content-Type", "X-Content-Type-Options", "Date"])
        #expect(names("DELETE", "/__mockruns/sessions/default") == ["Content-Type", "X-Content-Type-Options", "Date"])
        #expect(names("GET", "/__sessions/none/ga4gh/wes/v1/service-info") == ["Content-Type", "X-Content-Type-Options", "Date"])
    }
}

/// The Date memo writes what `Timestamp.httpDate` writes for every second, across days, before the epoch and
/// past year 9999, whichever second it was asked for before.
@Suite struct HTTPDateMemoTests {
    @Test func everySecondAsTimestampWritesIt() {
        var memo = HTTPDateMemo()
        var random = SeededRandom(seed: 7)
        var seconds: [Int64] = Array(86_390...86_410) + Array(-5...5) + [-86_401, -86_400, -86_399, 0, 0, 59, 3_599, 3_600]
        seconds += [253_402_300_790, 253_402_300_799, 253_402_300_800, 253_402_300_801, 1_735_689_600, 1_735_689_600]
        seconds += [Int64.min / 1000, Int64.min / 1000 + 1, Int64.max / 1000, Int64.max / 1000 - 1, 0]
        for _ in 0..<2_000 { seconds.append(Int64(random.unit() * 4e9) - 1_000_000_000) }
        for second in seconds {
            #expect(memo.text(second: second) == Timestamp(milliseconds: second * 1000).httpDate, "\(second)")
        }
    }
}
