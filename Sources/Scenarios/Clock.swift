import MockRunsSync

/// A point in scenario time: milliseconds since 1970-01-01T00:00:00Z, UTC. Formatting is done here, without
/// Foundation, so answers carry the same bytes on every machine.
public struct Timestamp: Sendable, Hashable, Comparable {
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// 2025-01-01T00:00:00Z: the epoch of a scenario that names none.
    public static let defaultEpoch = Timestamp(milliseconds: 1_735_689_600_000)

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// Saturates instead of overflowing: the clock stops at the ends of time rather than crash the server.
    public func adding(seconds: Double) -> Timestamp {
        let limit = 9.0e15
        let delta = seconds.isNaN ? 0 : Int64(min(max((seconds * 1000).rounded(), -limit), limit))
        let (sum, overflow) = milliseconds.addingReportingOverflow(delta)
        return Timestamp(milliseconds: overflow ? (delta > 0 ? Int64.max : Int64.min) : sum)
    }

    /// `self - other` in milliseconds, saturating at the ends of Int64.
    public func milliseconds(since other: Timestamp) -> Int64 {
        let (difference, overflow) = milliseconds.subtractingReportingOverflow(other.milliseconds)
        return overflow ? (milliseconds > other.milliseconds ? Int64.max : Int64.min) : difference
    }

    /// `2025-01-01T00:00:05Z`, or with `fractionDigits` (1–7) `2025-01-01T00:00:05.000Z`; `zulu: false` omits
    /// the `Z` (as some APIs print local-looking times).
    public func iso8601(fractionDigits: Int = 0, zulu: Bool = true) -> String {
        let parts = ISO8601Parts(self, fractionDigits: fractionDigits, zulu: zulu)
        if let length = parts.length {
            // Written straight into the string's own storage, as `httpDate` is: through an array first, then
            // decoded into a string, cost ~1,000 more instructions a time (a workspace answer carries three or more).
            return String(unsafeUninitializedCapacity: length) { parts.write(into: $0) }
        }
        return String(decoding: parts.generalBytes(), as: UTF8.self)
    }

    /// Appends the text `iso8601(fractionDigits:zulu:)` gives to `out`, without making the String (an answer
    /// written as bytes puts its times straight in).
    public func appendISO8601(fractionDigits: Int = 0, zulu: Bool = true, to out: inout [UInt8]) {
        let parts = ISO8601Parts(self, fractionDigits: fractionDigits, zulu: zulu)
        guard let length = parts.length else {
            out.append(contentsOf: parts.generalBytes())
            return
        }
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: length))
        out.withUnsafeMutableBufferPointer { buffer in
            _ = parts.write(into: UnsafeMutableBufferPointer(rebasing: buffer[start..<start + length]))
        }
    }

    /// An instant's calendar fields, worked out once for either way of writing its ISO 8601 text.
    struct ISO8601Parts {
        let year, month, day, seconds, msOfDay: Int64
        let fraction: Int
        let zulu: Bool

        init(_ time: Timestamp, fractionDigits: Int, zulu: Bool) {
            let (days, msOfDay) = time.milliseconds.floorDivided(by: 86_400_000)
            (year, month, day) = Timestamp.civil(fromDays: days)
            self.msOfDay = msOfDay
            seconds = msOfDay / 1000
            // Capped at nine digits (nanoseconds): past that there is nothing to show and a caller's huge value
            // must not allocate a huge string.
            fraction = fractionDigits > 0 ? min(fractionDigits, 9) : 0
            self.zulu = zulu
        }

        /// The text's length when the year has four digits (the fixed layout `write` fills); nil otherwise.
        var length: Int? {
            (0...9999).contains(year) ? 19 + (fraction > 0 ? 1 + fraction : 0) + (zulu ? 1 : 0) : nil
        }

        /// Fills `out` (`length` bytes) and returns how many it wrote.
        func write(into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
            Timestamp.put(year, 4, at: 0, in: out)
            out[4] = UInt8(ascii: "-")
            Timestamp.put(month, 2, at: 5, in: out)
            out[7] = UInt8(ascii: "-")
            Timestamp.put(day, 2, at: 8, in: out)
            out[10] = UInt8(ascii: "T")
            Timestamp.put(seconds / 3600, 2, at: 11, in: out)
            out[13] = UInt8(ascii: ":")
            Timestamp.put(seconds / 60 % 60, 2, at: 14, in: out)
            out[16] = UInt8(ascii: ":")
            Timestamp.put(seconds % 60, 2, at: 17, in: out)
            var end = 19
            if fraction > 0 {
                out[end] = UInt8(ascii: ".")
                Timestamp.put(msOfDay % 1000, 3, at: end + 1, in: out, keeping: fraction)
                for index in 3..<max(fraction, 3) { out[end + 1 + index] = UInt8(ascii: "0") }
                end += 1 + fraction
            }
            if zulu {
                out[end] = UInt8(ascii: "Z")
                end += 1
            }
            return end
        }

        /// Years outside 0...9999 (a sign, more digits): written through an array, as `pad` writes them.
        func generalBytes() -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(30)
            Timestamp.digits(year, 4, &out)
            out.append(UInt8(ascii: "-"))
            Timestamp.digits(month, 2, &out)
            out.append(UInt8(ascii: "-"))
            Timestamp.digits(day, 2, &out)
            out.append(UInt8(ascii: "T"))
            Timestamp.timeOfDay(seconds, &out)
            if fraction > 0 {
                out.append(UInt8(ascii: "."))
                var millis: [UInt8] = []
                Timestamp.digits(msOfDay % 1000, 3, &millis)
                for index in 0..<fraction { out.append(index < 3 ? millis[index] : UInt8(ascii: "0")) }
            }
            if zulu { out.append(UInt8(ascii: "Z")) }
            return out
        }
    }

    /// The HTTP `Date` header form (RFC 9110 IMF-fixdate): `Wed, 01 Jan 2025 00:00:05 GMT`.
    public var httpDate: String {
        let (days, msOfDay) = milliseconds.floorDivided(by: 86_400_000)
        let (year, month, day) = Timestamp.civil(fromDays: days)
        let seconds = msOfDay / 1000
        let weekday = Int(((days % 7) + 7) % 7) * 3
        let monthAt = (Int(month) - 1) * 3
        if (0...9999).contains(year) {
            // Every answer carries one: its 29 bytes are written straight into the string's own storage (through
            // an array they cost more than the rest of a small answer).
            return String(unsafeUninitializedCapacity: 29) { out in
                func put(_ value: Int64, _ width: Int, at start: Int) { Timestamp.put(value, width, at: start, in: out) }
                for index in 0..<3 {
                    out[index] = Timestamp.weekdayNames[weekday + index]
                    out[8 + index] = Timestamp.monthNames[monthAt + index]
                }
                out[3] = UInt8(ascii: ",")
                (out[4], out[7], out[11], out[16], out[25]) = (32, 32, 32, 32, 32)  // spaces
                put(day, 2, at: 5)
                put(year, 4, at: 12)
                put(seconds / 3600, 2, at: 17)
                out[19] = UInt8(ascii: ":")
                put(seconds / 60 % 60, 2, at: 20)
                out[22] = UInt8(ascii: ":")
                put(seconds % 60, 2, at: 23)
                out[26] = UInt8(ascii: "G")
                out[27] = UInt8(ascii: "M")
                out[28] = UInt8(ascii: "T")
                return 29
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(29)
        out.append(contentsOf: Timestamp.weekdayNames[weekday..<weekday + 3])
        out.append(contentsOf: [UInt8(ascii: ","), UInt8(ascii: " ")])
        Timestamp.digits(day, 2, &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: Timestamp.monthNames[monthAt..<monthAt + 3])
        out.append(UInt8(ascii: " "))
        Timestamp.digits(year, 4, &out)
        out.append(UInt8(ascii: " "))
        Timestamp.timeOfDay(seconds, &out)
        out.append(contentsOf: " GMT".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes `value` (0 ≤ value < 10^width) as `width` zero-padded digits at `start` of `out`, or only its first
    /// `keeping` digits (a fraction shown to fewer places than it has).
    private static func put(
        _ value: Int64, _ width: Int, at start: Int, in out: UnsafeMutableBufferPointer<UInt8>, keeping: Int = .max
    ) {
        var value = value
        for index in (0..<width).reversed() {
            if index < keeping { out[start + index] = UInt8(ascii: "0") + UInt8(value % 10) }
            value /= 10
        }
    }

    private static let weekdayNames = Array("ThuFriSatSunMonTueWed".utf8)
    private static let monthNames = Array("JanFebMarAprMayJunJulAugSepOctNovDec".utf8)

    /// `HH:MM:SS` of `seconds` into the day.
    private static func timeOfDay(_ seconds: Int64, _ out: inout [UInt8]) {
        digits(seconds / 3600, 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(seconds / 60 % 60, 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(seconds % 60, 2, &out)
    }

    /// `value` in decimal, zero-padded to `width` digits (a negative year keeps its sign, as `pad` writes it).
    private static func digits(_ value: Int64, _ width: Int, _ out: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        guard value >= 0, value < divisor * 10 else {
            out.append(contentsOf: pad(value, width).utf8)
            return
        }
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }

    /// Reads the HTTP date form `Wed, 01 Jan 2025 00:00:05 GMT` (what `httpDate` writes); nil for anything else.
    public init?(httpDate text: String) {
        let parts = text.split(separator: " ")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard parts.count == 6, parts[5] == "GMT", let day = Int64(parts[1]),
            let month = months.firstIndex(of: String(parts[2])), let year = Int64(parts[3]), (0...9999).contains(year),
            (1...Timestamp.daysIn(month: Int64(month + 1), year: year)).contains(day)
        else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let h = Int64(clock[0]), let m = Int64(clock[1]), let sec = Int64(clock[2]),
            (0..<24).contains(h), (0..<60).contains(m), (0..<61).contains(sec)
        else { return nil }
        let days = Timestamp.civilToDays(year: year, month: Int64(month + 1), day: day)
        self.init(milliseconds: (((days * 24 + h) * 60 + m) * 60 + sec) * 1000)
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS[.f...][Z|+HH:MM]` (any number of fraction digits; milliseconds are kept); nil
    /// for anything else. Every field has a fixed width, so no arithmetic here can overflow.
    public static func parse(_ text: String) -> Timestamp? {
        let chars = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= chars.count else { return nil }
            var value: Int64 = 0
            for c in chars[range] {
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int64(c - 48)
            }
            return value
        }
        guard chars.count >= 19, chars[4] == 45, chars[7] == 45, chars[10] == 84 || chars[10] == 116,
            chars[13] == 58, chars[16] == 58,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60,
            second < 61
        else { return nil }
        var index = 19
        var millis: Int64 = 0
        if index < chars.count, chars[index] == 46 {
            index += 1
            var digits = 0
            while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                if digits < 3 { millis = millis * 10 + Int64(chars[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            // Digits past the third (microseconds, nanoseconds, ...) are read and dropped: the clock keeps
            // milliseconds. Fewer than three are scaled up ("0.5" is 500 ms).
            var scale = digits
            while scale < 3 {
                millis *= 10
                scale += 1
            }
        }
        var offsetMinutes: Int64 = 0
        if index < chars.count {
            if chars[index] == 90 || chars[index] == 122 {
                index += 1
            } else if chars[index] == 43 || chars[index] == 45 {
                // A real UTC offset: at most 23:59 either way.
                guard index + 6 == chars.count, let h = number(index + 1..<index + 3), chars[index + 3] == 58,
                    let m = number(index + 4..<index + 6), h < 24, m < 60
                else { return nil }
                offsetMinutes = (h * 60 + m) * (chars[index] == 43 ? 1 : -1)
                index += 6
            }
        }
        guard index == chars.count else { return nil }
        let days = civilToDays(year: year, month: month, day: day)
        let total = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60 + second
        return Timestamp(milliseconds: total * 1000 + millis)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The days of a month of the proleptic Gregorian calendar: a 31st of February is no day (it used to be read
    /// as the 3rd of March).
    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days-from-civil algorithms.
    static func civilToDays(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day)
    }
}

extension Int64 {
    /// Floor division and its non-negative remainder, for a positive divisor. Written so no step can overflow,
    /// even for `Int64.min` (a clock saturated at the start of time must still format).
    fileprivate func floorDivided(by divisor: Int64) -> (Int64, Int64) {
        var q = self / divisor
        var r = self % divisor
        if r < 0 {
            q -= 1
            r += divisor
        }
        return (q, r)
    }
}

/// Where a `wall` clock reads real time: injected, so the engine itself never reads the system clock.
public protocol TimeSource: Sendable {
    /// Seconds on a monotonic clock; only differences matter.
    func seconds() -> Double
}

/// A time source that moves only when told to: for tests of `wall` scenarios.
public final class ManualTimeSource: TimeSource {
    private let value: Locked<Double>

    public init(_ start: Double = 0) {
        value = Locked(start)
    }

    public func seconds() -> Double { value.withLock { $0 } }

    public func advance(by seconds: Double) { value.withLock { $0 += seconds } }
}
