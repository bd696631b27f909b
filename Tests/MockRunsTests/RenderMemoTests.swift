import Foundation
import MockRunsHTTP
import Scenarios
import Testing

@testable import MockRuns

/// A fake's memo of rendered bodies (`RenderMemo`) never answers what a fresh render would not: every poll below
/// is answered through a memo, as the fake answers it, and compared with the body rendered anew from the same
/// view, across every kind of change to a run (phases moved by polls and by seconds, output readiness with the
/// clock, cancel, reset, reload, another engine with the same run ids, other echoed texts, runs polled in turn).
@Suite struct RenderMemoTests {
    static let workspace = "3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10"
    static let descriptors = APIRegistry.fakes.map(\.descriptor)

    static let file = #"""
        {"seed": 7, "clock": {"mode": "virtual"},
         "apis": {"workspace": {
           "defaultRun": {"timeline": [{"state": "queued", "polls": 1}, {"state": "running", "polls": 2},
                                       {"state": "succeeded"}]},
           "runs": [
             {"id": "timed", "fields": {"document_id": "d-1", "output_delay_seconds": 5},
              "timeline": [{"state": "queued", "seconds": 2}, {"state": "running", "seconds": 3.5},
                           {"state": "succeeded", "fields": {"exit_code": 0}}]},
             {"id": "long", "timeline": [{"state": "running"}]}]},
           "wes": {"runs": [{"id": "w", "timeline": [{"state": "QUEUED", "polls": 1}, {"state": "RUNNING", "polls": 1},
                                                     {"state": "COMPLETE"}]}]}}}
        """#

    static func engine(_ text: String = file) throws -> Engine {
        let scenario = try ScenarioLoader(apis: descriptors).load(Array(text.utf8), file: "memo.json")
        return Engine(scenario: scenario, apis: descriptors, time: ManualTimeSource())
    }

    /// Counts the renders a memo asked for, to prove it also keeps what it may keep.
    final class Renders {
        var count = 0
    }

    /// One workspace poll answered as `WorkspaceFake` answers it, checked against a fresh render of the same view.
    @discardableResult
    func poll(
        _ engine: inout Engine, _ id: String, memo: RenderMemo, renders: Renders = Renders(),
        workspace: String = RenderMemoTests.workspace, basePath: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        guard case .found(let view) = engine.read(api: "workspace", id: id) else {
            Issue.record("run \(id) not found", sourceLocation: sourceLocation)
            return ""
        }
        let render = WorkspaceRender(workspace: workspace, now: engine.now, basePath: basePath)
        let kept = memo.body(for: render.memoKey(view)) {
            renders.count += 1
            return render.run(view)
        }
        let fresh = render.run(view)
        #expect(kept.elementsEqual(fresh), "\(id): kept \(String(decoding: kept, as: UTF8.self))", sourceLocation: sourceLocation)
        return String(decoding: kept, as: UTF8.self)
    }

    @Test func phasesMovedByPollsAndTerminalRepeats() throws {
        var e = try Self.engine()
        let memo = RenderMemo()
        let renders = Renders()
        let id = e.createRun(api: "workspace", request: ["workspace_id": .string(Self.workspace)]).id
        var bodies: [String] = []
        for _ in 0..<8 { bodies.append(poll(&e, id, memo: memo, renders: renders)) }
        #expect(bodies[0].contains(#""status":"queued""#))
        #expect(bodies[1].contains(#""status":"running""#))
        #expect(bodies[3].contains(#""status":"succeeded""#))
        // The virtual clock stands still: the running phase's two polls and every terminal poll repeat their body.
        #expect(bodies[1] == bodies[2] && Set(bodies[3...]).count == 1)
        #expect(renders.count == 3)
    }

    @Test func phasesAndOutputMovedBySeconds() throws {
        var e = try Self.engine()
        let memo = RenderMemo()
        var bodies: [String] = []
        // Queued 2 s, running 3.5 s (its duration grows with the clock), then the output is ready 5 s later.
        for step in [0.0, 1, 1, 0.5, 0.25, 3.25, 0, 2, 2.4, 0.1, 0, 100] {
            e.advance(seconds: step)
            bodies.append(poll(&e, "timed", memo: memo))
        }
        #expect(bodies[2].contains(#""status":"running""#) && bodies[2].contains(#""duration_seconds":0,"#))
        #expect(bodies[3].contains(#""duration_seconds":0.5,"#) && bodies[4].contains(#""duration_seconds":0.75,"#))
        #expect(bodies[5].contains(#""status":"succeeded""#) && bodies[5].contains(#""ready":false"#))
        #expect(bodies[5] == bodies[6] && bodies[6] == bodies[7] && bodies[7] == bodies[8])
        #expect(bodies[9].contains(#""ready":true"#) && bodies[9] == bodies[10] && bodies[10] == bodies[11])
    }

    @Test func cancelResetAndReload() throws {
        var e = try Self.engine()
        let memo = RenderMemo()
        let before = poll(&e, "long", memo: memo)
        #expect(poll(&e, "long", memo: memo) == before)
        guard case .accepted = e.send("cancel", api: "workspace", id: "long") else {
            Issue.record("cancel refused")
            return
        }
        let cancelled = poll(&e, "long", memo: memo)
        #expect(cancelled.contains(#""status":"cancelled""#) && cancelled != before)
        e.reset()
        #expect(poll(&e, "long", memo: memo) == before)
        // A reload whose run of the same id shows other fields (the same phase, state and times).
        let edited = Self.file.replacingOccurrences(
            of: #"{"id": "long", "timeline""#, with: #"{"id": "long", "fields": {"failure_message": "edited"}, "timeline""#)
        e.load(try Self.engine(edited).scenario)
        let reloaded = poll(&e, "long", memo: memo)
        #expect(reloaded.contains(#""failure_message":"edited""#))
        e.load(try Self.engine().scenario)
        #expect(poll(&e, "long", memo: memo) == before)
    }

    /// Sessions each have their own engine: runs of the same id in different phases, or with different fields,
    /// never share a body. Engines made and dropped over and over (their parts freed, their memory reused) too.
    @Test func enginesWithTheSameRunIDs() throws {
        let memo = RenderMemo()
        var a = try Self.engine(), b = try Self.engine()
        let idA = a.createRun(api: "workspace", request: ["workspace_id": .string(Self.workspace)]).id
        let idB = b.createRun(api: "workspace", request: ["workspace_id": .string(Self.workspace)]).id
        #expect(idA == idB)
        for _ in 0..<4 { poll(&a, idA, memo: memo) }
        #expect(poll(&b, idB, memo: memo).contains(#""status":"queued""#))
        #expect(poll(&a, idA, memo: memo).contains(#""status":"succeeded""#))
        for n in 0..<50 {
            let text = Self.file.replacingOccurrences(
                of: #"{"id": "long", "timeline""#, with: #"{"id": "long", "fields": {"failure_message": "n\#(n)"}, "timeline""#)
            var fresh = try Self.engine(text)
            #expect(poll(&fresh, "long", memo: memo).contains(#""failure_message":"n\#(n)""#))
        }
    }

    /// The texts a body echoes are in the key: the workspace as the path spells it, the session's base path.
    @Test func echoedTextsAndRunsInTurn() throws {
        var e = try Self.engine()
        let memo = RenderMemo(capacity: 2)
        let upper = Self.workspace.uppercased()
        let ids = (0..<3).map { _ in e.createRun(api: "workspace", request: ["workspace_id": .string(Self.workspace)]).id }
        for round in 0..<5 {
            for id in ids + ["long", "timed"] {
                let plain = poll(&e, id, memo: memo)
                let spelled = poll(&e, id, memo: memo, workspace: upper)
                let session = poll(&e, id, memo: memo, basePath: "/__sessions/s\(round % 2)")
                #expect(spelled.contains(upper) && session.contains("/__sessions/s\(round % 2)/api/v1/workspaces/"))
                #expect(plain != spelled && plain != session)
            }
        }
        #expect(memo.count == 2)
    }

    @Test func boundedInEntriesAndSize() throws {
        let memo = RenderMemo(capacity: 3, largestBody: 100)
        var e = try Self.engine()
        let big = Renders()
        // A run body is some 900 bytes: over the bound, rendered every time and never kept.
        for _ in 0..<3 { poll(&e, "long", memo: memo, renders: big) }
        #expect(big.count == 3 && memo.count == 0)
        let roomy = RenderMemo(capacity: 3)
        let renders = Renders()
        for index in 0..<10 { poll(&e, "long", memo: roomy, renders: renders, basePath: "/__sessions/s\(index)") }
        #expect(roomy.count == 3 && renders.count == 10)
        // The three kept last are found again; the oldest were replaced.
        for index in 7..<10 { poll(&e, "long", memo: roomy, renders: renders, basePath: "/__sessions/s\(index)") }
        #expect(renders.count == 10)
        poll(&e, "long", memo: roomy, renders: renders, basePath: "/__sessions/s0")
        #expect(renders.count == 11 && roomy.count == 3)
    }

    /// Phase stamps: equal for views sharing their phase part, different once the run or the view changes.
    @Test func phaseStamps() throws {
        var e = try Self.engine()
        let peeked = e.peek(api: "workspace", id: "long"), peekedAgain = e.peek(api: "workspace", id: "long")
        let first = try #require(peeked), again = try #require(peekedAgain)
        #expect(first.phaseStamp == again.phaseStamp)
        var edited = again
        edited.fields = ["exit_code": 3]
        #expect(edited.phaseStamp != first.phaseStamp)
        _ = e.send("cancel", api: "workspace", id: "long")
        let afterCancel = e.peek(api: "workspace", id: "long")
        let cancelled = try #require(afterCancel)
        #expect(cancelled.phaseStamp != first.phaseStamp)
        var other = try Self.engine()
        let peekedElsewhere = other.peek(api: "workspace", id: "long")
        let elsewhere = try #require(peekedElsewhere)
        #expect(elsewhere.phaseStamp != first.phaseStamp)
    }

    // MARK: through the fakes

    /// One request answered by `fake` against `scenario`, as the server hands it over (after `refine`).
    func answer(
        _ fake: some APIFake, _ request: HTTPRequest, endpoint: Endpoint, scenario: LiveScenario,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        let endpoint = fake.refine(endpoint, for: request)
        let (settings, now) = scenario.withEngine { ($0.settings(api: fake.descriptor.name), $0.now) }
        let context = FakeContext(
            scenario: scenario, request: request, options: ServerOptions(), settings: settings, now: now,
            deviationLog: { _ in })
        do {
            let response = try fake.handle(request, at: endpoint, context: context)
            guard case .bytes(let body) = response.body else { return "stream" }
            return "\(response.status) \(String(decoding: body, as: UTF8.self))"
        } catch {
            return "error \(error.status) \(error.message)"
        }
    }

    /// Two engines of one scenario driven in lockstep: one answered by a single fake (its memo kept throughout),
    /// the other by a new fake for every request (an empty memo: a fresh render). Every answer must be the same.
    func lockstep<Fake: APIFake>(
        _ make: () -> Fake, scenario text: String, steps: [(request: HTTPRequest, endpoint: Endpoint)?],
        between change: (Int, inout Engine) -> Void = { _, _ in }, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [String] {
        let kept = LiveScenario(try Self.engine(text)), fresh = LiveScenario(try Self.engine(text))
        let fake = make()
        var answers: [String] = []
        for (index, step) in steps.enumerated() {
            kept.withEngine { change(index, &$0) }
            fresh.withEngine { change(index, &$0) }
            guard let step else { continue }
            let memoized = answer(fake, step.request, endpoint: step.endpoint, scenario: kept)
            let rendered = answer(make(), step.request, endpoint: step.endpoint, scenario: fresh)
            #expect(memoized == rendered, "step \(index)", sourceLocation: sourceLocation)
            answers.append(memoized)
        }
        return answers
    }

    @Test func wesStatusThroughTheFake() throws {
        func status(_ id: String) -> (request: HTTPRequest, endpoint: Endpoint)? {
            var headers = HTTPHeaders()
            headers.set("X-SBG-Auth-Token", "tok")
            return (
                HTTPRequest(method: "GET", path: "/ga4gh/wes/v1/runs/\(id)/status", headers: headers),
                Endpoint("get_run_status", runID: id, parameters: ["run_id": id])
            )
        }
        // Polls through each phase, a run of the same phases created in turn, a cancel, a reset, a reload.
        let steps = [status("w"), status("w"), status("w"), status("w"), status("nope"), status("c"), status("w"),
                     status("c"), status("c"), status("w"), status("c"), status("w")]
        let answers = try lockstep(WESFake.init, scenario: Self.file, steps: steps) { index, engine in
            switch index {
            case 5: engine.createRun(api: "wes", request: .object([]), id: "c")
            case 8: _ = engine.send("cancel", api: "wes", id: "c")
            case 9: engine.reset()
            case 10: engine.load(engine.scenario)
            default: break
            }
        }
        #expect(answers.prefix(4) == [
            #"200 {"run_id":"w","state":"QUEUED"}"#, #"200 {"run_id":"w","state":"RUNNING"}"#,
            #"200 {"run_id":"w","state":"COMPLETE"}"#, #"200 {"run_id":"w","state":"COMPLETE"}"#,
        ])
        #expect(answers[4].hasPrefix("error 404") && answers[9] == #"200 {"run_id":"w","state":"QUEUED"}"#)
        #expect(answers[8].contains("CANCEL"), "\(answers)")
    }

    @Test func foundryStatusThroughTheFake() throws {
        let file = #"""
            {"clock": {"mode": "virtual"}, "apis": {"foundry": {"runs": [
              {"match": {"sourceID": "S-1"}, "timeline": [{"state": "RUNNING", "seconds": 2, "fields": {"logMessage": "one"}},
                                                         {"state": "RUNNING", "polls": 1, "fields": {"logMessage": "two"}},
                                                         {"state": "ERROR"}]}]}}}
            """#
        func status(_ source: String) -> (request: HTTPRequest, endpoint: Endpoint)? {
            let query = [("apiKey", "k"), ("sourceID", source), ("status2Match", "error"), ("stepName", "T")]
            return (
                HTTPRequest(method: "GET", path: "/dashboard/run_status", query: query.map { (name: $0.0, value: $0.1) }),
                Endpoint("run_status")
            )
        }
        let steps = [status("S-1"), status("S-1"), status("S-2"), status("S-1"), status("S-1"), status("S-2"),
                     status("S-1"), status("S-1"), status("S-1")]
        let answers = try lockstep(FoundryFake.init, scenario: file, steps: steps) { index, engine in
            if index == 0 {
                for source in ["S-1", "S-2"] {
                    let request: JSON = .object([("sourceID", .string(source)), ("status2Match", "error"), ("stepName", "T")])
                    engine.createRun(api: "foundry", request: request, id: "\(source)/error/T")
                }
            }
            if index == 3 { engine.advance(seconds: 2) }
            if index == 7 { engine.reset() }
        }
        #expect(answers[0] == #"200 {"status":"RUNNING","logMessage":"one"}"#)
        #expect(answers[3] == #"200 {"status":"RUNNING","logMessage":"two"}"#)
        #expect(answers[4].contains(#""status":"ERROR""#) && answers[4].contains("errMessage"))
        #expect(answers[7].hasPrefix("error 404"))
    }

    @Test func workspaceRunThroughTheFake() throws {
        func get(_ id: String, workspace: String = RenderMemoTests.workspace) -> (request: HTTPRequest, endpoint: Endpoint)? {
            var headers = HTTPHeaders()
            headers.set("X-API-Key", "key")
            return (
                HTTPRequest(method: "GET", path: "/api/v1/workspaces/\(workspace)/runs/\(id)", headers: headers),
                Endpoint("get", runID: id, parameters: ["workspaceId": workspace, "runId": id])
            )
        }
        let upper = Self.workspace.uppercased()
        let steps = [get("timed"), get("long"), get("timed"), get("timed", workspace: upper), get("long"), get("timed"),
                     get("timed"), get("long"), get("timed"), get("long"), get("timed")]
        let answers = try lockstep(WorkspaceFake.init, scenario: Self.file, steps: steps) { index, engine in
            switch index {
            case 2, 5: engine.advance(seconds: 3)
            case 8: engine.advance(seconds: 30)
            case 7: _ = engine.send("cancel", api: "workspace", id: "long")
            case 9: engine.reset()
            default: break
            }
        }
        #expect(answers[3].contains(upper) && !answers[2].contains(upper))
        #expect(answers[7].contains(#""status":"cancelled""#) && answers[9].contains(#""status":"running""#))
        #expect(answers[8].contains(#""ready":true"#) && answers[10].contains(#""status":"queued""#))
    }
}
