import Scenarios
import Testing

/// `iso8601` and `httpDate` write their bytes straight into the string's storage for years 0...9999: every
/// width, fraction and suffix must come out whole, and the text must read back as the same instant.
@Suite struct TimestampFormattingTests {
    @Test func fractionDigitsAndSuffix() {
        let t = Timestamp(milliseconds: 1_234)
        #expect(t.iso8601() == "1970-01-01T00:00:01Z")
        #expect(t.iso8601(fractionDigits: -1) == "1970-01-01T00:00:01Z")
        #expect(t.iso8601(fractionDigits: 1) == "1970-01-01T00:00:01.2Z")
        #expect(t.iso8601(fractionDigits: 2) == "1970-01-01T00:00:01.23Z")
        #expect(t.iso8601(fractionDigits: 3) == "1970-01-01T00:00:01.234Z")
        #expect(t.iso8601(fractionDigits: 4) == "1970-01-01T00:00:01.2340Z")
        #expect(t.iso8601(fractionDigits: 9) == "1970-01-01T00:00:01.234000000Z")
        #expect(t.iso8601(fractionDigits: 12) == "1970-01-01T00:00:01.234000000Z")
        #expect(t.iso8601(zulu: false) == "1970-01-01T00:00:01")
        #expect(t.iso8601(fractionDigits: 1, zulu: false) == "1970-01-01T00:00:01.2")
        #expect(t.iso8601(fractionDigits: 5, zulu: false) == "1970-01-01T00:00:01.23400")
    }

    @Test func firstAndLastYearsWrittenInPlace() {
        // 0000-01-01T00:00:00Z and the last millisecond of 9999.
        #expect(Timestamp(milliseconds: -62_167_219_200_000).iso8601() == "0000-01-01T00:00:00Z")
        #expect(Timestamp(milliseconds: 253_402_300_799_999).iso8601(fractionDigits: 3) == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: 253_402_300_799_999).httpDate == "Fri, 31 Dec 9999 23:59:59 GMT")
        #expect(Timestamp(milliseconds: 0).httpDate == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(Timestamp(milliseconds: 951_782_400_000).iso8601() == "2000-02-29T00:00:00Z")
    }

    /// Instants spread over 1970...9999 read back from their text (parsing is separate code).
    @Test func readsBackAsTheSameInstant() {
        var checked = 0
        for ms in stride(from: Int64(0), to: 253_402_300_800_000, by: 7_919_876_543_211) {
            let t = Timestamp(milliseconds: ms)
            #expect(Timestamp.parse(t.iso8601(fractionDigits: 3))?.milliseconds == ms)
            #expect(Timestamp.parse(t.iso8601())?.milliseconds == ms - ms % 1000)
            #expect(Timestamp(httpDate: t.httpDate)?.milliseconds == ms - ms % 1000)
            checked += 1
        }
        #expect(checked > 30)
    }
}

/// `appendISO8601` appends exactly the text `iso8601` makes, for every layout and for years in and out of 0...9999.
@Suite struct ISO8601AppendingTests {
    @Test func appendsWhatIso8601Writes() {
        var instants: [Int64] = [
            0, -1, 1, 999, 1_000, 951_782_400_000, 951_868_799_999, 1_735_689_599_999, 1_735_689_600_000,
            -62_167_219_200_000, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000, .max, .min,
        ]
        var random = SeededRandom(seed: 3, stream: "instants")
        for _ in 0..<400 { instants.append(Int64(truncatingIfNeeded: random.next()) >> Int64(random.next() % 24)) }
        for ms in instants {
            let t = Timestamp(milliseconds: ms)
            for digits in [-1, 0, 1, 3, 6, 7, 9, 12] {
                for zulu in [true, false] {
                    var out: [UInt8] = Array("x".utf8)
                    t.appendISO8601(fractionDigits: digits, zulu: zulu, to: &out)
                    #expect(out == Array(("x" + t.iso8601(fractionDigits: digits, zulu: zulu)).utf8), "\(ms) \(digits) \(zulu)")
                }
            }
            var writer = JSONWriter()
            writer.iso8601(t, fractionDigits: 3)
            #expect(writer.bytes == JSON.string(t.iso8601(fractionDigits: 3)).bytes)
        }
    }
}
