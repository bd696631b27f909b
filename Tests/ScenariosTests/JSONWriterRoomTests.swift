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

    /// Escaped text of many parts, longer than the writer's first room, written in pieces and then repeated with
    /// a suffix.
    @Test func escapedTextGrowsPastItsRoom() {
        var out = JSONWriter(capacity: 1)
        out.openArray()
        out.item()
        let open = out.openString()
        var joined = ""
        for index in 0..<40 {
            let part = "/part\(index)\"\\\u{02}é"
            out.escaped(part)
            joined += part
        }
        let text = out.closeString(open, "")
        out.item()
        out.string(text, "/cancel")
        out.closeArray()
        #expect(out.bytes == JSON.array([.string(joined), .string(joined + "/cancel")]).bytes)
        var short = JSONWriter(capacity: 0)
        _ = short.closeString(short.openString(), "/x")
        #expect(String(decoding: short.bytes, as: UTF8.self) == #""/x""#)
    }

    /// The eight-bytes-at-once test answers as the byte-by-byte one: every byte value at every place among
    /// fillers that need no escape (either side of the limits), and a million words from a fixed stream.
    @Test func wordTestAgreesWithTheByteTest() {
        func byteTest(_ word: UInt64) -> Bool {
            (0..<8).contains { shift in
                let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt64(shift)))
                return byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
            }
        }
        for filler: UInt8 in [0x20, 0x21, 0x23, 0x5B, 0x5D, 0x61, 0x7F, 0x80, 0xA2, 0xDC, 0xFF] {
            for byte in 0...255 {
                for place in 0..<8 {
                    var word: UInt64 = 0
                    for index in 0..<8 { word |= UInt64(index == place ? UInt8(byte) : filler) << (8 * UInt64(index)) }
                    #expect(ByteRoom.mayNeedEscape(word) == byteTest(word), "byte \(byte) at \(place) among \(filler)")
                }
            }
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var disagreements = 0
        var found = 0
        for _ in 0..<1_000_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Bytes drawn mostly from near the limits, so words with and without them both come up often.
            var word: UInt64 = 0
            for index in 0..<8 {
                let pick = UInt8(truncatingIfNeeded: state >> (UInt64(index) * 8))
                let near: [UInt8] = [0x1F, 0x20, 0x21, 0x22, 0x23, 0x5B, 0x5C, 0x5D, 0x00, 0x7F, 0x80, 0xFF, 0x9F, 0xA0, 0xDC, 0xE2]
                word |= UInt64(pick & 0x10 == 0 ? near[Int(pick & 0xF)] : pick | 0x20) << (8 * UInt64(index))
            }
            let expected = byteTest(word)
            if expected { found += 1 }
            if ByteRoom.mayNeedEscape(word) != expected { disagreements += 1 }
        }
        #expect(disagreements == 0)
        #expect(found > 100_000 && found < 900_000)
    }

    /// An escape at any place of texts from 0 to 40 bytes long, before and after the eight-byte words.
    @Test func escapesAtEveryPlace() {
        for length in 0...40 {
            for place in 0..<max(length, 1) {
                for special in ["\"", "\\", "\n", "\u{01}", "\u{1F}", "é"] {
                    var text = String(repeating: "a", count: length)
                    if length > 0 {
                        var scalars = Array(text.unicodeScalars)
                        scalars[place] = special.unicodeScalars.first!
                        text = String(String.UnicodeScalarView(scalars))
                    }
                    var out = JSONWriter(capacity: 4)
                    out.string(text)
                    #expect(out.bytes == JSON.string(text).bytes, "\(length) \(place) \(special.debugDescription)")
                }
            }
        }
    }
}
