import Foundation
import MockRuns
import MockRunsTesting
import Scenarios
import Testing

/// The seed page's own Python snippets (`requests`, `raise_for_status`, reading `id`, `status`, `ready`), run
/// unchanged by python3 against the workspace fake over real HTTP (Tests/clients/workspace_seed_snippets.py).
///
/// Needs the `requests` package: `.build/clients-venv/bin/python` is used when it exists
/// (`python3 -m venv .build/clients-venv && .build/clients-venv/bin/pip install requests`), else `python3`.
@Suite struct WorkspaceClientTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func python() -> String {
        let venv = packageRoot.appendingPathComponent(".build/clients-venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/env"
    }

    struct Result {
        var status: Int32
        var output: String
    }

    static func run(_ arguments: [String]) async throws -> Result {
        let executable = python()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = (executable == "/usr/bin/env" ? ["python3"] : []) + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONUNBUFFERED"] = "1"
        for name in ["BASE_URL", "API_KEY", "WORKSPACE_ID", "DOCUMENT_ID", "HTTP_PROXY", "http_proxy"] {
            environment.removeValue(forKey: name)
        }
        environment["NO_PROXY"] = "127.0.0.1,localhost"
        process.environment = environment
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ws-python-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try handle.close()
        return Result(status: status, output: try String(contentsOf: file, encoding: .utf8))
    }

    @Test func seedSnippetsRunUnchanged() async throws {
        let probe = try await Self.run(["-c", "import requests"])
        try #require(
            probe.status == 0,
            """
            the Python package `requests` is missing for \(Self.python()). Install it with:
              python3 -m venv .build/clients-venv && .build/clients-venv/bin/pip install requests
            (run from the package root). Output: \(probe.output)
            """)
        let loader = ScenarioLoader(apis: APIRegistry.fakes.map(\.descriptor))
        let catalog = ScenarioCatalog(loader: loader)
        for name in ["workspace-happy", "default"] {
            let scenario = name == "default" ? catalog.defaultScenario() : try catalog.load(name)
            let server = try TestServer(responder: MockRunsApp(scenario: scenario, catalog: catalog, time: ManualTimeSource()))
            let script = Self.packageRoot.appendingPathComponent("Tests/clients/workspace_seed_snippets.py").path
            let result = try await Self.run([script, server.url])
            #expect(result.status == 0, "\(name): \(result.output)")
            let lines = result.output.split(separator: "\n").map(String.init)
            #expect(lines.last == "seed snippets OK", "\(result.output)")
            #expect(lines.contains("queued") && lines.contains("running") && lines.contains("succeeded"), "\(result.output)")
            #expect(UUID(uuidString: lines.first ?? "") != nil, "\(result.output)")
            #expect(lines.contains { $0.contains("'ready': True") }, "\(result.output)")
        }
    }
}
