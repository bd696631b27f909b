import Scenarios
import Testing

@testable import MockRuns

/// `RenderMemo.Key` tells two empty echoes apart by their counts alone (the short cut most status keys take):
/// every pair of echoes below, empty or not, in either place, matches exactly when a byte comparison of both says so.
@Suite struct HotRenderMemoKeyTests {
    /// Empty, one byte, a NUL alone, a text ending in NUL, and one text in two canonically equal spellings.
    static let texts = ["", "a", "\u{0}", "a\u{0}", "run-1", "\u{E9}", "e\u{301}", "/__sessions/x"]

    static func view() throws -> RunView {
        let descriptors = APIRegistry.fakes.map(\.descriptor)
        let scenario = try ScenarioLoader(apis: descriptors).load(Array(#"{"seed": 1}"#.utf8), file: "key.json")
        var engine = Engine(scenario: scenario, apis: descriptors, time: ManualTimeSource())
        return engine.createRun(api: "wes", request: .object([]))
    }

    static func sameBytes(_ a: String, _ b: String) -> Bool { Array(a.utf8) == Array(b.utf8) }

    @Test func emptyAndOtherEchoesInEitherPlace() throws {
        let run = try Self.view()
        // Each place in turn, the other holding the same text on both sides (empty, or not).
        for other in ["", "b"] {
            for a in Self.texts {
                for b in Self.texts {
                    let expected = Self.sameBytes(a, b)
                    let first = RenderMemo.Key(run, echoing: a, other).matches(RenderMemo.Key(run, echoing: b, other))
                    let second = RenderMemo.Key(run, echoing: other, a).matches(RenderMemo.Key(run, echoing: other, b))
                    #expect(first == expected, "first echo \(Array(a.utf8)) vs \(Array(b.utf8)), second \(other)")
                    #expect(second == expected, "second echo \(Array(a.utf8)) vs \(Array(b.utf8)), first \(other)")
                }
            }
        }
        // Both places differing at once: an empty pair does not make up for the other place.
        #expect(!RenderMemo.Key(run, echoing: "", "a").matches(RenderMemo.Key(run, echoing: "a", "")))
        #expect(!RenderMemo.Key(run, echoing: "a", "").matches(RenderMemo.Key(run, echoing: "", "")))
    }

    @Test func emptyEchoesStillWeighTheRestOfTheKey() throws {
        let run = try Self.view()
        #expect(RenderMemo.Key(run).matches(RenderMemo.Key(run)))
        #expect(!RenderMemo.Key(run).matches(RenderMemo.Key(run, clock: 1)))
        #expect(!RenderMemo.Key(run).matches(RenderMemo.Key(run, variant: 1)))
        let another = try Self.view()  // another engine's run: another phase part
        #expect(!RenderMemo.Key(run).matches(RenderMemo.Key(another)))
    }
}
