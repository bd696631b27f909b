import Testing

@testable import Scenarios

/// `JSON.subscript(key:)` reads members in place from the end: the last equal key wins, keys compare as bytes,
/// and anything but an object has no members.
@Suite struct JSONLookupTests {
    @Test func lastEqualKeyWinsAndOthersAreAbsent() {
        let object: JSON = .object([("a", 1), ("b", 2), ("a", 3), ("é", 4), ("", 5)])
        #expect(object["a"] == 3)
        #expect(object["b"] == 2)
        #expect(object["é"] == 4)
        #expect(object["e\u{301}"] == nil)  // canonically equal, other bytes: another key
        #expect(object[""] == 5)
        #expect(object["c"] == nil)
        #expect(object["A"] == nil)
        #expect(JSON.object([])["a"] == nil)
        #expect(JSON.object([("only", .null)])["only"] == .null)
        for other: JSON in [.null, true, 1, 1.5, "a", ["a"]] { #expect(other["a"] == nil) }
    }

    /// Every key of a longer object is found at its last place, whatever the order.
    @Test func everyKeyOfALongObject() {
        var members: [(String, JSON)] = []
        for index in 0..<200 { members.append(("k\(index % 50)", .int(index))) }
        let object = JSON.object(members)
        for key in 0..<50 { #expect(object["k\(key)"] == .int(150 + key)) }
    }
}
