import Foundation
import MockRuns
import MockRunsHTTP
import MockRunsTesting
import Scenarios
import Testing

/// The GA4GH WES fake (Cavatica flavour) over real HTTP (docs/apis/wes.md).
@Suite struct WESTests {
    static let base = "/ga4gh/wes/v1"
    static let token = "X-SBG-Auth-Token"

    struct Harness {
        let app: MockRunsApp
        let server: TestServer
        var auth: String = "any-token"

        init(bundled name: String) throws { self.init(try MockServer(bundled: name)) }
        init(json: String) throws { self.init(try MockServer(json: json)) }
        private init(_ mock: MockServer) { (app, server) = (mock.app, mock.server) }

        func get(_ path: String, token: String? = nil) async throws -> TestResponse {
            try await server.send("GET", WESTests.base + path, headers: [WESTests.token: token ?? auth])
        }

        func post(_ path: String, token: String? = nil) async throws -> TestResponse {
            try await server.send("POST", WESTests.base + path, headers: [WESTests.token: token ?? auth])
        }

        func submit(_ form: Multipart = .workflow(), token: String? = nil) async throws -> TestResponse {
            try await server.send(
                "POST", WESTests.base + "/runs",
                headers: [WESTests.token: token ?? auth, "Content-Type": form.contentType], body: form.bytes)
        }

        /// Submits and returns the run id (expecting success).
        func start(_ form: Multipart = .workflow()) async throws -> String {
            let r = try await submit(form)
            try #require(r.status == 200, "submit: \(r.text)")
            return try #require(r.jsonObject?["run_id"] as? String)
        }

        func state(_ id: String) async throws -> String {
            let r = try await get("/runs/\(id)/status")
            try #require(r.status == 200, "status: \(r.text)")
            #expect(r.jsonObject?["run_id"] as? String == id)
            return r.jsonObject?["state"] as? String ?? "?"
        }
    }

    /// A multipart/form-data body.
    struct Multipart {
        var parts: [(name: String, value: String, filename: String?)] = []
        let boundary = "mockruns-test-boundary-7d1f"

        static func workflow(
            params: String = #"{"message": "hello"}"#, url: String = "echo.cwl", attach: String? = "echo.cwl",
            extra: [(String, String)] = []
        ) -> Multipart {
            var m = Multipart()
            m.parts.append(("workflow_params", params, nil))
            m.parts.append(("workflow_type", "CWL", nil))
            m.parts.append(("workflow_type_version", "v1.0", nil))
            for (name, value) in extra { m.parts.append((name, value, nil)) }
            m.parts.append(("workflow_url", url, nil))
            if let attach { m.parts.append(("workflow_attachment", "cwlVersion: v1.0\nclass: CommandLineTool\n", attach)) }
            return m
        }

        var contentType: String { "multipart/form-data; boundary=\(boundary)" }

        /// Encoded as `mockruns contract` encodes its own submissions (one multipart writer for both).
        var bytes: [UInt8] {
            ProbeRequest.multipart("/", fields: parts.map { (name: $0.name, filename: $0.filename, value: $0.value) }, boundary: boundary)
                .body
        }
    }

    func expectError(
        _ r: TestResponse, _ status: Int, containing fragment: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(r.status == status, "body: \(r.text)", sourceLocation: sourceLocation)
        #expect(r.headers["Content-Type"] == "application/json", sourceLocation: sourceLocation)
        let object = r.jsonObject ?? [:]
        #expect(Set(object.keys) == ["msg", "status_code"], "ErrorResponse shape: \(r.text)", sourceLocation: sourceLocation)
        #expect(object["status_code"] as? Int == status, sourceLocation: sourceLocation)
        if let fragment {
            #expect((object["msg"] as? String)?.contains(fragment) == true, "msg should mention \(fragment): \(r.text)", sourceLocation: sourceLocation)
        }
    }

    // MARK: service-info

    @Test func serviceInfoHasEveryField() async throws {
        let h = try Harness(bundled: "default")
        let r = try await h.get("/service-info")
        #expect(r.status == 200)
        let info = try #require(r.jsonObject)
        for field in [
            "workflow_type_versions", "supported_wes_versions", "supported_filesystem_protocols", "workflow_engine_versions",
            "default_workflow_engine_parameters", "system_state_counts", "auth_instructions_url", "contact_info_url", "tags",
        ] {
            #expect(info[field] != nil, "missing \(field)")
        }
        let types = try #require(info["workflow_type_versions"] as? [String: Any])
        let cwl = try #require(types["CWL"] as? [String: Any])
        #expect((cwl["workflow_type_version"] as? [String])?.contains("v1.0") == true)
        #expect((info["supported_wes_versions"] as? [String])?.contains("1.0.0") == true)
        let counts = try #require(info["system_state_counts"] as? [String: Int])
        #expect(counts.count == 11)
        #expect(counts["COMPLETE"] == 1, "the seed's example run")
        #expect(counts["QUEUED"] == 0)
        let parameters = try #require(info["default_workflow_engine_parameters"] as? [[String: String]])
        #expect(parameters.allSatisfy { $0["name"] != nil && $0["type"] != nil && $0["default_value"] != nil })

        _ = try await h.start()
        let after = try await h.get("/service-info")
        let newCounts = try #require(after.jsonObject?["system_state_counts"] as? [String: Int])
        #expect(newCounts["QUEUED"] == 1)
    }

    @Test func serviceInfoSettingOverridesMembers() async throws {
        let h = try Harness(json: #"{"apis": {"wes": {"settings": {"serviceInfo": {"supported_wes_versions": ["1.0.1"], "tags": {"x": "y"}}}}}}"#)
        let info = try #require(try await h.get("/service-info").jsonObject)
        #expect(info["supported_wes_versions"] as? [String] == ["1.0.1"])
        #expect(info["tags"] as? [String: String] == ["x": "y"])
        #expect(info["contact_info_url"] as? String == "mailto:support@cavatica.org")
    }

    // MARK: the seed's example

    @Test func seedExampleRunIsComplete() async throws {
        let h = try Harness(bundled: "default")
        let id = "40a9c1a6-9263-4982-a574-e494f7c4b621"
        let r = try await h.get("/runs/\(id)/status")
        #expect(r.status == 200)
        #expect(r.text == #"{"run_id":"40a9c1a6-9263-4982-a574-e494f7c4b621","state":"COMPLETE"}"#)
        // The embedded default serves the same.
        let server = try MockServer.start(MockServer.catalog.defaultScenario())
        let again = try await server.send("GET", "\(WESTests.base)/runs/\(id)/status", headers: [WESTests.token: "t"])
        #expect(again.text == r.text)
    }

    // MARK: submission

    @Test func submitMultipartEchoesTheRequestInTheRunLog() async throws {
        let h = try Harness(bundled: "wes-happy")
        let form = Multipart.workflow(extra: [
            ("tags", #"{"project": "p1"}"#), ("workflow_engine_parameters", #"{"use_memoization": "true"}"#),
            ("workflow_engine", "cwltool"), ("workflow_engine_version", "3.1"),
        ])
        let id = try await h.start(form)
        #expect(id.count == 36 && id.split(separator: "-").count == 5, "a UUID: \(id)")
        let r = try await h.get("/runs/\(id)")
        #expect(r.status == 200)
        let log = try #require(r.jsonObject)
        #expect(Set(log.keys).isSuperset(of: ["run_id", "request", "state", "run_log", "task_logs", "outputs"]))
        #expect(log["run_id"] as? String == id)
        #expect(log["state"] as? String == "QUEUED")
        let request = try #require(log["request"] as? [String: Any])
        #expect((request["workflow_params"] as? [String: String]) == ["message": "hello"])
        #expect(request["workflow_type"] as? String == "CWL")
        #expect(request["workflow_type_version"] as? String == "v1.0")
        #expect(request["workflow_url"] as? String == "echo.cwl")
        #expect((request["tags"] as? [String: String]) == ["project": "p1"])
        #expect((request["workflow_engine_parameters"] as? [String: String]) == ["use_memoization": "true"])
        #expect(request["workflow_engine"] as? String == "cwltool")
        #expect(request["workflow_engine_version"] as? String == "3.1")
        let runLog = try #require(log["run_log"] as? [String: Any])
        for key in ["name", "cmd", "stdout", "stderr"] {
            #expect(runLog.keys.contains(key), "run_log.\(key)")
        }
        #expect(runLog["name"] as? String == "echo.cwl")
        // Not started while QUEUED: the times and exit code are left out (WES types them string and int32).
        #expect(runLog["start_time"] == nil && runLog["end_time"] == nil && runLog["exit_code"] == nil, "\(runLog)")
        #expect((log["task_logs"] as? [Any])?.count == 2)
        #expect((log["outputs"] as? [String: Any])?.isEmpty == true)
    }

    @Test func submitURLEncodedWorks() async throws {
        let h = try Harness(bundled: "wes-happy")
        let body = "workflow_url=https%3A%2F%2Fexample.org%2Fwf.cwl&workflow_type=CWL&workflow_type_version=v1.2&workflow_params=%7B%22a%22%3A1%7D"
        let r = try await h.server.send(
            "POST", WESTests.base + "/runs",
            headers: [WESTests.token: "t", "Content-Type": "application/x-www-form-urlencoded"], body: body)
        #expect(r.status == 200, "\(r.text)")
        let id = try #require(r.jsonObject?["run_id"] as? String)
        let log = try #require(try await h.get("/runs/\(id)").jsonObject)
        let request = try #require(log["request"] as? [String: Any])
        #expect(request["workflow_url"] as? String == "https://example.org/wf.cwl")
        #expect((request["workflow_params"] as? [String: Int]) == ["a": 1])
        #expect((log["run_log"] as? [String: Any])?["name"] as? String == "wf.cwl")
    }

    @Test func submitBadInputIs400() async throws {
        let h = try Harness(bundled: "wes-happy")
        let cases: [(Multipart, String)] = [
            (.workflow(params: #"{"message": "#), "workflow_params is not valid JSON"),
            (.workflow(params: #"["a"]"#), "workflow_params must be a JSON object"),
            // Bounded as a JSON body is (the run keeps the tree: 1 MiB of [[],[],...] took ~10 MB a run).
            (.workflow(params: #"{"a": ["# + Array(repeating: "[]", count: 10_001).joined(separator: ",") + "]}"),
             "more than 10000 values"),
            (.workflow(extra: [("tags", "not json")]), "tags is not valid JSON"),
            (.workflow(extra: [("tags", #"{"n": 1}"#)]), "tags must map names to strings"),
            (.workflow(extra: [("workflow_engine_parameters", "{")]), "workflow_engine_parameters is not valid JSON"),
            (.workflow(url: ""), "workflow_url is required"),
            (.workflow(attach: "../../etc/passwd"), "parent directory"),
            (.workflow(url: "echo.cwl", attach: "sub/../echo.cwl"), "parent directory"),
            (.workflow(url: "missing.cwl"), "no workflow_attachment has that filename"),
        ]
        for (form, fragment) in cases {
            expectError(try await h.submit(form), 400, containing: fragment)
        }
        var noURL = Multipart.workflow()
        noURL.parts.removeAll { $0.name == "workflow_url" }
        expectError(try await h.submit(noURL), 400, containing: "workflow_url is required")
        var badType = Multipart.workflow()
        badType.parts = badType.parts.map { $0.name == "workflow_type" ? ($0.name, "NFL", nil) : $0 }
        expectError(try await h.submit(badType), 400, containing: "workflow_type \"NFL\" is not supported")
        var badVersion = Multipart.workflow()
        badVersion.parts = badVersion.parts.map { $0.name == "workflow_type_version" ? ($0.name, "v9", nil) : $0 }
        expectError(try await h.submit(badVersion), 400, containing: "workflow_type_version \"v9\"")

        // Wrong content types.
        let json = try await h.server.send(
            "POST", WESTests.base + "/runs", headers: [WESTests.token: "t", "Content-Type": "application/json"],
            body: #"{"workflow_url": "https://example.org/wf.cwl"}"#)
        expectError(json, 400, containing: "multipart/form-data")
        let none = try await h.server.send("POST", WESTests.base + "/runs", headers: [WESTests.token: "t"])
        expectError(none, 400, containing: "multipart/form-data")
        // No run was created by any of these.
        let list = try await h.get("/runs")
        #expect((list.jsonObject?["runs"] as? [Any])?.isEmpty == true)
    }

    // MARK: lifecycle

    @Test func wesHappyScenario() async throws {
        let h = try Harness(bundled: "wes-happy")
        let id = try await h.start()
        var states: [String] = []
        for _ in 0..<6 { states.append(try await h.state(id)) }
        #expect(states == ["QUEUED", "INITIALIZING", "RUNNING", "RUNNING", "COMPLETE", "COMPLETE"])

        let log = try #require(try await h.get("/runs/\(id)").jsonObject)
        #expect(log["state"] as? String == "COMPLETE")
        let outputs = try #require(log["outputs"] as? [String: Any])
        #expect((outputs["sorted_bam"] as? [String: Any])?["location"] as? String == "s3://mock-bucket/sorted.bam")
        let runLog = try #require(log["run_log"] as? [String: Any])
        #expect(runLog["exit_code"] as? Int == 0)
        #expect(runLog["cmd"] as? [String] == ["sbg-cwl-executor", "workflow.cwl", "workflow_params.json"])
        let start = try #require(runLog["start_time"] as? String)
        let end = try #require(runLog["end_time"] as? String)
        #expect(start < end, "\(start) < \(end)")
        #expect(start.hasSuffix("Z") && start.count == 20, "%Y-%m-%dT%H:%M:%SZ: \(start)")

        // stdout/stderr are URLs this server serves as text.
        let stderrURL = try #require(runLog["stderr"] as? String)
        #expect(stderrURL.hasPrefix(h.server.url + WESTests.base + "/runs/\(id)/"))
        let stderr = try await h.server.send("GET", String(stderrURL.dropFirst(h.server.url.count)), headers: [WESTests.token: "t"])
        #expect(stderr.status == 200)
        #expect(stderr.headers["Content-Type"]?.hasPrefix("text/plain") == true)
        let lines = stderr.text.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(stderr.text)")
        #expect(lines.first?.hasSuffix(" run queued") == true)
        #expect(lines.last?.hasSuffix(" [workflow] completed success") == true)
        let stdoutURL = try #require(runLog["stdout"] as? String)
        let stdout = try await h.server.send("GET", String(stdoutURL.dropFirst(h.server.url.count)), headers: [WESTests.token: "t"])
        #expect(stdout.headers["Content-Type"]?.hasPrefix("text/plain") == true)
        #expect(stdout.text.contains("s3://mock-bucket/sorted.bam"), "a CWL runner prints its outputs: \(stdout.text)")
        // The log URLs need the token like every other endpoint.
        let anonymous = try await h.server.send("GET", String(stderrURL.dropFirst(h.server.url.count)))
        expectError(anonymous, 401)
        expectError(try await h.get("/runs/\(id)/logs/trace"), 404, containing: "stdout and stderr")
    }

    @Test func runLogReadsCountAsPolls() async throws {
        let h = try Harness(bundled: "wes-happy")
        let id = try await h.start()
        var states: [String] = []
        for _ in 0..<5 { states.append(try await h.get("/runs/\(id)").jsonObject?["state"] as? String ?? "?") }
        #expect(states == ["QUEUED", "INITIALIZING", "RUNNING", "RUNNING", "COMPLETE"])
        // Lists, tasks and logs do not move the run.
        let other = try await h.start()
        for path in ["/runs", "/runs/\(other)/tasks", "/runs/\(other)/tasks/align", "/runs/\(other)/logs/stderr", "/service-info"] {
            #expect(try await h.get(path).status == 200, "\(path)")
        }
        #expect(try await h.state(other) == "QUEUED")
    }

    @Test func wesExecutorErrorScenario() async throws {
        let h = try Harness(bundled: "wes-executor-error")
        let id = try await h.start()
        var states: [String] = []
        for _ in 0..<4 { states.append(try await h.state(id)) }
        #expect(states == ["QUEUED", "INITIALIZING", "RUNNING", "EXECUTOR_ERROR"])
        let log = try #require(try await h.get("/runs/\(id)").jsonObject)
        let runLog = try #require(log["run_log"] as? [String: Any])
        #expect(runLog["exit_code"] as? Int == 137)
        #expect(runLog["system_logs"] as? [String] == ["task align was killed: out of memory"])
        let task = try #require((log["task_logs"] as? [[String: Any]])?.first)
        #expect(task["exit_code"] as? Int == 137)
        let stderr = try await h.get("/runs/\(id)/logs/stderr")
        #expect(stderr.text.contains("exited with status 137"))
        let taskStderr = try await h.get("/runs/\(id)/tasks/align/logs/stderr")
        #expect(taskStderr.text == "Killed\n")
        // A failed run cannot be cancelled.
        expectError(try await h.post("/runs/\(id)/cancel"), 400, containing: "EXECUTOR_ERROR")
    }

    @Test func wesSlowScenario() async throws {
        let h = try Harness(bundled: "wes-slow")
        let clock = ContinuousClock()
        let began = clock.now
        let id = try await h.start()
        #expect(clock.now - began >= .milliseconds(300), "the submission's scripted latency")
        // 10 s of scenario time per request: QUEUED 60 s, INITIALIZING 30 s, RUNNING 120 s.
        var states: [String] = []
        while states.last != "COMPLETE", states.count < 40 { states.append(try await h.state(id)) }
        func count(_ s: String) -> Int { states.filter { $0 == s }.count }
        #expect(count("QUEUED") == 5)
        #expect(count("INITIALIZING") == 3)
        #expect(count("RUNNING") == 12)
        #expect(states.last == "COMPLETE")
        #expect(states.count == 21)
        let runLog = try #require(try await h.get("/runs/\(id)").jsonObject?["run_log"] as? [String: Any])
        #expect(runLog["start_time"] as? String == "2025-01-01T00:01:10Z")
        #expect(runLog["end_time"] as? String == "2025-01-01T00:03:40Z")
    }

    @Test func wesCancelMidRunScenario() async throws {
        let h = try Harness(bundled: "wes-cancel-mid-run")
        let id = try await h.start()
        var states: [String] = []
        for _ in 0..<4 { states.append(try await h.state(id)) }
        #expect(states == ["QUEUED", "INITIALIZING", "RUNNING", "RUNNING"])
        let cancel = try await h.post("/runs/\(id)/cancel")
        #expect(cancel.status == 200)
        #expect(cancel.text == "{\"run_id\":\"\(id)\"}")
        #expect(try await h.state(id) == "CANCELING")
        expectError(try await h.post("/runs/\(id)/cancel"), 400, containing: "CANCELING")
        #expect(try await h.state(id) == "CANCELED")
        #expect(try await h.state(id) == "CANCELED")
        expectError(try await h.post("/runs/\(id)/cancel"), 400, containing: "only runs whose state is QUEUED, INITIALIZING or RUNNING")
        let log = try await h.get("/runs/\(id)/logs/stderr")
        #expect(log.text.hasSuffix(" run canceled\n"))
        // Cancelling straight from QUEUED and from INITIALIZING works too.
        let queued = try await h.start()
        #expect(try await h.post("/runs/\(queued)/cancel").status == 200)
        #expect(try await h.state(queued) == "CANCELING")
        let initializing = try await h.start()
        _ = try await h.state(initializing)
        #expect(try await h.state(initializing) == "INITIALIZING")
        #expect(try await h.post("/runs/\(initializing)/cancel").status == 200)
        #expect(try await h.state(initializing) == "CANCELING")
        #expect(try await h.state(initializing) == "CANCELED")
    }

    @Test func cancelRefusedStatusIsASetting() async throws {
        let h = try Harness(json: #"{"apis": {"wes": {"settings": {"cancelRefusedStatus": 409}}}}"#)
        let id = try await h.start()
        for _ in 0..<5 { _ = try await h.state(id) }
        #expect(try await h.state(id) == "COMPLETE")
        expectError(try await h.post("/runs/\(id)/cancel"), 409, containing: "COMPLETE")
    }

    @Test func everyStateIsScriptable() async throws {
        let states = ["UNKNOWN", "QUEUED", "INITIALIZING", "RUNNING", "PAUSED", "CANCELING"]
        let phases = states.map { #"{"state": "\#($0)", "polls": 1}"# }.joined(separator: ",")
        var runs: [String] = []
        for terminal in ["COMPLETE", "EXECUTOR_ERROR", "SYSTEM_ERROR", "CANCELED", "PREEMPTED"] {
            runs.append(#"{"id": "run-\#(terminal)", "timeline": [\#(phases), {"state": "\#(terminal)"}]}"#)
        }
        let h = try Harness(json: #"{"apis": {"wes": {"runs": [\#(runs.joined(separator: ","))]}}}"#)
        for terminal in ["COMPLETE", "EXECUTOR_ERROR", "SYSTEM_ERROR", "CANCELED", "PREEMPTED"] {
            var seen: [String] = []
            for _ in 0..<8 { seen.append(try await h.state("run-\(terminal)")) }
            #expect(seen == states + [terminal, terminal])
        }
    }

    // MARK: list and paging

    @Test func listRunsPages() async throws {
        let h = try Harness(bundled: "wes-happy")
        var ids: [String] = []
        for _ in 0..<5 { ids.append(try await h.start()) }
        var collected: [String] = []
        var token = ""
        var pages = 0
        repeat {
            let r = try await h.get("/runs?page_size=2" + (token.isEmpty ? "" : "&page_token=\(token)"))
            #expect(r.status == 200)
            let page = try #require(r.jsonObject)
            let runs = try #require(page["runs"] as? [[String: String]])
            #expect(runs.count <= 2)
            #expect(runs.allSatisfy { $0["state"] == "QUEUED" })
            collected += runs.compactMap { $0["run_id"] }
            token = try #require(page["next_page_token"] as? String)
            pages += 1
        } while !token.isEmpty && pages < 10
        #expect(pages == 3)
        #expect(collected == ids)
        let all = try await h.get("/runs")
        #expect((all.jsonObject?["runs"] as? [Any])?.count == 5)
        #expect(all.jsonObject?["next_page_token"] as? String == "")
    }

    @Test func listRunsDefaultPageSizeIs50() async throws {
        let h = try Harness(bundled: "wes-happy")
        for _ in 0..<51 { _ = try await h.start(.workflow(url: "https://example.org/wf.cwl", attach: nil)) }
        let first = try #require(try await h.get("/runs").jsonObject)
        #expect((first["runs"] as? [Any])?.count == 50)
        let token = try #require(first["next_page_token"] as? String)
        #expect(!token.isEmpty)
        let second = try #require(try await h.get("/runs?page_token=\(token)").jsonObject)
        #expect((second["runs"] as? [Any])?.count == 1)
        #expect(second["next_page_token"] as? String == "")
    }

    @Test(arguments: ["page_size=abc", "page_size=0", "page_size=-3", "page_size=1.5", "page_size=1001", "page_token=garbage!", "page_token=b2Zmc2V0Ong"])
    func badPagingIs400(_ query: String) async throws {
        let h = try Harness(bundled: "wes-happy")
        expectError(try await h.get("/runs?" + query), 400, containing: query.hasPrefix("page_size") ? "page_size" : "page_token")
        let id = try await h.start()
        expectError(try await h.get("/runs/\(id)/tasks?" + query), 400)
    }

    // MARK: tasks (1.1)

    @Test func tasksEndpoints() async throws {
        let h = try Harness(bundled: "wes-happy")
        let id = try await h.start()
        let list = try #require(try await h.get("/runs/\(id)/tasks").jsonObject)
        let tasks = try #require(list["task_logs"] as? [[String: Any]])
        #expect(tasks.map { $0["id"] as? String } == ["align", "sort"])
        #expect(tasks.map { $0["name"] as? String } == ["bwa_mem", "samtools_sort"])
        #expect(list["next_page_token"] as? String == "")
        for key in ["id", "name", "cmd", "stdout", "stderr", "system_logs"] {
            #expect(tasks[0].keys.contains(key), "TaskLog.\(key)")
        }
        // The run has not started: no times, no exit code yet (absent, not null).
        for key in ["start_time", "end_time", "exit_code"] { #expect(tasks[0][key] == nil, "TaskLog.\(key)") }
        let paged = try #require(try await h.get("/runs/\(id)/tasks?page_size=1").jsonObject)
        #expect((paged["task_logs"] as? [Any])?.count == 1)
        let token = try #require(paged["next_page_token"] as? String)
        let rest = try #require(try await h.get("/runs/\(id)/tasks?page_size=1&page_token=\(token)").jsonObject)
        #expect(((rest["task_logs"] as? [[String: Any]])?.first?["id"] as? String) == "sort")
        #expect(rest["next_page_token"] as? String == "")

        let one = try await h.get("/runs/\(id)/tasks/align")
        #expect(one.status == 200)
        #expect(one.jsonObject?["cmd"] as? [String] == ["bwa", "mem", "ref.fa", "reads.fq"])
        let stdoutURL = try #require(one.jsonObject?["stdout"] as? String)
        let stdout = try await h.server.send("GET", String(stdoutURL.dropFirst(h.server.url.count)), headers: [WESTests.token: "t"])
        #expect(stdout.text == "aligned 1000 reads\n")
        #expect(stdout.headers["Content-Type"]?.hasPrefix("text/plain") == true)
        expectError(try await h.get("/runs/\(id)/tasks/nope"), 404, containing: "nope")
        expectError(try await h.get("/runs/\(id)/tasks/nope/logs/stdout"), 404, containing: "nope")
    }

    // MARK: not found, methods

    @Test func unknownRunIs404Everywhere() async throws {
        let h = try Harness(bundled: "default")
        let id = "00000000-0000-4000-8000-000000000000"
        for path in ["/runs/\(id)", "/runs/\(id)/status", "/runs/\(id)/tasks", "/runs/\(id)/tasks/t", "/runs/\(id)/logs/stderr"] {
            expectError(try await h.get(path), 404, containing: id)
        }
        expectError(try await h.post("/runs/\(id)/cancel"), 404, containing: id)
    }

    @Test func wrongMethodIs405AndUnknownPathIs404() async throws {
        let h = try Harness(bundled: "default")
        let r = try await h.server.send("DELETE", WESTests.base + "/runs/x", headers: [WESTests.token: "t"])
        expectError(r, 405)
        #expect(r.headers["Allow"] == "GET")
        let put = try await h.server.send("PUT", WESTests.base + "/runs", headers: [WESTests.token: "t"])
        expectError(put, 405)
        #expect(put.headers["Allow"] == "GET, POST")
        expectError(try await h.get("/runs/x/cancel"), 405)
        expectError(try await h.post("/service-info"), 405)
        expectError(try await h.get("/nothing-here"), 404, containing: "/ga4gh/wes/v1/nothing-here")
    }

    @Test func scriptedFaultsUseErrorResponseAndTargetOneRun() async throws {
        let h = try Harness(json: #"""
            {"apis": {"wes": {
              "runs": [{"id": "a", "timeline": [{"state": "RUNNING"}]}, {"id": "b", "timeline": [{"state": "RUNNING"}]}],
              "faults": [{"endpoint": "get_run_status", "run": "b", "nth": 1, "respond": {"status": 500}},
                         {"endpoint": "service_info", "nth": 1, "respond": {"status": 503}}]
            }}}
            """#)
        #expect(try await h.state("a") == "RUNNING")
        expectError(try await h.get("/runs/b/status"), 500)
        #expect(try await h.state("b") == "RUNNING")
        expectError(try await h.get("/service-info"), 503)
        #expect(try await h.get("/service-info").status == 200)
    }

    @Test func runsGoneAfterNotFoundAfterAre404() async throws {
        let h = try Harness(json: #"{"apis": {"wes": {"runs": [{"id": "r1", "notFoundAfter": 1, "timeline": [{"state": "COMPLETE"}]}]}}}"#)
        #expect(try await h.state("r1") == "COMPLETE")
        expectError(try await h.get("/runs/r1/status"), 404)
        #expect((try await h.get("/runs").jsonObject?["runs"] as? [Any])?.isEmpty == true)
    }

    // MARK: auth

    @Test func missingTokenIs401ButSubmissionPassesAsALoggedDeviation() async throws {
        let h = try Harness(bundled: "default")
        for path in ["/service-info", "/runs", "/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status"] {
            expectError(try await h.server.send("GET", WESTests.base + path), 401, containing: "X-SBG-Auth-Token")
        }
        expectError(try await h.server.send("POST", WESTests.base + "/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/cancel"), 401)
        let form = Multipart.workflow()
        let r = try await h.server.send("POST", WESTests.base + "/runs", headers: ["Content-Type": form.contentType], body: form.bytes)
        #expect(r.status == 200, "wes-client 5.0 sends no token on POST /runs: \(r.text)")
        let journal = try await h.server.send("GET", "/__mockruns/journal")
        #expect(journal.text.contains("POST /runs without X-SBG-Auth-Token"), "\(journal.text)")
    }

    @Test func bearerOnlyWhenTheScenarioAllowsIt() async throws {
        let strict = try Harness(bundled: "default")
        let refused = try await strict.server.send("GET", WESTests.base + "/runs", headers: ["Authorization": "Bearer abc"])
        expectError(refused, 401, containing: "X-SBG-Auth-Token")
        let h = try Harness(json: #"{"apis": {"wes": {"settings": {"acceptBearer": true}, "auth": {"credentials": ["abc"]}}}}"#)
        #expect(try await h.server.send("GET", WESTests.base + "/runs", headers: ["Authorization": "Bearer abc"]).status == 200)
        expectError(try await h.server.send("GET", WESTests.base + "/runs", headers: ["Authorization": "Bearer xyz"]), 401, containing: "invalid")
        expectError(try await h.server.send("GET", WESTests.base + "/runs", headers: ["Authorization": "Basic abc"]), 401, containing: "Bearer")
        #expect(try await h.get("/runs", token: "abc").status == 200)
    }

    @Test func wes403Scenario() async throws {
        var h = try Harness(bundled: "wes-403")
        h.auth = "reader-token"
        let id = "0b6f8a4e-5d1c-4a8e-9f3b-2c7d1e0a9b84"
        expectError(try await h.submit(), 403, containing: "run")
        expectError(try await h.post("/runs/\(id)/cancel"), 403, containing: "cancel")
        // Strict auth: no token on POST /runs is 401, as the real service answers.
        let form = Multipart.workflow()
        let anonymous = try await h.server.send("POST", WESTests.base + "/runs", headers: ["Content-Type": form.contentType], body: form.bytes)
        expectError(anonymous, 401)
        expectError(try await h.get("/runs", token: "stolen"), 401, containing: "invalid")
        // The reader may read.
        #expect(try await h.state(id) == "RUNNING")
        #expect(try await h.state(id) == "RUNNING")
        #expect(try await h.state(id) == "COMPLETE")
        #expect(try await h.get("/service-info").status == 200)
        // The full token may submit and cancel.
        let run = try await h.submit(token: "full-token")
        #expect(run.status == 200)
        let newID = try #require(run.jsonObject?["run_id"] as? String)
        #expect(try await h.post("/runs/\(newID)/cancel", token: "full-token").status == 200)
        #expect(try await h.state(newID) == "CANCELING")
    }

    // MARK: determinism

    @Test func sameScenarioAndRequestsGiveTheSameBytes() async throws {
        func play() async throws -> [String] {
            let h = try Harness(bundled: "wes-happy")
            var bodies: [String] = []
            let first = try await h.submit()
            bodies.append(first.text)
            let id = first.jsonObject?["run_id"] as? String ?? ""
            let second = try await h.submit(.workflow(url: "https://example.org/x.cwl", attach: nil))
            bodies.append(second.text)
            for path in ["/runs/\(id)/status", "/runs/\(id)", "/runs/\(id)/status", "/runs?page_size=1", "/service-info", "/runs/\(id)/tasks", "/runs/\(id)/logs/stderr", "/runs/\(id)"] {
                bodies.append(try await h.get(path).text.replacingOccurrences(of: h.server.url, with: "BASE"))
            }
            bodies.append(try await h.post("/runs/\(id)/cancel").text)
            return bodies
        }
        let a = try await play()
        let b = try await play()
        #expect(a == b)
        #expect(a[0] != a[1], "two runs, two ids")
    }
}
