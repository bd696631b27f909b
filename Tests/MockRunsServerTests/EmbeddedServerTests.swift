import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import MockRunsServer
import Scenarios
import Testing
import XCTest

/// A client under test, as a user's project would have one: starts a Foundry run and polls it until it ends.
struct FoundryPoller {
    let baseURL: String
    let apiKey: String
    let query = "sourceID=SCR_017041-1&status2Match=error&stepName=transform"

    func status(of path: String, method: String = "GET") async throws -> (code: Int, status: String) {
        let parameters = "apiKey=\(apiKey)&\(query)"
        var request: URLRequest
        if method == "POST" {  // Foundry takes a run's parameters in the body
            request = URLRequest(url: URL(string: "\(baseURL)/dashboard/\(path)")!)
            request.httpMethod = "POST"
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(parameters.utf8)
        } else {
            request = URLRequest(url: URL(string: "\(baseURL)/dashboard/\(path)?\(parameters)")!)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        // Foundry answers its errors in plain text.
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        return ((response as! HTTPURLResponse).statusCode, object?["status"] as? String ?? String(decoding: data, as: UTF8.self))
    }

    /// The states seen, from the start answer to the terminal one.
    func run() async throws -> [String] {
        var states = [try await status(of: "run", method: "POST").status]
        while states.last == "RUNNING" {
            states.append(try await status(of: "run_status").status)
        }
        return states
    }
}

// README "Use it from Swift" is taken from this test.
@Test func pollerStopsAtFinished() async throws {
    let server = try MockRunsServer(scenario: .bundled("default"))
    defer { server.stop() }

    let states = try await FoundryPoller(baseURL: server.url, apiKey: "k").run()

    #expect(states == ["RUNNING", "RUNNING", "RUNNING", "FINISHED"])
    let report = try server.verify()
    #expect(report.failed == false, "\(report.json.serialized())")
    #expect(try server.journal(["api": "foundry"]).count == 4)
}

@Suite struct EmbeddedServerTests {
    @Test func servesOnALoopbackPortAndStops() async throws {
        let server = try MockRunsServer()
        #expect(server.url == "http://127.0.0.1:\(server.port)")
        #expect(server.port > 0)
        let (data, response) = try await URLSession.shared.data(from: URL(string: server.url + "/__mockruns/health")!)
        #expect((response as! HTTPURLResponse).statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self) == #"{"status":"ok"}"#)
        server.stop()
        server.stop()  // twice is harmless
        await #expect(throws: (any Error).self) {
            _ = try await URLSession.shared.data(from: URL(string: server.url + "/__mockruns/health")!)
        }
    }

    @Test func twoServersInOneProcessKeepTheirOwnState() async throws {
        let a = try MockRunsServer(scenario: .bundled("default"))
        let b = try MockRunsServer(scenario: .bundled("default"))
        #expect(a.port != b.port)
        _ = try await FoundryPoller(baseURL: a.url, apiKey: "k").run()
        #expect(try a.journal().count == 4)
        #expect(try b.journal().isEmpty)
        #expect(try a.runs(api: "foundry").count == 1)
        #expect(try b.runs(api: "foundry").isEmpty)
    }

    @Test func resetStartsTheScenarioOver() async throws {
        let server = try MockRunsServer()
        _ = try await FoundryPoller(baseURL: server.url, apiKey: "k").run()
        #expect(try server.runs(api: "foundry").count == 1)
        try server.reset()
        #expect(try server.runs(api: "foundry").isEmpty)
        #expect(try server.journal().isEmpty)
        #expect(try await FoundryPoller(baseURL: server.url, apiKey: "k").run() == ["RUNNING", "RUNNING", "RUNNING", "FINISHED"])
    }

    @Test func loadsInlineJSONAndFiles() async throws {
        let server = try MockRunsServer()
        try server.load(.json(#"""
            {"apis": {"foundry": {"defaultRun": {"timeline": [
              {"state": "RUNNING", "polls": 1}, {"state": "ERROR", "fields": {"logMessage": "boom"}}]}}}}
            """#))
        let seen = try await FoundryPoller(baseURL: server.url, apiKey: "k").run()
        #expect(seen == ["RUNNING", "RUNNING", "ERROR"])  // the start answer, one status read, then the end

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("embedded-\(server.port).json")
        try #"{"apis": {"foundry": {"defaultRun": {"timeline": [{"state": "FINISHED"}]}}}}"#.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try server.load(.file(file.path))
        #expect(try await FoundryPoller(baseURL: server.url, apiKey: "k").run() == ["FINISHED"])
    }

    @Test func aBrokenScenarioNamesTheFileAndThePath() throws {
        let failure = #expect(throws: MockRunsServer.Failure.self) {
            try MockRunsServer(scenario: .json(#"{"apis": {"foundry": {"defaultRun": {"timeline": 3}}}}"#, file: "mine.json"))
        }
        #expect(failure?.message.contains("mine.json") == true, "\(failure?.message ?? "")")
        #expect(failure?.message.contains("timeline") == true, "\(failure?.message ?? "")")
        let unknown = #expect(throws: MockRunsServer.Failure.self) { try MockRunsServer(scenario: .bundled("no-such-scenario")) }
        #expect(unknown?.message.contains("no-such-scenario") == true)
    }

    @Test func advanceMovesTheVirtualClockAndRefusesNonsense() throws {
        let server = try MockRunsServer(scenario: .bundled("foundry-virtual-clock"))
        let before = try #require(Timestamp.parse(server.app.scenario.withEngine { $0.now.iso8601(fractionDigits: 3) }))
        try server.advance(seconds: 90)
        let after = server.app.scenario.withEngine { $0.now }
        #expect(after.milliseconds - before.milliseconds == 90_000)
        let refused = #expect(throws: MockRunsServer.Failure.self) { try server.advance(seconds: -1) }
        #expect(refused?.status == 400)
    }

    @Test func verifyFailsAClientThatPollsPastTheEnd() async throws {
        let server = try MockRunsServer()
        let poller = FoundryPoller(baseURL: server.url, apiKey: "k")
        _ = try await poller.run()
        for _ in 0..<3 { _ = try await poller.status(of: "run_status") }
        let report = try server.verify()
        #expect(report.failed)
        #expect(report.results.contains { $0.verdict == .fail && $0.rule == "poll-after-terminal" })
        // Expectations loosen a rule, as POST /__mockruns/verify's body does.
        let loose = try server.verify(.object([("rules", .object([("poll-after-terminal", .object([("allow", .int(3))]))]))]))
        #expect(loose.failed == false, "\(loose.json.serialized())")
    }
}

/// The same from XCTest.
final class EmbeddedServerXCTests: XCTestCase {
    func testPollerStopsAtFinished() async throws {
        let server = try MockRunsServer(scenario: .bundled("default"))
        defer { server.stop() }
        let states = try await FoundryPoller(baseURL: server.url, apiKey: "k").run()
        XCTAssertEqual(states, ["RUNNING", "RUNNING", "RUNNING", "FINISHED"])
        XCTAssertFalse(try server.verify().failed)
    }
}

/// One embedded server for a whole suite, a session per test: Swift Testing runs these in parallel.
@Suite struct SharedServerTests {
    static let server = try! MockRunsServer()

    @Test(arguments: 0..<8) func eachTestHasItsOwnSession(index: Int) async throws {
        let session = try Self.server.session(scenario: .bundled("default"))
        defer { try? session.close() }
        #expect(session.url == "\(Self.server.url)/__sessions/\(session.name)")
        #expect(try await FoundryPoller(baseURL: session.url, apiKey: "k").run() == ["RUNNING", "RUNNING", "RUNNING", "FINISHED"])
        #expect(try session.journal().count == 4, "another test's requests leaked into this session")
        #expect(try session.runs(api: "foundry").count == 1)
        #expect(try session.verify().failed == false)
    }

    @Test func aNamedSessionLoadsResetsAndCloses() async throws {
        let session = try Self.server.session(name: "embedded-named", scenario: .json(#"""
            {"apis": {"foundry": {"defaultRun": {"timeline": [{"state": "FINISHED"}]}}}}
            """#))
        #expect(session.name == "embedded-named")
        let taken = #expect(throws: MockRunsServer.Failure.self) { try Self.server.session(name: "embedded-named") }
        #expect(taken?.status == 409)
        #expect(try await FoundryPoller(baseURL: session.url, apiKey: "k").run() == ["FINISHED"])
        try session.load(.bundled("foundry-error"))
        #expect(try session.journal().isEmpty)
        #expect(try await FoundryPoller(baseURL: session.url, apiKey: "k").run().last == "ERROR")
        try session.reset()
        #expect(try session.runs(api: "foundry").isEmpty)
        try session.close()
        let gone = #expect(throws: MockRunsServer.Failure.self) { try session.journal() }
        #expect(gone?.status == 404)
    }

    @Test func aBrokenSessionScenarioIsRefusedWithItsPath() throws {
        let refused = #expect(throws: MockRunsServer.Failure.self) {
            try Self.server.session(scenario: .json(#"{"apis": {"wes": {"defaultRun": {"timeline": 3}}}}"#, file: "mine.json"))
        }
        #expect(refused?.message.contains("mine.json") == true && refused?.message.contains("timeline") == true, "\(refused?.message ?? "")")
    }
}
