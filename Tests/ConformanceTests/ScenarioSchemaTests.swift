import Foundation
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// The scenario schema `mockruns schema` prints, for editors and linters, judged by a real Draft 2020-12 validator
/// (Python's jsonschema): every bundled scenario passes it, and files the loader refuses for what the schema can
/// say (an unknown key, API or state, a wrong type, a run id no request can name) fail it too.
@Suite struct ScenarioSchemaTests {
    static let refused: [(name: String, text: String)] = [
        ("unknown-key", #"{"sead": 1}"#),
        ("unknown-api", #"{"apis": {"wess": {}}}"#),
        ("seed-string", #"{"seed": "7"}"#),
        ("unknown-state", #"{"apis": {"wes": {"runs": [{"id": "r", "timeline": [{"state": "DONE"}]}]}}}"#),
        ("slash-id", #"{"apis": {"wes": {"runs": [{"id": "a/b"}]}}}"#),
        ("nul-id", #"{"apis": {"wes": {"runs": [{"id": "a\u0000b"}]}}}"#),
        ("empty-id", #"{"apis": {"solvexia": {"runs": [{"id": ""}]}}}"#),
    ]
    /// Where the id travels in the query (Foundry's key, the Controller's resourceID) a "/" is nameable.
    static let accepted: [(name: String, text: String)] = [
        ("foundry-slash-id", #"{"apis": {"foundry": {"runs": [{"id": "SCR_1-1/error/transform"}]}}}"#),
        ("controller-slash-id", #"{"apis": {"controller": {"runs": [{"id": "SCR/1"}]}}}"#),
    ]

    @Test func bundledScenariosPassAndRefusedOnesFail() async throws {
        let loader = ScenarioLoader(apis: APIRegistry.fakes.map(\.descriptor))
        let dir = try OpenAPIExportTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let schema = dir.appendingPathComponent("scenario.schema.json")
        try Data(ScenarioSchema.document(apis: APIRegistry.fakes.map(\.descriptor)).bytes).write(to: schema)

        let bundled = try FileManager.default.contentsOfDirectory(
            at: TestPaths.packageRoot.appendingPathComponent("Scenarios"), includingPropertiesForKeys: nil
        ).filter { $0.pathExtension == "json" }
        let clientScenarios = try FileManager.default.contentsOfDirectory(
            at: TestPaths.packageRoot.appendingPathComponent("Tests/clients/scenarios"), includingPropertiesForKeys: nil
        ).filter { $0.pathExtension == "json" }
        #expect(bundled.count >= 20)
        #expect(!clientScenarios.isEmpty)
        var arguments = [schema.path, "--valid"] + bundled.map(\.path) + clientScenarios.map(\.path)
        for (name, text) in Self.accepted {
            _ = try loader.load(Array(text.utf8), file: name)
            let file = dir.appendingPathComponent("\(name).json")
            try Data(text.utf8).write(to: file)
            arguments.append(file.path)
        }
        arguments.append("--invalid")
        for (name, text) in Self.refused {
            // The loader refuses each; the schema must agree.
            #expect(throws: ScenarioError.self, "\(name)") { try loader.load(Array(text.utf8), file: name) }
            let file = dir.appendingPathComponent("\(name).json")
            try Data(text.utf8).write(to: file)
            arguments.append(file.path)
        }
        let outcome = try await OpenAPIExportTests.python("schema_check.py", arguments)
        #expect(outcome.status == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("0 of \(bundled.count + clientScenarios.count + Self.accepted.count + Self.refused.count) files judged wrongly"), "\(outcome.stdout)")
    }
}
