import Testing

@testable import Scenarios

/// The writer fills room made ahead (`ByteRoom`) and keeps "a comma is due" as a flag: every piece written must
/// still be the bytes of the same value as a JSON tree, at any room size (growing mid-piece included), after the
/// text was read mid-way, and next to values written through the array path (doubles, arrays, objects).
@Suite struct JSONWriterRoomTests {
    /// One body with every kind of piece, written by the writer and built as a tree.
    private func write(capacity: Int, text: String, readMidway: Bool) -> (written: [UInt8], tree: [UInt8]) {
        var out = JSONWriter(capacity: capacity)
        var midway: [UInt8] = []
        out.openObject()
        out.key("s")
        out.string(text)
        out.key("ints")
        out.openArray()
        let ints = [0, 1, -1, 9, 10, -10, 99, 100, 12_345, Int.max, Int.min, Int.min + 1]
        for n in ints {
            out.item()
            out.int(n)
        }
        out.closeArray()
        if readMidway { midway = out.bytes }
        out.key("d")
        out.value(.double(0.25))
        out.key("after_double")
        out.bool(false)
        out.key(named: "named \"key\"\n")
        out.value(.array([.string(text), .object([("k", .null)]), .int(-3)]))
        out.key("t")
        out.iso8601(Timestamp(milliseconds: 1_735_689_605_042), fractionDigits: 6)
        out.key("far")
        out.iso8601(Timestamp(milliseconds: 400_000_000_000_000), fractionDigits: 3)
        out.key("before")
        out.iso8601(Timestamp(milliseconds: -62_200_000_000_000))
        out.key("v")
        out.value(.string(text))
        out.key("n")
        out.value(.int(-7))
        out.key("b")
        out.value(.bool(true))
        out.key("z")
        out.value(.null)
        out.key("empty")
        out.value(.object([]))
        out.key("last")
        out.null()
        out.closeObject()
        let written = out.bytes
        if readMidway { #expect(Array(written.prefix(midway.count)) == midway) }
        let tree: JSON = .object([
            ("s", .string(text)), ("ints", .array(ints.map { .int($0) })), ("d", .double(0.25)), ("after_double", false),
            ("named \"key\"\n", .array([.string(text), .object([("k", .null)]), .int(-3)])),
            ("t", .string(Timestamp(milliseconds: 1_735_689_605_042).iso8601(fractionDigits: 6))),
            ("far", .string(Timestamp(milliseconds: 400_000_000_000_000).iso8601(fractionDigits: 3))),
            ("before", .string(Timestamp(milliseconds: -62_200_000_000_000).iso8601())),
            ("v", .string(text)), ("n", -7), ("b", true), ("z", nil), ("empty", [:]), ("last", nil),
        ])
        return (written, tree.bytes)
    }

    @Test func everyPieceAtEveryRoomSize() {
        let texts = ["", "plain", "a\"b\\c\nd\re\tf\u{01}g\u{1F}h", "é漢😀", String(repeating: "x", count: 3000), "\u{7F}\u{00}"]
        for text in texts {
            for capacity in [0, 1, 2, 3, 7, 16, 64, 1_000, 10_000] {
                for readMidway in [false, true] {
                    let (written, tree) = write(capacity: capacity, text: text, readMidway: readMidway)
                    #expect(written == tree, "capacity \(capacity), text \(text.prefix(12)), midway \(readMidway)")
                }
            }
        }
    }

    /// The far years' general path really is taken and written (five digits, a sign).
    @Test func yearsOutsideFourDigitsAreWrittenInQuotes() {
        var out = JSONWriter(capacity: 4)
        out.openArray()
        out.item()
        out.iso8601(Timestamp(milliseconds: 400_000_000_000_000))
        out.closeArray()
        let text = String(decoding: out.bytes, as: UTF8.self)
        #expect(text == "[\"" + Timestamp(milliseconds: 400_000_000_000_000).iso8601() + "\"]")
        #expect(text.hasPrefix("[\"14645-"))
    }

    /// A comma goes exactly where the last byte said one does: not after `{` or `[`, nor at the start, and
    /// after anything else (a closed container, a value, the array path's values).
    @Test func commasFollowTheLastByte() {
        var out = JSONWriter(capacity: 2)
        out.openArray()
        out.item()
        out.openArray()
        out.closeArray()
        out.item()
        out.value(.array([1]))
        out.item()
        out.openObject()
        out.key("a")
        out.openArray()
        out.item()
        out.string("x")
        out.closeArray()
        out.key("b")
        out.value(.object([("c", 1)]))
        out.closeObject()
        out.item()
        out.int(0)
        out.closeArray()
        #expect(String(decoding: out.bytes, as: UTF8.self) == #"[[],[1],{"a":["x"],"b":{"c":1}},0]"#)
        var top = JSONWriter()
        top.key("first")
        top.int(1)
        top.key("second")
        top.int(2)
        #expect(String(decoding: top.bytes, as: UTF8.self) == #""first":1,"second":2"#)
    }

    /// Bytes read mid-way are a value of their own: writing on does not change them.
    @Test func textReadMidwayStaysAsItWas() {
        var out = JSONWriter(capacity: 8)
        out.openObject()
        out.key("a")
        out.int(1)
        let first = out.bytes
        out.key("b")
        out.string(String(repeating: "y", count: 100))
        out.closeObject()
        #expect(String(decoding: first, as: UTF8.self) == #"{"a":1"#)
        #expect(out.bytes == JSON.object([("a", 1), ("b", .string(String(repeating: "y", count: 100)))]).bytes)
    }

    /// Escaped text of many parts, longer than its first room, written twice with suffixes.
    @Test func escapedTextGrowsPastItsRoom() {
        var text = JSONWriter.EscapedText()
        var joined = ""
        for index in 0..<40 {
            let part = "/part\(index)\"\\\u{02}é"
            text.append(part)
            joined += part
        }
        var out = JSONWriter(capacity: 1)
        out.openArray()
        out.item()
        out.string(text, "")
        out.item()
        out.string(text, "/cancel")
        out.closeArray()
        #expect(out.bytes == JSON.array([.string(joined), .string(joined + "/cancel")]).bytes)
        let empty = JSONWriter.EscapedText()
        var short = JSONWriter(capacity: 0)
        short.string(empty, "/x")
        #expect(String(decoding: short.bytes, as: UTF8.self) == #""/x""#)
    }
}
