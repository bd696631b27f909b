import Testing

@testable import Scenarios

/// `JSONWriter.members`: fixed members written as one piece of text must give the bytes `JSON.bytes` gives for
/// the same members written one key and value at a time, as an object's first members, after others, before
/// others, and when the room has to grow to take them.
@Suite struct HotJSONWriterMembersTests {
    private func text(_ out: inout JSONWriter) -> String { String(decoding: out.bytes, as: UTF8.self) }

    @Test func firstMembersGetNoComma() {
        var out = JSONWriter()
        out.openObject()
        out.members(#""ready":false,"filename":null"#)
        out.closeObject()
        #expect(text(&out) == String(decoding: JSON.object([("ready", false), ("filename", .null)]).bytes, as: UTF8.self))
    }

    @Test func membersBetweenOthersAreSeparated() {
        var out = JSONWriter()
        out.openObject()
        out.key("id")
        out.string("r1")
        out.members(#""object":"ade.run""#)
        out.key("n")
        out.int(7)
        out.members(#""a":null,"b":[1,2]"#)
        out.closeObject()
        let expected: JSON = .object([("id", "r1"), ("object", "ade.run"), ("n", 7), ("a", .null), ("b", .array([1, 2]))])
        #expect(text(&out) == String(decoding: expected.bytes, as: UTF8.self))
    }

    @Test func membersInANestedObjectAfterAKey() {
        var out = JSONWriter()
        out.openObject()
        out.key("output")
        out.openObject()
        out.members(#""ready":false"#)
        out.closeObject()
        out.members(#""last":true"#)
        out.closeObject()
        #expect(text(&out) == #"{"output":{"ready":false},"last":true}"#)
    }

    @Test func roomGrowsToTakeThem() {
        var out = JSONWriter(capacity: 2)
        out.openObject()
        out.key("x")
        out.null()
        out.members(#""ready":false,"filename":null,"content_type":null,"size_bytes":null,"download_url":null"#)
        out.closeObject()
        #expect(
            text(&out)
                == #"{"x":null,"ready":false,"filename":null,"content_type":null,"size_bytes":null,"download_url":null}"#)
    }
}
