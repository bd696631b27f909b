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
        #expect(line == #"{"event":"ready","url":"\#(ready.url)","port":\#(ready.port),"scenario":"default"}"#)
        #expect(try String(contentsOfFile: portFile, encoding: .utf8) == "\(ready.port)\n")

        let (status, body) = try await get(ready.url + "/__mockruns/health")
        #expect(status == 200)
        #expect(body == #"{"status":"ok"}"#)

        let started = Date()
        p.signal(SIGINT)
        let code = try await p.wait(timeout: 5)
        #expect(code == 0)
        #expect(Date().timeIntervalSince(started) < 1.5)
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
