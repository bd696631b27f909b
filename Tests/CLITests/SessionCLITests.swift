import Foundation
import MockRunsTesting
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `--max-sessions` and `--session-ttl` as a user meets them: checked at start, and the cap and `--public-url`
/// reaching the sessions of the served binary.
@Suite struct SessionCLITests {
    @Test(arguments: [
        (["--max-sessions=-1"], "--max-sessions must be from 0 to 100000, got -1"),
        (["--max-sessions", "100001"], "--max-sessions must be from 0 to 100000, got 100001"),
        (["--session-ttl", "0"], "--session-ttl must be a number of seconds above 0"),
        (["--session-ttl", "inf"], "--session-ttl must be a number of seconds above 0"),
    ])
    func badSessionOptionsAreOneLineUsageErrors(arguments: [String], says: String) async throws {
        let (status, out, err) = try await CLI.run(["--port", "0"] + arguments)
        #expect(status == 64, "stderr: \(err)")
        #expect(out.isEmpty)
        #expect(err.contains(says), "stderr: \(err)")
        #expect(err.split(separator: "\n").count == 1, "stderr: \(err)")
    }

    func post(_ url: String) async throws -> (Int, [String: Any]) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    @Test func theServedBinaryHonoursTheCapAndThePublicURL() async throws {
        let process = try CLI.start([
            "--port", "0", "--log-level", "warning", "--max-sessions", "1", "--session-ttl", "3600",
            "--public-url", "https://mock.test:8443",
        ])
        let line = try await process.firstLine()
        let ready = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let base = try #require(ready["url"] as? String)
        let (status, made) = try await post(base + "/__mockruns/sessions")
        #expect(status == 201)
        #expect(made["url"] as? String == "https://mock.test:8443/__sessions/s1")
        let (refused, body) = try await post(base + "/__mockruns/sessions")
        #expect(refused == 429)
        #expect((body["error"] as? String)?.contains("1 sessions exist, the cap is --max-sessions 1") == true, "\(body)")
        process.signal(SIGTERM)
        #expect(try await process.wait(timeout: 10) == 0)
    }
}
