import Scenarios
import Testing

/// `Engine.createRunID` makes the run `createRun` makes, without its view: the same ids, the same observation,
/// and every later read (polls through phases, a scripted match, a timed phase, an event) shows the same run.
@Suite struct HotCreateRunIDTests {
    static let file = #"""
        {"seed": 11, "clock": {"mode": "virtual"}, "apis": {"jobs": {
          "defaultRun": {"timeline": [{"state": "QUEUED", "polls": 1, "log": ["queued"]},
                                      {"state": "RUNNING", "polls": 2, "fields": {"pct": 1}, "log": ["a", "b"]},
                                      {"state": "DONE", "fields": {"pct": 100}}]},
          "runs": [{"match": {"name": "me"}, "fields": {"error": "e"},
                    "timeline": [{"state": "RUNNING", "seconds": 2}, {"state": "DONE"}]}]}}}
        """#

    /// What a reader sees of a run (a view has no `==`: its parts compared one by one, as text).
    static func shown(_ view: RunView) -> String {
        "\(view.id) \(view.state) \(view.isTerminal) \(view.fields.serialized()) \(view.request.serialized()) "
            + "\(view.createdAt) \(view.history.map { "\($0.state)@\($0.at)" }) \(view.log.map { "\($0.line)@\($0.at)" }) "
            + "\(view.event ?? "-") \(view.phaseIndex) \(view.reads) \(view.terminalReads) \(view.gone)"
    }

    @Test func theRunIsTheOneCreateRunMakes() throws {
        let time = ManualTimeSource(), time2 = ManualTimeSource()
        var a = try engine(Self.file, time: time), b = try engine(Self.file, time: time2)
        let requests: [JSON] = [[:], ["name": "me"], ["name": "me"], ["name": 3]]
        var ids: [String] = []
        for request in requests {
            let view = a.createRun(api: "jobs", request: request)
            let id = b.createRunID(api: "jobs", request: request)
            #expect(id == view.id)
            #expect(a.observation == b.observation)
            ids.append(id)
        }
        #expect(Set(ids).count == ids.count)
        for round in 0..<6 {
            if round == 3 {
                time.advance(by: 3)
                time2.advance(by: 3)
            }
            for id in ids {
                let x = a.read(api: "jobs", id: id), y = b.read(api: "jobs", id: id)
                guard case .found(let one) = x, case .found(let two) = y else {
                    Issue.record("\(id) round \(round): \(x.state ?? "none") / \(y.state ?? "none")")
                    continue
                }
                #expect(Self.shown(one) == Self.shown(two), "\(id) round \(round)")
                #expect(a.observation == b.observation)
            }
        }
        #expect(a.createRun(api: "jobs", request: [:], id: "mine").id == b.createRunID(api: "jobs", request: [:], id: "mine"))
        #expect(a.observation == b.observation)
    }
}
