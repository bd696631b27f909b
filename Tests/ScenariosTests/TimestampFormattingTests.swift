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
