import Testing

@testable import Scenarios

/// `read(api:id:if:)`, the workspace's status read of a run it may see: where the run is visible it is exactly a
/// `read`; where it is not (or unknown) nothing is counted or observed, as when it was a `peek` then no read.
@Suite struct ConditionalReadTests {
    let file = #"""
        {"clock": {"mode": "polls", "tick": 1},
         "apis": {"jobs": {"runs": [{"id": "r", "notFoundAfter": 1,
           "timeline": [{"state": "QUEUED", "polls": 1}, {"state": "RUNNING", "seconds": 2}, {"state": "DONE"}]}]}}}
        """#

    func describe(_ result: ReadResult) -> String {
        switch result {
        case .found(let run): "found \(run.state) \(run.reads) \(run.terminalReads)"
        case .gone(let run): "gone \(run.state) \(run.reads)"
        case .notFound: "notFound"
        }
    }

    @Test func aVisibleRunIsReadAsByRead() throws {
        var plain = try engine(file), conditional = try engine(file)
        for step in 0..<8 {
            _ = plain.admit(api: "jobs", endpoint: "status", runID: "r")
            _ = conditional.admit(api: "jobs", endpoint: "status", runID: "r")
            var seen: [String] = []
            let expected = describe(plain.read(api: "jobs", id: "r"))
            let got = describe(conditional.read(api: "jobs", id: "r") { seen.append($0.state); return true })
            #expect(got == expected, "step \(step)")
            #expect(conditional.observation == plain.observation, "step \(step)")
            #expect(seen.count == 1)
        }
    }

    @Test func anInvisibleOrUnknownRunIsNeitherCountedNorObserved() throws {
        var e = try engine(file)
        _ = e.admit(api: "jobs", endpoint: "status", runID: "r")
        let before = e.observation
        #expect(describe(e.read(api: "jobs", id: "r") { _ in false }) == "notFound")
        #expect(describe(e.read(api: "jobs", id: "nope") { _ in true }) == "notFound")
        #expect(e.observation == before)
        let peeked = e.peek(api: "jobs", id: "r")
        let run = try #require(peeked)
        #expect(run.reads == 0 && run.state == "QUEUED")
        // The plain read still observes an unknown id.
        _ = e.read(api: "jobs", id: "nope")
        #expect(e.observation.unknownRun && e.observation.run == "nope")
    }
}
