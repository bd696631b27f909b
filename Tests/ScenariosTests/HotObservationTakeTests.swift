import Scenarios
import Testing

/// `takeObservation` hands the server what the engine saw of the request being served (instead of a copy), and
/// leaves nothing of it behind for the next request.
@Suite struct HotObservationTakeTests {
    /// Everything a request's serving noted comes out whole, and the engine is left with an empty observation.
    @Test func takesTheWholeObservationAndLeavesAnEmptyOne() throws {
        var e = try engine(#"{"apis": {"jobs": {"runs": [{"id": "r1", "timeline": [{"state": "RUNNING"}]}]}}}"#)
        _ = e.admit(api: "jobs", endpoint: "status", runID: "r1")
        _ = e.read(api: "jobs", id: "r1")
        _ = e.authorize(api: "jobs", credential: "tok", permission: "read")
        e.noteDeviation("a deviation")
        let seen = e.observation
        #expect(seen.run == "r1" && seen.state == "RUNNING" && seen.statusRead)
        #expect(seen.credential == "tok" && seen.deviations == ["a deviation"])
        let taken = e.takeObservation()
        #expect(taken == seen)
        #expect(e.observation == Observation())
        // Taken twice: the second is empty, not the first again.
        #expect(e.takeObservation() == Observation())
    }

    /// After a take, the next request's observation holds only what that request did (an unknown id here).
    @Test func theNextRequestStartsFromNothing() throws {
        var e = try engine(#"{"apis": {"jobs": {"runs": [{"id": "r1", "timeline": [{"state": "RUNNING"}]}]}}}"#)
        _ = e.admit(api: "jobs", endpoint: "status", runID: "r1")
        _ = e.read(api: "jobs", id: "r1")
        _ = e.authorize(api: "jobs", credential: "tok", permission: "read")
        _ = e.takeObservation()
        _ = e.admit(api: "jobs", endpoint: "status", runID: "nope")
        _ = e.read(api: "jobs", id: "nope")
        let next = e.takeObservation()
        #expect(next.run == "nope" && next.unknownRun && next.statusRead)
        #expect(next.state == nil && next.credential == nil && next.auth == nil && next.deviations.isEmpty)
    }
}
