import Testing

@testable import Scenarios

/// A run's views share one phase-long part until the run enters another phase: every view must still show what
/// a view made afresh from the run would (no stale state, fields, history, log, trail or event), and changing a
/// view must change that view only.
@Suite struct RunViewSharingTests {
    /// What a view shows, written out in full, to compare a shared view with the run's current truth.
    private func summary(_ view: RunView) -> String {
        [
            view.id, view.state, "\(view.isTerminal)", view.fields.serialized(), view.request.serialized(),
            "\(view.createdAt.milliseconds)", view.history.map { "\($0.state)@\($0.at.milliseconds)" }.joined(separator: ","),
            view.log.map { "\($0.line)@\($0.at.milliseconds)" }.joined(separator: ","), view.event ?? "-",
            "\(view.phaseIndex)", "\(view.reads)", "\(view.terminalReads)", "\(view.gone)",
            view.trail.map { "\($0.phase.state)@\($0.at.milliseconds)" }.joined(separator: ","),
        ].joined(separator: " | ")
    }

    private let file = #"""
        {"clock": {"mode": "polls", "tick": 1},
         "apis": {"jobs": {"runs": [{"id": "r", "fields": {"pct": 0, "error": "n"}, "notFoundAfter": 2,
           "timeline": [{"state": "QUEUED", "polls": 1, "log": ["q"]},
                        {"state": "RUNNING", "polls": 2, "fields": {"pct": 50}, "log": ["r"]},
                        {"state": "DONE", "fields": {"pct": 100}, "log": ["d"]}]},
           {"id": "s", "fields": {"pct": 0, "error": "n"},
           "timeline": [{"state": "QUEUED", "polls": 1}, {"state": "RUNNING", "polls": 2, "fields": {"pct": 50}}, {"state": "DONE"}]}]}}}
        """#

    /// Each read and peek, across polls, terminal reads, gone, a rewind and an event, shows what the run is.
    @Test func sharedViewsFollowEveryChange() throws {
        var e = try engine(file)
        var seen: [String] = []
        for _ in 0..<7 {
            let result = e.read(api: "jobs", id: "r")
            let read: RunView
            switch result {
            case .found(let run), .gone(let run): read = run
            case .notFound: Issue.record("r not found"); return
            }
            let peek = e.peek(api: "jobs", id: "r")
            let peeked = try #require(peek)
            // A peek counts no read: the same as the read's view.
            #expect(summary(peeked) == summary(read))
            seen.append("\(read.state) \(read.fields["pct"]?.intValue ?? -1) \(read.reads) \(read.terminalReads) \(read.gone) \(read.log.count)")
        }
        #expect(seen == [
            "QUEUED 0 1 0 false 1", "RUNNING 50 2 0 false 2", "RUNNING 50 3 0 false 2", "DONE 100 4 1 false 3",
            "DONE 100 5 2 false 3", "DONE 100 6 2 true 3", "DONE 100 6 2 true 3",
        ])
        // A run that is not gone: rewound, then cancelled.
        #expect(e.states("s", reads: 4) == ["QUEUED", "RUNNING", "RUNNING", "DONE"])
        let rewind = e.rewind(api: "jobs", id: "s", toPhase: 1)
        let rewound = try #require(rewind)
        #expect(rewound.state == "RUNNING" && rewound.fields["pct"] == 50 && rewound.phaseIndex == 1)
        #expect(rewound.trail.map(\.phase.state) == ["QUEUED", "RUNNING", "DONE", "RUNNING"])
        guard case .accepted(let cancelling) = e.send("cancel", api: "jobs", id: "s") else { Issue.record("refused"); return }
        #expect(cancelling.state == "CANCELLING" && cancelling.event == "cancel")
        // The event's phase shows the run's own fields only.
        #expect(cancelling.fields == ["pct": 0, "error": "n"])
        let afterCancel = e.peek(api: "jobs", id: "s")
        #expect(summary(try #require(afterCancel)) == summary(cancelling))
    }

    /// A timed phase ends with the clock: a view made after it shows the new phase, not the shared old one.
    @Test func theClockMovesAViewOn() throws {
        var e = try engine(#"{"apis": {"jobs": {"runs": [{"id": "t", "timeline": [{"state": "RUNNING", "seconds": 5, "fields": {"pct": 1}}, {"state": "DONE"}]}]}}}"#)
        let first = e.peek(api: "jobs", id: "t")
        let before = try #require(first)
        e.advance(seconds: 5)
        let second = e.peek(api: "jobs", id: "t")
        let after = try #require(second)
        #expect(before.state == "RUNNING" && before.fields["pct"] == 1)
        #expect(after.state == "DONE" && after.fields["pct"] == nil && after.history.count == 2)
    }

    /// Setting a value on one view leaves every other view of the run, and the run, as they were.
    @Test func changingAViewChangesOnlyThatView() throws {
        var e = try engine(file)
        let peeks = (e.peek(api: "jobs", id: "r"), e.peek(api: "jobs", id: "r"))
        var mine = try #require(peeks.0)
        let other = try #require(peeks.1)
        mine.state = "CHANGED"
        mine.fields = ["pct": 7]
        mine.reads = 99
        #expect(mine.state == "CHANGED" && mine.fields == ["pct": 7] && mine.reads == 99 && mine.id == "r")
        #expect(other.state == "QUEUED" && other.fields["pct"] == 0 && other.reads == 0)
        let again = e.peek(api: "jobs", id: "r")
        #expect(summary(try #require(again)) == summary(other))
    }

    /// A created run's view and the first read of it agree, and runs never share a part.
    @Test func createdRunsHaveTheirOwnViews() throws {
        var e = try engine("{}")
        let a = e.createRun(api: "jobs", request: ["name": "a"])
        let b = e.createRun(api: "jobs", request: ["name": "b"])
        #expect(a.id != b.id && a.request["name"] == "a" && b.request["name"] == "b")
        guard case .found(let read) = e.read(api: "jobs", id: a.id) else { Issue.record("a not found"); return }
        #expect(read.request == a.request && read.state == a.state && read.reads == 1 && a.reads == 0)
    }
}
