import Scenarios
import Testing

@testable import MockRuns

/// The contract runner on a manual clock with a closure for a transport: its rate and time bounds, Retry-After,
/// redaction and skips, which the end-to-end tests (CLITests/ContractTests) cannot time exactly.
@Suite struct ProbeSessionTests {
    /// Seconds that pass only when the runner sleeps or a request takes its time.
    final class ManualClock {
        var now = 0.0
        var probeClock: ProbeClock { ProbeClock(now: { self.now }, sleep: { self.now += $0 }) }
    }

    /// A session whose every request is answered by `answer`, 10 ms after it was sent; `sent` records when.
    final class Harness {
        let clock = ManualClock()
        var sent: [(at: Double, request: ProbeRequest)] = []
        var answer: (ProbeRequest, Int) -> Result<ProbeAnswer, ProbeTransportError>
        var timeouts: [Double] = []
        lazy var session = ProbeSession(options: options, transport: { request, timeout in
            self.sent.append((self.clock.now, request))
            self.timeouts.append(timeout)
            self.clock.now += 0.01
            return self.answer(request, self.sent.count)
        }, clock: clock.probeClock)
        let options: ProbeOptions

        init(_ options: ProbeOptions, answer: @escaping (ProbeRequest, Int) -> Result<ProbeAnswer, ProbeTransportError>) {
            self.options = options
            self.answer = answer
        }
    }

    static func options(rate: Double = 5, timeout: Double = 1000, token: String? = "tok", writes: Bool = false) -> ProbeOptions {
        var options = ProbeOptions()
        options.rate = rate
        options.timeout = timeout
        options.token = token
        options.allowWrites = writes
        return options
    }

    static func json(_ status: Int, _ body: String, headers: [(String, String)] = []) -> Result<ProbeAnswer, ProbeTransportError> {
        .success(ProbeAnswer(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(body.utf8)))
    }

    @Test func neverFasterThanTheRate() {
        let harness = Harness(Self.options(rate: 2, writes: true)) { _, _ in Self.json(200, "{}") }
        WESFake().probeContract(harness.session)
        #expect(harness.sent.count >= 8)
        #expect(harness.session.requestCount == harness.sent.count)
        for (earlier, later) in zip(harness.sent, harness.sent.dropFirst()) {
            // Half a second after the one before ended (10 ms after it started).
            #expect(later.at - earlier.at >= 0.51 - 1e-9, "\(later.request.path) \(later.at - earlier.at) s after the one before")
        }
    }

    @Test func theTimeoutSkipsWhatIsLeft() {
        let harness = Harness(Self.options(rate: 1, timeout: 3.5)) { _, _ in Self.json(200, "{}") }
        WESFake().probeContract(harness.session)
        // Requests at 0, 1.01, 2.02 and 3.03 s (each a second after the one before ended); the next would start
        // at 4.04 s, after the 3.5 s allowed.
        #expect(harness.sent.map { ($0.at * 100).rounded() } == [0, 101, 202, 303])
        // No request may outlast the deadline either.
        #expect(harness.timeouts.map { ($0 * 100).rounded() } == [350, 249, 148, 100])
        #expect(harness.session.ranOutOfTime)
        let skipped = harness.session.results.filter { $0.message.contains("--timeout of 3.5 s ran out") }
        #expect(skipped.count == harness.session.results.count - 4)
        #expect(skipped.allSatisfy { $0.verdict == .skipped })
    }

    @Test func retryAfterIsWaitedFor() {
        let harness = Harness(Self.options()) { _, count in
            count == 1 ? Self.json(503, #"{"msg":"busy","status_code":503}"#, headers: [("Retry-After", "7")]) : Self.json(200, "{}")
        }
        WESFake().probeContract(harness.session)
        #expect(harness.sent.count > 2)
        #expect(harness.sent[1].at >= 7.01)  // 7 s after the 503 arrived
        #expect(harness.session.results.first?.verdict == .fail)  // service-info got the 503
    }

    @Test func retryAfterAsAnHTTPDateCountsFromTheAnswersDate() {
        func answer(_ retryAfter: String, date: String?) -> ProbeAnswer {
            ProbeAnswer(status: 429, headers: [("Retry-After", retryAfter)] + (date.map { [("Date", $0)] } ?? []))
        }
        #expect(answer("Wed, 01 Jan 2025 00:00:30 GMT", date: "Wed, 01 Jan 2025 00:00:00 GMT").retryAfterSeconds == 30)
        #expect(answer("Thu, 01 Jan 2026 00:00:05 GMT", date: "Wed, 31 Dec 2025 23:59:59 GMT").retryAfterSeconds == 6)
        #expect(answer("Sun, 06 Nov 1994 08:49:37 GMT", date: "Sun, 06 Nov 1994 08:49:40 GMT").retryAfterSeconds == 0)
        #expect(answer("Wed, 01 Jan 2025 00:00:30 GMT", date: nil).retryAfterSeconds == nil)
        #expect(answer("soon", date: "Wed, 01 Jan 2025 00:00:00 GMT").retryAfterSeconds == nil)
        #expect(answer("-5", date: nil).retryAfterSeconds == nil)
        #expect(ProbeAnswer.httpDate("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(ProbeAnswer.httpDate("Wed, 01 Jan 2025 00:00:00 GMT") == 1_735_689_600)
    }

    @Test func secretsNeverReachTheReport() throws {
        let secret = "s3cr3t T0ken/+\"q"
        // A hostile server echoes everything it got, in every answer, header values included.
        let harness = Harness(Self.options(token: secret, writes: true)) { request, _ in
            let echo = request.path + " " + request.headers.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + " " + String(decoding: request.body, as: UTF8.self)
            return .success(ProbeAnswer(status: 500, headers: [("Content-Type", "text/plain")], body: Array(echo.utf8)))
        }
        FoundryFake().probeContract(harness.session)
        #expect(harness.sent.contains { $0.request.path.contains(ProbeSession.percentEncoded(secret)) })  // it was sent
        let report = ProbeReport(api: "foundry", url: "http://x", results: harness.session.results)
        for text in [report.text, report.json.serialized(), report.junitXML] {
            #expect(!text.contains(secret) && !text.contains(ProbeSession.percentEncoded(secret)))
            #expect(!text.contains("T0ken"))
            #expect(text.contains("<redacted>") || text.contains("&lt;redacted&gt;"))
        }
    }

    @Test func aTokenTheServerIssuesIsASecretToo() {
        // A lenient server issues a token even for the probe's wrong secret: the report must not show it.
        let issued = "issued-9f8e7d6c5b4a"
        let harness = Harness(Self.options(token: nil)) { _, _ in
            Self.json(200, #"{"access_token":"\#(issued)","token_type":"Bearer","expires_in":600}"#)
        }
        SolvexiaFake().probeContract(harness.session)
        let report = ProbeReport(api: "solvexia", url: "http://x", results: harness.session.results)
        #expect(report.results.first { $0.id == "solvexia.token.invalid-client-401" }?.verdict == .fail)
        #expect(report.text.contains("\"access_token\":\"<redacted>\""), "\(report.text)")
        #expect(!report.text.contains(issued) && !report.json.serialized().contains(issued) && !report.junitXML.contains(issued))
    }

    @Test func anUnreachableServerSkipsEveryCheck() {
        let harness = Harness(Self.options()) { _, _ in .failure(ProbeTransportError("connection refused", unreachable: true)) }
        WESFake().probeContract(harness.session)
        #expect(harness.sent.count == 1)
        #expect(harness.session.unreachable == "connection refused")
        #expect(harness.session.results.allSatisfy { $0.verdict == .skipped && $0.message.contains("could not be reached") })
    }

    @Test func aBrokenAnswerFailsItsCheckOnly() {
        let harness = Harness(Self.options()) { _, count in
            count == 2 ? .failure(ProbeTransportError("connection reset")) : Self.json(401, #"{"msg":"no","status_code":401}"#)
        }
        WESFake().probeContract(harness.session)
        let results = harness.session.results
        #expect(results[1].id == "wes.auth.missing-401")
        #expect(results[1].verdict == .fail)
        #expect(results[1].message.contains("got no answer: connection reset"))
        #expect(results[2].id == "wes.auth.invalid-401")
        #expect(results[2].verdict == .pass)
    }

    @Test func skippedChecksSayWhatTheyNeed() {
        let harness = Harness(Self.options(token: nil)) { _, _ in Self.json(200, #"{"runs":[],"next_page_token":""}"#) }
        WESFake().probeContract(harness.session)
        let byID = Dictionary(uniqueKeysWithValues: harness.session.results.map { ($0.id, $0) })
        #expect(byID["wes.status.shape"]?.message == "needs --run-id (GET /runs listed no run)")
        #expect(byID["wes.submit.shape"]?.message == "needs --allow-writes")
        #expect(byID["wes.cancel.state-after"]?.verdict == .skipped)
    }

    @Test func theSchemaOfAnAnswerIsTheDocumentedOne() throws {
        let docs = WESFake().documentation
        let status = try #require(docs.schema("GET", "get_run_status", status: 200))
        #expect(status.validate(try JSON.parse(#"{"run_id":"a","state":"RUNNING"}"#)).isEmpty)
        #expect(status.validate(try JSON.parse(#"{"run_id":7,"state":"DONE"}"#)).map(\.path) == ["$.run_id", "$.state"])
        // A status the operation lists among its errors gets the API's error body; one it does not list, nothing.
        let notFound = try #require(docs.schema("GET", "get_run_status", status: 404))
        #expect(notFound.validate(try JSON.parse(#"{"msg":"no","status_code":404}"#)).isEmpty)
        #expect(!notFound.validate(try JSON.parse(#"{"title":"Not Found","status":404}"#)).isEmpty)
        #expect(docs.schema("GET", "get_run_status", status: 418) == nil)
        #expect(docs.schema("GET", "no_such_endpoint", status: 200) == nil)
        // Solvexia's token endpoint has its own (RFC 6749) error body.
        let oauth = try #require(SolvexiaFake().documentation.schema("POST", "token", status: 401))
        #expect(oauth.validate(try JSON.parse(#"{"error":"invalid_client","error_description":"no"}"#)).isEmpty)
    }

    @Test func aHugeWrongBodyGetsTwentyProblemsAtMost() {
        let runs = (0..<10_000).map { _ in #"{"run_id":1,"state":"DONE"}"# }.joined(separator: ",")
        let harness = Harness(Self.options()) { request, _ in
            request.path.hasSuffix("/runs") ? Self.json(200, #"{"runs":[\#(runs)],"next_page_token":""}"#) : Self.json(200, "{}")
        }
        WESFake().probeContract(harness.session)
        let list = harness.session.results.first { $0.id == "wes.runs.list-shape" }
        #expect(list?.verdict == .fail)
        #expect(list?.problems.count == 20)
        #expect(list?.problems.first?.path == "$.runs[0].run_id")
        #expect(list?.message.hasSuffix("(and 19 more differences)") == true, "\(list?.message ?? "")")
    }
}
