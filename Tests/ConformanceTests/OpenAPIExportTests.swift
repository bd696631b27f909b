import Foundation
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// The exported documents with real tools from the clients venv: YAML read back by two YAML readers, the WES
/// document against the official GA4GH definitions, and schemathesis against each running fake with the fake's
/// own document.
@Suite struct OpenAPIExportTests {
    static func python(_ script: String, _ arguments: [String], timeout: Double = 120) async throws -> ChildProcess.Outcome {
        let python = TestPaths.clientsVenv("python")
        try #require(FileManager.default.isExecutableFile(atPath: python), "no venv at \(python): run ./scripts/test (scripts/lib/deps.sh)")
        let path = TestPaths.packageRoot.appendingPathComponent("Tests/clients/\(script)").path
        return try await ChildProcess.run(URL(fileURLWithPath: python), [path] + arguments, timeout: timeout)
    }

    static func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-openapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func document(_ name: String) throws -> JSON {
        try OpenAPIDocument.render(APIRegistry.fakes.first { $0.descriptor.name == name }!)
    }

    /// Strings that break naive YAML: both readers must give back exactly the JSON value.
    @Test func hostileStringsRoundTripThroughPyYAMLAndRuamel() async throws {
        let hostile = [
            "a: b", "a #b", "#c", " leading", "trailing ", "two\nlines", "tab\t", "yes", "No", "null", "~", "true", "Off",
            "123", "1.0", "0o17", "0x1F", "1e3", "-5", ".inf", ".NaN", "", "'", "\"", "\\", "{a}", "[b]", "*alias",
            "&anchor", "!tag", "%YAML", "@", "`", "- item", "? key", "| block", "> fold", "---", "...", "é ü 中文",
            "emoji 🚀", "nul\u{0}", "bell\u{7}", "del\u{7F}", "next\u{85}line", "ls\u{2028}", "bom\u{FEFF}", "cr\r",
            "2025-01-01", "2025-01-01T00:00:00Z", "<<", "=",
        ]
        let value: JSON = .object(
            hostile.enumerated().map { index, text in (text.isEmpty ? "empty" : text, .array([.string(text), .int(index)])) }
                + [("list", .array(hostile.map(JSON.string))), ("nested", ["k": [["deep": "a: b"]]])])
        let dir = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var arguments: [String] = []
        var documents: [(String, JSON)] = [("hostile", value)]
        for name in APIRegistry.fakes.map(\.descriptor.name) { documents.append((name, try Self.document(name))) }
        for (name, document) in documents {
            let yaml = dir.appendingPathComponent("\(name).yaml")
            let json = dir.appendingPathComponent("\(name).json")
            try YAMLWriter.document(document).write(to: yaml, atomically: true, encoding: .utf8)
            try Data(document.bytes).write(to: json)
            arguments += [yaml.path, json.path]
        }
        let outcome = try await Self.python("yaml_roundtrip.py", arguments)
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("0 of \(documents.count * 2) readings differ"), "\(outcome.stdout)")
    }

    /// Where the official GA4GH definitions live (never copied into this repository).
    static var wesSpecs: String {
        ProcessInfo.processInfo.environment["MOCKRUNS_WES_SPECS"]
            ?? TestPaths.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/specs/wes").path
    }

    static var wesSpecsAvailable: Bool {
        FileManager.default.fileExists(atPath: wesSpecs + "/workflow_execution_service-1.1.0.openapi.local.yaml")
    }

    /// Paths, methods, parameters, statuses and schemas, field by field, against WES 1.0.0 and 1.1.0; the
    /// allowed Cavatica differences are listed in Tests/clients/wes_spec_check.py. The definitions are not part of
    /// this repository: a checkout without them beside it (`../shared/specs/wes`, or $MOCKRUNS_WES_SPECS) skips
    /// this test, saying so.
    @Test(.enabled(if: wesSpecsAvailable, "the GA4GH WES definitions are not beside this checkout (../shared/specs/wes); set MOCKRUNS_WES_SPECS to their folder"))
    func wesExportAgreesWithTheGA4GHDefinitions() async throws {
        let dir = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ours = dir.appendingPathComponent("wes.json")
        try Data(try Self.document("wes").bytes).write(to: ours)
        let outcome = try await Self.python("wes_spec_check.py", [ours.path, Self.wesSpecs])
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains(" differences allowed, 0 not"), "\(outcome.stdout)")

        // The check can fail: a RunLog without outputs and a RunStatus whose state may be null are differences.
        var text = String(decoding: try Self.document("wes").bytes, as: UTF8.self)
        text = text.replacingOccurrences(of: #","outputs":{"type":"object"}"#, with: "")
        text = text.replacingOccurrences(
            of: ##""state":{"$ref":"#/components/schemas/State"}}"##, with: ##""state":{"type":["string","null"]}}"##)
        let broken = dir.appendingPathComponent("broken.json")
        try text.write(to: broken, atomically: true, encoding: .utf8)
        let refused = try await Self.python("wes_spec_check.py", [broken.path, Self.wesSpecs])
        #expect(refused.status == 1, "\(refused.stdout)")
        #expect(refused.stdout.contains("DIFFERS: 1.1.0 GET /runs/{run_id} 200: outputs missing"), "\(refused.stdout)")
        #expect(refused.stdout.contains("state may be null"), "\(refused.stdout)")
    }

    /// schemathesis, run against each fake on the embedded default scenario with the fake's own exported document:
    /// no 5xx, no undocumented status, no undocumented content type, no answer off its schema. A bounded run (10
    /// examples per operation); `scripts/schemathesis` runs longer. One API at a time: five fuzzers at once on two
    /// cores would starve the suite's timing tests.
    @Test(.serialized, arguments: APIRegistry.fakes.map(\.descriptor.name)) func schemathesisFindsNothing(_ api: String) async throws {
        let schemathesis = TestPaths.clientsVenv("schemathesis")
        try #require(FileManager.default.isExecutableFile(atPath: schemathesis), "no schemathesis at \(schemathesis): run ./scripts/test")
        let server = try MockServer.start(MockServer.catalog.defaultScenario())
        let dir = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let document = dir.appendingPathComponent("\(api).openapi.yaml")
        try YAMLWriter.document(try Self.document(api)).write(to: document, atomically: true, encoding: .utf8)
        let outcome = try await ChildProcess.run(
            URL(fileURLWithPath: TestPaths.packageRoot.appendingPathComponent("scripts/schemathesis").path),
            [document.path, "http://127.0.0.1:\(server.port)", "10"],
            environment: ["PYTHONUNBUFFERED": "1"],
            directory: dir, timeout: 240)
        #expect(outcome.status == 0, "\(outcome.stdout.suffix(6000))\(outcome.stderr.suffix(2000))")
        let operations = APIRegistry.fakes.first { $0.descriptor.name == api }!.routeTable.routes.count
        #expect(outcome.stdout.contains("Selected: \(operations)/\(operations)"), "every operation tested: \(outcome.stdout.suffix(3000))")
        #expect(outcome.stdout.range(of: #"\d+ generated, \d+ passed"#, options: .regularExpression) != nil, "\(outcome.stdout.suffix(3000))")
    }
}
