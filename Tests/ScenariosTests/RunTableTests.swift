@testable import Scenarios
import Testing

/// The run table against the plain model it replaced: a dictionary of runs and an array of ids in creation order,
/// the oldest evictable run dropped past the limit.
@Suite struct RunTableTests {
    /// What the table must behave like, written the slow, obvious way.
    struct Model {
        let limit: Int
        var order: [(id: String, run: Int, evictable: Bool)] = []

        mutating func insert(_ run: Int, id: String, evictable: Bool) {
            order.removeAll { $0.id == id }
            order.append((id, run, evictable))
            if order.count > limit, let oldest = order.firstIndex(where: \.evictable) { order.remove(at: oldest) }
        }

        func run(_ id: String) -> Int? { order.first { $0.id == id }?.run }
    }

    @Test func insertsReplacesAndEvictsInCreationOrder() {
        var table = RunTable<Int>(limit: 3)
        table.insert(0, id: "scripted", evictable: false)
        table.insert(1, id: "a", evictable: true)
        table.insert(2, id: "b", evictable: true)
        #expect(table.ids == ["scripted", "a", "b"])
        // Re-created: the new run, at the end of the order.
        table.insert(3, id: "a", evictable: true)
        #expect(table.ids == ["scripted", "b", "a"])
        #expect(table.slot(of: "a").map { table[$0] } == 3)
        // Past the limit the oldest evictable run goes (b), never the scripted one.
        table.insert(4, id: "c", evictable: true)
        #expect(table.ids == ["scripted", "a", "c"])
        #expect(table.slot(of: "b") == nil && !table.contains("b"))
        #expect(table.count == 3)
        #expect(table.runs.sorted() == [0, 3, 4])
    }

    @Test func aRunIsChangedInPlaceThroughItsSlot() {
        var table = RunTable<[Int]>(limit: 10)
        table.insert([], id: "x", evictable: true)
        let slot = table.slot(of: "x")!
        table[slot].append(7)
        table[slot].append(8)
        #expect(table.slot(of: "x").map { table[$0] } == [7, 8])
    }

    /// The slot remembered for the last look-up is not handed out once its run is gone, nor for another id
    /// that later takes the freed slot.
    @Test func aFreedSlotIsNotFoundUnderItsOldId() {
        var table = RunTable<Int>(limit: 1)
        table.insert(1, id: "a", evictable: true)
        #expect(table.slot(of: "a") != nil)
        table.insert(2, id: "b", evictable: true)  // evicts a; b may take a's slot
        #expect(table.slot(of: "a") == nil)
        #expect(table.slot(of: "b").map { table[$0] } == 2)
    }

    /// With nothing evictable the limit cannot be kept by dropping scripted runs: they all stay.
    @Test func runsThatAreNotEvictableAreNeverDropped() {
        var table = RunTable<Int>(limit: 2)
        for i in 0..<5 { table.insert(i, id: "s\(i)", evictable: false) }
        #expect(table.count == 5)
        table.insert(9, id: "c", evictable: true)
        #expect(table.ids == ["s0", "s1", "s2", "s3", "s4"])
    }

    /// Thousands of seeded random insertions, re-creations and look-ups, past `reserveAt` and the limit: the
    /// table and the model agree on every id, every run and the order.
    @Test func agreesWithTheModel() {
        for limit in [1, 5, RunTable<Int>.reserveAt + 7] {
            var random = SeededRandom(seed: UInt64(limit), stream: "run-table")
            var table = RunTable<Int>(limit: limit)
            var model = Model(limit: limit)
            for step in 0..<4_000 {
                let id = "r\(Int(random.next() % UInt64(limit * 3 + 2)))"
                let evictable = random.next() % 8 != 0
                if random.next() % 3 == 0 {
                    #expect(table.slot(of: id).map { table[$0] } == model.run(id), "step \(step)")
                } else {
                    table.insert(step, id: id, evictable: evictable)
                    model.insert(step, id: id, evictable: evictable)
                }
                #expect(table.count == model.order.count, "step \(step)")
            }
            #expect(table.ids == model.order.map(\.id))
            #expect(table.runs.sorted() == model.order.map(\.run).sorted())
        }
    }
}
