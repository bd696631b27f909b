import MockRunsHTTP
import MockRunsSync
import Scenarios

/// One isolated scenario state on the server: its engine (runs, clock, counters, seeded randomness) and its
/// journal. The root (`default`) is one; `POST /__mockruns/sessions` makes more, served under `/__sessions/NAME/`,
/// so tests running in parallel share a server without seeing each other's runs.
public final class Session: Sendable {
    public let name: String
    /// 0 for the root, else the table's creation number: tags a journalled request with its session.
    public let id: Int
    public let scenario: LiveScenario
    let journal: Locked<Journal>
    /// The Date headers written: formatting one costs more than the rest of a small answer.
    private let dates = Locked(HTTPDateMemo())

    /// The health check's last answer (see `MockRunsApp.healthAnswer(in:)`).
    let healthAnswers = Locked(HealthAnswerMemo())

    /// A named session keeps fewer requests and runs than the root: a thousand sessions of a parallel test run
    /// must not each grow to the root's bounds.
    static let journalCapacity = 1_000
    static let maximumRuns = 10_000

    init(name: String, id: Int, engine: Engine, journalCapacity: Int) {
        self.name = name
        self.id = id
        self.scenario = LiveScenario(engine)
        self.journal = Locked(Journal(capacity: journalCapacity))
    }

    /// The HTTP date of the session's scenario clock, to the second.
    func httpDate() -> String { httpDate(at: scenario.withEngine { $0.now }) }

    /// The HTTP date of `time` (the session's scenario time, read already), to the second.
    func httpDate(at time: Timestamp) -> String {
        dates.withLock { $0.text(second: time.milliseconds / 1000) }
    }

    // A journal sequence number and the session it belongs to in one `Reply.tag`: the low bits hold the
    // sequence, the high ones the session's id (0 for the root, so the root's tags are plain sequence numbers).
    static let sequenceBits = 36

    func tag(_ sequence: Int) -> Int { id << Self.sequenceBits | (sequence & (1 << Self.sequenceBits - 1)) }

    static func split(tag: Int) -> (id: Int, sequence: Int) {
        (tag >> sequenceBits, tag & (1 << sequenceBits - 1))
    }
}

/// `Timestamp.httpDate` of whole seconds, remembered: the last second's text, and its day's (`Wed, 01 Jan 2025
/// 00:00:00 GMT`), whose clock digits alone differ within the day. A clock that moves a second per request (the
/// `polls` clock) missed a memo of the last second on every request; writing the six digits into the day's bytes
/// instead of formatting the whole date took WES status from 94,421 to 94,035 instructions
/// (bench/speed/instructions.sh wes).
struct HTTPDateMemo {
    private var second = Int64.min
    private var last = ""
    private var day = Int64.min
    /// The day's text as UTF-8, 29 bytes; empty for a day whose text is not of that fixed form (a year past 9999).
    private var dayBytes: [UInt8] = []

    /// The HTTP date of `second` (seconds since the epoch).
    mutating func text(second: Int64) -> String {
        if second == self.second { return last }
        // Floor division: the seconds before the epoch belong to the day before it.
        let (quotient, remainder) = second.quotientAndRemainder(dividingBy: 86_400)
        let day = remainder < 0 ? quotient - 1 : quotient
        let ofDay = remainder < 0 ? remainder + 86_400 : remainder
        if day != self.day {
            self.day = day
            // (A day whose start is past Int64's milliseconds, near the ends of time, is formatted whole.)
            let (start, overflow) = day.multipliedReportingOverflow(by: 86_400_000)
            let text = overflow ? "" : Timestamp(milliseconds: start).httpDate
            dayBytes = text.utf8.count == Self.length ? Array(text.utf8) : []
        }
        self.second = second
        if dayBytes.isEmpty {
            last = Timestamp(milliseconds: second * 1000).httpDate
            return last
        }
        last = dayBytes.withUnsafeBufferPointer { bytes in
            String(unsafeUninitializedCapacity: Self.length) { out in
                _ = out.initialize(from: bytes)
                func put(_ value: Int64, at index: Int) {
                    out[index] = UInt8(ascii: "0") + UInt8(value / 10)
                    out[index + 1] = UInt8(ascii: "0") + UInt8(value % 10)
                }
                // `HH:MM:SS` at bytes 17 to 24.
                put(ofDay / 3600, at: 17)
                put(ofDay / 60 % 60, at: 20)
                put(ofDay % 60, at: 23)
                return Self.length
            }
        }
        return last
    }

    private static let length = 29
}

/// The health check's answer for one second of the scenario clock: within a second every answer is the same
/// (its Date is the only part that changes), and CI fixtures poll the check. One answer, replaced when the second
/// differs.
struct HealthAnswerMemo {
    /// The scenario second (Unix seconds) `answer` is dated.
    var second = Int64.min
    var answer: HTTPResponse?

    /// The answer kept for `second`, if any.
    func answer(for second: Int64) -> HTTPResponse? { second == self.second ? answer : nil }
}
