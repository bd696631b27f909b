import Foundation
import MockRunsHTTP
import Scenarios
import Testing

@testable import MockRuns

/// Solvexia's kept runstatus bodies (`SolvexiaStatusMemo`, the running duration rewritten for each poll) never
/// answer what a fresh render would not: every poll is answered by one fake whose memo is kept throughout and,
/// in lockstep on a twin engine, by a new fake (an empty memo), and both are held to the plain render of the
/// run as it stands, across phase moves, clock moves, cancel, reset, reload, token expiry and every spelling.
@Suite struct SolvexiaStatusMemoTests {
    static let descriptors = APIRegistry.fakes.map(\.descriptor)

    static func file(settings: String = "", tokenLifetime: Int = 30) -> String {
        #"""
        {"seed": 3, "clock": {"mode": "virtual"},
         "apis": {"solvexia": {
           "settings": {"tokenLifetimeSeconds": \#(tokenLifetime)\#(settings)},
           "runs": [
             {"id": "pr-100", "on": {"start": {"timeline": [
                {"state": "Scheduled", "seconds": 2}, {"state": "Running", "seconds": 5.5}, {"state": "Finished"}]}}},
             {"id": "pr-200", "fields": {"name": "second"}, "timeline": [{"state": "Running"}]}]}}}
        """#
    }

    static func engine(_ text: String) throws -> Engine {
        let scenario = try ScenarioLoader(apis: descriptors).load(Array(text.utf8), file: "solvexia-memo.json")
        return Engine(scenario: scenario, apis: descriptors, time: ManualTimeSource())
    }

    static func request(_ method: String, _ path: String, token: String?, body: String = "") -> HTTPRequest {
        var headers: [(String, String)] = body.isEmpty ? [] : [("Content-Type", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return HTTPRequest(method: method, path: path, headers: HTTPHeaders(headers), body: Array(body.utf8))
    }

    /// One request answered by `fake`, as the server hands it over: status and body, or the error.
    static func answer(_ fake: SolvexiaFake, _ request: HTTPRequest, scenario: LiveScenario) -> (status: Int, body: String) {
        let endpoint: Endpoint
        do {
            guard let matched = try fake.routeTable.endpoint(for: request, path: PathSegments(request.path)) else {
                return (0, "no route")
            }
            endpoint = matched
        } catch {
            return (error.status, error.message)
        }
        let refined = fake.refine(endpoint, for: request)
        let (settings, now) = scenario.withEngine { ($0.settings(api: SolvexiaFake.api), $0.now) }
        let context = FakeContext(
            scenario: scenario, request: request, options: ServerOptions(), settings: settings, now: now,
            deviationLog: { _ in })
        do {
            let response = try fake.handle(request, at: refined, context: context)
            guard case .bytes(let body) = response.body else { return (response.status, "stream") }
            return (response.status, String(decoding: body, as: UTF8.self))
        } catch {
            return (error.status, error.message)
        }
    }

    /// The runstatus body rendered anew from the run as it stands (the answer before the memo).
    static func rendered(_ id: String, scenario: LiveScenario) -> String? {
        scenario.withEngine { engine in
            guard let view = engine.peek(api: SolvexiaFake.api, id: id) else { return nil }
            let render = SolvexiaRender(settings: engine.settings(api: SolvexiaFake.api), now: engine.now)
            return String(decoding: render.runStatusAnswer(view), as: UTF8.self)
        }
    }

    enum Step {
        case poll(String)
        case advance(Double)
        case start(String)
        case cancel(String)
        case newToken
        case reset
        case reload(String)
    }

    /// Plays `steps` on two engines of `text`: polls answered by one kept fake and by a new fake each time, both
    /// held to the plain render. Returns the kept fake's poll answers (status and body).
    @discardableResult
    func lockstep(_ text: String, _ steps: [Step], memo fake: SolvexiaFake = SolvexiaFake(), sourceLocation: SourceLocation = #_sourceLocation)
        throws -> [(status: Int, body: String)]
    {
        let kept = LiveScenario(try Self.engine(text)), fresh = LiveScenario(try Self.engine(text))
        var token: String?
        var answers: [(status: Int, body: String)] = []
        func both(_ request: HTTPRequest) -> (status: Int, body: String) {
            let a = Self.answer(fake, request, scenario: kept)
            let b = Self.answer(SolvexiaFake(), request, scenario: fresh)
            #expect(a.status == b.status && a.body == b.body, "\(request.path): \(a) vs \(b)", sourceLocation: sourceLocation)
            return a
        }
        for step in steps {
            switch step {
            case .poll(let id):
                let answer = both(Self.request("GET", "/api/v1/processruns/\(id)/runstatus", token: token))
                if answer.status == 200 {
                    #expect(answer.body == Self.rendered(id, scenario: kept), sourceLocation: sourceLocation)
                }
                answers.append(answer)
            case .advance(let seconds):
                kept.withEngine { $0.advance(seconds: seconds) }
                fresh.withEngine { $0.advance(seconds: seconds) }
            case .start(let id):
                #expect(both(Self.request("POST", "/api/v1/processruns/\(id)/start", token: token)).status == 200, sourceLocation: sourceLocation)
            case .cancel(let id):
                #expect(both(Self.request("POST", "/api/v1/processruns/\(id)/cancel", token: token)).status == 200, sourceLocation: sourceLocation)
            case .newToken:
                let body = #"{"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"}"#
                let issued = both(Self.request("POST", "/oauth/token", token: nil, body: body))
                let json = try JSON.parse(issued.body)
                token = try #require(json["access_token"]?.stringValue, sourceLocation: sourceLocation)
            case .reset:
                kept.withEngine { $0.reset() }
                fresh.withEngine { $0.reset() }
            case .reload(let other):
                let scenario = try Self.engine(other).scenario
                kept.withEngine { $0.load(scenario) }
                fresh.withEngine { $0.load(scenario) }
            }
        }
        return answers
    }

    @Test func phaseAndClockMovesAndTheEnd() throws {
        let answers = try lockstep(
            Self.file(),
            [.newToken, .poll("pr-100"), .start("pr-100"), .poll("pr-100"), .advance(1), .poll("pr-100"), .advance(1.5),
             .poll("pr-100"), .advance(0.4), .poll("pr-100"), .advance(0.7), .poll("pr-100"), .poll("pr-100"), .advance(3),
             .poll("pr-100"), .advance(1), .poll("pr-100"), .advance(60), .newToken, .poll("pr-100")])
        let bodies = answers.map(\.body)
        #expect(bodies[0].contains(#""status":"NotStarted""#) && bodies[0].contains(#""runDurationInSeconds":null"#))
        #expect(bodies[1].contains(#""status":"Scheduled""#))
        // Running from 2 s: 0.5 s, 0.9 s, 1.6 s (twice), 4.6 s in.
        #expect(bodies[3].contains(#""runDurationInSeconds":0,"#) && bodies[3].contains(#""status":"Running""#))
        #expect(bodies[4].contains(#""runDurationInSeconds":0,"#) && bodies[5].contains(#""runDurationInSeconds":1,"#))
        #expect(bodies[5] == bodies[6] && bodies[7].contains(#""runDurationInSeconds":4,"#))
        // Finished at 7.5 s: 5.5 s of running, however long after it is polled.
        #expect(bodies[8].contains(#""status":"Finished""#) && bodies[8].contains(#""runDurationInSeconds":5,"#))
        #expect(bodies[8] == bodies[9])
    }

    /// A run running forever: its duration grows past every digit count, while its phase's body is rendered once.
    @Test func longRunningDurationsAndOneRender() throws {
        let fake = SolvexiaFake()
        var steps: [Step] = [.newToken]
        for seconds in [0.2, 0.9, 8, 90, 900, 9_000, 90_000, 9_000_000] { steps += [.advance(seconds), .poll("pr-200")] }
        let answers = try lockstep(Self.file(tokenLifetime: 31_536_000), steps, memo: fake)
        #expect(answers.allSatisfy { $0.status == 200 })
        #expect(answers[0].body.contains(#""runDurationInSeconds":0,"#))
        #expect(answers.last?.body.contains(#""runDurationInSeconds":9099999,"#) == true)
        #expect(Set(answers.map(\.body)).count == answers.count)
        #expect(fake.statusMemo.count == 1)
    }

    /// An expired token is refused with the memo holding the run's body; a new token is answered from it again.
    @Test func tokenExpiryBetweenPolls() throws {
        let answers = try lockstep(
            Self.file(),
            [.newToken, .poll("pr-200"), .advance(29), .poll("pr-200"), .advance(1), .poll("pr-200"), .newToken,
             .poll("pr-200"), .advance(45), .poll("pr-200")])
        #expect(answers.map(\.status) == [200, 200, 403, 200, 403])
        #expect(answers[2].body.contains("expired") && answers[3].body.contains(#""runDurationInSeconds":30,"#))
    }

    @Test func cancelResetAndReload() throws {
        let edited = Self.file().replacingOccurrences(of: #"{"id": "pr-200", "fields": {"name": "second"}, "timeline": [{"state": "Running"}]}"#,
            with: #"{"id": "pr-200", "timeline": [{"state": "Running", "seconds": 1}, {"state": "TimedOut"}]}"#)
        #expect(edited != Self.file())
        let answers = try lockstep(
            Self.file(),
            [.newToken, .advance(3), .poll("pr-200"), .cancel("pr-200"), .poll("pr-200"), .advance(5), .poll("pr-200"),
             .reset, .newToken, .advance(2), .poll("pr-200"), .reload(edited), .newToken, .advance(4), .poll("pr-200"),
             .reload(Self.file()), .newToken, .poll("pr-200"), .advance(2), .poll("pr-200")])
        let bodies = answers.map(\.body)
        #expect(bodies[1].contains(#""status":"Cancelled""#) && bodies[1] == bodies[2])
        #expect(bodies[3].contains(#""status":"Running""#))
        #expect(bodies[4].contains(#""status":"TimedOut""#) && bodies[4].contains(#""runDurationInSeconds":1,"#))
        #expect(bodies[5].contains(#""status":"Running""#) && bodies[6].contains(#""runDurationInSeconds":2,"#))
    }

    /// Every spelling of the answer, including the array shape (its step durations follow the clock too: never
    /// kept). The memo's key holds no setting: a reload with other settings makes new phase parts.
    @Test(arguments: [
        "", #", "durationField": "runDurationInSec""#, #", "timestampFormat": "trimmedZ""#,
        #", "timestampFormat": "iso8601Z", "emptyDates": "empty""#, #", "emptyDates": "null""#,
        #", "runStatusShape": "array""#, #", "runStatusShape": "array", "cancelledStepStatus": "cancelled""#,
    ])
    func everySpelling(_ settings: String) throws {
        let fake = SolvexiaFake()
        let steps: [Step] = [
            .newToken, .poll("pr-100"), .start("pr-100"), .advance(2.25), .poll("pr-100"), .advance(1), .poll("pr-100"),
            .poll("pr-200"), .advance(1.5), .poll("pr-200"), .cancel("pr-200"), .poll("pr-200"), .advance(9), .poll("pr-100"),
            .reload(Self.file(settings: #", "durationField": "runDurationInSec""#)), .newToken, .advance(3), .poll("pr-200"),
        ]
        let answers = try lockstep(Self.file(settings: settings), steps, memo: fake)
        #expect(answers.allSatisfy { $0.status == 200 })
        #expect(answers.last?.body.contains(#""runDurationInSec":3,"#) == true)
        if settings.contains("array") {
            #expect(answers[1].body.hasPrefix("[") && fake.statusMemo.count == 1)
        } else {
            #expect(answers[1].body.hasPrefix("{"))
        }
    }

    /// Sessions have engines of their own: runs of one id in two engines never share a body, nor do engines made
    /// and dropped over and over (their parts freed, their memory reused); the memo keeps `capacity` bodies.
    @Test func enginesWithTheSameRunIDsAndTheBound() throws {
        let memo = SolvexiaStatusMemo(capacity: 3)
        for n in 0..<40 {
            let settings = n % 2 == 0 ? "" : #", "durationField": "runDurationInSec""#
            let text = Self.file(settings: settings).replacingOccurrences(of: #""second""#, with: #""n\#(n)""#)
            var engine = try Self.engine(text)
            engine.advance(seconds: Double(n))
            guard case .found(let view) = engine.read(api: SolvexiaFake.api, id: "pr-200") else {
                Issue.record("pr-200 not found")
                return
            }
            let render = SolvexiaRender(settings: engine.settings(api: SolvexiaFake.api), now: engine.now)
            let kept = memo.answer(view, at: engine.now) { render.runStatusBody(view) }
            #expect(kept == render.runStatusAnswer(view))
            #expect(String(decoding: kept, as: UTF8.self).contains(n % 2 == 0 ? #"Seconds":\#(n),"# : #"Sec":\#(n),"#))
        }
        #expect(memo.count == 3)
    }

    /// A body over the limit is answered and not kept.
    @Test func largeBodiesAreNotKept() throws {
        let memo = SolvexiaStatusMemo(largestBody: 40)
        var engine = try Self.engine(Self.file())
        guard case .found(let view) = engine.read(api: SolvexiaFake.api, id: "pr-200") else {
            Issue.record("pr-200 not found")
            return
        }
        let render = SolvexiaRender(settings: engine.settings(api: SolvexiaFake.api), now: engine.now)
        #expect(memo.answer(view, at: engine.now) { render.runStatusBody(view) } == render.runStatusAnswer(view))
        #expect(memo.count == 0)
    }
}
