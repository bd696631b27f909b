import Scenarios
import Testing

@testable import MockRuns

/// The ring takes its room once, at its first entry, and at most 16,384 entries' worth (issue 10): a journal of
/// a larger capacity must still keep all of it, and one cleared must take room again.
@Suite struct JournalRoomTests {
    func entry(_ n: Int) -> Journal.Entry {
        Journal.Entry(at: Timestamp(milliseconds: Int64(n)), method: "GET", path: "/\(n)", api: nil, endpoint: nil, status: 200)
    }

    @Test func aCapacityPastTheRoomTakenAtFirstIsStillKeptWhole() {
        var journal = Journal(capacity: 16_390)
        for n in 1...16_395 { journal.record(entry(n)) }
        let kept = journal.kept
        #expect(kept.count == 16_390)
        #expect(kept.first?.sequence == 6 && kept.last?.sequence == 16_395)
        #expect(kept.map(\.sequence) == Array(6...16_395))
        journal.clear()
        for n in 1...3 { journal.record(entry(n)) }
        #expect(journal.kept.map(\.path) == ["/1", "/2", "/3"])
    }
}
