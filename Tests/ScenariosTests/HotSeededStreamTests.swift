import Testing

@testable import Scenarios

/// A stream's label is hashed from its own UTF-8 buffer (`SeededRandom.hash`): every label must still give the
/// stream of FNV-1a over its bytes, whatever it holds (empty, beyond ASCII, long, cut from other text), with and
/// without a number after it.
@Suite struct HotSeededStreamTests {
    /// SplitMix64 seeded with the seed and the label's FNV-1a hash, written out from the published constants.
    private static func reference(seed: UInt64, label: [UInt8]) -> [UInt64] {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in label { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        var state = seed ^ hash
        return (0..<3).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func everyLabelGivesTheStreamOfItsBytes() {
        let long = String(repeating: "requestId/workspace/", count: 40)
        let cut = String("xx requestId/workspace/ yy".dropFirst(3).dropLast(3))  // from a Substring
        let labels = ["", "a", "ids/wes", "requestId/workspace/", "é漢😀/x", "W\u{301}", "nul\u{0}inside", long, cut]
        for seed: UInt64 in [0, 1, 42, .max] {
            for label in labels {
                var random = SeededRandom(seed: seed, stream: label)
                #expect((0..<3).map { _ in random.next() } == Self.reference(seed: seed, label: Array(label.utf8)), "\(label)")
                for number in [0, 7, -12, 1_000_003, Int.min] {
                    var numbered = SeededRandom(seed: seed, stream: label, number: number)
                    let expected = Self.reference(seed: seed, label: Array((label + String(number)).utf8))
                    #expect((0..<3).map { _ in numbered.next() } == expected, "\(label) \(number)")
                }
            }
        }
    }
}
