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
    static func python() -> String {
        let venv = TestPaths.clientsVenv("python")
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/env"
    }

    /// Runs python with `arguments`, stdout and stderr together in `stdout`.
    static func run(_ arguments: [String]) async throws -> ChildProcess.Outcome {
        let executable = python()
        let environment: [String: String?] = [
            "PYTHONUNBUFFERED": "1", "NO_PROXY": "127.0.0.1,localhost", "BASE_URL": nil, "API_KEY": nil,
            "WORKSPACE_ID": nil, "DOCUMENT_ID": nil, "HTTP_PROXY": nil, "http_proxy": nil,
        ]
        return try await ChildProcess.run(
            URL(fileURLWithPath: executable), (executable == "/usr/bin/env" ? ["python3"] : []) + arguments,
            environment: environment, mergeStderr: true, timeout: 300)
    }

    @Test func seedSnippetsRunUnchanged() async throws {
        let probe = try await Self.run(["-c", "import requests"])
        try #require(
            probe.status == 0,
            """
            the Python package `requests` is missing for \(Self.python()). Install it with:
              python3 -m venv .build/clients-venv && .build/clients-venv/bin/pip install requests
            (run from the package root). Output: \(probe.stdout)
            """)
        for name in ["workspace-happy", "default"] {
            let server = try name == "default" ? MockServer.start(MockServer.catalog.defaultScenario()) : MockServer.start(bundled: name)
            let script = TestPaths.packageRoot.appendingPathComponent("Tests/clients/workspace_seed_snippets.py").path
            let result = try await Self.run([script, server.url])
            #expect(result.status == 0, "\(name): \(result.stdout)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.last == "seed snippets OK", "\(result.stdout)")
            #expect(lines.contains("queued") && lines.contains("running") && lines.contains("succeeded"), "\(result.stdout)")
            #expect(UUID(uuidString: lines.first ?? "") != nil, "\(result.stdout)")
            #expect(lines.contains { $0.contains("'ready': True") }, "\(result.stdout)")
        }
    }
}
