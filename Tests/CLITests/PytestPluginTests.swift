import Foundation
import MockRunsTesting
import Testing

/// The pytest plugin in clients/python (pytest-mockruns): its own test suite, run by the venv's pytest against the
/// built binary. That suite runs the example suite three times with `pytest -n 4` on one server and compares every
/// test's answers, fails a test whose client broke a verification rule, and kills pytest to check no server stays.
@Suite struct PytestPluginTests {
    @Test func thePluginsOwnSuitePasses() async throws {
        let python = TestPaths.clientsVenv("python")
        try #require(FileManager.default.isExecutableFile(atPath: python), "no venv at \(python): ./scripts/test makes it")
        let outcome = try await ChildProcess.run(
            URL(fileURLWithPath: python),
            ["-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfE", TestPaths.packageRoot.appendingPathComponent("clients/python/tests").path],
            environment: ["MOCKRUNS_BIN": CLI.binary.path, "PYTHONDONTWRITEBYTECODE": "1"],
            directory: FileManager.default.temporaryDirectory, mergeStderr: true, timeout: 600)
        #expect(outcome.status == 0, "\(outcome.stdout)")
        #expect(outcome.stdout.contains(" passed"), "\(outcome.stdout)")
        #expect(!outcome.stdout.contains("skipped"), "\(outcome.stdout)")
    }
}
