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

    /// Entries picked in place come out as `kept` would list them, oldest first, across the ring's wrap.
    @Test func entriesPickedInPlaceKeepTheRingsOrder() {
        var journal = Journal(capacity: 5)
        for n in 1...8 { journal.record(entry(n)) }
        #expect(journal.entries { _ in true }.map(\.sequence) == journal.kept.map(\.sequence))
        #expect(journal.entries { $0.sequence % 2 == 0 }.map(\.sequence) == [4, 6, 8])
        #expect(journal.entries { $0.path == "/nope" }.isEmpty)
    }

    /// A client's list is kept within bounds, what was cut marked; a list within them is the list itself.
    @Test func aClientsListIsKeptWithinBounds() {
        let small = [(name: "Accept", value: "*/*")]
        #expect(Journal.Entry.bounded(small).map(\.value) == ["*/*"])
        let long = (0..<40).map { (name: "X-\($0)" + String(repeating: "n", count: 100), value: String(repeating: "é", count: 200)) }
        let kept = Journal.Entry.bounded(long)
        #expect(kept.count == Journal.Entry.keptFields)
        #expect(kept.allSatisfy { $0.name.utf8.count <= 64 + 3 && $0.value.utf8.count <= 256 + 3 && $0.value.hasSuffix("…") })
        #expect(kept[0].value == String(repeating: "é", count: 128) + "…")
        // The cut falls before a character the limit would split: none is made up.
        #expect(Journal.Entry.cut("aé", 2) == "a…")
        #expect(Journal.Entry.cut("a€b", 3) == "a…" && Journal.Entry.cut("a€b", 4) == "a€…")
        #expect(Journal.Entry.cut("abc", 3) == "abc" && Journal.Entry.cut("abcd", 3) == "abc…")
    }

    /// The ring takes its room once, at its first entry, and at most 16,384 entries' worth (issue 10): a journal
    /// of a larger capacity must still keep all of it, and one cleared must take room again.
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

    /// A full ring overwrites in place and hints the next entry to overwrite into the cache (`prefetchOldest`):
    /// for the smallest rings too, where the next one is the same place or the first again, every entry kept is
    /// the right one and `finish` still lands on it after many turns of the ring.
    @Test func smallRingsKeepTheirLastEntriesAcrossManyTurns() {
        for capacity in [1, 2, 3] {
            var journal = Journal(capacity: capacity)
            for n in 1...1_000 {
                #expect(journal.record(entry(n)) == n)
                journal.finish(n, durationMs: Double(n), clientGone: false)
            }
            let expected = Array((1_001 - capacity)...1_000)
            #expect(journal.kept.map(\.sequence) == expected)
            #expect(journal.kept.map(\.path) == expected.map { "/\($0)" })
            #expect(journal.kept.map(\.durationMs) == expected.map { Double($0) })
        }
    }
}
