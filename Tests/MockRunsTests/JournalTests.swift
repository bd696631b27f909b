import Scenarios
import Testing

@testable import MockRuns

/// The journal keeps its last `capacity` entries, oldest first, and finds each by its sequence number.
@Suite struct JournalTests {
    func entry(_ n: Int) -> Journal.Entry {
        Journal.Entry(at: Timestamp(milliseconds: Int64(n)), method: "GET", path: "/\(n)", api: nil, endpoint: nil, status: 200)
    }

    @Test func aFullRingDropsTheOldestAndKeepsOrder() {
        var journal = Journal(capacity: 3)
        #expect(journal.kept.isEmpty)
        for n in 1...2 { #expect(journal.record(entry(n)) == n) }
        #expect(journal.kept.map(\.sequence) == [1, 2])
        for n in 3...7 { journal.record(entry(n)) }
        #expect(journal.kept.map(\.sequence) == [5, 6, 7])
        #expect(journal.kept.map(\.path) == ["/5", "/6", "/7"])
        journal.finish(4, durationMs: 1, clientGone: false)  // forgotten: nothing to fill in
        journal.finish(6, durationMs: 2.5, clientGone: true)
        #expect(journal.kept.map(\.durationMs) == [nil, 2.5, nil])
        #expect(journal.kept.map(\.clientGone) == [nil, true, nil])
        journal.finish(8, durationMs: 1, clientGone: false)  // not yet recorded
        #expect(journal.kept.compactMap(\.durationMs) == [2.5])
        journal.clear()
        #expect(journal.kept.isEmpty)
        #expect(journal.record(entry(1)) == 1)
    }
}
