import Scenarios
import Testing

/// What the status-read path keeps for speed (API slots by name, the all-requests counter, the terminal flag a
/// run notes on entering a phase, peeking in place) must answer as a plain look-up would.
@Suite struct EngineHotPathTests {
    /// `settings(api:)` reads the API's own script: the same as the scenario's settings, for an API the file
    /// sets, one it leaves out and one the engine was not given.
    @Test func settingsAreTheScenariosForEveryAPI() throws {
        for text in ["{}", #"{"apis": {"jobs": {"settings": {"style": "snake"}}}}"#] {
            let e = try engine(text)
            for api in ["jobs", "other", "nosuch", ""] {
                #expect(e.settings(api: api) == (e.scenario.apis[api]?.settings ?? [:]), "\(api) in \(text)")
            }
        }
        #expect(try engine(#"{"apis": {"jobs": {"settings": {"style": "snake"}}}}"#).settings(api: "jobs")["style"] == "snake")
    }

    /// A `*` rule counts every request of its API once, whichever endpoint; other APIs' requests do not count.
    @Test func starRuleCountsEachRequestOnce() throws {
        var e = try engine(#"{"apis": {"jobs": {"faults": [{"endpoint": "*", "every": 3, "respond": {"status": 503}}]}}}"#)
        var hits: [Int] = []
        for (n, endpoint) in ["status", "create", "cancel", "status", "other", "status"].enumerated() {
            _ = e.admit(api: "other", endpoint: "status")
            if e.admit(api: "jobs", endpoint: endpoint).fault?.status == 503 { hits.append(n + 1) }
        }
        #expect(hits == [3, 6])
        // status, create, cancel, other and * for jobs; status and * for other.
        #expect(e.requestCounterCount == 7)
    }

    /// Whether a run is terminal follows every way it changes phase: polls, events, rewinds, time.
    @Test func terminalFlagFollowsEveryPhaseChange() throws {
        var e = try engine(#"{"apis": {"jobs": {"runs": [{"id": "timed", "timeline": [{"state": "RUNNING", "seconds": 5}, {"state": "DONE"}]}]}}}"#)
        let id = e.createRun(api: "jobs", request: [:]).id
        var shown: [String] = []
        for _ in 0..<5 {
            guard case .found(let run) = e.read(api: "jobs", id: id) else { Issue.record("not found"); return }
            #expect(run.isTerminal == (run.state == "DONE"))
            #expect(e.observation.terminal == run.isTerminal)
            #expect(e.peek(api: "jobs", id: id)?.isTerminal == run.isTerminal)
            shown.append(run.state)
        }
        #expect(shown == ["QUEUED", "RUNNING", "RUNNING", "DONE", "DONE"])
        #expect(e.rewind(api: "jobs", id: id, toPhase: 0)?.isTerminal == false)
        guard case .accepted(let cancelling) = e.send("cancel", api: "jobs", id: id) else { Issue.record("refused"); return }
        #expect(cancelling.state == "CANCELLING" && !cancelling.isTerminal)
        #expect(e.states(id, reads: 2) == ["CANCELLING", "CANCELLED"])
        #expect(e.peek(api: "jobs", id: id)?.isTerminal == true)
        // A timed phase ends with the clock, not a read: peek sees it.
        #expect(e.peek(api: "jobs", id: "timed")?.isTerminal == false)
        e.advance(seconds: 5)
        #expect(e.peek(api: "jobs", id: "timed")?.state == "DONE")
        #expect(e.peek(api: "jobs", id: "timed")?.isTerminal == true)
    }

    /// Peeking settles the run in place but counts no read; reading counts one; unknown ids stay unknown.
    @Test func peekCountsNoRead() throws {
        var e = try engine("{}")
        let id = e.createRun(api: "jobs", request: [:]).id
        for _ in 0..<3 { #expect(e.peek(api: "jobs", id: id)?.reads == 0) }
        _ = e.read(api: "jobs", id: id)
        #expect(e.peek(api: "jobs", id: id)?.reads == 1)
        #expect(e.peek(api: "jobs", id: "nosuch") == nil)
        #expect(e.peek(api: "nosuch", id: id) == nil)
        guard case .notFound = e.read(api: "nosuch", id: id) else { Issue.record("found under another API"); return }
        #expect(e.observation.unknownRun)
    }
}

/// `countAnswer` numbers an API's answers (the workspace API's request ids are drawn from the number): from 1, per
/// API, apart from the values a fake stores, and from 1 again after a reset or a new scenario.
@Suite struct AnswerCounterTests {
    @Test func countsEachAPIsAnswersFromOne() throws {
        var e = try engine("{}")
        #expect((1...3).map { _ in e.countAnswer(api: "jobs") } == [1, 2, 3])
        #expect(e.countAnswer(api: "other") == 1)
        #expect(e.countAnswer(api: "jobs") == 4)
        // Not a stored value: storing under any name leaves the count alone, and the count stores nothing.
        e.store(api: "jobs", "requests", .int(41))
        #expect(e.countAnswer(api: "jobs") == 5)
        #expect(e.stored(api: "jobs", "requests") == .int(41))
        #expect(e.stored(api: "jobs", "answers") == nil)
        // An API the engine was not given keeps nothing.
        #expect(e.countAnswer(api: "nosuch") == 1)
        #expect(e.countAnswer(api: "nosuch") == 1)
        e.reset()
        #expect(e.countAnswer(api: "jobs") == 1)
        #expect(e.countAnswer(api: "jobs") == 2)
        e.load(try scenario("{}"))
        #expect(e.countAnswer(api: "jobs") == 1)
    }
}

/// The run looked up last is remembered with where it is in its table: every change to which runs the table holds
/// (a creation, a re-creation of the same id, the table growing, a run forgotten) must forget that, and ids that
/// are equal Strings in other bytes must find what the table finds.
@Suite struct LastFoundRunTests {
    @Test func theTableGrowingPastItsReserveKeepsEveryRunFound() throws {
        var e = try engine("{}")
        let first = e.createRun(api: "jobs", request: [:]).id
        #expect(e.states(first, reads: 1) == ["QUEUED"])
        // Past `RunTable.reserveAt` runs the table is sized for all it may keep: the run must still be found.
        for _ in 0..<4_200 {
            _ = e.createRun(api: "jobs", request: [:])
            if e.runCount % 700 == 0 { #expect(e.states(first, reads: 1) != ["404"]) }
        }
        let state = e.peek(api: "jobs", id: first)
        #expect(state?.id == first && state?.reads == 7)
    }

    @Test func aForgottenRunIsNotFoundEvenRightAfterBeingFound() throws {
        var e = Engine(scenario: try scenario("{}"), apis: [testAPI, otherAPI], time: ManualTimeSource(), maximumRuns: 2)
        let a = e.createRun(api: "jobs", request: [:]).id
        let b = e.createRun(api: "jobs", request: [:]).id
        #expect(e.states(a, reads: 2) == ["QUEUED", "RUNNING"])
        _ = e.createRun(api: "jobs", request: [:])  // forgets a, the oldest
        #expect(e.states(a, reads: 1) == ["404"])
        #expect(e.peek(api: "jobs", id: a) == nil)
        #expect(e.states(b, reads: 1) == ["QUEUED"])
    }

    @Test func aRecreatedIDShowsTheNewRun() throws {
        var e = try engine("{}")
        let id = e.createRun(api: "jobs", request: [:], id: "same").id
        #expect(e.states(id, reads: 3) == ["QUEUED", "RUNNING", "RUNNING"])
        _ = e.createRun(api: "jobs", request: ["name": "again"], id: "same")
        #expect(e.states(id, reads: 1) == ["QUEUED"])
        #expect(e.peek(api: "jobs", id: id)?.request["name"] == "again")
    }

    /// "é" precomposed and "e" with a combining accent are one dictionary key: found the same, whichever came last.
    @Test func canonicallyEqualIDsFindTheSameRun() throws {
        var e = try engine("{}")
        _ = e.createRun(api: "jobs", request: [:], id: "caf\u{E9}")
        for id in ["caf\u{E9}", "cafe\u{301}", "caf\u{E9}", "cafe", "cafe\u{301}"] {
            let found = e.peek(api: "jobs", id: id)
            #expect((found != nil) == (id != "cafe"), "\(Array(id.unicodeScalars))")
        }
        #expect(e.peek(api: "other", id: "caf\u{E9}") == nil)
    }
}
