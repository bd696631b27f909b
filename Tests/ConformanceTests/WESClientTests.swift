import Foundation
import MockRuns
import MockRunsHTTP
import MockRunsTesting
import Scenarios
import Testing

/// The real GA4GH `wes-client` (PyPI `wes-service` 5.x) against the WES fake, unchanged, over real HTTP.
///
/// Install it once with:
///     python3 -m venv .build/clients-venv && .build/clients-venv/bin/pip install wes-service
/// or point `MOCKRUNS_WES_CLIENT` at a `wes-client` executable.
@Suite struct WESClientTests {
    static func client() throws -> String {
        if let env = ProcessInfo.processInfo.environment["MOCKRUNS_WES_CLIENT"], !env.isEmpty {
            try #require(FileManager.default.isExecutableFile(atPath: env), "MOCKRUNS_WES_CLIENT=\(env) is not an executable")
            return env
        }
        let path = TestPaths.clientsVenv("wes-client")
        try #require(
            FileManager.default.isExecutableFile(atPath: path),
            """
            wes-client is not installed at \(path). Install it with:
              python3 -m venv .build/clients-venv && .build/clients-venv/bin/pip install wes-service
            (run from the package root), or set MOCKRUNS_WES_CLIENT to a wes-client executable.
            """)
        return path
    }

    /// Runs wes-client with `arguments` in `directory`, against `server`, with the SBG token header.
    static func wesClient(_ arguments: [String], server: TestServer, in directory: URL, auth: String? = "X-SBG-Auth-Token: client-token")
        async throws -> ChildProcess.Outcome
    {
        var args = ["--proto", "http", "--host", "127.0.0.1:\(server.port)"]
        if let auth { args += ["--auth", auth] }
        return try await ChildProcess.run(
            URL(fileURLWithPath: try client()), args + arguments,
            environment: ["WES_API_AUTH": nil, "WES_API_HOST": nil, "PYTHONUNBUFFERED": "1"], directory: directory,
            timeout: 300)
    }

    /// A temporary folder with a tiny CWL tool and its job order, as wes-client reads them locally.
    static func workdir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-wes-client-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cwl = """
            cwlVersion: v1.0
            class: CommandLineTool
            baseCommand: echo
            inputs:
              message:
                type: string
                inputBinding: {position: 1}
            outputs: []

            """
        try cwl.write(to: dir.appendingPathComponent("echo.cwl"), atomically: true, encoding: .utf8)
        try #"{"message": "hello"}"#.write(to: dir.appendingPathComponent("job.json"), atomically: true, encoding: .utf8)
        return dir
    }

    static func server(_ json: String) throws -> (MockRunsApp, TestServer) {
        let mock = try MockServer(json: json, file: "wes-client.json")
        return (mock.app, mock.server)
    }

    /// One status read of RUNNING (so `--wait` sleeps and polls once more), then COMPLETE with outputs.
    static let quickRun = #"""
        {"seed": 5, "apis": {"wes": {"runs": [
          {"id": "40a9c1a6-9263-4982-a574-e494f7c4b621", "fields": {"outputs": {"greeting": "hello"}},
           "timeline": [{"state": "COMPLETE", "log": ["[workflow] completed success"]}]}
        ], "defaultRun": {
          "fields": {"outputs": {"out": {"class": "File", "location": "s3://mock-bucket/out.txt"}}},
          "timeline": [
            {"state": "RUNNING", "polls": 1, "log": ["[job echo] /tmp/x$ echo hello"]},
            {"state": "COMPLETE", "log": ["[workflow] completed success"]}
          ]
        }}}}
        """#

    @Test func infoListGetAndLog() async throws {
        let (_, server) = try Self.server(Self.quickRun)
        let dir = try Self.workdir()
        defer { try? FileManager.default.removeItem(at: dir) }

        let info = try await Self.wesClient(["--info"], server: server, in: dir)
        #expect(info.status == 0, "stderr: \(info.stderr)")
        let infoJSON = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any]
        #expect((infoJSON?["supported_wes_versions"] as? [String])?.contains("1.0.0") == true, "\(info.stdout)")

        let list = try await Self.wesClient(["--list"], server: server, in: dir)
        #expect(list.status == 0, "stderr: \(list.stderr)")
        let listJSON = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
        let runs = listJSON?["runs"] as? [[String: String]]
        #expect(runs?.first?["run_id"] == "40a9c1a6-9263-4982-a574-e494f7c4b621")
        #expect(runs?.first?["state"] == "COMPLETE")
        #expect(listJSON?["next_page_token"] as? String == "")

        let get = try await Self.wesClient(["--get", "40a9c1a6-9263-4982-a574-e494f7c4b621"], server: server, in: dir)
        #expect(get.status == 0, "stderr: \(get.stderr)")
        let getJSON = try JSONSerialization.jsonObject(with: Data(get.stdout.utf8)) as? [String: Any]
        #expect(getJSON?["state"] as? String == "COMPLETE")
        #expect((getJSON?["outputs"] as? [String: String]) == ["greeting": "hello"])

        let log = try await Self.wesClient(["--log", "40a9c1a6-9263-4982-a574-e494f7c4b621"], server: server, in: dir)
        #expect(log.status == 0, "stderr: \(log.stderr)")
        #expect(log.stdout.hasSuffix(" [workflow] completed success\n"), "the stderr log as text: \(log.stdout)")

        let unknown = try await Self.wesClient(["--get", "no-such-run"], server: server, in: dir)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("404"), "\(unknown.stderr)")
    }

    @Test func submitAndWait() async throws {
        let (app, server) = try Self.server(Self.quickRun)
        let dir = try Self.workdir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await Self.wesClient(["--wait", "echo.cwl", "job.json"], server: server, in: dir)
        #expect(run.status == 0, "stdout: \(run.stdout)\nstderr: \(run.stderr)")
        #expect(run.stderr.contains("State is COMPLETE"), "\(run.stderr)")
        #expect(run.stderr.contains("[job echo] /tmp/x$ echo hello"), "wes-client prints the stderr log: \(run.stderr)")
        let outputs = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect((outputs?["out"] as? [String: String])?["location"] == "s3://mock-bucket/out.txt", "\(run.stdout)")

        // What the server got: the multipart submission with the attached tool.
        let created = app.scenario.withEngine { $0.runs(api: "wes") }.last
        let request = try #require(created?.request)
        #expect(request["workflow_url"] == "echo.cwl")
        #expect(request["workflow_type"] == "CWL")
        #expect(request["workflow_type_version"] == "v1.0")
        #expect(request["workflow_params"] == .object([("message", "hello")]))
        #expect(created?.state == "COMPLETE")
        // wes-client 5.0 sends no token on POST /runs: passed, and journaled as a contract deviation.
        let journal = try await server.send("GET", "/__mockruns/journal")
        #expect(journal.text.contains("POST /runs without X-SBG-Auth-Token"), "\(journal.text)")
    }

    @Test func submitAndWaitForAFailingRunExitsNonZero() async throws {
        let (_, server) = try Self.server(#"""
            {"apis": {"wes": {"defaultRun": {"timeline": [
              {"state": "RUNNING", "seconds": 1, "log": ["[job echo] starting"]},
              {"state": "EXECUTOR_ERROR", "log": ["[job echo] permanentFail"]}
            ]}}}}
            """#)
        let dir = try Self.workdir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await Self.wesClient(["echo.cwl", "job.json"], server: server, in: dir)
        #expect(run.status == 1, "stdout: \(run.stdout)\nstderr: \(run.stderr)")
        #expect(run.stderr.contains("State is EXECUTOR_ERROR"), "\(run.stderr)")
        #expect(run.stderr.contains("[job echo] permanentFail"), "\(run.stderr)")
    }

    @Test func strictAuthRefusesTheUnauthenticatedSubmission() async throws {
        let mock = try MockServer(bundled: "wes-403")
        let (app, server) = (mock.app, mock.server)
        let dir = try Self.workdir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await Self.wesClient(["echo.cwl", "job.json"], server: server, in: dir, auth: "X-SBG-Auth-Token: full-token")
        #expect(run.status != 0)
        #expect(run.stderr.contains("401"), "\(run.stderr)")
        #expect(app.scenario.withEngine { $0.runs(api: "wes") }.count == 1, "only the scripted run; nothing was created")
        // Reading works with the token.
        let info = try await Self.wesClient(["--info"], server: server, in: dir, auth: "X-SBG-Auth-Token: reader-token")
        #expect(info.status == 0, "\(info.stderr)")
        let denied = try await Self.wesClient(["--info"], server: server, in: dir, auth: "X-SBG-Auth-Token: wrong")
        #expect(denied.status != 0)
        #expect(denied.stderr.contains("401"), "\(denied.stderr)")
    }
}
