import Foundation
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// The recipes of docs/scenarios.md: each is a fixture (Tests/clients/scenarios/recipe-*.json) that a Python
/// `requests` client (Tests/clients/recipes.py) plays over real HTTP, and each appears in the docs verbatim.
@Suite struct RecipeTests {
    static let directory = TestPaths.packageRoot.appendingPathComponent("Tests/clients/scenarios")

    static var fixtures: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix("recipe-") && $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name + ".json"), encoding: .utf8)
    }

    static func server(_ name: String) throws -> MockServer {
        try MockServer(json: try text(name), file: name + ".json")
    }

    @Test func everyRecipeHasAFixture() {
        #expect(Self.fixtures.count >= 3, "\(Self.fixtures)")
    }

    /// One Python process plays every recipe, each against its own server.
    @Test func everyRecipePlaysOverRealHTTP() async throws {
        let probe = try await WorkspaceClientTests.run(["-c", "import requests"])
        try #require(probe.status == 0, "the Python package `requests` is missing: \(probe.stdout)")
        let servers = try Self.fixtures.map { (name: $0, server: try Self.server($0).server) }
        defer { for s in servers { s.server.stop() } }
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/clients/recipes.py").path
        let result = try await WorkspaceClientTests.run([script] + servers.flatMap { [$0.server.url, $0.name] })
        #expect(result.status == 0, "\(result.stdout)")
        let lines = Set(result.stdout.split(separator: "\n").map(String.init))
        for name in Self.fixtures {
            #expect(lines.contains("OK \(name)"), "\(name): \(result.stdout)")
        }
    }

    @Test(arguments: fixtures)
    func recipeIsInTheDocsVerbatimAndShort(_ name: String) throws {
        let docs = try String(
            contentsOf: TestPaths.packageRoot.appendingPathComponent("docs/scenarios.md"), encoding: .utf8)
        let recipes = try #require(docs.range(of: "\n## Recipes\n")).upperBound
        let text = try Self.text(name).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(docs[recipes...].contains("`\(name).json`:\n\n```json\n" + text + "\n```"), "\(name) is not in docs/scenarios.md's Recipes")
        #expect(text.split(separator: "\n").count <= 12, "\(name) is longer than 12 lines")
    }

    /// Faults with ranges keep their promise: the same scenario and requests give the same bytes.
    @Test func sameRecipeAndRequestsGiveTheSameBytes() async throws {
        func play(_ name: String) async throws -> [String] {
            let server = try Self.server(name).server
            defer { server.stop() }
            let token: KeyValuePairs<String, String> = ["X-SBG-Auth-Token": "t"]
            let form = WESTests.Multipart.workflow()
            let created = try await server.send(
                "POST", "/ga4gh/wes/v1/runs", headers: ["X-SBG-Auth-Token": "t", "Content-Type": form.contentType],
                body: form.bytes)
            #expect(created.status == 200, "\(created.text)")
            let id = created.jsonObject?["run_id"] as? String ?? ""
            var answers = ["\(created.status) \(created.text)"]
            for _ in 0..<6 {
                let r = try await server.send("GET", "/ga4gh/wes/v1/runs/\(id)/status", headers: token)
                answers.append("\(r.status) \(r.headers["Date"] ?? "") \(r.headers["Retry-After"] ?? "") \(r.text)")
            }
            return answers
        }
        for name in ["recipe-403-mid-poll", "recipe-503-twice", "recipe-429-retry-after"] {
            let a = try await play(name)
            #expect(a == (try await play(name)), "\(name)")
            #expect(Set(a.dropFirst().map { $0.prefix(3) }).count == 2, "\(name): both faulted and normal answers: \(a)")
        }
    }
}
