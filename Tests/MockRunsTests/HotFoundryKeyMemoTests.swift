import Testing

@testable import MockRuns

/// `RunKeyMemo` gives the key `FoundryFake.key` writes for every triple, byte for byte: a repeated poll, one part
/// changed, the same key from other parts, an empty part, and texts equal as Unicode but not as bytes.
@Suite struct HotFoundryKeyMemoTests {
    @Test func everyKeyIsTheOneWrittenAfresh() {
        let memo = RunKeyMemo()
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        let triples: [(String, String, String)] = [
            ("SCR_017041-1", "error", "transform"), ("SCR_017041-1", "error", "transform"),
            ("SCR_017041-2", "error", "transform"), ("SCR_017041-2", "finished", "transform"),
            ("SCR_017041-2", "finished", "load"), ("a/b", "c", "d"), ("a", "b/c", "d"), ("a", "b/c", "d"),
            ("", "error", "transform"), ("SCR_017041-1", "", "transform"), ("SCR_017041-1", "error", ""),
            ("SCR_017041-1", "error", "transform"), (composed, "error", "x"), (decomposed, "error", "x"),
            (composed, "error", "x"), (String(repeating: "long source ", count: 40), "error", "x"),
        ]
        for (source, status, step) in triples {
            let kept = memo.key(source, status, step)
            let fresh = FoundryFake.key(source, status, step)
            #expect(kept.map { Array($0.utf8) } == fresh.map { Array($0.utf8) }, "\(source) \(status) \(step)")
        }
    }

    /// A poll's parameters made into its run key as before: the key for all three, none when one is missing.
    @Test func theClosureFormStillAsksForAllThree() {
        let values = ["sourceID": "s", "status2Match": "error", "stepName": "t"]
        #expect(FoundryFake.key(from: values) == "s/error/t")
        for name in values.keys {
            var missing = values
            missing[name] = nil
            #expect(FoundryFake.key(from: missing) == nil, "\(name) missing")
            missing[name] = ""
            #expect(FoundryFake.key(from: missing) == nil, "\(name) empty")
        }
    }
}
