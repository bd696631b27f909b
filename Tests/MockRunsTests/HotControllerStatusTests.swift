import MockRunsHTTP
import Scenarios
import Testing

@testable import MockRuns

/// The Controller's run_status bodies kept per run phase (`ControllerFake.statusMemo`): every poll's body is the
/// one its run's phase shows as the journal saw it (`status` field, else the state), through phase moves, two
/// runs polled in turn, an unknown resource and a reset that starts the runs over.
@Suite struct HotControllerStatusTests {
    static let file = #"""
        {"apis": {"controller": {"runs": [
          {"id": "R1", "timeline": [{"state": "Running", "polls": 2, "fields": {"status": "Queued here"}},
                                    {"state": "HOLD", "polls": 1}, {"state": "Finished"}]},
          {"id": "R2", "timeline": [{"state": "Running", "polls": 1}, {"state": "Error"}]}]}}}
        """#

    func app() throws -> MockRunsApp {
        let scenario = try ScenarioLoader(apis: APIRegistry.fakes.map(\.descriptor)).load(Array(Self.file.utf8), file: "c.json")
        return MockRunsApp(scenario: scenario, time: ManualTimeSource())
    }

    /// One poll's body, and the state the journal saw the run in.
    func poll(_ app: MockRunsApp, _ resource: String) -> (body: String, state: String?) {
        let reply = app.respond(
            to: HTTPRequest(method: "GET", path: "/controller/run_status", query: [("api_key", "k"), ("resourceID", resource)]))
        guard case .bytes(let bytes) = reply.response.body else { return ("", nil) }
        let state = app.root.journal.withLock { $0.kept.last?.observation.state }
        return (String(decoding: bytes, as: UTF8.self), state)
    }

    func expected(_ state: String?) -> String {
        let status = state.map { $0 == "Running" ? "Queued here" : $0 } ?? "No ongoing run"
        return #"{"status":"\#(status)"}"#
    }

    @Test func everyBodyIsItsPhases() throws {
        let app = try app()
        var seen: [String] = []
        for _ in 0..<2 {
            for round in 0..<6 {
                let one = poll(app, "R1")
                #expect(one.body == expected(one.state), "round \(round)")
                if seen.last != one.body { seen.append(one.body) }
                let two = poll(app, "R2")
                #expect(two.body == (two.state == "Running" ? #"{"status":"Running"}"# : #"{"status":"Error"}"#))
                #expect(poll(app, "R404").body == #"{"status":"No ongoing run"}"#)
            }
            _ = app.respond(to: HTTPRequest(method: "POST", path: "/__mockruns/reset"))
        }
        #expect(seen == [expected("Running"), expected("HOLD"), expected("Finished"), expected("Running"), expected("HOLD"), expected("Finished")])
    }
}
