import MockRunsHTTP
import Scenarios
import Testing

@testable import MockRuns

/// The fingerprint memo's key (issue 10): hashed and compared as whole byte buffers, it must still tell every
/// pair of different byte strings apart and find every equal one, whatever their lengths.
@Suite struct FingerprintMemoTests {
    @Test func equalBytesAreOneKeyAndAnyDifferenceIsAnother() {
        let keys: [[UInt8]] = [
            [], [0], [0, 0], Array("tok".utf8), Array("tol".utf8), Array("tok ".utf8), Array("tok\0".utf8),
            Array("caf\u{E9}".utf8), Array("cafe\u{301}".utf8), Array(repeating: 0x61, count: 4096),
            Array(repeating: 0x61, count: 4095) + [0x62],
        ]
        for (i, a) in keys.enumerated() {
            for (j, b) in keys.enumerated() {
                #expect((Fingerprint.ByteKey(a) == Fingerprint.ByteKey(b)) == (i == j), "keys \(i) and \(j)")
            }
            // Equal keys in different buffers: the same hash (a Set finds one through the other).
            #expect(Fingerprint.ByteKey(Array(a)).hashValue == Fingerprint.ByteKey(a.map { $0 }).hashValue)
        }
        #expect(Set(keys.map(Fingerprint.ByteKey.init)).count == keys.count)
    }

    @Test func aTableOfByteKeysFindsWhatWasKeptUnderEqualBytesOnly() {
        var memo = Fingerprint.Memo()
        var random = SeededRandom(seed: 12)
        var kept: [[UInt8]: String] = [:]  // the plain table the memo's answers are checked against
        for index in 0..<500 {
            let key = (0..<Int(random.next() % 40)).map { _ in UInt8(truncatingIfNeeded: random.next() % 4) }
            memo.keep(key, "value \(index)")
            kept[key] = "value \(index)"
        }
        for (key, value) in kept {
            #expect(memo.table[Fingerprint.ByteKey(Array(key))] == value)
        }
        #expect(memo.table.count == kept.count)
        #expect(memo.table[Fingerprint.ByteKey([9, 9, 9])] == nil)
    }

    /// The recent keys answer before the table: bounded, and only for a key of exactly their bytes (a prefix, a
    /// longer key or one byte changed is another key), with the table's answer, also after the table was emptied.
    @Test func theRecentKeysAreBoundedAndAnswerOnlyForTheirOwnBytes() {
        func key(_ text: String) -> Fingerprint.ByteKey { Fingerprint.ByteKey(Array(text.utf8)) }
        var memo = Fingerprint.Memo()
        for index in 0..<20 { memo.keep(Array("key \(index)".utf8), "value \(index)") }
        for _ in 0..<3 {
            for index in 0..<20 { #expect(memo.lookUp(key("key \(index)")) == "value \(index)") }
        }
        #expect(memo.recent.count == Fingerprint.Memo.recentCapacity)
        #expect(Set(memo.recent.map(\.fingerprint)) == Set((12..<20).map { "value \($0)" }), "the last 8 found")
        for text in ["key 1", "key 19 ", "key 1\0", "key 18".uppercased(), "", "key 2"] where text != "key 19" {
            let expected = text.hasPrefix("key ") ? "value \(text.dropFirst(4))" : nil
            #expect(memo.lookUp(key(text)) == (memo.table[key(text)] == nil ? nil : expected), "\(text.debugDescription)")
        }
        memo.table.removeAll()
        for index in 0..<20 {
            let found = memo.lookUp(key("key \(index)"))
            #expect(found == nil || found == "value \(index)", "a recent key keeps its own answer only")
        }
        #expect(memo.recent.contains { $0.key == key("key 2") } && memo.lookUp(key("key 2")) == "value 2")
    }

    /// The memo answers from its table on the second look: the answer must be the one worked out afresh.
    @Test func aRememberedFingerprintIsTheOneWorkedOutAfresh() {
        for text in ["tok", "", "a\0b", "caf\u{E9}", String(repeating: "x", count: 300)] {
            let first = Fingerprint.of(utf8: Array(text.utf8))
            let second = Fingerprint.of(utf8: Array(text.utf8))
            let word = Fingerprint.sha256Words(Array(text.utf8))[0]
            let hex = String(word, radix: 16)
            let expected = "sha256:" + String(repeating: "0", count: 8 - hex.count) + hex
            #expect(first == expected && second == expected, "\(text.prefix(10))")
            #expect(Fingerprint.of(text) == expected)
        }
    }

    /// A body that is not a form is summarised as its bytes when ASCII, through its repaired text otherwise: both
    /// must give what the plain formula (the body decoded as UTF-8) gives.
    @Test func aBodySummaryIsItsTextWhetherASCIIOrNot() {
        let bodies: [[UInt8]] = [
            [], Array(#"{"a":1}"#.utf8), [0x00, 0x7F, 0x0A, 0x0D], Array(#"{"n":"café"}"#.utf8), [0x7B, 0xC3, 0x28, 0x7D],
            [0x80], [0xFF, 0x41], Array(String(repeating: "z", count: 5000).utf8),
        ]
        for body in bodies {
            let request = HTTPRequest(method: "POST", path: "/api/v1/x", body: body)
            #expect(
                MockRunsApp.submissionFingerprint(request) == SubmissionFingerprintTests.plainSubmissionFingerprint(request),
                "body \(body.prefix(8))")
        }
    }
}
