import Foundation
import MockRuns
import MockRunsHTTP
import MockRunsTesting
import Scenarios
import Testing

/// What a fault answers, over real HTTP: the normal answer late, no answer at all, Retry-After in seconds or as a
/// date, a wrong Content-Type, a cut body, a proxy's HTML page, and a default body without any test wording.
@Suite struct FaultAnswerTests {
    static let info = WESTests.base + "/service-info"
    static let token: KeyValuePairs<String, String> = [WESTests.token: "t"]

    static func server(_ faults: String) throws -> MockServer {
        try MockServer(json: #"{"apis": {"wes": {"faults": ["# + faults + "]}}}")
    }

    @Test func defaultBodiesSayWhatARealServiceSays() async throws {
        let wes = try Self.server(#"{"endpoint": "service_info", "nth": 1, "respond": {"status": 500}}"#)
        defer { wes.server.stop() }
        let r = try await wes.server.send("GET", Self.info, headers: Self.token)
        #expect(r.status == 500)
        #expect(r.text == #"{"msg":"Internal Server Error","status_code":500}"#)
        // The journal still marks it as a fault.
        let journal = try await wes.server.send("GET", "/__mockruns/journal")
        #expect(journal.text.contains(#""fault":"status 500""#), "\(journal.text)")

        let foundry = try MockServer(json: #"{"apis": {"foundry": {"faults": [{"nth": 1, "respond": {"status": 503}}]}}}"#)
        defer { foundry.server.stop() }
        let f = try await foundry.server.send("GET", "/dashboard/run_status?apiKey=k&sourceID=s&status2Match=finished&stepName=x")
        #expect(f.status == 503)
        #expect(f.text == "Service Unavailable")
        #expect(!f.text.contains("scripted"))
    }

    @Test func retryAfterInSecondsAndAsADateConsistentWithTheDateHeader() async throws {
        let s = try Self.server(
            #"{"endpoint": "service_info", "nth": 1, "respond": {"status": 429, "retryAfter": 5}},"#
                + #"{"endpoint": "service_info", "nth": 2, "respond": {"status": 503, "retryAfter": {"httpDate": 5}}}"#)
        defer { s.server.stop() }
        let seconds = try await s.server.send("GET", Self.info, headers: Self.token)
        #expect(seconds.status == 429)
        #expect(seconds.headers["Retry-After"] == "5")
        #expect(seconds.text == #"{"msg":"Too Many Requests","status_code":429}"#)
        let dated = try await s.server.send("GET", Self.info, headers: Self.token)
        #expect(dated.status == 503)
        let date = try #require(dated.headers["Date"])
        let retry = try #require(dated.headers["Retry-After"])
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "GMT")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        let gap = try #require(format.date(from: retry)).timeIntervalSince(try #require(format.date(from: date)))
        #expect(gap == 5, "Date \(date), Retry-After \(retry)")
    }

    @Test func wrongContentTypeCutBodyAndHTMLPage() async throws {
        let s = try Self.server(
            #"{"endpoint": "service_info", "nth": 1, "respond": {"status": 200, "body": {"a": "bcdefgh"}, "contentType": "text/html"}},"#
                + #"{"endpoint": "service_info", "nth": 2, "respond": {"status": 200, "body": {"a": "bcdefgh"}, "truncate": true}},"#
                + #"{"endpoint": "service_info", "nth": 3, "respond": {"status": 502, "body": {"html": "502 Bad Gateway"}}}"#)
        defer { s.server.stop() }
        let wrong = try await s.server.send("GET", Self.info, headers: Self.token)
        #expect(wrong.headers["Content-Type"] == "text/html")
        #expect(wrong.text == #"{"a":"bcdefgh"}"#)
        let cut = try await s.server.send("GET", Self.info, headers: Self.token)
        #expect(cut.text == #"{"a":"b"#)
        #expect(cut.headers["Content-Length"] == "7")
        #expect(cut.headers["Content-Type"] == "application/json")
        let page = try await s.server.send("GET", Self.info, headers: Self.token)
        #expect(page.status == 502)
        #expect(page.headers["Content-Type"] == "text/html")
        #expect(page.text.contains("<title>502 Bad Gateway</title>") && page.text.contains("<h1>502 Bad Gateway</h1>"))
    }

    @Test func delayAloneAnswersNormallyButLateAndOnlyOnce() async throws {
        let s = try Self.server(#"{"endpoint": "service_info", "nth": 1, "delay": 400}"#)
        defer { s.server.stop() }
        let clock = ContinuousClock.now
        let slow = try await s.server.send("GET", Self.info, headers: Self.token)
        let slowTime = ContinuousClock.now - clock
        #expect(slow.status == 200 && slow.jsonObject != nil, "\(slow.text)")
        #expect(slowTime >= .milliseconds(400))
        let fast = try await s.server.send("GET", Self.info, headers: Self.token)
        #expect(fast.status == 200)
        #expect(slow.text == fast.text)
        // Only the first was delayed (the journal marks it; wall-clock bounds on the second would be flaky on a
        // loaded machine).
        let journal = try await s.server.send("GET", "/__mockruns/journal")
        #expect(journal.text.components(separatedBy: #""fault":"delay 400 ms""#).count == 2, "\(journal.text)")
        #expect(journal.text.components(separatedBy: #""fault":null"#).count == 2, "\(journal.text)")
    }

    @Test func trickleSendsTheBodySlowlyButWhole() async throws {
        let s = try Self.server(#"{"endpoint": "service_info", "nth": 1, "trickle": {"bytesPerSecond": 2000}}"#)
        defer { s.server.stop() }
        let clock = ContinuousClock.now
        let slow = try await s.server.send("GET", Self.info, headers: Self.token)
        let slowTime = ContinuousClock.now - clock
        let fast = try await s.server.send("GET", Self.info, headers: Self.token)
        #expect(slow.status == 200)
        #expect(slow.text == fast.text, "the trickled body is the normal body")
        // At 2,000 bytes a second the body (several hundred bytes) takes a good part of a second.
        let seconds = Double(slow.body.count) / 2000
        #expect(slowTime >= .milliseconds(Int64(seconds * 1000 * 0.7)), "\(slow.body.count) bytes in \(slowTime)")
        let raw = try await s.server.sendRaw("GET \(Self.info) HTTP/1.1\r\nHost: x\r\nX-SBG-Auth-Token: t\r\nConnection: close\r\n\r\n")
        #expect(!raw.text.contains("Transfer-Encoding: chunked"), "only the first request trickles")
        let journal = try await s.server.send("GET", "/__mockruns/journal")
        #expect(journal.text.contains(#""fault":"trickle 2000 B/s""#), "\(journal.text)")
    }

    @Test func whenPicksRequestsByHeaderAndQueryOverHTTP() async throws {
        let s = try Self.server(
            #"{"endpoint": "service_info", "when": {"header": {"X-Request-Id": "flaky"}, "query": {"v": "2"}}, "from": 1, "respond": {"status": 503}}"#)
        defer { s.server.stop() }
        let hit = try await s.server.send("GET", Self.info + "?v=2", headers: [WESTests.token: "t", "x-request-id": "flaky"])
        #expect(hit.status == 503)
        let otherQuery = try await s.server.send("GET", Self.info + "?v=1", headers: [WESTests.token: "t", "X-Request-Id": "flaky"])
        #expect(otherQuery.status == 200)
        let otherHeader = try await s.server.send("GET", Self.info + "?v=2", headers: [WESTests.token: "t", "X-Request-Id": "calm"])
        #expect(otherHeader.status == 200)
    }

    @Test func aKeyExpiresOnTheScenarioClockOverHTTP() async throws {
        let s = try MockServer(
            json: #"{"clock": {"mode": "virtual"}, "apis": {"wes": {"auth": {"credentials": [{"key": "t", "expiresAfterSeconds": 30}]}}}}"#)
        defer { s.server.stop() }
        #expect(try await s.server.send("GET", Self.info, headers: Self.token).status == 200)
        let advanced = try await s.server.send(
            "POST", "/__mockruns/clock/advance", headers: ["Content-Type": "application/json"], body: #"{"seconds": 30}"#)
        #expect(advanced.status == 200, "\(advanced.text)")
        let expired = try await s.server.send("GET", Self.info, headers: Self.token)
        #expect(expired.status == 401, "\(expired.text)")
    }

    @Test func aPhaseSendsRetryAfterAndSlowsItsStatusReadsOverHTTP() async throws {
        let s = try MockServer(
            json: #"""
            {"apis": {"wes": {"defaultRun": {"timeline": [
              {"state": "QUEUED", "polls": 1},
              {"state": "RUNNING", "polls": 1, "retryAfter": 3, "latency": 300},
              {"state": "COMPLETE"}
            ]}}}}
            """#)
        defer { s.server.stop() }
        let form = WESTests.Multipart.workflow()
        let created = try await s.server.send(
            "POST", WESTests.base + "/runs", headers: [WESTests.token: "t", "Content-Type": form.contentType], body: form.bytes)
        let id = try #require(created.jsonObject?["run_id"] as? String, "\(created.text)")
        var answers: [(state: String?, retryAfter: String?, slow: Bool)] = []
        for _ in 0..<3 {
            let clock = ContinuousClock.now
            let r = try await s.server.send("GET", WESTests.base + "/runs/\(id)/status", headers: Self.token)
            answers.append((r.jsonObject?["state"] as? String, r.headers["Retry-After"], ContinuousClock.now - clock >= .milliseconds(300)))
        }
        #expect(answers.map(\.state) == ["QUEUED", "RUNNING", "COMPLETE"])
        #expect(answers.map(\.retryAfter) == [nil, "3", nil])
        #expect(answers[1].slow)
    }

    @Test func hangHoldsTheRequestUntilTheClientGivesUpAndStopEndsIt() async throws {
        let s = try Self.server(#"{"endpoint": "service_info", "nth": 1, "hang": true}"#)
        defer { s.server.stop() }
        let raw = "GET \(Self.info) HTTP/1.1\r\nHost: x\r\nX-SBG-Auth-Token: t\r\n\r\n"
        let hung = try await s.server.sendRaw(raw, timeout: 0.5)
        #expect(hung.ending == .timedOut && hung.bytes.isEmpty, "\(hung.ending)")
        // The next request is answered: the hanging one holds no thread the server needs.
        let next = try await s.server.send("GET", Self.info, headers: Self.token, timeout: 5)
        #expect(next.status == 200)
        let journal = try await s.server.send("GET", "/__mockruns/journal")
        #expect(journal.text.contains(#""fault":"hang""#), "\(journal.text)")

        // A request hanging when the server stops does not keep stop() waiting, and gets no answer.
        let s2 = try Self.server(#"{"endpoint": "service_info", "nth": 1, "hang": true}"#)
        let pending = Task { try await s2.server.sendRaw(raw, timeout: 20) }
        try await Task.sleep(for: .milliseconds(300))
        let clock = ContinuousClock.now
        s2.server.stop()
        #expect(ContinuousClock.now - clock < .seconds(10))  // typically milliseconds; the client waits up to 20 s
        let ended = try await pending.value
        #expect(ContinuousClock.now - clock < .seconds(10), "the hanging request was not ended by stop()")
        #expect(ended.bytes.isEmpty && ended.ending != .timedOut, "\(ended.ending)")
    }
}
