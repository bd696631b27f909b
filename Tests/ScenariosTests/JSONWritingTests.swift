import Testing

@testable import Scenarios

/// The byte writer behind every answer body: what it writes must read back as the same value, and its text is
/// pinned where clients compare bytes.
@Suite struct JSONWritingTests {
    @Test func escapesWhatJSONRequiresAndKeepsEveryOtherByte() throws {
        let text = "a\"b\\c\nd\re\tf\u{01}g\u{1F}h/é漢😀\u{7F}"
        let written = JSON.string(text).serialized()
        #expect(written == #""a\"b\\c\nd\re\tf\u0001g\u001fh/é漢😀\#u{7F}""#)
        #expect(try JSON.parse(Array(written.utf8)) == .string(text))
    }

    @Test func integersDoublesAndNesting() throws {
        let value: JSON = [
            "min": .int(Int.min), "max": .int(Int.max), "zero": 0, "neg": -42, "whole": 3.0, "half": 0.5,
            "big": 1e20, "nan": .double(.nan), "list": [1, "x", nil, true, false, [:], []],
        ]
        let written = value.serialized()
        #expect(written == #"{"min":-9223372036854775808,"max":9223372036854775807,"zero":0,"neg":-42,"whole":3,"half":0.5,"big":1e+20,"nan":null,"list":[1,"x",null,true,false,{},[]]}"#)
        #expect(value.bytes == Array(written.utf8))
        var appended: [UInt8] = Array("x=".utf8)
        JSON.int(7).write(to: &appended)
        #expect(appended == Array("x=7".utf8))
    }

    @Test func prettyPrintingIndentsByTwoSpaces() {
        let value: JSON = ["a": [1, ["b": "c"]], "d": [:]]
        #expect(value.prettyPrinted() == "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"c\"\n    }\n  ],\n  \"d\": {}\n}")
    }

    @Test func httpDatesWrittenAsBytesMatchTheCalendar() {
        #expect(Timestamp(milliseconds: 1_735_689_600_000).httpDate == "Wed, 01 Jan 2025 00:00:00 GMT")
        #expect(Timestamp(milliseconds: 951_827_696_999).httpDate == "Tue, 29 Feb 2000 12:34:56 GMT")
        #expect(Timestamp(milliseconds: 253_402_300_799_000).httpDate == "Fri, 31 Dec 9999 23:59:59 GMT")
    }

    /// The four-digit years' fast path and the general one agree with the calendar the reader uses: every
    /// written date reads back as the second it was written for (a step of 7 days and 1 h 1 min 1 s walks
    /// every weekday, month, leap day and time of day between 1900 and 2100).
    @Test func httpDatesReadBackAsTheSecondTheyWereWrittenFor() {
        let step: Int64 = ((7 * 24 + 1) * 3600 + 61) * 1000 + 7
        var ms: Int64 = -2_208_988_800_000  // 1900-01-01
        var checked = 0
        while ms < 4_102_444_800_000 {  // 2100-01-01
            let written = Timestamp(milliseconds: ms).httpDate
            #expect(written.utf8.count == 29, "\(written)")
            #expect(Timestamp(httpDate: written)?.milliseconds == ms - ((ms % 1000) + 1000) % 1000, "\(written)")
            ms += step
            checked += 1
        }
        #expect(checked > 9_000)
    }
}

@Suite struct TimestampWritingTests {
    @Test func iso8601WithAnyNumberOfFractionDigits() {
        let t = Timestamp(milliseconds: 1_735_689_605_042)
        #expect(t.iso8601() == "2025-01-01T00:00:05Z")
        #expect(t.iso8601(fractionDigits: 1) == "2025-01-01T00:00:05.0Z")
        #expect(t.iso8601(fractionDigits: 3) == "2025-01-01T00:00:05.042Z")
        #expect(t.iso8601(fractionDigits: 7, zulu: false) == "2025-01-01T00:00:05.0420000")
        #expect(t.iso8601(fractionDigits: 1_000) == "2025-01-01T00:00:05.042000000Z")
        #expect(Timestamp(milliseconds: -1).iso8601(fractionDigits: 3) == "1969-12-31T23:59:59.999Z")
    }
}

/// `JSONWriter` writes the bytes `JSON.bytes` writes for the same members, commas and escapes included.
@Suite struct JSONWriterTests {
    @Test func writesWhatTheTreeWrites() {
        let texts = ["", "plain", "a\"b\\c\nd\u{01}", "é漢😀", String(repeating: "x", count: 2000)]
        for text in texts {
            var out = JSONWriter()
            out.openObject()
            out.key("s")
            out.string(text)
            out.key("n")
            out.int(-12)
            out.key("b")
            out.bool(true)
            out.key("z")
            out.null()
            out.key("v")
            out.value(["k": [1, "two", nil]])
            out.key("list")
            out.openArray()
            for item in [1, 2, 3] {
                out.item()
                out.int(item)
            }
            out.closeArray()
            out.key("empty")
            out.openObject()
            out.closeObject()
            out.key("emptyList")
            out.openArray()
            out.closeArray()
            out.closeObject()
            let tree: JSON = .object([
                ("s", .string(text)), ("n", -12), ("b", true), ("z", nil), ("v", ["k": [1, "two", nil]]), ("list", [1, 2, 3]),
                ("empty", [:]), ("emptyList", []),
            ])
            #expect(out.bytes == tree.bytes, "\(text.prefix(20))")
        }
    }

    @Test func nestedObjectsAndArraysOfObjects() {
        var out = JSONWriter()
        out.openArray()
        for name in ["a", "b"] {
            out.item()
            out.openObject()
            out.key("name")
            out.string(name)
            out.key("inner")
            out.openObject()
            out.key("x")
            out.int(1)
            out.closeObject()
            out.closeObject()
        }
        out.closeArray()
        let tree: JSON = [["name": "a", "inner": ["x": 1]], ["name": "b", "inner": ["x": 1]]]
        #expect(out.bytes == tree.bytes)
        #expect(String(decoding: out.bytes, as: UTF8.self) == #"[{"name":"a","inner":{"x":1}},{"name":"b","inner":{"x":1}}]"#)
    }

    /// Text escaped once and written with several suffixes is the string of the parts joined, escaped as a whole.
    @Test func escapedTextWithSuffixesIsTheJoinedString() {
        for parts in [["", ""], ["/__sessions/s", "/api/v1/", "a\"b\\c\n", "é漢😀"], [String(repeating: "y", count: 1500)]] {
            var out = JSONWriter()
            out.openArray()
            out.item()
            let open = out.openString()
            for part in parts { out.escaped(part) }
            let text = out.closeString(open, "")
            out.item()
            out.string(text, "/output/download")
            out.closeArray()
            let joined = parts.joined()
            #expect(out.bytes == JSON.array([.string(joined), .string(joined + "/output/download")]).bytes)
        }
    }
}
