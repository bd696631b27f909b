import Foundation
import MockRunsTesting
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// mockruns judging real clients: `Tests/clients/wes_poller.py` (Python `requests`) with one bug at a time, the
/// same script well-behaved, and the real `wes-client`, each against the built binary over real HTTP. Every rule
/// must fail for exactly the client that breaks it and pass for the good one on the same scenario.
///
/// Needs `.build/clients-venv` (scripts/lib/deps.sh `need_python_clients`: `requests` and `wes-service`).
/// Serialized: each case runs Python clients beside a server; in parallel they starved the suite's timing tests.
@Suite(.serialized) struct ClientVerdictTests {
    // MARK: - Helpers

    static func path(_ relative: String) -> String {
        TestPaths.packageRoot.appendingPathComponent(relative).path
    }

    static func venv(_ name: String) throws -> String {
        let path = TestPaths.clientsVenv(name)
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            "\(path) is missing: run `source scripts/lib/deps.sh; need_python_clients` in the package root")
        return path
    }

    static func python(_ arguments: [String], directory: URL? = nil, timeout: Double = 30) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            URL(fileURLWithPath: try venv("python")), arguments,
            environment: ["PYTHONUNBUFFERED": "1", "NO_PROXY": "127.0.0.1", "HTTP_PROXY": nil, "http_proxy": nil],
            directory: directory, mergeStderr: true, timeout: timeout)
    }

    /// A mockruns process serving `fixture` (Tests/clients/scenarios), and its base URL.
    struct Server {
        let process: ChildProcess
        let url: String

        init(_ fixture: String, _ extra: [String] = []) async throws {
            process = try CLI.start(
                ["--port", "0", "--scenario", ClientVerdictTests.path("Tests/clients/scenarios/\(fixture).json"), "--log-level", "warning"]
                    + extra)
            let ready = try JSONSerialization.jsonObject(with: Data(try await process.firstLine().utf8)) as? [String: Any]
            url = try #require(ready?["url"] as? String, "ready line: \(process.output)")
        }

        func stop() async throws -> Int32 {
            process.signal(SIGTERM)
            return try await process.wait(timeout: 10)
        }

        func request(_ method: String, _ path: String, body: String? = nil) async throws -> (Int, Any) {
            var request = URLRequest(url: URL(string: url + path)!)
            request.httpMethod = method
            if let body {
                request.httpBody = Data(body.utf8)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, try JSONSerialization.jsonObject(with: data))
        }

        /// POST /__mockruns/verify with `expectations` (GET without).
        func verify(_ expectations: String?) async throws -> Verdicts {
            let (status, json) = try await request(expectations == nil ? "GET" : "POST", "/__mockruns/verify", body: expectations)
            return Verdicts(status: status, json: try #require(json as? [String: Any]))
        }

        func journal() async throws -> [[String: Any]] {
            let (status, json) = try await request("GET", "/__mockruns/journal")
            #expect(status == 200)
            return try #require((json as? [String: Any])?["requests"] as? [[String: Any]])
        }
    }

    /// The verification report as served.
    struct Verdicts {
        let status: Int
        let json: [String: Any]
        var results: [[String: Any]] { json["results"] as? [[String: Any]] ?? [] }
        func of(_ rule: String) -> [[String: Any]] { results.filter { $0["rule"] as? String == rule } }
        var failed: [String] { results.filter { $0["verdict"] as? String == "fail" }.compactMap { $0["rule"] as? String } }
        func details(_ rule: String) -> [String: Any] { of(rule).first?["details"] as? [String: Any] ?? [:] }
    }

    /// A JUnit file checked by Tests/clients/junit_check.py (xml.etree): its test cases, or a failed expectation.
    static func junitCases(_ file: String) async throws -> [[String: Any]] {
        let check = try await python([path("Tests/clients/junit_check.py"), file])
        try #require(check.status == 0, "\(check.stdout)")
        let json = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any]
        return try #require(json?["cases"] as? [[String: Any]])
    }

    static func temporaryFile(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-verdict-\(UUID().uuidString)\(suffix)").path
    }

    /// One client run judged: what the client printed, the verdicts, the journal, and `mockruns verify --url`.
    struct Judged {
        let client: ChildProcess.Outcome
        let verdicts: Verdicts
        let journal: [[String: Any]]
        let verifyExit: Int32
        let junit: [[String: Any]]
    }

    static func judge(_ behaviour: String, on fixture: String, expecting expectations: String?) async throws -> Judged {
        let server = try await Server(fixture)
        let client = try await python([path("Tests/clients/wes_poller.py"), "--url", server.url, "--behaviour", behaviour])
        let verdicts = try await server.verify(expectations)
        let journal = try await server.journal()
        // The same judgement the way a shell CI step asks for it.
        var arguments = ["verify", "--url", server.url]
        let expectFile = temporaryFile(".json"), reportFile = temporaryFile(".xml")
        defer { try? FileManager.default.removeItem(atPath: expectFile); try? FileManager.default.removeItem(atPath: reportFile) }
        if let expectations {
            try expectations.write(toFile: expectFile, atomically: true, encoding: .utf8)
            arguments += ["--expect", expectFile]
        }
        let verify = try await CLI.run(arguments + ["--report", reportFile])
        let junit = try await junitCases(reportFile)
        #expect(try await server.stop() == 0)
        return Judged(client: client, verdicts: verdicts, journal: journal, verifyExit: verify.status, junit: junit)
    }

    // MARK: - Each bad behaviour against the good client

    struct Case: Sendable, CustomTestStringConvertible {
        let behaviour: String
        let fixture: String
        let rule: String
        let expectations: String?
        var testDescription: String { "\(behaviour) breaks \(rule)" }
    }

    static let cases: [Case] = [
        Case(behaviour: "polls-after-complete", fixture: "wes-lifecycle", rule: "poll-after-terminal", expectations: nil),
        Case(behaviour: "no-backoff", fixture: "wes-lifecycle", rule: "poll-interval",
            expectations: #"{"rules": {"poll-interval": {"minMs": 100}}}"#),
        Case(behaviour: "ignores-retry-after", fixture: "wes-retry-after", rule: "retry-after-honoured", expectations: nil),
        Case(behaviour: "retries-forever", fixture: "wes-status-500", rule: "retries-bounded",
            expectations: #"{"rules": {"retries-bounded": {"max": 3}}}"#),
        Case(behaviour: "drops-token", fixture: "wes-lifecycle", rule: "auth-on-every-request", expectations: nil),
        Case(behaviour: "hangs-up", fixture: "wes-slow-submit", rule: "duplicate-submit", expectations: nil),
    ]

    @Test(arguments: cases)
    func theRuleFailsForTheClientThatBreaksItAndPassesForTheGoodOne(_ c: Case) async throws {
        async let badRun = Self.judge(c.behaviour, on: c.fixture, expecting: c.expectations)
        async let goodRun = Self.judge("good", on: c.fixture, expecting: c.expectations)
        let (bad, good) = try await (badRun, goodRun)

        // The bad client: its rule fails, with evidence; the server says 409 and `mockruns verify` exits 1.
        let broken = bad.verdicts.of(c.rule)
        #expect(!broken.isEmpty, "\(bad.verdicts.json)")
        #expect(broken.contains { $0["verdict"] as? String == "fail" && !(($0["evidence"] as? [Int]) ?? []).isEmpty },
            "\(c.behaviour): \(broken)\nclient: \(bad.client.stdout)")
        #expect(bad.verdicts.status == 409)
        #expect(bad.verifyExit == 1)
        #expect(bad.junit.contains { ($0["name"] as? String)?.hasPrefix(c.rule) == true && $0["outcome"] as? String == "failure" })

        // The good client on the same scenario: that rule passes and nothing fails; 200 and exit 0.
        let kept = good.verdicts.of(c.rule)
        #expect(!kept.isEmpty && kept.allSatisfy { $0["verdict"] as? String == "pass" }, "good: \(kept)\nclient: \(good.client.stdout)")
        #expect(good.verdicts.failed.isEmpty, "good client failed \(good.verdicts.failed): \(good.verdicts.json)")
        #expect(good.verdicts.status == 200)
        #expect(good.verifyExit == 0)
        #expect(!good.junit.isEmpty && !good.junit.contains { $0["outcome"] as? String == "failure" })

        // Each bad client breaks only its own rule (the run-about rules it cannot reach do not apply).
        #expect(bad.verdicts.failed.allSatisfy { $0 == c.rule }, "\(c.behaviour) also failed \(bad.verdicts.failed)")

        try checkSpecifics(c, bad: bad, good: good)
    }

    /// What each behaviour shows beyond its verdict.
    func checkSpecifics(_ c: Case, bad: Judged, good: Judged) throws {
        func posts(_ j: Judged) -> [[String: Any]] {
            j.journal.filter { $0["method"] as? String == "POST" && $0["endpoint"] as? String == "run_workflow" }
        }
        switch c.behaviour {
        case "polls-after-complete":
            #expect(bad.verdicts.details(c.rule)["readsAfter"] as? Int == 3, "the script reads 3 more times")
            #expect(good.verdicts.details(c.rule)["readsAfter"] as? Int == 0)
            #expect(good.client.stdout.hasSuffix("final COMPLETE\n"), "\(good.client.stdout)")
        case "no-backoff":
            let badDetails = bad.verdicts.details(c.rule), goodDetails = good.verdicts.details(c.rule)
            #expect(badDetails["backoff"] as? Bool == false, "\(badDetails)")
            #expect(goodDetails["backoff"] as? Bool == true, "\(goodDetails)")
            #expect((badDetails["shortestMs"] as? Double ?? 1e9) < 100)
            #expect((goodDetails["shortestMs"] as? Double ?? 0) >= 100)
        case "ignores-retry-after":
            for run in [bad, good] {
                #expect(run.journal.contains { $0["status"] as? Int == 503 && $0["retryAfter"] as? String == "1" }, "the fault answered")
                #expect(run.verdicts.details(c.rule)["answers"] as? Int == 1)
            }
        case "retries-forever":
            #expect((bad.verdicts.details(c.rule)["retries"] as? Int ?? 0) > 3)
            #expect(good.verdicts.details(c.rule)["retries"] as? Int == 3, "the good client gives up after 3 retries")
            #expect(good.client.stdout.contains("gave up"), "\(good.client.stdout)")
        case "drops-token":
            #expect(bad.journal.contains { $0["auth"] as? String == "missing" && $0["status"] as? Int == 401 })
            #expect((bad.verdicts.details(c.rule)["missing"] as? Int ?? 0) >= 1)
            #expect(good.verdicts.details(c.rule)["missing"] as? Int == 0)
        case "hangs-up":
            let submits = posts(bad)
            #expect(submits.count >= 2, "the hung-up client submitted again: \(submits)")
            #expect(posts(good).count == 1)
            // The second submission came before the first answer (held 1,500 ms) could have reached the client.
            if submits.count >= 2, let first = submits[0]["wallMs"] as? Double, let second = submits[1]["wallMs"] as? Double {
                #expect(second - first < 1500, "re-sent after its 0.5 s timeout, not after the answer")
            }
            // The host looks at the socket before writing a delayed answer: a client that timed out is gone.
            #expect(submits.first?["clientGone"] as? Bool == true, "\(submits.first ?? [:])")
        default:
            Issue.record("no specifics for \(c.behaviour)")
        }
    }

    // MARK: - The real wes-client

    @Test func theRealWesClientIsJudgedInAJUnitReport() async throws {
        let wesClient = try Self.venv("wes-client")
        let report = Self.temporaryFile(".xml")
        defer { try? FileManager.default.removeItem(atPath: report) }
        let server = try await Server("wes-client-wait", ["--report", report])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-verdict-wes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cwl = "cwlVersion: v1.0\nclass: CommandLineTool\nbaseCommand: echo\ninputs:\n  message:\n    type: string\n    inputBinding: {position: 1}\noutputs: []\n"
        try cwl.write(to: dir.appendingPathComponent("echo.cwl"), atomically: true, encoding: .utf8)
        try #"{"message": "hello"}"#.write(to: dir.appendingPathComponent("job.json"), atomically: true, encoding: .utf8)
        let port = try #require(server.url.split(separator: ":").last)
        let run = try await ChildProcess.run(
            URL(fileURLWithPath: wesClient),
            ["--proto", "http", "--host", "127.0.0.1:\(port)", "--auth", "X-SBG-Auth-Token: T", "--wait", "echo.cwl", "job.json"],
            environment: ["WES_API_AUTH": nil, "WES_API_HOST": nil, "PYTHONUNBUFFERED": "1"], directory: dir, timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("State is COMPLETE"), "\(run.stderr)")

        // The journal first: its submission carries no token, its reads do.
        let journal = try await server.journal()
        let submit = try #require(journal.first { $0["endpoint"] as? String == "run_workflow" })
        #expect(submit["auth"] as? String == "missing")
        #expect(submit["credential"] is NSNull)
        #expect(!((submit["headers"] as? [[String]]) ?? []).contains { $0.first?.lowercased() == "x-sbg-auth-token" })
        let reads = journal.filter { $0["endpoint"] as? String != "run_workflow" }
        #expect(!reads.isEmpty && reads.allSatisfy { $0["auth"] as? String == "granted" }, "\(reads)")
        let statusReads = journal.filter { $0["endpoint"] as? String == "get_run_status" }
        #expect(statusReads.count == 2, "RUNNING once, then COMPLETE")
        #expect(journal.contains { $0["endpoint"] as? String == "get_run_log" }, "it reads the RunLog once at the end")

        // What the server concludes, in JSON (for the figures) ...
        let verdicts = try await server.verify(nil)
        #expect(verdicts.status == 409)
        #expect(Set(verdicts.failed) == ["auth-on-every-request", "contract-deviations"], "\(verdicts.json)")
        #expect(verdicts.details("auth-on-every-request")["missing"] as? Int == 1)
        let interval = verdicts.details("poll-interval")
        #expect((interval["shortestMs"] as? Double ?? 0) >= 7500, "wes-client --wait sleeps 8 s between reads: \(interval)")
        #expect(verdicts.of("poll-after-terminal").first?["verdict"] as? String == "pass",
            "the one RunLog read after COMPLETE is the result fetch: \(verdicts.of("poll-after-terminal"))")

        // ... and in the JUnit file written at exit, validated as CI reads it.
        #expect(try await server.stop() == 0, "not strict: the failures are reported, the exit is clean")
        let cases = try await Self.junitCases(report)
        func outcome(_ rule: String) -> String? {
            cases.first { ($0["name"] as? String)?.hasPrefix(rule) == true }?["outcome"] as? String
        }
        #expect(cases.allSatisfy { $0["suite"] as? String == "wes" && $0["classname"] as? String == "mockruns.wes" })
        #expect(cases.count == verdicts.results.count)
        #expect(outcome("auth-on-every-request") == "failure")
        #expect(outcome("contract-deviations") == "failure")
        #expect(outcome("poll-interval") == "pass")
        #expect(outcome("poll-after-terminal") == "pass")
        #expect(outcome("retries-bounded") == "skipped")
        let auth = cases.first { $0["name"] as? String == "auth-on-every-request" }
        #expect((auth?["message"] as? String)?.contains("without a credential") == true, "\(auth ?? [:])")
    }
}

extension ClientVerdictTests {
    /// The JUnit checker itself refuses what CI would misread, so its passes above mean something.
    @Test(arguments: [
        #"<testsuites><testsuite name="wes" tests="2" failures="0" skipped="0"><testcase classname="c" name="n"/></testsuite></testsuites>"#,
        #"<testsuites><testsuite name="wes" tests="1" failures="1" skipped="0"><testcase classname="c" name="n"><failure>x</failure></testcase></testsuite></testsuites>"#,
        #"<testsuites><testsuite name="wes" tests="1" failures="0" skipped="0"><testcase name="n"/></testsuite></testsuites>"#,
        #"<testsuites><testsuite name="wes" tests="1" failures="0"><testcase classname="c" name="n"/></testsuite></testsuites>"#,
        #"<testsuites><testsuite name="wes" tests="1" failures="0" skipped="0"><testcase classname="c" name="n">"#,
        #"<results><testsuite name="wes" tests="0" failures="0" skipped="0"/></results>"#,
    ])
    func theJUnitCheckRefusesAMalformedReport(_ xml: String) async throws {
        let file = Self.temporaryFile(".xml")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try xml.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try await Self.python([Self.path("Tests/clients/junit_check.py"), file])
        #expect(check.status == 1, "\(check.stdout)")
        #expect(check.stdout.hasPrefix("invalid JUnit XML: "), "\(check.stdout)")
    }
}

/// `mockruns verify` against servers that are not mockruns: it must not read them as a pass.
@Suite struct VerifyAgainstStrangersTests {
    /// A Python HTTP server answering every POST 200 with `body`; its first stdout line is its port.
    static func stranger(answering body: String) async throws -> (ChildProcess, Int) {
        let script = """
            import http.server, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    self.rfile.read(int(self.headers.get("Content-Length") or 0))
                    data = sys.argv[1].encode()
                    self.send_response(200); self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
                def log_message(self, *a): pass
            s = http.server.HTTPServer(("127.0.0.1", 0), H)
            print(s.server_address[1], flush=True)
            s.serve_forever()
            """
        let child = try ChildProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, body])
        let line = try await child.firstLine()
        guard let port = Int(line.trimmingCharacters(in: .whitespaces)) else { throw ChildProcessError("no port: \(line)") }
        return (child, port)
    }

    @Test(arguments: ["{}", "[]", #"{"verdict": "pass"}"#])
    func anAnswerThatIsNoReportIsAnError(body: String) async throws {
        let (server, port) = try await Self.stranger(answering: body)
        defer { server.signal(SIGKILL); _ = server.waitBlocking() }
        let (status, out, err) = try await CLI.run(["verify", "--url", "http://127.0.0.1:\(port)"])
        #expect(status == 2, "stdout: \(out) stderr: \(err)")
        #expect(err.contains("is no verification report"), "\(err)")
        #expect(!out.contains("verification passed"))
    }
}

extension ClientVerdictTests {
    /// `--report` through a symbolic link writes the file it points at and leaves the link a link (the atomic
    /// write renamed a new file over the link).
    @Test func aReportThroughASymlinkWritesItsTarget() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("report-link-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("target.json"), link = folder.appendingPathComponent("link.json")
        try "old\n".write(to: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let server = try await Server("contract")
        let verify = try await CLI.run(["verify", "--url", server.url, "--report", link.path])
        #expect(try await server.stop() == 0)
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == target.path)
        let written = try String(contentsOf: target, encoding: .utf8)
        #expect(written.contains("\"verdict\""), "\(written)")
    }
}
