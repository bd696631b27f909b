import Scenarios
import Testing

@Suite struct TimelineTests {
    @Test func defaultLifecycleAdvancesByPolls() throws {
        var e = try engine("{}")
        let run = e.createRun(api: "jobs", request: [:])
        #expect(run.state == "QUEUED")
        #expect(e.states(run.id, reads: 5) == ["QUEUED", "RUNNING", "RUNNING", "DONE", "DONE"])
    }

    @Test func scriptedTimelineByPolls() throws {
        var e = try engine(
            """
            {"apis": {"jobs": {"runs": [{"timeline": [
              {"state": "QUEUED", "polls": 2}, {"state": "RUNNING", "polls": 1, "fields": {"pct": 50}},
              {"state": "FAILED", "fields": {"error": "boom"}}]}]}}}
            """)
        let id = e.createRun(api: "jobs", request: [:]).id
        #expect(e.states(id, reads: 4) == ["QUEUED", "QUEUED", "RUNNING", "FAILED"])
        guard case .found(let run) = e.read(api: "jobs", id: id) else { Issue.record("run gone"); return }
        #expect(run.fields["error"] == "boom")
        #expect(run.isTerminal)
    }

    @Test func phasesBySecondsOnVirtualClock() throws {
        var e = try engine(
            """
            {"clock": {"mode": "virtual", "epoch": "2030-05-01T10:00:00Z"},
             "apis": {"jobs": {"defaultRun": {"timeline": [
               {"state": "QUEUED", "seconds": 10}, {"state": "RUNNING", "seconds": 30}, {"state": "DONE"}]}}}}
            """)
        let id = e.createRun(api: "jobs", request: [:]).id
        #expect(e.states(id, reads: 3) == ["QUEUED", "QUEUED", "QUEUED"])
        e.advance(seconds: 10)
        #expect(e.read(api: "jobs", id: id).state == "RUNNING")
        e.advance(seconds: 100)
        guard case .found(let run) = e.read(api: "jobs", id: id) else { Issue.record("run gone"); return }
        #expect(run.state == "DONE")
        // Entry times are exact: the phase ends are on the scenario clock, not when the read happened.
        #expect(run.entered("RUNNING")?.iso8601() == "2030-05-01T10:00:10Z")
        #expect(run.entered("DONE")?.iso8601() == "2030-05-01T10:00:40Z")
    }

    @Test func wallClockUsesInjectedTimeScaled() throws {
        let time = ManualTimeSource(100)
        var e = try engine(
            """
            {"clock": {"mode": "wall", "timeScale": 10},
             "apis": {"jobs": {"defaultRun": {"timeline": [{"state": "RUNNING", "seconds": 60}, {"state": "DONE"}]}}}}
            """, time: time)
        let id = e.createRun(api: "jobs", request: [:]).id
        time.advance(by: 5)
        #expect(e.read(api: "jobs", id: id).state == "RUNNING")
        time.advance(by: 1)
        #expect(e.read(api: "jobs", id: id).state == "DONE")
        #expect(e.now.iso8601() == "2025-01-01T00:01:00Z")
    }

    @Test func loopingTimelineStartsAgain() throws {
        var e = try engine(
            """
            {"apis": {"jobs": {"defaultRun": {"loop": true, "timeline": [
              {"state": "QUEUED", "polls": 1}, {"state": "RUNNING", "polls": 1}]}}}}
            """)
        let id = e.createRun(api: "jobs", request: [:]).id
        #expect(e.states(id, reads: 5) == ["QUEUED", "RUNNING", "QUEUED", "RUNNING", "QUEUED"])
    }

    @Test func notFoundAfterFinish() throws {
        var e = try engine(
            """
            {"apis": {"jobs": {"defaultRun": {"notFoundAfter": 2, "timeline": [
              {"state": "RUNNING", "polls": 1}, {"state": "DONE"}]}}}}
            """)
        let id = e.createRun(api: "jobs", request: [:]).id
        #expect(e.states(id, reads: 5) == ["RUNNING", "DONE", "DONE", "404", "404"])
        #expect(e.read(api: "jobs", id: id).isGone)
    }

    @Test func notFoundImmediatelyAfterFinish() throws {
        var e = try engine(
            """
            {"apis": {"jobs": {"defaultRun": {"notFoundAfter": 0, "timeline": [
              {"state": "RUNNING", "polls": 1}, {"state": "DONE"}]}}}}
            """)
        let id = e.createRun(api: "jobs", request: [:]).id
        #expect(e.states(id, reads: 3) == ["RUNNING", "404", "404"])
    }

    @Test func unknownRunIsNotFound() throws {
        var e = try engine("{}")
        #expect(e.states("nope", reads: 1) == ["404"])
        #expect(e.peek(api: "jobs", id: "nope") == nil)
    }

    @Test func logLinesAccumulateOnEntry() throws {
        var e = try engine(
            """
            {"apis": {"jobs": {"defaultRun": {"timeline": [
              {"state": "QUEUED", "polls": 1, "log": ["queued"]},
              {"state": "RUNNING", "polls": 1, "log": ["step 1", "step 2"]}, {"state": "DONE", "log": ["done"]}]}}}}
            """)
        let id = e.createRun(api: "jobs", request: [:]).id
        #expect(e.peek(api: "jobs", id: id)?.log.map(\.line) == ["queued"])
        _ = e.states(id, reads: 2)
        #expect(e.peek(api: "jobs", id: id)?.log.map(\.line) == ["queued", "step 1", "step 2"])
    }
}

@Suite struct RunMatchingTests {
    @Test func runsAreClaimedByFieldThenByOrderThenDefault() throws {
        var e = try engine(
            """
            {"apis": {"jobs": {"runs": [
              {"timeline": [{"state": "FAILED"}]},
              {"match": {"name": "special"}, "timeline": [{"state": "CANCELLED"}]},
              {"timeline": [{"state": "RUNNING"}]}]}}}
            """)
        #expect(e.createRun(api: "jobs", request: ["name": "plain"]).state == "FAILED")
        #expect(e.createRun(api: "jobs", request: ["name": "special"]).state == "CANCELLED")
        #expect(e.createRun(api: "jobs", request: ["name": "special"]).state == "RUNNING")
        #expect(e.createRun(api: "jobs", request: [:]).state == "QUEUED")
    }

    @Test func scriptedIdsExistFromTheStart() throws {
        var e = try engine(
            """
            {"apis": {"jobs": {"runs": [{"id": "fixed-1", "timeline": [{"state": "DONE"}]}]}}}
            """)
        #expect(e.read(api: "jobs", id: "fixed-1").state == "DONE")
        #expect(e.runs(api: "jobs").map(\.id) == ["fixed-1"])
    }

    @Test func twoRunsNeverShareState() throws {
        var e = try engine("{}")
        let a = e.createRun(api: "jobs", request: [:]).id
        let b = e.createRun(api: "jobs", request: [:]).id
        #expect(a != b)
        _ = e.states(a, reads: 4)
        #expect(e.read(api: "jobs", id: b).state == "QUEUED")
        #expect(e.read(api: "jobs", id: a).state == "DONE")
    }

    @Test func explicitIdRestartsTheRun() throws {
        var e = try engine("{}")
        e.createRun(api: "jobs", request: [:], id: "key")
        _ = e.states("key", reads: 4)
        e.createRun(api: "jobs", request: [:], id: "key")
        #expect(e.read(api: "jobs", id: "key").state == "QUEUED")
        #expect(e.runs(api: "jobs").count == 1)
    }
}

@Suite struct EventTests {
    static let cancellable = """
        {"apis": {"jobs": {"defaultRun": {"timeline": [
          {"state": "QUEUED", "polls": 1}, {"state": "RUNNING", "polls": 2}, {"state": "DONE"}]}}}}
        """

    @Test(arguments: 0...3)
    func cancelFromEveryPhase(readsFirst: Int) throws {
        var e = try engine(Self.cancellable)
        let id = e.createRun(api: "jobs", request: [:]).id
        let before = e.states(id, reads: readsFirst).last ?? "QUEUED"
        let result = e.send("cancel", api: "jobs", id: id)
        switch result {
        case .accepted(let run):
            #expect(before != "DONE")
            #expect(run.state == "CANCELLING")
            #expect(e.states(id, reads: 3) == ["CANCELLING", "CANCELLED", "CANCELLED"])
        case .refused(let run):
            #expect(before == "DONE")
            #expect(run.state == "DONE")
        default:
            Issue.record("unexpected \(result)")
        }
    }

    @Test func cancelTwiceIsRepeated() throws {
        var e = try engine(Self.cancellable)
        let id = e.createRun(api: "jobs", request: [:]).id
        guard case .accepted = e.send("cancel", api: "jobs", id: id) else { Issue.record("not accepted"); return }
        guard case .repeated = e.send("cancel", api: "jobs", id: id) else { Issue.record("not repeated"); return }
        _ = e.states(id, reads: 3)
        guard case .repeated(let run) = e.send("cancel", api: "jobs", id: id) else { Issue.record("not repeated"); return }
        #expect(run.state == "CANCELLED")
    }

    @Test func runScriptOverridesEventAndAllowedStates() throws {
        var e = try engine(
            """
            {"apis": {"jobs": {"runs": [{"timeline": [{"state": "QUEUED", "polls": 5}, {"state": "DONE"}],
              "on": {"cancel": {"timeline": [{"state": "CANCELLED"}], "allowedFrom": ["RUNNING"]}}}]}}}
            """)
        let id = e.createRun(api: "jobs", request: [:]).id
        guard case .refused = e.send("cancel", api: "jobs", id: id) else { Issue.record("not refused"); return }
        guard case .notFound = e.send("cancel", api: "jobs", id: "missing") else { Issue.record("found"); return }
    }

    @Test func unknownEventIsRefused() throws {
        var e = try engine("{}")
        let id = e.createRun(api: "jobs", request: [:]).id
        guard case .refused = e.send("pause", api: "jobs", id: id) else { Issue.record("not refused"); return }
    }

    @Test func rewindReplaysFromAPhase() throws {
        var e = try engine(Self.cancellable)
        let id = e.createRun(api: "jobs", request: [:]).id
        _ = e.states(id, reads: 5)
        #expect(e.rewind(api: "jobs", id: id, toPhase: 1)?.state == "RUNNING")
        #expect(e.states(id, reads: 3) == ["RUNNING", "RUNNING", "DONE"])
    }

    /// A rewind's marking is on the phase it re-enters, for that run only: not on the script, not on the phases
    /// after it, not on another run's.
    @Test func rewindMarksOnlyThePhaseItReenters() throws {
        var e = try engine(Self.cancellable)
        let id = e.createRun(api: "jobs", request: [:]).id
        let other = e.createRun(api: "jobs", request: [:]).id
        _ = e.states(id, reads: 5)
        let rewound = e.rewind(api: "jobs", id: id, toPhase: 1, marking: [("from", "here")])
        let view = try #require(rewound)
        #expect(view.fields["from"] == "here")
        #expect(view.trail.last?.phase.fields["from"] == "here")
        #expect(view.script.timeline.allSatisfy { $0.fields["from"] == nil })
        #expect(e.states(id, reads: 3) == ["RUNNING", "RUNNING", "DONE"])
        #expect(e.peek(api: "jobs", id: id)?.fields["from"] == nil)
        _ = e.states(other, reads: 2)
        #expect(e.peek(api: "jobs", id: other)?.trail.allSatisfy { $0.phase.fields["from"] == nil } == true)
    }
}

@Suite struct AuthTests {
    @Test func anyNonEmptyCredentialByDefault() throws {
        var e = try engine("{}")
        #expect(e.authorize(api: "jobs", credential: "whatever", permission: "write") == .granted)
        #expect(e.authorize(api: "jobs", credential: nil, permission: "read") == .missing)
        #expect(e.authorize(api: "jobs", credential: "", permission: "read") == .missing)
    }

    @Test func listedCredentialsPermissionsAndScopes() throws {
        var e = try engine(
            """
            {"apis": {"jobs": {"auth": {"credentials": ["admin",
              {"key": "reader", "permissions": ["read"], "scopes": ["ws-1"]}]}}}}
            """)
        #expect(e.authorize(api: "jobs", credential: "admin", permission: "write") == .granted)
        #expect(e.authorize(api: "jobs", credential: "stranger", permission: "read") == .invalid)
        #expect(e.authorize(api: "jobs", credential: "reader", permission: "read", scope: "ws-1") == .granted)
        guard case .forbidden = e.authorize(api: "jobs", credential: "reader", permission: "write", scope: "ws-1") else {
            Issue.record("write allowed"); return
        }
        guard case .forbidden = e.authorize(api: "jobs", credential: "reader", permission: "read", scope: "ws-2") else {
            Issue.record("other scope allowed"); return
        }
    }

    @Test func keyWearsOutAfterRequests() throws {
        var e = try engine(#"{"apis": {"jobs": {"auth": {"credentials": [{"key": "k", "validForRequests": 2}]}}}}"#)
        let decisions = (0..<3).map { _ in e.authorize(api: "jobs", credential: "k", permission: "read") }
        #expect(decisions == [.granted, .granted, .expired])
    }

    @Test func keyRevokedWhenARunReachesAState() throws {
        var e = try engine(
            #"{"apis": {"jobs": {"auth": {"credentials": [{"key": "k", "revokedWhen": {"state": "RUNNING"}}]}}}}"#)
        let id = e.createRun(api: "jobs", request: [:]).id
        #expect(e.authorize(api: "jobs", credential: "k", permission: "read") == .granted)
        _ = e.states(id, reads: 2)
        #expect(e.authorize(api: "jobs", credential: "k", permission: "read") == .expired)
        e.reset()
        #expect(e.authorize(api: "jobs", credential: "k", permission: "read") == .granted)
    }
}

@Suite struct CredentialThenAndExpiryTests {
    @Test func wornOutOrRevokedKeysGetTheStatusTheirThenSays() throws {
        var e = try engine(
            #"""
            {"apis": {"jobs": {"auth": {"credentials": [
              {"key": "a", "validForRequests": {"requests": 1, "then": 403}},
              {"key": "b", "validForRequests": {"requests": 1, "then": 401}},
              {"key": "c", "validForRequests": 1},
              {"key": "d", "revokedWhen": {"state": "RUNNING", "then": 403}}
            ]}}}}
            """#)
        for key in ["a", "b", "c"] {
            #expect(e.authorize(api: "jobs", credential: key, permission: "read") == .granted)
        }
        #expect(e.authorize(api: "jobs", credential: "a", permission: "read") == .forbidden("the key has been revoked"))
        #expect(e.authorize(api: "jobs", credential: "b", permission: "read") == .expired)
        #expect(e.authorize(api: "jobs", credential: "c", permission: "read") == .expired)
        let run = e.createRun(api: "jobs", request: .object([])).id
        #expect(e.authorize(api: "jobs", credential: "d", permission: "read") == .granted)
        _ = e.states(run, reads: 2)
        #expect(e.authorize(api: "jobs", credential: "d", permission: "read") == .forbidden("the key has been revoked"))
    }

    @Test func aKeyExpiresOnTheScenarioClockAndWorksAgainAfterReset() throws {
        var e = try engine(#"{"clock": {"mode": "virtual"}, "apis": {"jobs": {"auth": {"credentials": [{"key": "k", "expiresAfterSeconds": 60}]}}}}"#)
        #expect(e.authorize(api: "jobs", credential: "k", permission: "read") == .granted)
        e.advance(seconds: 59)
        #expect(e.authorize(api: "jobs", credential: "k", permission: "read") == .granted)
        e.advance(seconds: 1)
        #expect(e.authorize(api: "jobs", credential: "k", permission: "read") == .expired)
        e.reset()
        #expect(e.authorize(api: "jobs", credential: "k", permission: "read") == .granted)
    }
}

@Suite struct PhaseRetryAfterAndLatencyTests {
    @Test func aStatusReadCarriesItsPhasesRetryAfterAndDelay() throws {
        var e = try engine(
            #"""
            {"apis": {"jobs": {"defaultRun": {"timeline": [
              {"state": "QUEUED", "polls": 1},
              {"state": "RUNNING", "polls": 2, "retryAfter": 4, "latency": {"uniform": [100, 200]}},
              {"state": "DONE"}
            ]}}}}
            """#)
        let id = e.createRun(api: "jobs", request: .object([])).id
        var seen: [(String?, Int?, Bool)] = []
        for _ in 0..<4 {
            _ = e.admit(api: "jobs", endpoint: "status", runID: id)
            let state = e.read(api: "jobs", id: id).state
            let delay = e.observation.phaseDelay
            let inRange = delay.map { $0 >= .milliseconds(100) && $0 <= .milliseconds(200) } ?? false
            seen.append((state, e.observation.retryAfter, inRange))
        }
        #expect(seen.map(\.0) == ["QUEUED", "RUNNING", "RUNNING", "DONE"])
        #expect(seen.map(\.1) == [nil, 4, 4, nil])
        #expect(seen.map(\.2) == [false, true, true, false])
    }
}

@Suite struct FaultAndLatencyTests {
    @Test func faultOnTheNthRequest() throws {
        var e = try engine(#"{"apis": {"jobs": {"faults": [{"endpoint": "status", "nth": 3, "respond": {"status": 503}}]}}}"#)
        let statuses = (1...5).map { _ in e.admit(api: "jobs", endpoint: "status").fault?.status }
        #expect(statuses == [nil, nil, 503, nil, nil])
        // Other endpoints have their own count.
        #expect(e.admit(api: "jobs", endpoint: "create").fault == nil)
    }

    @Test func faultEveryKthAndDrop() throws {
        var e = try engine(#"{"apis": {"jobs": {"faults": [{"endpoint": "*", "every": 2, "drop": "reset"}]}}}"#)
        let drops = (1...4).map { _ in e.admit(api: "jobs", endpoint: "status").fault?.drop }
        #expect(drops == [nil, .reset, nil, .reset])
    }

    @Test func faultRangesFromAndTimes() throws {
        func statuses(_ fault: String, _ n: Int = 9) throws -> [Int?] {
            var e = try engine(#"{"apis": {"jobs": {"faults": ["# + fault + #"]}}}"#)
            return (1...n).map { _ in e.admit(api: "jobs", endpoint: "status").fault?.status }
        }
        let x: Int? = 503
        // Alone: every request in the range.
        #expect(try statuses(#"{"endpoint": "status", "from": 3, "respond": {"status": 503}}"#) == [nil, nil, x, x, x, x, x, x, x])
        #expect(try statuses(#"{"endpoint": "status", "times": 2, "respond": {"status": 503}}"#) == [x, x, nil, nil, nil, nil, nil, nil, nil])
        #expect(try statuses(#"{"endpoint": "status", "from": 5, "times": 3, "respond": {"status": 503}}"#) == [nil, nil, nil, nil, x, x, x, nil, nil])
        // With a trigger: it counts from `from` on, and `times` caps the hits.
        #expect(try statuses(#"{"endpoint": "status", "from": 4, "every": 2, "respond": {"status": 503}}"#) == [nil, nil, nil, nil, x, nil, x, nil, x])
        #expect(try statuses(#"{"endpoint": "status", "every": 2, "times": 2, "respond": {"status": 503}}"#) == [nil, x, nil, x, nil, nil, nil, nil, nil])
        #expect(try statuses(#"{"endpoint": "status", "from": 2, "nth": 2, "respond": {"status": 503}}"#) == [nil, nil, x, nil, nil, nil, nil, nil, nil])
        let some = try statuses(#"{"endpoint": "status", "probability": 0.9, "times": 3, "respond": {"status": 503}}"#, 30)
        #expect(some.compactMap { $0 }.count == 3)
    }

    @Test func faultAnswersDelayHangRetryAfterAndPages() throws {
        var e = try engine(
            #"""
            {"apis": {"jobs": {"latency": {"status": 10}, "faults": [
              {"endpoint": "status", "nth": 1, "delay": 2500},
              {"endpoint": "status", "nth": 2, "hang": true},
              {"endpoint": "status", "nth": 3, "delay": 100, "respond": {"status": 429, "retryAfter": 5}},
              {"endpoint": "status", "nth": 4, "respond": {"status": 503, "retryAfter": {"httpDate": 7}, "contentType": "text/html", "truncate": true}},
              {"endpoint": "status", "nth": 5, "respond": {"status": 502, "body": {"html": "502 Bad Gateway"}}},
              {"endpoint": "status", "nth": 6, "respond": {"status": 500, "body": {"html": "x", "y": 1}}}
            ]}}}
            """#)
        let first = e.admit(api: "jobs", endpoint: "status")
        #expect(first.delay == .milliseconds(2510))
        #expect(first.fault?.answersNormally == true)
        let second = e.admit(api: "jobs", endpoint: "status")
        #expect(second.fault?.hang == true && second.fault?.answersNormally == false)
        let third = e.admit(api: "jobs", endpoint: "status")
        #expect(third.delay == .milliseconds(110))
        #expect(third.fault?.status == 429 && third.fault?.retryAfter == .seconds(5))
        let fourth = try #require(e.admit(api: "jobs", endpoint: "status").fault)
        #expect(fourth.retryAfter == .httpDate(7) && fourth.contentType == "text/html" && fourth.truncate)
        let fifth = try #require(e.admit(api: "jobs", endpoint: "status").fault)
        #expect(fifth.html == "502 Bad Gateway" && fifth.body == nil)
        // Only a body of the one member `html` is a page; any other object is a JSON body.
        let sixth = try #require(e.admit(api: "jobs", endpoint: "status").fault)
        #expect(sixth.html == nil && sixth.body == ["html": "x", "y": 1])
        #expect(e.admit(api: "jobs", endpoint: "status").fault == nil)
    }

    @Test func faultAimedAtTheNthCreatedRunOrAMatchingOne() throws {
        var e = try engine(
            #"""
            {"apis": {"jobs": {"faults": [
              {"endpoint": "status", "runIndex": 2, "from": 2, "respond": {"status": 500}},
              {"endpoint": "status", "match": {"name": "b"}, "nth": 1, "respond": {"status": 503}}
            ]}}}
            """#)
        // Before the run exists, nothing is hit.
        #expect(e.admit(api: "jobs", endpoint: "status", runID: "anything").fault == nil)
        let first = e.createRun(api: "jobs", request: ["name": "a"]).id
        let second = e.createRun(api: "jobs", request: ["name": "a"]).id
        let third = e.createRun(api: "jobs", request: ["name": "b"]).id
        let fourth = e.createRun(api: "jobs", request: ["name": "b"]).id
        func status(_ id: String) -> Int? { e.admit(api: "jobs", endpoint: "status", runID: id).fault?.status }
        #expect([status(first), status(first)] == [nil, nil])
        #expect([status(second), status(second), status(second)] == [nil, 500, 500])
        // `match` finds the first run created with that field, like a scripted run's match.
        #expect([status(fourth), status(third), status(third)] == [nil, 503, nil])
        // Reset forgets which runs the rules found: the next 2nd run is another id.
        e.reset()
        _ = e.createRun(api: "jobs", request: ["name": "a"])
        let again = e.createRun(api: "jobs", request: ["name": "a"]).id
        #expect(again == second, "ids come from the seed: the same sequence gives the same ids")
        #expect([status(again), status(again)] == [nil, 500])
    }

    @Test func aScriptedRunsOwnFaultsHitThatRunOnly() throws {
        var e = try engine(
            #"""
            {"apis": {"jobs": {"runs": [
              {"id": "fixed", "faults": [{"endpoint": "status", "nth": 1, "drop": "reset"}]},
              {"match": {"name": "x"}, "faults": [{"endpoint": "status", "from": 2, "times": 1, "respond": {"status": 502}}]}
            ]}}}
            """#)
        #expect(e.admit(api: "jobs", endpoint: "status", runID: "fixed").fault?.drop == .reset)
        #expect(e.admit(api: "jobs", endpoint: "status", runID: "fixed").fault == nil)
        let other = e.createRun(api: "jobs", request: ["name": "y"]).id
        let x = e.createRun(api: "jobs", request: ["name": "x"]).id
        func status(_ id: String) -> Int? { e.admit(api: "jobs", endpoint: "status", runID: id).fault?.status }
        #expect([status(other), status(other), status(other)] == [nil, nil, nil])
        #expect([status(x), status(x), status(x)] == [nil, 502, nil])
    }

    @Test func aFaultRunNoRunEverHasIsAWarningWithItsPath() throws {
        var fresh = try engine("{}")
        let firstIssued = fresh.createRun(api: "jobs", request: .object([])).id
        let s = try scenario(
            #"{"apis": {"jobs": {"runs": [{"id": "r1"}], "faults": [{"run": "r1", "nth": 1, "drop": "empty"}, {"run": "r9", "nth": 1, "drop": "empty"}, {"run": ""#
                + firstIssued + #"", "nth": 1, "drop": "empty"}]}}}"#)
        #expect(s.warnings.map { $0.path } == ["apis.jobs.faults[1].run"])
        #expect(s.warnings.first?.message.contains("\"r9\"") == true)
        #expect(try scenario(#"{"apis": {"jobs": {"faults": [{"runIndex": 3, "nth": 1, "drop": "empty"}]}}}"#).warnings.isEmpty)
    }

    /// Warnings are listed like issues: the first 100, then how many more (20,000 such faults made 20,000 lines).
    @Test func warningsStopAtAHundredAndCountTheRest() throws {
        let faults = (0..<150).map { #"{"run": "r\#($0)", "nth": 1, "drop": "empty"}"# }.joined(separator: ",")
        let s = try scenario(#"{"apis": {"jobs": {"faults": ["# + faults + "]}}}")
        #expect(s.warnings.count == 101)
        #expect(s.warnings.last?.message == "and 50 more faults that name no run", "\(s.warnings.last?.description ?? "")")
    }

    @Test func faultWhenPicksRequestsByHeaderQueryAndBodyAndCountsOnlyThose() throws {
        var e = try engine(
            #"""
            {"apis": {"jobs": {"faults": [
              {"endpoint": "status", "when": {"header": {"X-Request-Id": "r-7"}}, "nth": 2, "respond": {"status": 409}},
              {"endpoint": "create", "when": {"query": {"dry": "1"}, "bodyContains": "\"name\": \"big\""}, "respond": {"status": 413}, "from": 1}
            ]}}}
            """#)
        let tagged = RequestFacts(headers: [(name: "x-request-id", value: "r-7")])
        let other = RequestFacts(headers: [(name: "X-Request-Id", value: "r-8")])
        func status(_ endpoint: String, _ facts: RequestFacts?) -> Int? { e.admit(api: "jobs", endpoint: endpoint, request: facts).fault?.status }
        // Counted among the matching requests only: the 2nd tagged one, whatever came between.
        #expect([status("status", other), status("status", tagged), status("status", other), status("status", nil), status("status", tagged), status("status", tagged)] == [nil, nil, nil, nil, 409, nil])
        let big = Array(#"{"name": "big"}"#.utf8)
        #expect(status("create", RequestFacts(query: [(name: "dry", value: "1")], body: big)) == 413)
        #expect(status("create", RequestFacts(query: [(name: "dry", value: "0")], body: big)) == nil)
        #expect(status("create", RequestFacts(query: [(name: "dry", value: "1")], body: Array(#"{"name": "small"}"#.utf8))) == nil)
    }

    @Test func faultRangeCountsPerRunAndStartsAgainOnReset() throws {
        var e = try engine(#"{"apis": {"jobs": {"faults": [{"endpoint": "status", "run": "r2", "from": 2, "times": 1, "respond": {"status": 500}}]}}}"#)
        #expect(e.admit(api: "jobs", endpoint: "status", runID: "r1").fault == nil)
        #expect(e.admit(api: "jobs", endpoint: "status", runID: "r1").fault == nil)
        #expect(e.admit(api: "jobs", endpoint: "status", runID: "r2").fault == nil)
        #expect(e.admit(api: "jobs", endpoint: "status", runID: "r2").fault?.status == 500)
        #expect(e.admit(api: "jobs", endpoint: "status", runID: "r2").fault == nil)
        e.reset()
        #expect(e.admit(api: "jobs", endpoint: "status", runID: "r2").fault == nil)
        #expect(e.admit(api: "jobs", endpoint: "status", runID: "r2").fault?.status == 500)
    }

    @Test func faultForOneRunOnly() throws {
        var e = try engine(
            #"{"apis": {"jobs": {"faults": [{"endpoint": "status", "run": "r2", "nth": 1, "respond": {"status": 500, "body": {"x": 1}}}]}}}"#)
        #expect(e.admit(api: "jobs", endpoint: "status", runID: "r1").fault == nil)
        let fault = e.admit(api: "jobs", endpoint: "status", runID: "r2").fault
        #expect(fault?.status == 500)
        #expect(fault?.body == ["x": 1])
        #expect(e.admit(api: "jobs", endpoint: "status", runID: "r2").fault == nil)
    }

    @Test func probabilisticFaultsAndLatencyAreReproducibleFromTheSeed() throws {
        let text = """
            {"seed": 7, "apis": {"jobs": {
              "latency": {"status": {"lognormal": {"median": 100, "sigma": 0.5}}, "*": {"uniform": [10, 20]}},
              "faults": [{"endpoint": "status", "probability": 0.3, "respond": {"status": 500}}]}}}
            """
        func trace() throws -> [String] {
            var e = try engine(text)
            return (0..<50).map { i in
                let a = e.admit(api: "jobs", endpoint: i % 3 == 0 ? "create" : "status")
                return "\(a.delay)|\(a.fault?.status ?? 0)"
            }
        }
        let first = try trace()
        #expect(first == (try trace()))
        #expect(Set(first).count > 10)
        let faults = first.filter { $0.hasSuffix("|500") }.count
        #expect(faults > 3 && faults < 25)
        var e = try engine(text)
        for _ in 0..<200 {
            let d = e.admit(api: "jobs", endpoint: "create").delay
            #expect(d >= .milliseconds(10) && d <= .milliseconds(20))
        }
    }

    @Test func differentSeedsDiffer() throws {
        var a = try engine(#"{"seed": 1}"#)
        var b = try engine(#"{"seed": 2}"#)
        #expect(a.createRun(api: "other", request: [:]).id != b.createRun(api: "other", request: [:]).id)
    }
}

@Suite struct DeterminismTests {
    @Test func sameScenarioSameRequestsSameEverything() throws {
        func play() throws -> [String] {
            var e = try engine(#"{"seed": 99, "apis": {"jobs": {"latency": {"*": {"uniform": [0, 1000]}}}}}"#)
            var out: [String] = []
            for i in 0..<20 {
                out.append("\(e.admit(api: "jobs", endpoint: "create").delay)")
                let run = e.createRun(api: "jobs", request: ["n": .int(i)])
                out.append(run.id + run.createdAt.iso8601(fractionDigits: 3))
                out.append(e.states(run.id, reads: 2).joined())
                out.append(e.createRun(api: "other", request: [:]).id)
            }
            return out
        }
        #expect(try play() == (try play()))
    }

    @Test func resetStartsOver() throws {
        var e = try engine("{}")
        let first = e.createRun(api: "other", request: [:]).id
        _ = e.admit(api: "jobs", endpoint: "status")
        e.advance(seconds: 50)
        e.reset()
        #expect(e.runs(api: "other").isEmpty)
        #expect(e.now == Timestamp.defaultEpoch)
        #expect(e.createRun(api: "other", request: [:]).id == first)
    }

    @Test func pollsClockTicksPerAdmittedRequest() throws {
        var e = try engine(#"{"clock": {"tick": 2.5, "epoch": "2024-02-29T23:59:58Z"}}"#)
        _ = e.admit(api: "jobs", endpoint: "status")
        _ = e.admit(api: "jobs", endpoint: "status")
        #expect(e.now.iso8601(fractionDigits: 1) == "2024-03-01T00:00:03.0Z")
    }
}

@Suite struct LimitTests {
    @Test func anAPIKeepsAtMostItsMaximumRunsForgettingTheOldestCreated() throws {
        let scripted = try scenario(#"{"apis": {"jobs": {"runs": [{"id": "seed-run"}]}}}"#)
        var e = Engine(scenario: scripted, apis: [testAPI, otherAPI], time: ManualTimeSource(), maximumRuns: 5)
        let ids = (0..<8).map { _ in e.createRun(api: "jobs", request: [:]).id }
        let kept = e.runs(api: "jobs").map(\.id)
        #expect(kept.count == 5)
        #expect(kept.first == "seed-run")  // the scripted run stays
        #expect(Array(kept.dropFirst()) == Array(ids.suffix(4)))
        #expect(e.states(ids[0], reads: 1) == ["404"])
        #expect(e.states(ids[7], reads: 1) != ["404"])
        // Re-creating an id many times and creating more keeps the bound.
        for _ in 0..<200 { _ = e.createRun(api: "jobs", request: [:], id: "same") }
        for _ in 0..<200 { _ = e.createRun(api: "jobs", request: [:]) }
        #expect(e.runs(api: "jobs").count == 5)
        #expect(e.runs(api: "jobs").first?.id == "seed-run")
    }

    @Test func loopingRunSurvivesAClockMovedYearsAhead() throws {
        var e = try engine(
            """
            {"clock": {"mode": "virtual"}, "apis": {"jobs": {"defaultRun": {"loop": true, "timeline": [
              {"state": "QUEUED", "seconds": 0.001, "log": ["q"]}, {"state": "RUNNING", "seconds": 0.002}]}}}}
            """)
        let id = e.createRun(api: "jobs", request: [:]).id
        e.advance(seconds: Engine.maximumAdvanceSeconds)
        // 315,360,000 s is a whole number of 3 ms cycles, so the run is back at its first phase.
        #expect(e.read(api: "jobs", id: id).state == "QUEUED")
        let run = e.peek(api: "jobs", id: id)
        #expect((run?.log.count ?? .max) <= 12_500)
        #expect((run?.history.count ?? .max) <= 12_500)
    }

    /// A long walk keeps the newest entries, cut back a quarter at a time (cut by one on every phase, each cut
    /// shifted all 10,000: a walk of 20,000 phases held the server's thread 100-350 ms).
    @Test func aLongWalkKeepsTheNewestEntriesWithinItsBound() throws {
        let phases = (0..<30_000).map { #"{"state": "\#($0 % 2 == 0 ? "QUEUED" : "RUNNING")", "seconds": 0.001, "log": ["p\#($0)"]}"# }
        var e = try engine(
            #"{"clock": {"mode": "virtual"}, "apis": {"jobs": {"defaultRun": {"timeline": ["#
                + phases.joined(separator: ",") + #", {"state": "DONE"}]}}}}"#)
        let id = e.createRun(api: "jobs", request: [:]).id
        e.advance(seconds: 31)
        #expect(e.read(api: "jobs", id: id).state == "DONE")
        let peeked = e.peek(api: "jobs", id: id)
        let run = try #require(peeked)
        #expect((10_000...12_500).contains(run.log.count), "\(run.log.count)")
        #expect((10_000...12_500).contains(run.history.count), "\(run.history.count)")
        #expect(run.log.last?.line == "p29999")
        #expect(run.history.last?.state == "DONE")
    }

    @Test func clockSaturatesInsteadOfOverflowing() throws {
        var e = try engine(#"{"clock": {"mode": "virtual", "epoch": "1969-12-31T00:00:00Z"}}"#)
        for _ in 0..<100_000 { e.advance(seconds: .greatestFiniteMagnitude) }
        e.advance(seconds: .nan)
        e.advance(seconds: -5)
        #expect(e.now.milliseconds > 0)
        #expect(Timestamp(milliseconds: .max).adding(seconds: 1e300).milliseconds == .max)
        #expect(Timestamp(milliseconds: .min).milliseconds(since: Timestamp(milliseconds: 1)) == .min)
        _ = e.now.iso8601(fractionDigits: 7)
        _ = e.now.httpDate
    }

    @Test func scenarioNumbersOutOfRangeAreRefused() {
        let cases = [
            (#"{"apis": {"jobs": {"latency": {"*": 1e300}}}}"#, #"apis.jobs.latency["*"]"#),
            (#"{"apis": {"jobs": {"latency": {"*": {"lognormal": {"median": 10, "sigma": 50}}}}}}"#, #"apis.jobs.latency["*"].lognormal.sigma"#),
            (#"{"clock": {"tick": 1e300}}"#, "clock.tick"),
            (#"{"clock": {"timeScale": 1e9}}"#, "clock.timeScale"),
            (#"{"apis": {"jobs": {"defaultRun": {"timeline": [{"state": "QUEUED", "seconds": 1e12}, {"state": "DONE"}]}}}}"#, "apis.jobs.defaultRun.timeline[0].seconds"),
        ]
        for (text, path) in cases {
            do {
                _ = try loader.load(Array(text.utf8), file: "big.json")
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.issues.contains { $0.path == path && $0.message.contains("must be at most") }, "\(error)")
            }
        }
    }

    @Test func lognormalDrawsAreClipped() throws {
        var e = try engine(#"{"seed": 5, "apis": {"jobs": {"latency": {"*": {"lognormal": {"median": 500000, "sigma": 5}}}}}}"#)
        for _ in 0..<200 {
            #expect(e.admit(api: "jobs", endpoint: "status").delay <= .milliseconds(600_000))
        }
    }
}

@Suite struct RandomTests {
    /// `int(in:)` is pinned to today's standard-library draw, so ids made with it stay the same on later Swifts.
    @Test func boundedDrawsMatchTheStandardLibraryOfToday() {
        for seed in UInt64(0)..<50 {
            var ours = SeededRandom(seed: seed, stream: "ids/solvexia")
            var theirs = ours
            for range in [0...9, 1000...9999, -5...5, 0...Int.max, Int.min...Int.max, 7...7] {
                #expect(ours.int(in: range) == Int.random(in: range, using: &theirs))
            }
        }
    }
}

@Suite struct BodyConditionTests {
    @Test func bodyContainsFindsTheTextAnywhereInLinearTime() {
        let cases: [(String, String, Bool)] = [
            ("abcabd", "abd", true), ("aaaab", "aab", true), ("abababc", "ababc", true), ("ab", "abc", false),
            ("xyz", "q", false), ("", "a", false), ("anything", "", true), ("abcabcabd", "abcabd", true),
        ]
        for (body, text, expected) in cases {
            let condition = RequestCondition(bodyContains: text.isEmpty ? nil : text)
            #expect(condition.matches(RequestFacts(body: Array(body.utf8))) == expected, "\(text) in \(body)")
        }
        // The case a naive search takes quadratic time on: 1 MiB of "a" against "aaa…ab".
        let body = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
        let needle = String(repeating: "a", count: 4096) + "b"
        #expect(!RequestCondition(bodyContains: needle).matches(RequestFacts(body: body)))
    }

    /// The search (which jumps to the needle's first byte between partial matches) agrees with a plain one on
    /// bodies of a small alphabet, where partial matches, overlaps and a match at either end are common.
    @Test func bodyContainsAgreesWithAPlainSearch() {
        var random = SeededRandom(seed: 7, stream: "bodyContains", number: 0)
        func text(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(ascii: "a") + UInt8(random.next() % 3) } }
        for round in 0..<2_000 {
            let body = text(Int(random.next() % 40))
            let needle = text(1 + Int(random.next() % 6))
            let plain = body.count >= needle.count
                && (0...(body.count - needle.count)).contains { Array(body[$0..<($0 + needle.count)]) == needle }
            let condition = RequestCondition(bodyContains: String(decoding: needle, as: UTF8.self))
            #expect(condition.matches(RequestFacts(body: body)) == plain, "round \(round): \(needle) in \(body)")
        }
    }
}

/// Ids the engine makes never replace a run it holds: a repeated draw is drawn again from the same stream.
@Suite struct GeneratedIDTests {
    static let tiny = APIDescriptor(
        name: "tiny", summary: "four possible ids", states: ["ON"], terminalStates: [], endpoints: ["create"],
        matchFields: [], permissions: [], defaultTimeline: [Phase("ON")],
        makeID: { random, _ in "t-\(random.int(in: 1...4))" })

    @Test func aRepeatedIDIsDrawnAgainAndTheSeedStillDecides() throws {
        func ids() throws -> [String] {
            var engine = Engine(scenario: try ScenarioLoader(apis: [Self.tiny]).load(Array("{}".utf8), file: "t.json"), apis: [Self.tiny], time: ManualTimeSource())
            return (0..<4).map { _ in engine.createRun(api: "tiny", request: .object([])).id }
        }
        let first = try ids()
        #expect(Set(first).count == 4, "\(first)")
        #expect(try ids() == first)
    }
}
