import Testing

@testable import MockRuns

/// The bounded store behind the answer memos: never more than `capacity` entries, the oldest replaced first.
@Suite struct RecentEntriesTests {
    @Test func itKeepsTheLastCapacityEntriesReplacingTheOldestFirst() {
        for capacity in [1, 2, 3, 8] {
            var recent = RecentEntries<Int>(capacity: capacity)
            for n in 1...20 {
                recent.keep(n)
                #expect(recent.entries.count == min(n, capacity))
                // Exactly the last `capacity` kept, whatever their order in the store.
                #expect(Set(recent.entries) == Set(max(1, n - capacity + 1)...n), "capacity \(capacity) after \(n)")
            }
        }
        var none = RecentEntries<Int>(capacity: 0)  // at least one is kept
        none.keep(1)
        none.keep(2)
        #expect(none.entries == [2])
    }
}
