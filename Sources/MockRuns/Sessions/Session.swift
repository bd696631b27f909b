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
    /// The last Date header written: formatting one costs more than the rest of a small answer.
    private let lastDate = Locked<(second: Int64, text: String)>((.min, ""))

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
        let second = time.milliseconds / 1000
        return lastDate.withLock { last in
            if last.second != second {
                last = (second, Timestamp(milliseconds: second * 1000).httpDate)
            }
            return last.text
        }
    }

    // A journal sequence number and the session it belongs to in one `Reply.tag`: the low bits hold the
    // sequence, the high ones the session's id (0 for the root, so the root's tags are plain sequence numbers).
    static let sequenceBits = 36

    func tag(_ sequence: Int) -> Int { id << Self.sequenceBits | (sequence & (1 << Self.sequenceBits - 1)) }

    static func split(tag: Int) -> (id: Int, sequence: Int) {
        (tag >> sequenceBits, tag & (1 << sequenceBits - 1))
    }
}
