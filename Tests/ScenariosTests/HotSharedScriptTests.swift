import Scenarios
import Testing

/// Runs hold their script through one `SharedScript` per script (the default run's and each scripted run's): every
/// run and view must still show the script it plays, and changing one view's script changes nothing else.
@Suite struct HotSharedScriptTests {
    static let text = #"""
        {"apis": {"jobs": {
          "defaultRun": {"fields": {"error": "plain"}, "timeline": [{"state": "QUEUED", "polls": 1}, {"state": "DONE"}]},
          "runs": [
            {"id": "scripted", "fields": {"error": "by-id"}, "timeline": [{"state": "FAILED"}]},
            {"match": {"name": "me"}, "fields": {"error": "matched"}, "timeline": [{"state": "RUNNING"}]}
          ]}}}
        """#

    @Test func everyRunShowsTheScriptItPlays() throws {
        var e = try engine(Self.text)
        let plain1 = e.createRun(api: "jobs", request: [:])
        let matched = e.createRun(api: "jobs", request: ["name": "me"])
        let plain2 = e.createRun(api: "jobs", request: ["name": "me"])  // the matched script is taken
        for (view, kind, states) in [
            (plain1, "plain", ["QUEUED", "DONE"]), (matched, "matched", ["RUNNING"]), (plain2, "plain", ["QUEUED", "DONE"]),
        ] {
            #expect(view.script.fields["error"]?.stringValue == kind)
            #expect(view.script.timeline.map(\.state) == states)
            #expect(view.fields["error"]?.stringValue == kind)
        }
        #expect(matched.script.match == ["name": "me"])
        #expect(e.peek(api: "jobs", id: "scripted")?.script.id == "scripted")
        #expect(e.peek(api: "jobs", id: "scripted")?.state == "FAILED")
        #expect(e.states(plain1.id, reads: 2) == ["QUEUED", "DONE"])
    }

    @Test func changingOneViewsScriptChangesNoOtherView() throws {
        var e = try engine(Self.text)
        let first = e.createRun(api: "jobs", request: [:])
        let second = e.createRun(api: "jobs", request: [:])
        var changed = first
        changed.script.fields = ["error": "edited"]
        changed.script.loop = true
        #expect(changed.script.fields["error"]?.stringValue == "edited" && changed.script.loop)
        #expect(first.script.fields["error"]?.stringValue == "plain" && !first.script.loop)
        #expect(second.script.fields["error"]?.stringValue == "plain" && !second.script.loop)
        #expect(e.peek(api: "jobs", id: first.id)?.script.fields["error"]?.stringValue == "plain")
        #expect(e.createRun(api: "jobs", request: [:]).script.fields["error"]?.stringValue == "plain")
    }
}
