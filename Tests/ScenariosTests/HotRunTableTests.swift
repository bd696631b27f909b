import Testing

@testable import Scenarios

/// `RunTable.insert` hashes the id once (its look-up and its store in one pass over the table's own index): a replaced id must
/// still keep its slot, every other run its own, the remembered last look-up must not outlive a freed slot, and
/// the slots (what `runs` walks) must be the ones the look-up-then-store form gave.
@Suite struct HotRunTableTests {
    /// The slots as the table used them before: a replaced id's slot freed first and taken again, freed slots
    /// reused last-freed first, new ones appended.
    struct SlotModel {
        let limit: Int
        var slots: [(id: String, run: Int, evictable: Bool)?] = []
        var free: [Int] = []
        var order: [Int] = []  // slots, oldest first

        mutating func insert(_ run: Int, id: String, evictable: Bool) {
            if let old = order.first(where: { slots[$0]?.id == id }) { release(old) }
            let slot = free.popLast() ?? slots.count
            if slot == slots.count { slots.append(nil) }
            slots[slot] = (id, run, evictable)
            order.append(slot)
            if order.count > limit, let oldest = order.first(where: { slots[$0]!.evictable }) { release(oldest) }
        }

        private mutating func release(_ slot: Int) {
            order.removeAll { $0 == slot }
            slots[slot] = nil
            free.append(slot)
        }

        var ids: [String] { order.map { slots[$0]!.id } }
        var runsInSlotOrder: [Int] { slots.compactMap { $0?.run } }
        func slot(of id: String) -> Int? { order.first { slots[$0]?.id == id } }
    }

    @Test func aReplacedIdKeepsItsSlotAndTheOthersTheirs() {
        var table = RunTable<Int>(limit: 10)
        for (run, id) in ["a", "b", "c"].enumerated() { table.insert(run, id: id, evictable: true) }
        let slots = ["a", "b", "c"].map { table.slot(of: $0) }
        table.insert(10, id: "b", evictable: true)
        #expect(["a", "b", "c"].map { table.slot(of: $0) } == slots)
        #expect(table.slot(of: "b").map { table[$0] } == 10)
        #expect(table.ids == ["a", "c", "b"])
        #expect(table.count == 3)
        #expect(Array(table.runs) == [0, 10, 2])
    }

    @Test func theLastLookUpDoesNotOutliveItsSlot() {
        var table = RunTable<Int>(limit: 2)
        table.insert(0, id: "old", evictable: true)
        table.insert(1, id: "mid", evictable: true)
        #expect(table.slot(of: "old").map { table[$0] } == 0)  // remembered
        table.insert(2, id: "new", evictable: true)  // evicts "old"; "new" takes its slot
        #expect(table.slot(of: "old") == nil)
        #expect(!table.contains("old"))
        #expect(table.slot(of: "new").map { table[$0] } == 2)
        #expect(table.slot(of: "mid").map { table[$0] } == 1)
        table.insert(3, id: "mid", evictable: true)  // replaced while remembered
        #expect(table.slot(of: "mid").map { table[$0] } == 3)
    }

    @Test func seededOperationsMatchTheSlotModel() {
        var random = SeededRandom(seed: 11, stream: "HotRunTableTests")
        for limit in [1, 2, 5, 70] {  // 70: past `reserveAt`, where the table sets room aside
            var table = RunTable<Int>(limit: limit)
            var model = SlotModel(limit: limit)
            for step in 0..<600 {
                let id = "run-\(random.int(in: 0...(limit + 8)))"
                let evictable = random.int(in: 0...9) > 0
                table.insert(step, id: id, evictable: evictable)
                model.insert(step, id: id, evictable: evictable)
                #expect(table.ids == model.ids, "limit \(limit), step \(step)")
                #expect(table.count == model.order.count)
                #expect(table.slot(of: id) == model.slot(of: id), "limit \(limit), step \(step)")
                let probe = "run-\(random.int(in: 0...(limit + 8)))"
                #expect(table.contains(probe) == (model.slot(of: probe) != nil))
                #expect(table.slot(of: probe) == model.slot(of: probe), "limit \(limit), step \(step), \(probe)")
                if let slot = table.slot(of: probe) { #expect(table[slot] == model.slots[slot]!.run) }
            }
            #expect(Array(table.runs) == model.runsInSlotOrder, "limit \(limit)")
        }
    }
}
