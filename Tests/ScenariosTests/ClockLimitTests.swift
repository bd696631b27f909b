import Scenarios
import Testing

/// Timestamps a scenario file or a long-running server can produce must parse and format without trapping.
@Suite struct ClockLimitTests {
    /// The audit's crash: four or more fraction digits built an invalid range (`4..<3`) and trapped.
    @Test func epochWithMoreThanThreeFractionDigitsLoads() throws {
        let s = try scenario(#"{"clock": {"epoch": "2025-01-01T00:00:00.1234Z"}}"#)
        #expect(s.clock.epoch.milliseconds == Timestamp.defaultEpoch.milliseconds + 123)
    }

    @Test(arguments: [
        ("2025-01-01T00:00:00.5Z", 500), ("2025-01-01T00:00:00.05Z", 50), ("2025-01-01T00:00:00.123Z", 123),
        ("2025-01-01T00:00:00.9999Z", 999), ("2025-01-01T00:00:00.123456789Z", 123),
        ("2025-01-01T00:00:00." + String(repeating: "7", count: 400) + "Z", 777),
    ])
    func fractionDigitsKeepMilliseconds(text: String, millis: Int64) {
        #expect(Timestamp.parse(text)?.milliseconds == Timestamp.defaultEpoch.milliseconds + millis)
    }

    @Test func extremeButWellFormedTimestampsParse() {
        #expect(Timestamp.parse("9999-12-31T23:59:60.999-23:59")?.iso8601(fractionDigits: 3) != nil)
        #expect(Timestamp.parse("0000-01-01T00:00:00+23:59") != nil)
        // Not a UTC offset: refused rather than read as 99 hours.
        #expect(Timestamp.parse("0000-01-01T00:00:00+99:99") == nil)
        #expect(Timestamp.parse("2025-01-01T00:00:00+01:60") == nil)
        #expect(Timestamp.parse("2025-01-01T00:00:00.") == nil)
        #expect(Timestamp.parse("2025-01-01T00:00:00.Z") == nil)
        #expect(Timestamp.parse("2025-01-01T00:00:00+01") == nil)
    }

    /// A day the month does not have is no timestamp: 2025-02-31 used to be read as the 3rd of March.
    @Test func daysTheMonthDoesNotHaveAreRefused() {
        for text in ["2025-02-29", "2100-02-29", "2025-02-31", "2025-04-31", "2025-06-31", "2025-09-31", "2025-11-31"] {
            #expect(Timestamp.parse(text + "T00:00:00Z") == nil, "\(text)")
        }
        for text in ["2024-02-29", "2000-02-29", "2025-01-31", "2025-03-31", "2025-04-30", "2025-12-31"] {
            #expect(Timestamp.parse(text + "T00:00:00Z")?.iso8601(fractionDigits: 0).hasPrefix(text) == true, "\(text)")
        }
        #expect(Timestamp(httpDate: "Mon, 31 Feb 2025 00:00:00 GMT") == nil)
        #expect(Timestamp(httpDate: "Thu, 29 Feb 2024 00:00:00 GMT")?.iso8601(fractionDigits: 0) == "2024-02-29T00:00:00Z")
    }

    /// Formatting the ends of time used to overflow in the floor division (`Int64.min - divisor`).
    @Test func theEndsOfTimeFormat() {
        for ms in [Int64.min, Int64.min + 1, -86_400_001, -1, 0, Int64.max - 1, Int64.max] {
            let t = Timestamp(milliseconds: ms)
            #expect(t.iso8601(fractionDigits: 3).hasSuffix("Z"))
            #expect(t.httpDate.hasSuffix(" GMT"))
        }
        #expect(Timestamp(milliseconds: -1).iso8601(fractionDigits: 3) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: -1).httpDate == "Wed, 31 Dec 1969 23:59:59 GMT")
        #expect(Timestamp(milliseconds: 0).iso8601(fractionDigits: .max) == "1970-01-01T00:00:00.000000000Z")
    }

    /// A looping timeline of phases shorter than the clock's millisecond used to spin forever at one instant.
    @Test(.timeLimit(.minutes(1))) func subMillisecondLoopingPhasesDoNotSpin() throws {
        var e = try engine(
            """
            {"clock": {"mode": "virtual"}, "apis": {"jobs": {"defaultRun": {"loop": true, "timeline": [
              {"state": "QUEUED", "seconds": 1e-9}, {"state": "RUNNING", "seconds": 1e-300}]}}}}
            """)
        let id = e.createRun(api: "jobs", request: [:]).id
        e.advance(seconds: 1)
        // Each phase lasts one millisecond: 1 s is 500 whole cycles, so the run is back at its first phase.
        #expect(e.read(api: "jobs", id: id).state == "QUEUED")
        e.advance(seconds: 0.001)
        #expect(e.read(api: "jobs", id: id).state == "RUNNING")
    }
}
