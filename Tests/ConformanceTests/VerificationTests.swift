import Foundation
#if canImport(FoundationXML)
    import FoundationXML
#endif
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// The verification rules on hand-made journals (each rule's pass, fail and not-applicable), the expectations
/// parser, the report's JSON and JUnit forms, and the journal's fingerprints and filters over HTTP.
@Suite struct VerificationTests {
    /// A journal entry of the WES fake; `wallMs` also sets scenario time (one second per second).
    static func entry(
        _ seq: Int, _ endpoint: String, run: String? = "r1", ms: Double, status: Int = 200, state: String? = nil,
        terminal: Bool = false, created: Bool = false, statusRead: Bool = false, auth: AuthDecision? = .granted,
        credential: String? = "sha256:aaaa", retryAfter: String? = nil, event: String? = nil, submission: String? = nil,
        method: String = "GET", path: String? = nil, deviations: [String] = [], unknown: Bool = false
    ) -> Journal.Entry {
        var o = Observation()
        o.run = run
        o.state = state
        o.terminal = terminal
        o.created = created
        o.statusRead = statusRead
        o.auth = auth
        o.event = event
        o.eventAccepted = event != nil
        o.unknownRun = unknown
        var e = Journal.Entry(
            at: Timestamp(milliseconds: Int64(ms)), wallMs: ms, method: method, path: path ?? "/runs/\(run ?? "-")/\(endpoint)",
            api: "wes", endpoint: endpoint, observation: o, credential: credential, status: status, retryAfter: retryAfter,
            deviations: deviations, submission: submission)
        e.sequence = seq
        return e
    }

    static func poll(_ seq: Int, ms: Double, state: String = "RUNNING", terminal: Bool = false, status: Int = 200) -> Journal.Entry {
        entry(seq, "status", ms: ms, status: status, state: state, terminal: terminal, statusRead: true)
    }

    static func submit(_ seq: Int, run: String = "r1", ms: Double = 0, submission: String = "sha256:s1") -> Journal.Entry {
        entry(seq, "submit", run: run, ms: ms, state: "QUEUED", created: true, submission: submission, method: "POST", path: "/runs")
    }

    func verdict(_ report: Report, _ rule: String, run: String? = nil) -> Verification.Verdict? {
        report.results.first { $0.rule == rule && (run == nil || $0.run == run) }?.verdict
    }

    @Test func pollAfterTerminal() {
        let good = [Self.submit(1), Self.poll(2, ms: 100), Self.poll(3, ms: 300, state: "COMPLETE", terminal: true)]
        #expect(verdict(Verification().judge(good), "poll-after-terminal") == .pass)
        let bad = good + [Self.poll(4, ms: 700, state: "COMPLETE", terminal: true)]
        let report = Verification().judge(bad)
        #expect(verdict(report, "poll-after-terminal") == .fail)
        #expect(report.results.first { $0.rule == "poll-after-terminal" }?.evidence == [3, 4])
        var allowOne = Verification.Expectations()
        allowOne.allowReadsAfterTerminal = 1
        #expect(verdict(Verification(allowOne).judge(bad), "poll-after-terminal") == .pass)
        #expect(verdict(Verification().judge([Self.submit(1), Self.poll(2, ms: 100)]), "poll-after-terminal") == .notApplicable)
        // Started afresh (Foundry re-posts the same key): reads after the new creation are not "after the end".
        let again = good + [Self.submit(4, ms: 800, submission: "sha256:s2"), Self.poll(5, ms: 900)]
        #expect(verdict(Verification().judge(again), "poll-after-terminal") == .pass)
    }

    @Test func pollAfterCancelConfirmed() {
        let cancel = Self.entry(3, "cancel", ms: 200, state: "CANCELING", event: "cancel", method: "POST")
        let confirmed = Self.poll(4, ms: 400, state: "CANCELED", terminal: true)
        let good = [Self.submit(1), Self.poll(2, ms: 100), cancel, confirmed]
        #expect(verdict(Verification().judge(good), "poll-after-cancel-confirmed") == .pass)
        let bad = good + [Self.poll(5, ms: 600, state: "CANCELED", terminal: true)]
        #expect(verdict(Verification().judge(bad), "poll-after-cancel-confirmed") == .fail)
        #expect(verdict(Verification().judge([Self.submit(1), Self.poll(2, ms: 1)]), "poll-after-cancel-confirmed") == .notApplicable)
    }

    @Test func pollUnknownRun() {
        let unknown = Self.entry(2, "status", run: "nope", ms: 10, status: 404, statusRead: true, unknown: true)
        let report = Verification().judge([Self.submit(1), unknown])
        #expect(verdict(report, "poll-unknown-run") == .fail)
        #expect(report.results.first { $0.rule == "poll-unknown-run" }?.evidence == [2])
        #expect(verdict(Verification().judge([Self.submit(1), Self.poll(2, ms: 1)]), "poll-unknown-run") == .pass)
    }

    @Test func pollIntervalAndBackoff() throws {
        let backoff = [Self.submit(1), Self.poll(2, ms: 0), Self.poll(3, ms: 200), Self.poll(4, ms: 600), Self.poll(5, ms: 1400)]
        let flat = [Self.submit(1), Self.poll(2, ms: 0), Self.poll(3, ms: 50), Self.poll(4, ms: 100), Self.poll(5, ms: 150)]
        var expect = Verification.Expectations()
        expect.minIntervalMs = 100
        let good = try #require(Verification(expect).judge(backoff).results.first { $0.rule == "poll-interval" })
        #expect(good.verdict == .pass)
        #expect(good.details.first { $0.0 == "backoff" }?.1 == .bool(true))
        let bad = try #require(Verification(expect).judge(flat).results.first { $0.rule == "poll-interval" })
        #expect(bad.verdict == .fail)
        #expect(bad.details.first { $0.0 == "backoff" }?.1 == .bool(false))
        #expect(bad.details.first { $0.0 == "shortestMs" }?.1 == .double(50))
        // Without a minimum the rule reports and passes.
        #expect(verdict(Verification().judge(flat), "poll-interval") == .pass)
    }

    @Test func retryAfterHonoured() {
        let limited = Self.poll(2, ms: 0, status: 503)
        var withHeader = limited
        withHeader.retryAfter = "1"
        let honoured = [Self.submit(1), withHeader, Self.poll(3, ms: 1000)]
        let ignored = [Self.submit(1), withHeader, Self.poll(3, ms: 200)]
        #expect(verdict(Verification().judge(honoured), "retry-after-honoured") == .pass)
        #expect(verdict(Verification().judge(ignored), "retry-after-honoured") == .fail)
        #expect(verdict(Verification().judge([Self.submit(1), limited, Self.poll(3, ms: 1)]), "retry-after-honoured") == .notApplicable)
        // An HTTP date is read against the scenario time of the answer.
        var dated = withHeader
        dated.retryAfter = Timestamp(milliseconds: 2000).httpDate
        #expect(verdict(Verification().judge([Self.submit(1), dated, Self.poll(3, ms: 1500)]), "retry-after-honoured") == .fail)
        #expect(verdict(Verification().judge([Self.submit(1), dated, Self.poll(3, ms: 2000)]), "retry-after-honoured") == .pass)
    }

    @Test func retriesBounded() {
        let failures = (2...12).map { Self.poll($0, ms: Double($0) * 10, status: 500) }
        var expect = Verification.Expectations()
        expect.maxRetries = 3
        let report = Verification(expect).judge([Self.submit(1)] + failures)
        #expect(verdict(report, "retries-bounded") == .fail)
        #expect(report.results.first { $0.rule == "retries-bounded" }?.details.first { $0.0 == "retries" }?.1 == .int(10))
        let few = [Self.submit(1)] + (2...4).map { Self.poll($0, ms: Double($0), status: 500) } + [Self.poll(5, ms: 9)]
        #expect(verdict(Verification(expect).judge(few), "retries-bounded") == .pass)
    }

    @Test func duplicateSubmit() {
        var first = Self.submit(1, run: "r1")
        first.clientGone = true
        let report = Verification().judge([first, Self.submit(2, run: "r2")])
        #expect(verdict(report, "duplicate-submit") == .fail)
        #expect(report.results.first { $0.rule == "duplicate-submit" }?.evidence == [1, 2])
        #expect(verdict(Verification().judge([Self.submit(1, run: "r1"), Self.submit(2, run: "r2", submission: "sha256:other")]), "duplicate-submit") == .pass)
    }

    @Test func authOnEveryRequest() {
        let missing = Self.entry(3, "status", ms: 10, state: "RUNNING", statusRead: true, auth: .missing, credential: nil)
        #expect(verdict(Verification().judge([Self.submit(1), Self.poll(2, ms: 5), missing]), "auth-on-every-request") == .fail)
        let other = Self.entry(3, "status", ms: 10, state: "RUNNING", statusRead: true, credential: "sha256:bbbb")
        #expect(verdict(Verification().judge([Self.submit(1), other]), "auth-on-every-request") == .fail)
        #expect(verdict(Verification().judge([Self.submit(1), Self.poll(2, ms: 5)]), "auth-on-every-request") == .pass)
    }

    @Test func contractDeviationsAreGrouped() throws {
        let a = Self.entry(1, "submit", ms: 0, deviations: ["no token"])
        let b = Self.entry(2, "submit", ms: 1, deviations: ["no token"])
        let result = try #require(Verification().judge([a, b]).results.first { $0.rule == "contract-deviations" })
        #expect(result.verdict == .fail)
        #expect(result.message == "no token (2×)")
        #expect(result.evidence == [1, 2])
    }

    @Test func expectationsAreCheckedAndScopeTheReport() throws {
        let json = try JSON.parse(#"{"api": "wes", "run": "r1", "rules": {"poll-interval": {"minMs": 500}, "retries-bounded": {"max": 1}, "duplicate-submit": false}}"#)
        guard case .success(let e) = Verification.Expectations.parse(json) else { Issue.record("refused"); return }
        #expect(e.minIntervalMs == 500 && e.maxRetries == 1 && e.skipped == ["duplicate-submit"] && e.run == "r1")
        #expect(!Verification(e).judge([Self.submit(1)]).results.contains { $0.rule == "duplicate-submit" })
        for bad in [#"{"rules": {"poll-intervall": {}}}"#, #"{"rules": {"poll-interval": {"max": 1}}}"#, #"{"apis": "wes"}"#, "[]"] {
            guard case .failure(let error) = Verification.Expectations.parse(try JSON.parse(bad)) else {
                Issue.record("accepted \(bad)")
                continue
            }
            #expect(!error.message.isEmpty)
        }
    }

    @Test func junitXMLIsWellFormedAndEscaped() throws {
        var hostile = Self.poll(2, ms: 5, state: "COMPLETE", terminal: true)
        hostile.observation.run = "r<&\"'>\u{1}"
        var again = Self.poll(3, ms: 9, state: "COMPLETE", terminal: true)
        again.observation.run = hostile.run
        let xml = Verification().judge([hostile, again]).junitXML
        let parser = XMLParser(data: Data(xml.utf8))
        #expect(parser.parse(), "\(xml)")
        #expect(xml.contains("&lt;&amp;&quot;&apos;&gt;"))
        #expect(xml.contains("<failure message="))
        #expect(xml.contains("<skipped message="))
    }

    @Test func fingerprintsAreSHA256() {
        let hex = Fingerprint.sha256(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Fingerprint.sha256(Array(String(repeating: "a", count: 1000).utf8)).map { String(format: "%02x", $0) }.joined()
        #expect(long == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
        #expect(Fingerprint.of("abc") == "sha256:ba7816bf")
        // Back to back, so the second is compared with the memo's last secret: canonically equal spellings are
        // other bytes, so other secrets; each keeps its own fingerprint when asked again.
        let composed = Fingerprint.of("cl\u{e9}")
        let decomposed = Fingerprint.of("cle\u{301}")
        #expect(composed != decomposed)
        #expect(Fingerprint.of("cle\u{301}") == decomposed && Fingerprint.of("cl\u{e9}") == composed)
        let hexOf = { (text: String) in Fingerprint.sha256(Array(text.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined() }
        #expect(composed == "sha256:" + hexOf("cl\u{e9}") && decomposed == "sha256:" + hexOf("cle\u{301}"))
    }

    // MARK: over HTTP

    @Test func theJournalRedactsCredentialsAndFilters() async throws {
        let server = try MockServer.start(MockServer.catalog.defaultScenario())
        let run = "/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status"
        _ = try await server.send("GET", run, headers: ["X-SBG-Auth-Token": "secret-token"])
        _ = try await server.send("GET", "/dashboard/run_status?apiKey=foundry-secret&sourceID=S&status2Match=error&stepName=uuid")
        _ = try await server.send("GET", run)
        let all = try await server.send("GET", "/__mockruns/journal")
        #expect(!all.text.contains("secret-token") && !all.text.contains("foundry-secret"))
        #expect(all.text.contains(Fingerprint.of("secret-token")))
        let wes = try await server.send("GET", "/__mockruns/journal?api=wes")
        let entries = try #require(wes.jsonObject?["requests"] as? [[String: Any]])
        #expect(entries.count == 2)
        #expect(entries.first?["state"] as? String == "COMPLETE")
        #expect(entries.first?["auth"] as? String == "granted")
        #expect(entries.first?["credential"] as? String == Fingerprint.of("secret-token"))
        #expect(entries.last?["auth"] as? String == "missing")
        #expect(entries.first?["run"] as? String == "40a9c1a6-9263-4982-a574-e494f7c4b621")
        // A page is at most 1,000 entries: a larger limit says how to page instead.
        let tooMany = try await server.send("GET", "/__mockruns/journal?limit=1001")
        #expect(tooMany.status == 400 && tooMany.text.contains("since=SEQ"), "\(tooMany.text)")
        #expect(try await server.send("GET", "/__mockruns/journal?limit=1000").status == 200)
        let since = try await server.send("GET", "/__mockruns/journal?since=2&limit=5")
        #expect((since.jsonObject?["requests"] as? [[String: Any]])?.compactMap { $0["sequence"] as? Int } == [3])
        let status = try await server.send("GET", "/__mockruns/journal?status=401")
        #expect((status.jsonObject?["requests"] as? [[String: Any]])?.count == 1)
        let unknown = try await server.send("GET", "/__mockruns/journal?apii=wes")
        #expect(unknown.status == 400)
        #expect((unknown.jsonObject?["error"] as? String)?.contains("allowed: api, endpoint, run, status, since, limit") == true)
        // The exchange's end lands on its entry.
        let ended = entries.first?["durationMs"] as? Double
        #expect(ended != nil)
        #expect(entries.first?["clientGone"] as? Bool == false)
    }

    @Test func verifyAnswers200Or409() async throws {
        let server = try MockServer.start(MockServer.catalog.defaultScenario())
        let run = "/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status"
        _ = try await server.send("GET", run, headers: ["X-SBG-Auth-Token": "t"])
        let clean = try await server.send("GET", "/__mockruns/verify")
        #expect(clean.status == 200, "\(clean.text)")
        _ = try await server.send("GET", run, headers: ["X-SBG-Auth-Token": "t"])
        let polledAgain = try await server.send("GET", "/__mockruns/verify")
        #expect(polledAgain.status == 409)
        #expect(polledAgain.jsonObject?["verdict"] as? String == "fail")
        let allowed = try await server.send(
            "POST", "/__mockruns/verify", headers: ["Content-Type": "application/json"],
            body: #"{"rules": {"poll-after-terminal": {"allow": 1}}}"#)
        #expect(allowed.status == 200, "\(allowed.text)")
        let wrong = try await server.send(
            "POST", "/__mockruns/verify", headers: ["Content-Type": "application/json"], body: #"{"rules": {"nope": {}}}"#)
        #expect(wrong.status == 400)
        let noFile = try await server.send("POST", "/__mockruns/report")
        #expect(noFile.status == 409)
    }

    /// A narrowing that picks nothing would judge nothing and pass (a typo turned a failing client green): each is
    /// a 400 that says what is allowed, and a right one still judges.
    @Test func verifyRefusesAnApiOrRunThatPicksNothing() async throws {
        let server = try MockServer.start(MockServer.catalog.defaultScenario())
        let run = "40a9c1a6-9263-4982-a574-e494f7c4b621"
        let status = "/ga4gh/wes/v1/runs/\(run)/status"
        _ = try await server.send("GET", status, headers: ["X-SBG-Auth-Token": "t"])
        _ = try await server.send("GET", status, headers: ["X-SBG-Auth-Token": "t"])  // polled past COMPLETE
        let posted = try await server.send(
            "POST", "/__mockruns/verify", headers: ["Content-Type": "application/json"], body: #"{"api": "wess"}"#)
        for answer in [posted, try await server.send("GET", "/__mockruns/verify?api=wess")] {
            #expect(answer.status == 400, "\(answer.text)")
            #expect(answer.text.contains(#"unknown api \"wess\"; allowed: "#), "\(answer.text)")
            #expect((answer.jsonObject?["allowed"] as? [String])?.contains("wes") == true)
        }
        let noRun = try await server.send("POST", "/__mockruns/verify", headers: ["Content-Type": "application/json"], body: #"{"api": "wes", "run": "nope"}"#)
        #expect(noRun.status == 400, "\(noRun.text)")
        #expect(noRun.text.contains(#"no request in the journal is about run \"nope\" of api wes"#), "\(noRun.text)")
        let otherAPI = try await server.send("GET", "/__mockruns/verify?api=solvexia&run=\(run)")
        #expect(otherAPI.status == 400, "\(otherAPI.text)")
        let unknown = try await server.send("GET", "/__mockruns/verify?apis=wes")
        #expect(unknown.status == 400)
        #expect(unknown.text.contains("unknown verify parameter"), "\(unknown.text)")
        let narrowed = try await server.send("GET", "/__mockruns/verify?api=wes&run=\(run)")
        #expect(narrowed.status == 409, "\(narrowed.text)")
        let results = narrowed.jsonObject?["results"] as? [[String: Any]] ?? []
        #expect(!results.isEmpty && results.allSatisfy { $0["api"] as? String == "wes" })
        let badRule = try await server.send("POST", "/__mockruns/verify", headers: ["Content-Type": "application/json"], body: #"{"rules": {"nope": {}}}"#)
        #expect((badRule.jsonObject?["allowed"] as? [String])?.contains("poll-interval") == true)
        let badKey = try await server.send("POST", "/__mockruns/verify", headers: ["Content-Type": "application/json"], body: #"{"rule": {}}"#)
        #expect(badKey.jsonObject?["allowed"] as? [String] == ["api", "run", "rules"], "\(badKey.text)")
    }

    @Test func aScenarioPutNamesOneOrSendsOneNotBoth() async throws {
        let server = try MockServer.start(MockServer.catalog.defaultScenario())
        let both = try await server.send(
            "PUT", "/__mockruns/scenario?name=wes-happy", headers: ["Content-Type": "application/json"],
            body: #"{"description": "mine", "seed": 7}"#)
        #expect(both.status == 400, "\(both.text)")
        #expect(both.text.contains("not both"), "\(both.text)")
        let named = try await server.send("PUT", "/__mockruns/scenario?name=wes-happy")
        #expect(named.status == 200, "\(named.text)")
        #expect(named.jsonObject?["warnings"] == nil)
        // A file's warnings, which start-up prints, come back to the one who sent it.
        let warned = try await server.send(
            "PUT", "/__mockruns/scenario", headers: ["Content-Type": "application/json"],
            body: #"{"apis": {"wes": {"faults": [{"run": "no-such-run", "from": 1, "respond": {"status": 500}}]}}}"#)
        #expect(warned.status == 200, "\(warned.text)")
        let warnings = warned.jsonObject?["warnings"] as? [String] ?? []
        #expect(warnings.count == 1 && warnings[0].contains("the fault will never hit"), "\(warned.text)")
    }
}
