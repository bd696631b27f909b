import Testing

@testable import Scenarios

/// `SeededRandom.uuid` writes each word's bytes as hex digits with the version and variant bits set in the words
/// first: it must give the ids the byte-at-a-time form gave (every run id in every scenario depends on them) and
/// keep the stream where that form left it.
@Suite struct HotUUIDTests {
    /// The form it replaced, as it was: each of the 16 bytes decided and written in one loop.
    private func byteAtATime(_ random: inout SeededRandom) -> String {
        let words = (random.next(), random.next())
        var text = ""
        for index in 0..<16 {
            let word = index < 8 ? words.0 : words.1
            var byte = UInt8(truncatingIfNeeded: word >> UInt64(8 * (index % 8)))
            if index == 6 { byte = (byte & 0x0F) | 0x40 }
            if index == 8 { byte = (byte & 0x3F) | 0x80 }
            if [4, 6, 8, 10].contains(index) { text += "-" }
            text += String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
        }
        return text
    }

    @Test func theSameIdsAsTheByteAtATimeForm() {
        for seed: UInt64 in [0, 1, 42, .max, 0x8000_0000_0000_0000] {
            var fast = SeededRandom(seed: seed, stream: "ids/wes")
            var model = SeededRandom(seed: seed, stream: "ids/wes")
            for draw in 0..<2_000 {
                let id = fast.uuid()
                #expect(id == byteAtATime(&model), "seed \(seed), draw \(draw)")
                // The stream stays in step: the next number after an id is the same.
                if draw % 100 == 0 { #expect(fast.next() == model.next()) }
            }
        }
    }

    @Test func versionVariantAndShape() {
        var random = SeededRandom(seed: 7)
        for _ in 0..<1_000 {
            let id = Array(random.uuid().utf8)
            #expect(id.count == 36)
            for (place, byte) in id.enumerated() {
                if [8, 13, 18, 23].contains(place) {
                    #expect(byte == UInt8(ascii: "-"))
                } else {
                    #expect((48...57).contains(byte) || (97...102).contains(byte), "place \(place)")
                }
            }
            #expect(id[14] == UInt8(ascii: "4"))
            #expect([UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "b")].contains(id[19]))
        }
    }
}
