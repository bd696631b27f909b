import Testing

@testable import Scenarios

/// `JSONWriter.openString`/`escaped`/`closeString` and `string(_ written:_:)`: a string written in pieces and
/// repeated from where it was written must give the bytes `JSON.bytes` gives for the same strings, whatever the
/// pieces hold (escapes, text beyond ASCII, nothing), however often the room grows in between, and with the
/// suffix left out of what is repeated.
@Suite struct HotJSONWriterRepeatTests {
    private func expectSame(_ out: inout JSONWriter, _ expected: JSON, _ comment: Comment? = nil) {
        #expect(String(decoding: out.bytes, as: UTF8.self) == String(decoding: expected.bytes, as: UTF8.self), comment)
    }

    @Test func piecesThenRepeatsWithOtherSuffixes() {
        var out = JSONWriter()
        out.openObject()
        out.key("self")
        let start = out.openString()
        out.escaped("/base")
        out.escaped("/api/v1/workspaces/" as StaticString)
        out.escaped("ws")
        let path = out.closeString(start, "/first")
        out.key("events")
        out.string(path, "/events/stream")
        out.key("plain")
        out.string(path, "")
        out.closeObject()
        expectSame(
            &out,
            .object([
                ("self", "/base/api/v1/workspaces/ws/first"), ("events", "/base/api/v1/workspaces/ws/events/stream"),
                ("plain", "/base/api/v1/workspaces/ws"),
            ]))
    }

    @Test func escapesInThePiecesAreRepeatedEscaped() {
        let hostile = "q\"b\\s\u{0}\u{1F}\n\té☃"
        var out = JSONWriter()
        out.openArray()
        out.item()
        let start = out.openString()
        out.escaped(hostile)
        out.escaped("")
        out.escaped(hostile)
        let written = out.closeString(start, "")
        out.item()
        out.string(written, "/cancel")
        out.closeArray()
        expectSame(&out, .array([.string(hostile + hostile), .string(hostile + hostile + "/cancel")]))
    }

    @Test func emptyTextAndTheRoomGrowingInBetween() {
        // Room of one byte: every piece and every repeat makes the room grow, moving what was written.
        var out = JSONWriter(capacity: 1)
        out.openArray()
        out.item()
        let opened = out.openString()
        let empty = out.closeString(opened, "/x")
        out.item()
        let start = out.openString()
        let long = String(repeating: "abcdefgh", count: 300)
        out.escaped(long)
        let written = out.closeString(start, "")
        var expected: [JSON] = ["/x", .string(long)]
        for index in 0..<20 {
            out.item()
            out.string(written, "/again")
            out.item()
            out.string(empty, "")
            out.item()
            out.int(index)
            expected += [.string(long + "/again"), "", .int(index)]
        }
        out.closeArray()
        expectSame(&out, .array(expected))
    }

    @Test func twoRepeatedTextsStayApart() {
        var out = JSONWriter(capacity: 8)
        out.openObject()
        out.key("a")
        let a = out.openString()
        out.escaped("first")
        let first = out.closeString(a, "!")
        out.key("b")
        let b = out.openString()
        out.escaped("second")
        let second = out.closeString(b, "?")
        out.key("c")
        out.string(first, "")
        out.key("d")
        out.string(second, "")
        out.closeObject()
        expectSame(&out, .object([("a", "first!"), ("b", "second?"), ("c", "first"), ("d", "second")]))
    }
}
