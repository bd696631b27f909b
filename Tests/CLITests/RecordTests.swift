import Foundation
import MockRunsTesting
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `mockruns record` as a user runs it: a mockruns playing a bundled scenario stands in for the real service,
/// the recorder sits in front of it, a client session goes through the recorder; then the written scenario is
/// validated and served, the same session runs against it, and the client must see the same states and
/// status codes (the issue's definition of done). Serialized: each case runs three servers, and ten at once
/// would load a shared 2-core machine enough to upset other suites' timing.
@Suite(.serialized) struct RecordTests {
    struct Ready: Decodable {
        var url: String
        var port: Int
        var tlsCert: String?
    }

    static let token = "s3cret-token-value"

    static func start(_ arguments: [String]) async throws -> (ChildProcess, Ready) {
        let process = try CLI.start(arguments)
        let line = try await process.firstLine()
        return (process, try JSONDecoder().decode(Ready.self, from: Data(line.utf8)))
    }

    static func temporaryFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-record-\(UUID().uuidString)-\(name)").path
    }

    // MARK: - Client sessions

    /// What the client saw, one line per request: the endpoint, the status, the state and the run's fields.
    typealias Transcript = [String]

    static func send(_ method: String, _ url: String, headers: [String: String] = [:], body: Data? = nil) async throws
        -> (status: Int, json: [String: Any]?)
    {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 30)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try? JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func line(_ what: String, _ status: Int, _ json: [String: Any]?, fields: [String]) -> String {
        var parts = ["\(what) \(status)"]
        for name in fields {
            guard let value = json?[name], !(value is NSNull) else { continue }
            let text = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
            parts.append("\(name)=\(text)")
        }
        return parts.joined(separator: " ")
    }

    /// Submits one WES run, polls its status until it ends (cancelling it after 3 RUNNING reads when `cancel`),
    /// reads its RunLog, and one unknown run.
    static func wesSession(_ base: String, cancel: Bool) async throws -> Transcript {
        let api = base + "/ga4gh/wes/v1"
        let auth = ["X-SBG-Auth-Token": token]
        let boundary = "mockruns-record-test"
        var form = ""
        for (name, value) in [
            ("workflow_url", "https://example.org/workflows/align.cwl"), ("workflow_type", "CWL"),
            ("workflow_type_version", "v1.0"), ("workflow_params", "{\"reads\":\"s3://bucket/reads.fq\"}"),
        ] {
            form += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
        }
        form += "--\(boundary)--\r\n"
        var transcript: Transcript = []
        let submitted = try await send(
            "POST", api + "/runs", headers: auth.merging(["Content-Type": "multipart/form-data; boundary=\(boundary)"]) { $1 },
            body: Data(form.utf8))
        transcript.append("submit \(submitted.status)")
        guard let id = submitted.json?["run_id"] as? String else { return transcript }
        var running = 0
        var cancelled = false
        for _ in 0..<300 {
            let status = try await send("GET", api + "/runs/\(id)/status", headers: auth)
            transcript.append(line("status", status.status, status.json, fields: ["state"]))
            let state = status.json?["state"] as? String ?? ""
            if ["COMPLETE", "EXECUTOR_ERROR", "SYSTEM_ERROR", "CANCELED"].contains(state) || status.status != 200 { break }
            if state == "RUNNING" { running += 1 }
            if cancel, running == 3, !cancelled {
                cancelled = true
                let answer = try await send("POST", api + "/runs/\(id)/cancel", headers: auth)
                transcript.append("cancel \(answer.status)")
            }
        }
        let log = try await send("GET", api + "/runs/\(id)", headers: auth)
        transcript.append(line("log", log.status, log.json, fields: ["state", "outputs"]))
        let unknown = try await send("GET", api + "/runs/no-such-run/status", headers: auth)
        transcript.append(line("unknown", unknown.status, unknown.json, fields: ["msg", "status_code"]))
        return transcript
    }

    /// Creates one workspace run, polls it until it ends (cancelling it, twice, after 2 running reads when
    /// `cancel`), then asks to cancel the finished run.
    static func workspaceSession(_ base: String, cancel: Bool) async throws -> Transcript {
        let runs = base + "/api/v1/workspaces/3f1c3c5e-6a55-4f0e-8a0b-2b8f1f0d9d11/runs"
        let auth = ["X-API-Key": token]
        let body = #"{"inputDocumentId": "9b2e7c1a-1111-4c4c-9d9d-0123456789ab", "options": {"operation": "process"}}"#
        var transcript: Transcript = []
        let created = try await send("POST", runs, headers: auth.merging(["Content-Type": "application/json"]) { $1 }, body: Data(body.utf8))
        transcript.append(line("create", created.status, created.json, fields: ["status"]))
        guard let id = created.json?["id"] as? String else { return transcript }
        var running = 0
        for _ in 0..<300 {
            let run = try await send("GET", runs + "/\(id)", headers: auth)
            transcript.append(line("get", run.status, run.json, fields: ["status", "failure_message", "exit_code"]))
            let status = run.json?["status"] as? String ?? ""
            if ["succeeded", "failed", "cancelled"].contains(status) || run.status != 200 { break }
            if status == "running" { running += 1 }
            if cancel, running == 2 {
                for _ in 0..<2 {
                    let answer = try await send("POST", runs + "/\(id)/cancel", headers: auth)
                    transcript.append(line("cancel", answer.status, answer.json, fields: ["status"]))
                }
            }
        }
        let late = try await send("POST", runs + "/\(id)/cancel", headers: auth)
        transcript.append(line("cancel-after-end", late.status, late.json, fields: ["status", "type", "detail"]))
        return transcript
    }

    /// Runs one Foundry source and polls run_status until it ends, then once more (404 once FINISHED).
    static func foundrySession(_ base: String) async throws -> Transcript {
        let query = "apiKey=\(token)&sourceID=SCR_017041-1&status2Match=error&stepName=transform"
        var transcript: Transcript = []
        let run = try await send(
            "POST", base + "/dashboard/run", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(query.utf8))
        transcript.append(line("run", run.status, run.json, fields: ["status", "logMessage"]))
        var ended = false
        for _ in 0..<300 {
            let status = try await send("GET", base + "/dashboard/run_status?" + query)
            transcript.append(line("run_status", status.status, status.json, fields: ["status", "logMessage", "errMessage"]))
            if ended || status.status != 200 { break }
            ended = ["FINISHED", "ERROR"].contains(status.json?["status"] as? String ?? "")
        }
        return transcript
    }

    static func session(api: String, scenario: String, base: String) async throws -> Transcript {
        switch api {
        case "wes": try await wesSession(base, cancel: scenario.contains("cancel"))
        case "workspace": try await workspaceSession(base, cancel: scenario.contains("cancel"))
        default: try await foundrySession(base)
        }
    }

    // MARK: - Round trips

    /// Records `scenario` played by an upstream mockruns (over HTTPS when `tls`), then replays the file.
    static func roundTrip(_ scenario: String, api: String, tls: Bool = false) async throws {
        let (upstream, served) = try await start(
            ["--scenario", scenario, "--port", "0", "--log-level", "warning"] + (tls ? ["--tls-self-signed"] : []))
        defer { upstream.signal(SIGTERM) }
        let out = temporaryFile("\(scenario).json")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (recorder, proxy) = try await start(
            ["record", "--api", api, "--upstream", served.url, "--out", out, "--port", "0", "--log-level", "warning"]
                + (served.tlsCert.map { ["--cacert", $0] } ?? []))
        let seen = try await session(api: api, scenario: scenario, base: proxy.url)
        recorder.signal(SIGTERM)
        #expect(try await recorder.wait(timeout: 20) == 0, "\(recorder.errors)")
        #expect(recorder.errors.contains("mockruns: wrote \(out):"), "\(recorder.errors)")

        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(!text.contains(token), "the credential was written")
        #expect(text.contains("FILL-IN-CREDENTIAL-1"))
        #expect(text.contains("Recorded by mockruns record from \(served.url) (API \(api)) on 20"))
        let validated = try await CLI.run(["validate", out])
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)\n\(text)")

        // The user's step: put the real key in place of the placeholder.
        let filled = temporaryFile("\(scenario)-filled.json")
        defer { try? FileManager.default.removeItem(atPath: filled) }
        try text.replacingOccurrences(of: "FILL-IN-CREDENTIAL-1", with: token).write(toFile: filled, atomically: true, encoding: .utf8)
        let (replay, replayed) = try await start(["--scenario", filled, "--port", "0", "--log-level", "warning"])
        defer { replay.signal(SIGTERM) }
        let again = try await session(api: api, scenario: scenario, base: replayed.url)
        #expect(again == seen, "recorded:\n\(text)")
        #expect(seen.count >= 4, "\(seen)")
    }

    @Test(arguments: [
        ("wes-happy", "wes"), ("wes-slow", "wes"), ("wes-cancel-mid-run", "wes"), ("wes-executor-error", "wes"),
        ("workspace-happy", "workspace"), ("workspace-failed", "workspace"), ("workspace-cancel-mid-run", "workspace"),
        ("foundry-happy", "foundry"), ("foundry-slow", "foundry"), ("foundry-error", "foundry"),
    ])
    func aRecordedLifecycleReplaysTheSameStatesAndStatuses(scenario: String, api: String) async throws {
        try await Self.roundTrip(scenario, api: api)
    }

    @Test func anHTTPSUpstreamIsRecordedWhenItsCertificateIsTrusted() async throws {
        try await Self.roundTrip("wes-happy", api: "wes", tls: true)
    }

    @Test func anUntrustedHTTPSUpstreamIsA502WithGnuTLSReasonInTheAPIsErrorBody() async throws {
        let (upstream, served) = try await Self.start(["--scenario", "wes-happy", "--port", "0", "--log-level", "warning", "--tls-self-signed"])
        defer { upstream.signal(SIGTERM) }
        let out = Self.temporaryFile("untrusted.json")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (recorder, proxy) = try await Self.start(
            ["record", "--api", "wes", "--upstream", served.url, "--out", out, "--port", "0", "--log-level", "warning"])
        defer { recorder.signal(SIGTERM) }
        let answer = try await Self.send("GET", proxy.url + "/ga4gh/wes/v1/runs", headers: ["X-SBG-Auth-Token": Self.token])
        #expect(answer.status == 502)
        #expect(answer.json?["status_code"] as? Int == 502)
        let message = answer.json?["msg"] as? String ?? ""
        #expect(message.contains("TLS with 127.0.0.1:\(served.port) failed: The certificate is NOT trusted"), "\(message)")
    }

    @Test func anUpstreamThatIsDownGetsA502AndTheRecorderGoesOn() async throws {
        // A port nothing listens on: a mockruns that has just stopped.
        let (gone, served) = try await Self.start(["--port", "0", "--log-level", "warning"])
        gone.signal(SIGTERM)
        _ = try await gone.wait()
        let out = Self.temporaryFile("down.json")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (recorder, proxy) = try await Self.start(
            ["record", "--api", "workspace", "--upstream", served.url, "--out", out, "--port", "0", "--log-level", "warning"])
        for _ in 0..<2 {
            let answer = try await Self.send(
                "GET", proxy.url + "/api/v1/workspaces/3f1c3c5e-6a55-4f0e-8a0b-2b8f1f0d9d11/runs", headers: ["X-API-Key": Self.token])
            #expect(answer.status == 502)
            // The workspace API's problem+json, saying what happened.
            #expect(answer.json?["status"] as? Int == 502)
            #expect((answer.json?["detail"] as? String)?.contains("connection refused") == true, "\(String(describing: answer.json))")
        }
        let other = try await Self.send("GET", proxy.url + "/not/an/api/path")
        #expect(other.status == 502)
        #expect((other.json?["error"] as? String)?.contains("no answer from the upstream") == true)
        // Stopped over HTTP instead of a signal.
        let stop = try await Self.send("POST", proxy.url + "/__record/stop")
        #expect(stop.status == 200)
        #expect(try await recorder.wait(timeout: 20) == 0, "\(recorder.errors)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains("0 request(s), 3 more got no answer from the upstream (not recorded)"), "\(text)")
        #expect(try await CLI.run(["validate", out]).status == 0)
    }

    @Test(arguments: [
        (["record", "--api", "nope", "--upstream", "http://127.0.0.1:1", "--out", "x.json"], "unknown --api \"nope\"; recordable: foundry, workspace, controller, wes"),
        (["record", "--api", "solvexia", "--upstream", "http://127.0.0.1:1", "--out", "x.json"], "--api solvexia cannot be recorded yet"),
        (["record", "--api", "wes", "--upstream", "ftp://example.org", "--out", "x.json"], "--upstream: invalid URL \"ftp://example.org\": expected http://"),
        (["record", "--api", "wes", "--upstream", "http://127.0.0.1:1"], "Missing expected argument '--out <out>'"),
        (["record", "--api", "wes", "--upstream", "http://127.0.0.1:1", "--out", "/no/such/folder/x.json", "--port", "0"], "cannot write --out /no/such/folder/x.json: the folder /no/such/folder is not writable"),
        (["record", "--api", "wes", "--upstream", "https://127.0.0.1:1", "--out", "x.json", "--cacert", "/no/such.pem"], "--cacert /no/such.pem: cannot read it"),
        (["record", "--api", "wes", "--upstream", "http://127.0.0.1:1", "--out", "/tmp", "--port", "0"], "cannot write --out /tmp: it is a folder; give a file, such as /tmp/recorded.json"),
        (["record", "--api", "wes", "--upstream", "http://127.0.0.1:1", "--out", "/tmp/", "--port", "0"], "cannot write --out /tmp/: it is a folder"),
        (["record", "--api", "wes", "--upstream", "http://127.0.0.1:1", "--out", "x.json", "--workers", "0"], "--workers must be from 1 to 64"),
    ])
    func badArgumentsAreOneLineSayingWhatIsAllowed(arguments: [String], message: String) async throws {
        let (status, out, err) = try await CLI.run(arguments)
        #expect(status == 64, "\(err)")
        #expect(out.isEmpty)
        #expect(err.contains(message), "\(err)")
        #expect(err.split(separator: "\n").count == 1, "\(err)")
    }
}
