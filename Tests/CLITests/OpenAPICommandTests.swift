import Foundation
import MockRunsTesting
import Testing

/// `mockruns openapi` as a user runs it: every document it writes, YAML and JSON, is valid OpenAPI 3.1 by
/// openapi-spec-validator; the stream holds all five; bad arguments are one-line usage errors.
@Suite struct OpenAPICommandTests {
    static let apis = ["foundry", "solvexia", "workspace", "controller", "wes"]

    @Test func everyExportedDocumentIsValidOpenAPI31() async throws {
        let validator = TestPaths.clientsVenv("openapi-spec-validator")
        try #require(FileManager.default.isExecutableFile(atPath: validator), "no \(validator): run ./scripts/test")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-openapi-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = try await CLI.run(["openapi", "--out", dir.path])
        #expect(yaml.status == 0, "\(yaml.stderr)")
        // (A folder given with its trailing slash gets no second one in the paths printed.)
        let json = try await CLI.run(["openapi", "--json", "--out", dir.path + "/"])
        #expect(json.status == 0, "\(json.stderr)")
        let files = ["yaml", "json"].flatMap { ext in Self.apis.map { "\(dir.path)/\($0).openapi.\(ext)" } }
        #expect(yaml.stdout + json.stdout == files.map { $0 + "\n" }.joined(), "each path written, one a line")
        let outcome = try await ChildProcess.run(URL(fileURLWithPath: validator), files, timeout: 120)
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        for file in files { #expect(outcome.stdout.contains("\(file): OK"), "\(outcome.stdout)") }

        // The check can fail: a document that is not OpenAPI 3.1 is refused.
        let broken = dir.appendingPathComponent("broken.json")
        let text = try String(contentsOfFile: files[5], encoding: .utf8).replacingOccurrences(of: #""paths""#, with: #""pathz""#)
        try text.write(to: broken, atomically: true, encoding: .utf8)
        #expect(try await ChildProcess.run(URL(fileURLWithPath: validator), [broken.path], timeout: 60).status != 0)
    }

    @Test func theStreamHoldsAllFiveAndOneAPIIsOne() async throws {
        let all = try await CLI.run(["openapi"])
        #expect(all.status == 0)
        #expect(all.stdout.components(separatedBy: "\n").filter { $0 == "---" }.count == 5)
        #expect(all.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("x-mockruns-api: ") } == Self.apis.map { "x-mockruns-api: \($0)" })
        let wes = try await CLI.run(["openapi", "--api", "wes", "--json"])
        #expect(wes.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(wes.stdout.utf8)) as? [String: Any]
        #expect(object?["openapi"] as? String == "3.1.0")
        #expect((object?["paths"] as? [String: Any])?["/ga4gh/wes/v1/runs/{run_id}/status"] != nil)
        // The same bytes every time.
        #expect(try await CLI.run(["openapi", "--api", "wes", "--json"]).stdout == wes.stdout)
    }

    @Test func badArgumentsAreUsageErrors() async throws {
        let unknown = try await CLI.run(["openapi", "--api", "nope"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "mockruns: error: unknown API \"nope\"; the APIs are foundry, solvexia, workspace, controller, wes (see mockruns --help)\n")
        let json = try await CLI.run(["openapi", "--json"])
        #expect(json.status == 64)
        #expect(json.stderr.contains("--json needs --api NAME or --out DIR"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-not-a-dir-\(UUID().uuidString)")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let out = try await CLI.run(["openapi", "--out", file.path])
        #expect(out.status == 1)
        #expect(out.stderr.hasPrefix("mockruns: error: cannot make the folder \(file.path)"), "\(out.stderr)")
        #expect(out.stdout.isEmpty)
    }
}
