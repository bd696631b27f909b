import Foundation
import MockRunsTesting
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The CLI as a user meets it: the built binary, its ready line, its exit codes and one-line errors.
@Suite struct CLITests {
    struct Ready: Decodable {
        var event: String
        var url: String
        var port: Int
        var scenario: String
    }

    func get(_ url: String) async throws -> (Int, String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test func servesOnPortZeroReportsReadyAndStopsOnCtrlC() async throws {
        let portFile = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-port-\(UUID())").path
        let p = try CLI.start(["--port", "0", "--port-file", portFile])
        let line = try await p.firstLine()
        let ready = try JSONDecoder().decode(Ready.self, from: Data(line.utf8))
        #expect(ready.event == "ready")
        #expect(ready.scenario == "default")
        #expect(ready.port > 0)
        #expect(ready.url == "http://127.0.0.1:\(ready.port)")
        // The default host is localhost: 127.0.0.1 first (what `url` names, as scripts parse it), then ::1.
        #expect(line == #"{"event":"ready","url":"\#(ready.url)","urls":["\#(ready.url)","http://[::1]:\#(ready.port)"],"port":\#(ready.port),"scenario":"default"}"#)
        #expect(try String(contentsOfFile: portFile, encoding: .utf8) == "\(ready.port)\n")

        let (status, body) = try await get(ready.url + "/__mockruns/health")
        #expect(status == 200)
        #expect(body == #"{"status":"ok"}"#)

        let started = Date()
        p.signal(SIGINT)
        let code = try await p.wait(timeout: 5)
        #expect(code == 0)
        // Typically well under a second; the bound guards against hanging on a 2-core machine busy with the whole
        // suite. scripts/tsan sets MOCKRUNS_TIMING_SLACK: the sanitized binary starts and stops several times slower.
        let slack = Double(ProcessInfo.processInfo.environment["MOCKRUNS_TIMING_SLACK"] ?? "") ?? 1
        #expect(Date().timeIntervalSince(started) < 5 * slack)
        #expect(p.errors.contains("GET /__mockruns/health -> 200"))
    }

    @Test func sigtermStopsCleanlyAndWarningLevelLogsNoRequests() async throws {
        let p = try CLI.start(["--port", "0", "--log-level", "warning", "--scenario", "default"])
        let ready = try JSONDecoder().decode(Ready.self, from: Data(try await p.firstLine().utf8))
        _ = try await get(ready.url + "/__mockruns/health")
        p.signal(SIGTERM)
        #expect(try await p.wait(timeout: 5) == 0)
        #expect(!p.errors.contains("/__mockruns/health"))
    }

    @Test func portInUseIsAOneLineError() async throws {
        let first = try CLI.start(["--port", "0"])
        let ready = try JSONDecoder().decode(Ready.self, from: Data(try await first.firstLine().utf8))
        defer { first.signal(SIGINT) }
        let (status, out, err) = try await CLI.run(["--port", String(ready.port)])
        #expect(status != 0)
        #expect(out.isEmpty)
        #expect(err.contains("address already in use"))
        #expect(err.contains(String(ready.port)))
        #expect(err.split(separator: "\n").count == 1)
    }

    @Test(arguments: [
        (["--bogus"], "Unknown option '--bogus'"),
        (["--port", "70000"], "--port must be from 0 to 65535"),
        // A negative number is the option's value, told its range (it was "Missing value for '--port <port>'").
        (["--port", "-1"], "--port must be from 0 to 65535, got -1"),
        (["--threads", "-2"], "--threads must be from 1 to 64, got -2"),
        (["--max-body-bytes", "-5"], "--max-body-bytes must be positive, got -5"),
        (["--time-scale", "-1"], "--time-scale must be above 0 and at most 1000000"),
        // As a scenario file's clock.timeScale: beyond it the clock left the years an HTTP date can show.
        (["--time-scale", "1e15"], "--time-scale must be above 0 and at most 1000000 (as a scenario's clock.timeScale), got 1000000000000000"),
        // Checked before the port is bound (it exited 1 after binding, when the ready line was due).
        (["--port", "0", "--port-file", "/nonexistent/dir/port.txt"], "--port-file /nonexistent/dir/port.txt"),
        (["--port", "0", "--report", "/tmp/" + String(repeating: "r", count: 300) + ".json"], "its file name is 305 bytes, more than the 255"),
        (["--port", "0", "--report", ""], "cannot write --report: the path is empty"),
        (["--session-ttl", "-3"], "--session-ttl must be a number of seconds above 0"),
        (["--port", "abc"], "abc"),
        (["--scenario", "no-such-scenario"], "no scenario \"no-such-scenario\""),
        (["--scenario", "/nonexistent/dir/file.json"], "/nonexistent/dir/file.json"),
        (["--log-level", "loud"], "loud"),
    ])
    func badInvocationIsAOneLineError(arguments: [String], says: String) async throws {
        let (status, out, err) = try await CLI.run(arguments)
        #expect(status != 0)
        #expect(out.isEmpty)
        #expect(err.contains(says), "stderr: \(err)")
        #expect(err.split(separator: "\n").count == 1, "stderr: \(err)")
        #expect(!err.contains("Fatal error") && !err.contains("Stack dump"))
    }

    /// A link to nothing is called what it is, with where it points (it was "not a file, nor a bundled scenario").
    @Test func aDanglingLinkIsNamedAsOne() async throws {
        let link = FileManager.default.temporaryDirectory.appendingPathComponent("dangling-\(UUID()).json")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "/nonexistent/moved.json")
        defer { try? FileManager.default.removeItem(at: link) }
        let (status, _, err) = try await CLI.run(["--scenario", link.path, "--port", "0"])
        #expect(status == 2)
        #expect(err.contains("\(link.path) is a symbolic link to /nonexistent/moved.json, which does not exist"), "\(err)")
    }

    /// A scenario's name is the file's text: a newline or a terminal escape in it is printed escaped, one line.
    @Test func validatePrintsAScenarioNameEscaped() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("named-\(UUID()).json")
        try #"{"name": "a\nb\u001b[31m"}"#.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, out, _) = try await CLI.run(["validate", file.path])
        #expect(status == 0)
        #expect(out == "\(file.path): ok (scenario \"a\\nb\\u001B[31m\")\n", "\(out)")
    }

    @Test func brokenScenarioNamesFileAndPath() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID()).json")
        try #"{"apis": {"foundry": {"runs": [{"timeline": [{"state": "DONE"}]}]}}}"#.write(to: file, atomically: true, encoding: .utf8)
        let (status, out, err) = try await CLI.run(["--scenario", file.path, "--port", "0"])
        #expect(status == 2)
        #expect(out.isEmpty)
        #expect(err.contains(file.path))
        #expect(err.contains("apis.foundry.runs[0].timeline[0].state"))
        #expect(err.contains("allowed: RUNNING, FINISHED, ERROR"))

        let (vstatus, vout, verr) = try await CLI.run(["validate", file.path, "default"])
        #expect(vstatus == 1)
        #expect(vout.contains("default: ok"))
        #expect(verr.contains("\(file.path): apis.foundry.runs[0].timeline[0].state"))
    }

    @Test func validateWarnsOfAFaultRunThatNeverExistsAndExitsZero() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("typo-\(UUID()).json")
        let text = #"{"apis": {"wes": {"runs": [{"id": "r1"}], "faults": [{"run": "r1", "nth": 1, "drop": "empty"}, {"run": "r-typo", "nth": 1, "drop": "empty"}]}}}"#
        try Data(text.utf8).write(to: file)
        let (status, out, err) = try await CLI.run(["validate", file.path])
        #expect(status == 0)
        #expect(out.contains("ok") && out.contains("1 warning(s)"), "\(out)")
        #expect(err.contains("\(file.path): warning: apis.wes.faults[1].run: no run has the id \"r-typo\""), "\(err)")
        #expect(!err.contains("faults[0]"), "\(err)")

        // serve says the same on stderr, and serves.
        let p = try CLI.start(["--port", "0", "--scenario", file.path])
        let line = try await p.firstLine()
        #expect(line.contains(#""event":"ready""#))
        p.signal(SIGINT)
        _ = try await p.wait(timeout: 5)
        #expect(p.errors.contains("warning: scenario typo-"), "\(p.errors)")
        #expect(p.errors.contains("apis.wes.faults[1].run: no run has the id \"r-typo\""), "\(p.errors)")
    }

    @Test func garbageScenarioBytesAreRefusedNotCrashed() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("garbage-\(UUID()).json")
        try Data([0xFF, 0x00, 0x7B, 0x22]).write(to: file)
        let (status, _, err) = try await CLI.run(["validate", file.path])
        #expect(status == 1)
        #expect(err.contains("not valid JSON"))
    }

    @Test func versionHelpListAndSchema() async throws {
        let (vs, vout, _) = try await CLI.run(["--version"])
        #expect(vs == 0)
        #expect(vout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)

        let (hs, hout, _) = try await CLI.run(["--help"])
        #expect(hs == 0)
        #expect(hout.contains("USAGE: mockruns"))

        let (ls, lout, _) = try await CLI.run(["list"])
        #expect(ls == 0)
        let bundled = try FileManager.default.contentsOfDirectory(
            atPath: TestPaths.packageRoot.appendingPathComponent("Scenarios").path
        ).filter { $0.hasSuffix(".json") }
        #expect(lout.split(separator: "\n").count == bundled.count)
        #expect(!lout.contains("(invalid"))
        #expect(lout.contains("default  "))

        let (ss, sout, _) = try await CLI.run(["schema"])
        #expect(ss == 0)
        let schema = try JSONSerialization.jsonObject(with: Data(sout.utf8)) as? [String: Any]
        #expect(schema?["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
    }

    @Test func bundledNameResolvesFromAnyDirectory() async throws {
        let p = try CLI.start(["--scenario", "default.json", "--port", "0"], directory: URL(fileURLWithPath: "/"))
        let ready = try JSONDecoder().decode(Ready.self, from: Data(try await p.firstLine().utf8))
        #expect(ready.scenario == "default")
        p.signal(SIGINT)
        #expect(try await p.wait() == 0)
    }
}

/// The README's CI recipe, run as written: it must start, answer and stop with exit 0, however it is started.
@Suite struct ReadmeRecipeTests {
    /// The first `sh` block under `heading` in README.md.
    static func recipe(under heading: String = "### In your CI") throws -> String {
        let readme = try String(contentsOf: TestPaths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let section = readme.range(of: heading),
            let open = readme.range(of: "```sh\n", range: section.upperBound..<readme.endIndex),
            let close = readme.range(of: "```", range: open.upperBound..<readme.endIndex)
        else { throw ChildProcessError("README.md has no sh block under \"\(heading)\"") }
        return String(readme[open.upperBound..<close.lowerBound])
    }

    /// Runs `script` with bash in a fresh folder, mockruns on PATH, and a `run-your-tests` that checks WES_URL
    /// (or `test`, another definition of it). `inspect` sees the folder before it is removed.
    static func run(
        _ script: String, preamble: String = "",
        test: String = #"run-your-tests() { curl -sf -H 'X-SBG-Auth-Token: t' "$WES_URL/service-info" > service-info.json; echo "tested $WES_URL"; }"#,
        inspect: (URL) throws -> Void = { _ in }
    ) async throws -> ChildProcess.Outcome {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recipe-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let full = "set -eu\n" + preamble + "\n" + test + "\n" + script + "\necho \"exit status of mockruns: $?\"\n"
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let outcome = try await ChildProcess.run(
            URL(fileURLWithPath: "/bin/bash"), ["-c", full],
            environment: ["PATH": CLI.binary.deletingLastPathComponent().path + ":" + path], directory: folder,
            timeout: 30)
        try inspect(folder)
        return outcome
    }

    /// A well-behaved WES client in bash: submit, then poll every 0.6 s until the run ends.
    static let politePoller = #"""
        run-your-tests() {
          local id state
          id=$(curl -sf -H 'X-SBG-Auth-Token: t' -F workflow_url=https://example.org/wf.cwl -F workflow_type=CWL \
            -F workflow_type_version=v1.0 -F 'workflow_params={}' "$WES_URL/runs" | sed -n 's/.*"run_id":"\([^"]*\)".*/\1/p')
          while true; do
            sleep 0.6
            state=$(curl -sf -H 'X-SBG-Auth-Token: t' "$WES_URL/runs/$id/status" | sed -n 's/.*"state":"\([A-Z_]*\)".*/\1/p')
            case "$state" in COMPLETE|EXECUTOR_ERROR|SYSTEM_ERROR|CANCELED) break ;; esac
          done
          echo "tested $WES_URL: $state"
        }
        """#

    @Test func theCheckYourClientRecipeJudgesAPoliteClientAndWritesJUnit() async throws {
        var report = ""
        let (status, out, err) = try await Self.run(try Self.recipe(under: "## Check your client"), test: Self.politePoller) { folder in
            report = (try? String(contentsOf: folder.appendingPathComponent("mockruns-report.xml"), encoding: .utf8)) ?? ""
        }
        #expect(status == 0, "stdout: \(out) stderr: \(err)")
        #expect(out.contains(": COMPLETE"))
        #expect(out.contains("PASS wes poll-after-terminal"))
        #expect(out.contains("PASS wes poll-interval"))
        #expect(out.contains("verification passed:"))
        #expect(out.contains("exit status of mockruns: 0"))
        #expect(report.hasPrefix("<?xml"))
        #expect(report.contains("<testsuite name=\"wes\""))
        #expect(!report.contains("<failure"))
    }

    @Test func theRecipeAsWrittenStartsTestsAndStops() async throws {
        let (status, out, err) = try await Self.run(try Self.recipe())
        #expect(status == 0, "stdout: \(out) stderr: \(err)")
        #expect(out.contains("tested http://127.0.0.1:"))
        #expect(out.contains("exit status of mockruns: 0"))
    }

    @Test func withSIGINTIgnoredByTheParentAndSentRightAfterTheReadyLine() async throws {
        // A shell without job control starts background commands with SIGINT ignored; mockruns must still stop.
        let recipe = try Self.recipe()
            .replacingOccurrences(of: "kill -TERM", with: "kill -INT")
            .replacingOccurrences(of: #"WES_URL="http://127.0.0.1:$port/ga4gh/wes/v1" run-your-tests"#, with: "")
        for _ in 0..<3 {
            let (status, out, err) = try await Self.run(recipe, preamble: "trap '' INT")
            #expect(status == 0, "stdout: \(out) stderr: \(err)")
            #expect(out.contains("exit status of mockruns: 0"))
        }
        let term = try Self.recipe()
            .replacingOccurrences(of: #"WES_URL="http://127.0.0.1:$port/ga4gh/wes/v1" run-your-tests"#, with: "")
        let (status, out, _) = try await Self.run(term, preamble: "trap '' INT TERM")
        #expect(status == 0)
        #expect(out.contains("exit status of mockruns: 0"))
    }
}

/// What mockruns prints is safe from what clients send, and says when it is exposed.
@Suite struct LogSafetyTests {
    @Test func aClientCannotSplitOrForgeALogLine() async throws {
        let p = try CLI.start(["--port", "0"])
        let ready = try JSONDecoder().decode(CLITests.Ready.self, from: Data(try await p.firstLine().utf8))
        // %0A decodes to a newline, %1B to ESC: the path a client sends becomes one escaped line.
        _ = try? await URLSession.shared.data(from: URL(string: ready.url + "/x%0Amockruns:%20GET%20/forged%20-%3E%20200%1B%5B31m")!)
        _ = try await URLSession.shared.data(from: URL(string: ready.url + "/__mockruns/health")!)
        p.signal(SIGTERM)
        #expect(try await p.wait(timeout: 5) == 0)
        let lines = p.errors.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("mockruns: GET /forged") }, "\(p.errors)")
        #expect(lines.contains { $0.contains(#"/x\u{a}mockruns: GET /forged -> 200\u{1b}[31m"#) }, "\(p.errors)")
        #expect(!p.errors.contains("\u{1b}"))
    }

    @Test func listeningBeyondLoopbackWarns() async throws {
        let p = try CLI.start(["--port", "0", "--host", "0.0.0.0"])
        _ = try await p.firstLine()
        p.signal(SIGTERM)
        #expect(try await p.wait(timeout: 5) == 0)
        #expect(p.errors.contains("warning: listening on 0.0.0.0"))
        #expect(p.errors.contains("--admin-token"))
    }
}

@Suite struct ScenarioPathTests {
    @Test func aPathWithoutDotJSONFindsTheFile() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scenarios-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try #"{"name": "mine", "description": "x"}"#.write(to: folder.appendingPathComponent("mine.json"), atomically: true, encoding: .utf8)
        let (status, out, err) = try await CLI.run(["validate", folder.path + "/mine"])
        #expect(status == 0, "\(err)")
        #expect(out.contains("ok (scenario \"mine\")"))
    }
}

@Suite struct AdminTokenTests {
    @Test func theAdminTokenCanComeFromTheEnvironment() async throws {
        let p = try ChildProcess(CLI.binary, ["--port", "0"], environment: ["MOCKRUNS_ADMIN_TOKEN": "from-env"])
        let ready = try JSONDecoder().decode(CLITests.Ready.self, from: Data(try await p.firstLine().utf8))
        defer { p.signal(SIGTERM) }
        var request = URLRequest(url: URL(string: ready.url + "/__mockruns/runs")!)
        let (_, refused) = try await URLSession.shared.data(for: request)
        #expect((refused as? HTTPURLResponse)?.statusCode == 401)
        request.setValue("Bearer from-env", forHTTPHeaderField: "Authorization")
        let (_, allowed) = try await URLSession.shared.data(for: request)
        #expect((allowed as? HTTPURLResponse)?.statusCode == 200)
        #expect(!p.errors.contains("from-env"))
    }
}

@Suite struct StrictExitTests {
    func post(_ url: String, headers: [String: String] = [:], multipart: Bool) async throws -> Int {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if multipart {
            request.setValue("multipart/form-data; boundary=XBOUNDARYX", forHTTPHeaderField: "Content-Type")
            var body = ""
            for (name, value) in [("workflow_url", "https://example.org/wf.cwl"), ("workflow_type", "CWL"), ("workflow_type_version", "v1.0"), ("workflow_params", "{}")] {
                body += "--XBOUNDARYX\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
            }
            request.httpBody = Data((body + "--XBOUNDARYX--\r\n").utf8)
        }
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    @Test func aStrictServerExitsNonZeroWhenTheClientDeviatedAndZeroWhenItDidNot() async throws {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("strict-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: report) }
        let deviating = try CLI.start(["--port", "0", "--strict", "--report", report.path, "--log-level", "warning"])
        let ready = try JSONDecoder().decode(CLITests.Ready.self, from: Data(try await deviating.firstLine().utf8))
        // A WES submission without the token: the real service refuses it.
        _ = try await post(ready.url + "/ga4gh/wes/v1/runs", multipart: true)
        deviating.signal(SIGTERM)
        #expect(try await deviating.wait(timeout: 10) == 1)
        #expect(deviating.errors.contains("strict mode:"), "\(deviating.errors)")
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any]
        #expect(written?["verdict"] as? String == "fail")

        let clean = try CLI.start(["--port", "0", "--strict", "--log-level", "warning"])
        let cleanReady = try JSONDecoder().decode(CLITests.Ready.self, from: Data(try await clean.firstLine().utf8))
        #expect(try await post(cleanReady.url + "/ga4gh/wes/v1/runs", headers: ["X-SBG-Auth-Token": "t"], multipart: true) == 200)
        clean.signal(SIGTERM)
        #expect(try await clean.wait(timeout: 10) == 0, "\(clean.errors)")
    }
}
