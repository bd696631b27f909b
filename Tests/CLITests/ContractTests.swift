import Foundation
import MockRunsTesting
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `mockruns contract` as a user runs it: the built binary against a mockruns process (every check passes; each
/// scripted deviation is caught by the check named for it), against the GA4GH reference `wes-server` (the drift
/// it really has), and its reports, exit codes, rate bound and redaction.
@Suite(.serialized) struct ContractTests {
    static let fixture = TestPaths.packageRoot.appendingPathComponent("Tests/clients/scenarios/contract.json")
    static let workspace = "3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10"

    /// How each API is pointed at the fixture's credentials and runs.
    static let arguments: [String: [String]] = [
        "wes": ["--token", "contract-token"],
        "foundry": ["--token", "foundry-key", "--run-id", "SCR_017041-1/error/transform"],
        "controller": ["--token", "controller-key", "--run-id", "SCR_017041"],
        "solvexia": ["--client-id", "contract-client", "--client-secret", "contract-secret", "--run-id", "pr-114278", "--param", "process=p-114273"],
        "workspace": ["--token", "workspace-key", "--param", "workspace=\(workspace)", "--param", "document=c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33"],
    ]

    /// A mockruns process serving `scenario` (the fixture, changed by `edit`).
    struct Server {
        let process: ChildProcess
        let url: String
        let file: URL

        init(edit: (inout [String: Any]) -> Void = { _ in }) async throws {
            var scenario = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: ContractTests.fixture)) as? [String: Any])
            edit(&scenario)
            file = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-contract-\(UUID().uuidString).json")
            try JSONSerialization.data(withJSONObject: scenario).write(to: file)
            process = try CLI.start(["--port", "0", "--scenario", file.path, "--log-level", "warning"])
            let ready = try JSONSerialization.jsonObject(with: Data(try await process.firstLine().utf8)) as? [String: Any]
            url = try #require(ready?["url"] as? String, "ready line: \(process.output) \(process.errors)")
        }

        func stop() async throws {
            process.signal(SIGTERM)
            _ = try await process.wait(timeout: 10)
            try? FileManager.default.removeItem(at: file)
        }
    }

    /// `scenario.apis[api][key]` set to `value`.
    static func set(_ scenario: inout [String: Any], _ api: String, _ key: String, _ value: Any) {
        var apis = scenario["apis"] as? [String: Any] ?? [:]
        var mine = apis[api] as? [String: Any] ?? [:]
        mine[key] = value
        apis[api] = mine
        scenario["apis"] = apis
    }

    /// One `mockruns contract` run and its JSON report.
    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
        let report: [String: Any]
        var checks: [[String: Any]] { report["checks"] as? [[String: Any]] ?? [] }

        func ids(_ verdict: String) -> Set<String> {
            Set(checks.filter { $0["verdict"] as? String == verdict }.compactMap { $0["id"] as? String })
        }

        func check(_ id: String) -> [String: Any] { checks.first { $0["id"] as? String == id } ?? [:] }
        func message(_ id: String) -> String { check(id)["message"] as? String ?? "" }
    }

    static func contract(_ api: String, _ url: String, _ extra: [String] = [], arguments: [String]? = nil, timeout: Double = 120) async throws -> Run {
        let outcome = try await ChildProcess.run(
            CLI.binary,
            ["contract", "--api", api, "--url", url, "--format", "json", "--rate", "50"] + (arguments ?? Self.arguments[api]!) + extra,
            timeout: timeout)
        let json = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        return Run(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr, report: try #require(json, "stdout: \(outcome.stdout) stderr: \(outcome.stderr)"))
    }

    // MARK: - Against mockruns itself

    @Test func everyCheckPassesAgainstMockruns() async throws {
        let server = try await Server()
        for api in ["wes", "foundry", "controller", "solvexia", "workspace"] {
            let readOnly = try await Self.contract(api, server.url)
            #expect(readOnly.status == 0, "\(api): \(readOnly.stdout)")
            #expect(readOnly.ids("fail").isEmpty, "\(api): \(readOnly.stdout)")
            #expect(readOnly.ids("pass").count >= 5, "\(api)")
            // Read-only skips exactly the checks that write, and says so.
            for check in readOnly.checks where check["verdict"] as? String == "skipped" {
                #expect(check["message"] as? String == "needs --allow-writes", "\(api): \(check)")
            }
            let writes = try await Self.contract(api, server.url, ["--allow-writes"])
            #expect(writes.status == 0, "\(api): \(writes.stdout)")
            #expect(writes.ids("fail").isEmpty && writes.ids("skipped").isEmpty, "\(api): \(writes.stdout)")
            #expect(writes.ids("pass") == readOnly.ids("pass").union(readOnly.ids("skipped")), "\(api)")
        }
        try await server.stop()
    }

    /// A scenario that makes mockruns differ from its own contract, and the checks that must catch it.
    struct Deviation: Sendable, CustomTestStringConvertible {
        let api: String
        let name: String
        let edit: @Sendable (inout [String: Any]) -> Void
        let extra: [String]
        let caught: Set<String>
        var testDescription: String { "\(api): \(name)" }

        init(_ api: String, _ name: String, extra: [String] = [], caught: Set<String>, edit: @escaping @Sendable (inout [String: Any]) -> Void) {
            self.api = api
            self.name = name
            self.edit = edit
            self.extra = extra
            self.caught = caught
        }
    }

    static let unknownWESRun = "00000000-0000-4000-8000-00000000c0de"

    static let deviations: [Deviation] = [
        Deviation("foundry", "forbiddenBody empty", caught: ["foundry.auth.missing-403", "foundry.auth.invalid-403"]) {
            set(&$0, "foundry", "settings", ["forbiddenBody": "empty"])
        },
        Deviation("solvexia", "unauthenticatedStatus 401", caught: ["solvexia.auth.missing-403", "solvexia.auth.invalid-403"]) {
            set(&$0, "solvexia", "settings", ["clients": ["contract-client:contract-secret"], "unauthenticatedStatus": "401"])
        },
        Deviation("solvexia", "durationField runDurationInSec", caught: ["solvexia.runstatus.shape"]) {
            set(&$0, "solvexia", "settings", ["clients": ["contract-client:contract-secret"], "durationField": "runDurationInSec"])
        },
        Deviation("solvexia", "runStatusShape array", caught: ["solvexia.runstatus.shape"]) {
            set(&$0, "solvexia", "settings", ["clients": ["contract-client:contract-secret"], "runStatusShape": "array"])
        },
        Deviation("wes", "a 404 sent as text/html", caught: ["wes.status.unknown-run-404"]) {
            set(&$0, "wes", "faults", [["endpoint": "get_run_status", "run": unknownWESRun, "from": 1, "respond": ["status": 404, "contentType": "text/html"]]])
        },
        Deviation("wes", "RUNNING for an unknown run", caught: ["wes.run-log.unknown-run-404"]) {
            set(&$0, "wes", "faults", [["endpoint": "get_run_log", "run": unknownWESRun, "from": 1, "respond": ["status": 200, "body": ["run_id": unknownWESRun, "state": "RUNNING"]]]])
        },
        Deviation("wes", "a page without next_page_token", caught: ["wes.runs.paging"]) {
            set(&$0, "wes", "faults", [["endpoint": "list_runs", "when": ["query": ["page_size": "1"]], "from": 1, "respond": ["status": 200, "body": ["runs": [] as [Any]]]]])
        },
        Deviation("wes", "cancel leaves the run RUNNING", extra: ["--allow-writes"], caught: ["wes.cancel.state-after"]) {
            set(&$0, "wes", "defaultRun", ["on": ["cancel": ["timeline": [["state": "RUNNING"]]]]])
        },
        Deviation("controller", "a 500 for a bad userID", caught: ["controller.status.bad-user-id-400"]) {
            set(&$0, "controller", "faults", [["endpoint": "run_status", "when": ["query": ["userID": "abc"]], "from": 1, "respond": ["status": 500]]])
        },
        Deviation("workspace", "a 404 that is not problem+json", caught: ["workspace.runs.unknown-run-404"]) {
            set(&$0, "workspace", "faults", [["endpoint": "get", "run": unknownWESRun, "from": 1, "respond": ["status": 404, "body": ["detail": "gone"]]]])
        },
    ]

    @Test(arguments: deviations) func eachDeviationIsCaughtByItsCheck(_ deviation: Deviation) async throws {
        let server = try await Server(edit: deviation.edit)
        let run = try await Self.contract(deviation.api, server.url, deviation.extra)
        try await server.stop()
        #expect(run.status == 1, "\(run.stdout)")
        #expect(run.ids("fail") == deviation.caught, "\(run.stdout)")
        #expect(run.ids("pass").count >= 3)
        for id in deviation.caught {
            let check = run.check(id)
            #expect(!(check["requests"] as? [String] ?? []).isEmpty, "\(id) names the requests it sent")
        }
    }

    @Test func aDeviationsEvidenceNamesTheJSONPathAndTheRequest() async throws {
        let server = try await Server { Self.set(&$0, "solvexia", "settings", ["clients": ["contract-client:contract-secret"], "durationField": "runDurationInSec"]) }
        let run = try await Self.contract("solvexia", server.url)
        try await server.stop()
        let check = run.check("solvexia.runstatus.shape")
        #expect(run.message("solvexia.runstatus.shape") == "GET /api/v1/processruns/pr-114278/runstatus: $.runDurationInSeconds is missing (the documented example of this answer has it)")
        #expect(check["requests"] as? [String] == ["GET /api/v1/processruns/pr-114278/runstatus → 200"])
        // The exported schema allows either duration key (the seed examples show both): no schema problem, the
        // documented key is what is missing.
        #expect((check["problems"] as? [Any])?.isEmpty == true)
    }

    // MARK: - Reports, exit codes, bounds

    @Test func reportsInJSONAndJUnit() async throws {
        let server = try await Server { Self.set(&$0, "wes", "faults", [["endpoint": "get_run_status", "run": Self.unknownWESRun, "from": 1, "respond": ["status": 200, "body": ["run_id": Self.unknownWESRun, "state": "RUNNING"]]]]) }
        let xml = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-contract-\(UUID().uuidString).xml").path
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-contract-\(UUID().uuidString).json").path
        defer { for file in [xml, json] { try? FileManager.default.removeItem(atPath: file) } }
        let run = try await Self.contract("wes", server.url, ["--report", xml])
        let text = try await ChildProcess.run(CLI.binary, ["contract", "--api", "wes", "--url", server.url, "--token", "contract-token", "--report", json])
        try await server.stop()

        // The JSON report: what stdout had, in the same shape.
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        for report in [run.report, written] {
            #expect(report["api"] as? String == "wes")
            #expect(report["url"] as? String == server.url)
            #expect(report["verdict"] as? String == "fail")
            #expect(report["counts"] as? [String: Int] == ["pass": 8, "fail": 1, "skipped": 5])
            let checks = try #require(report["checks"] as? [[String: Any]])
            #expect(checks.count == 14)
            for check in checks {
                #expect(Set(check.keys) == ["id", "summary", "verdict", "message", "requests", "problems"])
                for problem in check["problems"] as? [[String: Any]] ?? [] { #expect(Set(problem.keys) == ["path", "message"]) }
            }
        }
        // The text form: one line per check, then the summary; exit 1.
        #expect(text.status == 1)
        let lines = text.stdout.split(separator: "\n")
        #expect(lines.first == "PASS wes.service-info.shape")
        #expect(lines.contains { $0.hasPrefix("FAIL wes.status.unknown-run-404: GET /runs/\(Self.unknownWESRun)/status: expected 404, got 200") })
        #expect(lines.contains("SKIP wes.submit.shape: needs --allow-writes"))
        #expect(lines.last == "contract: wes at \(server.url): 8 passed, 1 failed, 5 skipped")
        #expect(text.stderr.contains("contract check failed"))

        // JUnit, as CI reads it.
        let check = try await ChildProcess.run(URL(fileURLWithPath: TestPaths.clientsVenv("python")), [TestPaths.packageRoot.appendingPathComponent("Tests/clients/junit_check.py").path, xml])
        try #require(check.status == 0, "\(check.stdout)")
        let cases = try #require((try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])?["cases"] as? [[String: Any]])
        #expect(cases.count == 14)
        #expect(Set(cases.compactMap { $0["suite"] as? String }) == ["wes"])
        let failures = cases.filter { $0["outcome"] as? String == "failure" }
        #expect(failures.compactMap { $0["name"] as? String } == ["wes.status.unknown-run-404"])
        #expect((failures.first?["message"] as? String)?.contains("expected 404, got 200") == true)
        #expect(cases.filter { $0["outcome"] as? String == "skipped" }.count == 5)
    }

    @Test func neverFasterThanTheRate() async throws {
        let server = try await Server()
        let run = try await Self.contract("wes", server.url, ["--rate", "4"])
        #expect(run.status == 0, "\(run.stdout)")
        var request = URLRequest(url: URL(string: server.url + "/__mockruns/journal?api=wes")!)
        request.httpMethod = "GET"
        let (data, _) = try await URLSession.shared.data(for: request)
        try await server.stop()
        let entries = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["requests"] as? [[String: Any]])
        let wall = entries.compactMap { ($0["wallMs"] as? NSNumber)?.doubleValue }
        #expect(wall.count == entries.count)
        #expect(wall.count >= 9)
        // 4 requests a second: a quarter second at least between two requests as the server saw them (the next
        // starts a quarter second after the previous answer arrived; 1 ms for the journal's rounding).
        let gaps = zip(wall, wall.dropFirst()).map { $1 - $0 }
        #expect(gaps.allSatisfy { $0 >= 250 - 1 }, "gaps between requests (ms): \(gaps)")
    }

    @Test func secretsAreNeverPrintedOrWritten() async throws {
        // The server echoes the token in an error body; the evidence must not.
        let server = try await Server { Self.set(&$0, "wes", "faults", [["endpoint": "service_info", "from": 1, "respond": ["status": 500, "body": ["msg": "token contract-token is wrong", "status_code": 500]]]]) }
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-contract-\(UUID().uuidString).xml").path
        defer { try? FileManager.default.removeItem(atPath: report) }
        let run = try await ChildProcess.run(
            CLI.binary, ["contract", "--api", "wes", "--url", server.url, "--header", "X-SBG-Auth-Token: contract-token", "--report", report])
        let solvexia = try await Self.contract("solvexia", server.url)
        try await server.stop()
        #expect(run.status == 1)
        #expect(run.stdout.contains("FAIL wes.service-info.shape: GET /service-info: expected 200, got 500 (body {"), "\(run.stdout)")
        #expect(run.stdout.contains("\"token <redacted> is wrong\""), "\(run.stdout)")
        let written = try String(contentsOfFile: report, encoding: .utf8)
        for text in [run.stdout, run.stderr, written, solvexia.stdout, solvexia.stderr] {
            #expect(!text.contains("contract-token") && !text.contains("contract-secret"))
        }
        #expect(solvexia.status == 0, "\(solvexia.stdout)")
    }

    /// A short test token (the README's `t`) is redacted where it stands as a value, not inside every word: the
    /// report stayed unreadable ("expec<redacted>ed 200, go<redacted> 500").
    @Test func aShortTokenIsRedactedAsAValueNotInsideWords() async throws {
        let server = try await Server { Self.set(&$0, "wes", "faults", [["endpoint": "service_info", "from": 1, "respond": ["status": 500, "body": ["msg": "token t is wrong", "status_code": 500]]]]) }
        let run = try await ChildProcess.run(CLI.binary, ["contract", "--api", "wes", "--url", server.url, "--token", "t"])
        try await server.stop()
        #expect(run.status == 1)
        #expect(run.stdout.contains("FAIL wes.service-info.shape: GET /service-info: expected 200, got 500"), "\(run.stdout)")
        #expect(run.stdout.contains("\"token <redacted> is wrong\""), "\(run.stdout)")
        #expect(!run.stdout.contains(" t ") && !run.stdout.contains("\"t\""), "\(run.stdout)")
    }

    @Test func overHTTPSWithTheServersCertificate() async throws {
        let process = try CLI.start(["--port", "0", "--scenario", Self.fixture.path, "--log-level", "warning", "--tls-self-signed"])
        let ready = try #require(try JSONSerialization.jsonObject(with: Data(try await process.firstLine().utf8)) as? [String: Any])
        let url = try #require(ready["url"] as? String)
        let cert = try #require(ready["tlsCert"] as? String)
        #expect(url.hasPrefix("https://"))
        let trusted = try await Self.contract("wes", url, ["--cacert", cert, "--allow-writes"])
        // Without the certificate nothing can be checked: the TLS handshake is refused, and that is said.
        let untrusted = try await Self.contract("wes", url)
        process.signal(SIGTERM)
        _ = try await process.wait(timeout: 10)
        #expect(trusted.status == 0, "\(trusted.stdout)")
        #expect(trusted.ids("fail").isEmpty && trusted.ids("skipped").isEmpty, "\(trusted.stdout)")
        #expect(untrusted.status == 2)
        #expect((untrusted.report["incomplete"] as? String)?.hasPrefix("the server could not be reached: TLS with 127.0.0.1:") == true, "\(untrusted.stdout)")
    }

    @Test func aTricklingServerCannotOutlastTheTimeout() async throws {
        // One byte a second: every read gets something, so only a bound on the whole answer ends it.
        let server = try await Server { Self.set(&$0, "wes", "faults", [["endpoint": "service_info", "from": 1, "trickle": ["bytesPerSecond": 1]]]) }
        let started = Date()
        let run = try await Self.contract("wes", server.url, ["--timeout", "3"])
        let elapsed = Date().timeIntervalSince(started)
        try await server.stop()
        #expect(elapsed < 15, "took \(elapsed) s")
        #expect(run.status == 1)
        #expect(run.message("wes.service-info.shape").hasSuffix("got no answer: \(server.url.dropFirst("http://".count)) did not send its whole answer within 3 s"), "\(run.stdout)")
        #expect(run.report["incomplete"] as? String == "the --timeout of 3 s ran out")
        #expect(run.checks.dropFirst().allSatisfy { $0["verdict"] as? String == "skipped" && ($0["message"] as? String)?.contains("--timeout of 3 s ran out") == true })
    }

    @Test func usageAndConnectionErrorsExitTwo() async throws {
        let unknown = try await ChildProcess.run(CLI.binary, ["contract", "--api", "nope", "--url", "http://127.0.0.1:1"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown --api nope; APIs: foundry, solvexia, workspace, controller, wes"), "\(unknown.stderr)")
        let header = try await ChildProcess.run(CLI.binary, ["contract", "--api", "wes", "--url", "http://127.0.0.1:1", "--header", "no colon here"])
        #expect(header.status == 2)
        #expect(header.stderr.contains("--header must be 'Name: value'"), "\(header.stderr)")
        let both = try await ChildProcess.run(CLI.binary, ["contract", "--api", "wes", "--url", "http://127.0.0.1:1", "--token", "a", "--header", "X-SBG-Auth-Token: b"])
        #expect(both.status == 2)
        #expect(both.stderr.contains("give --token or --header, not both"), "\(both.stderr)")
        let param = try await ChildProcess.run(CLI.binary, ["contract", "--api", "workspace", "--url", "http://127.0.0.1:1", "--param", "wrkspace=x"])
        #expect(param.status == 2)
        #expect(param.stderr.contains("unknown --param wrkspace; the workspace checks take workspace ("), "\(param.stderr)")
        let none = try await ChildProcess.run(CLI.binary, ["contract", "--api", "wes", "--url", "http://127.0.0.1:1", "--param", "x=1"])
        #expect(none.stderr.contains("the wes checks take no --param"), "\(none.stderr)")
        let ftp = try await ChildProcess.run(CLI.binary, ["contract", "--api", "wes", "--url", "ftp://example.org"])
        #expect(ftp.status == 2)
        #expect(ftp.stderr.contains("--url: invalid URL \"ftp://example.org\": expected http://HOST[:PORT][/PATH] or https://..."), "\(ftp.stderr)")
        let cacert = try await ChildProcess.run(CLI.binary, ["contract", "--api", "wes", "--url", "https://127.0.0.1:1", "--cacert", "/nonexistent/ca.pem"])
        #expect(cacert.status == 2)
        #expect(cacert.stderr.contains("--cacert /nonexistent/ca.pem cannot be read"), "\(cacert.stderr)")
        // A report that could not be written is told before any check runs (it was told after them all).
        let report = try await ChildProcess.run(CLI.binary, ["contract", "--api", "wes", "--url", "http://127.0.0.1:1", "--report", "/no/such/folder/r.xml"])
        #expect(report.status == 2)
        #expect(report.stderr.contains("cannot write --report /no/such/folder/r.xml: the folder /no/such/folder is not writable"), "\(report.stderr)")
        #expect(report.stdout.isEmpty, "\(report.stdout)")
        // The same for verify and serve, and for verify's --cacert.
        for arguments in [
            ["verify", "--url", "http://127.0.0.1:1", "--report", "/no/such/folder/r.xml"], ["--port", "0", "--report", "/tmp/"],
            ["verify", "--url", "https://127.0.0.1:1", "--cacert", "/nonexistent/ca.pem"],
        ] {
            let refused = try await ChildProcess.run(CLI.binary, arguments)
            #expect(refused.status == 64, "\(arguments): \(refused.stderr)")
            #expect(refused.stderr.contains("cannot write --report") || refused.stderr.contains("--cacert /nonexistent/ca.pem cannot be read"), "\(refused.stderr)")
        }
        // Port 1 on loopback: nothing listens there.
        let gone = try await ChildProcess.run(CLI.binary, ["contract", "--api", "wes", "--url", "http://127.0.0.1:1", "--token", "a-token"])
        #expect(gone.status == 2)
        #expect(gone.stderr.contains("contract check incomplete: the server could not be reached: cannot connect to 127.0.0.1:1"), "\(gone.stderr)")
        #expect(gone.stdout.contains("SKIP wes.service-info.shape: not run: the server could not be reached"))
    }

    // MARK: - Against the GA4GH reference server

    /// `wes-server` (PyPI wes-service 5.0, in .build/clients-venv) with its cwl_runner backend and a runner that
    /// needs nothing: a script that waits two seconds and reports no outputs. The findings asserted are what that
    /// server really does (checked by hand with curl first): a made-up RUNNING for any run id, a cancel that
    /// changes nothing, `workflows` instead of `runs` in the list, no auth at all, a 500 for an unknown run's log.
    @Test func findsTheDriftOfTheReferenceWESServer() async throws {
        let server = TestPaths.clientsVenv("wes-server")
        try #require(FileManager.default.isExecutableFile(atPath: server), "\(server) is missing: run `source scripts/lib/deps.sh; need_python_clients`")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-wes-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let runner = folder.appendingPathComponent("runner.sh")
        try """
            #!/bin/sh
            # A CWL runner for wes-server that needs nothing: it waits a little, then reports no outputs.
            [ "$1" = "--version" ] && { echo "contract-runner 1.0"; exit 0; }
            sleep 2
            echo '{}'

            """.write(to: runner, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: runner.path)
        let port = try await Self.freePort()
        let process = try ChildProcess(
            URL(fileURLWithPath: server), ["--port", "\(port)", "--backend=wes_service.cwl_runner", "--opt", "runner=\(runner.path)"],
            environment: ["PYTHONUNBUFFERED": "1"], directory: folder, mergeStderr: true)
        defer { process.signal(SIGTERM) }
        let url = "http://127.0.0.1:\(port)"
        try await Self.waitUntilServing(url + "/ga4gh/wes/v1/service-info", process)

        let run = try await Self.contract("wes", url, ["--allow-writes", "--rate", "10", "--max-polls", "100"], arguments: [], timeout: 180)
        // Uvicorn's graceful stop waits for connections still open; SIGKILL when it has not stopped in 5 s.
        process.signal(SIGTERM)
        if (try? await process.wait(timeout: 5)) == nil {
            process.signal(SIGKILL)
            _ = try await process.wait(timeout: 10)
        }
        #expect(run.status == 1, "\(run.stdout)")
        // An unknown run is RUNNING, not 404.
        #expect(run.check("wes.status.unknown-run-404")["verdict"] as? String == "fail")
        #expect(run.message("wes.status.unknown-run-404").contains("expected 404, got 200 (body { \"run_id\": \"\(Self.unknownWESRun)\", \"state\": \"RUNNING\" })"), "\(run.stdout)")
        // Cancel answers like a cancel, and the run goes on running.
        #expect(run.check("wes.cancel.shape")["verdict"] as? String == "pass", "\(run.stdout)")
        #expect(run.message("wes.cancel.state-after").hasSuffix("after cancel: $.state is RUNNING, expected CANCELING or CANCELED"), "\(run.stdout)")
        #expect(run.check("wes.cancel.unknown-run-404")["verdict"] as? String == "fail")
        // The list says `workflows`; no token is needed; an unknown run's log is a 500 problem+json.
        #expect(run.message("wes.runs.list-shape") == "GET /runs: $ lacks the required member \"runs\"", "\(run.stdout)")
        #expect(run.message("wes.auth.missing-401").hasPrefix("GET /runs without a token: expected 401, got 200"))
        #expect(run.message("wes.run-log.unknown-run-404").hasPrefix("GET /runs/\(Self.unknownWESRun): expected 404, got 500"))
        // Its service-info lacks what Cavatica's has, and names its engine version a string, not an object.
        let infoProblems = (run.check("wes.service-info.shape")["problems"] as? [[String: String]] ?? []).map { "\($0["path"] ?? "") \($0["message"] ?? "")" }
        #expect(infoProblems.contains("$ lacks the required member \"default_workflow_engine_parameters\""), "\(infoProblems)")
        #expect(infoProblems.contains("$ lacks the required member \"auth_instructions_url\""), "\(infoProblems)")
        #expect(infoProblems.contains("$.workflow_engine_versions[\"cwl-runner\"] is a string; expected object"), "\(infoProblems)")
        // What it does as WES says: submit, then a run that ends COMPLETE.
        #expect(run.check("wes.submit.shape")["verdict"] as? String == "pass", "\(run.stdout)")
        #expect(run.check("wes.submit.poll-terminal")["verdict"] as? String == "pass", "\(run.stdout)")
        #expect(run.ids("fail") == [
            "wes.service-info.shape", "wes.auth.missing-401", "wes.auth.invalid-401", "wes.runs.list-shape", "wes.runs.paging",
            "wes.status.unknown-run-404", "wes.run-log.unknown-run-404", "wes.cancel.state-after", "wes.cancel.unknown-run-404",
        ], "\(run.stdout)")
    }

    /// A port nothing listens on now (bound to port 0 and let go).
    static func freePort() async throws -> Int {
        let python = try await ChildProcess.run(
            URL(fileURLWithPath: TestPaths.clientsVenv("python")),
            ["-c", "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"])
        return try #require(Int(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// Polls `url` until it answers 200 (30 s at most).
    static func waitUntilServing(_ url: String, _ process: ChildProcess) async throws {
        for _ in 0..<300 {
            var request = URLRequest(url: URL(string: url)!)
            request.setValue("close", forHTTPHeaderField: "Connection")
            if let (_, response) = try? await URLSession.shared.data(for: request), (response as? HTTPURLResponse)?.statusCode == 200 {
                return
            }
            try #require(process.isRunning, "wes-server exited: \(process.output)")
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        Issue.record("wes-server did not answer within 30 s: \(process.output)")
        throw ChildProcessError("wes-server did not start")
    }
}
