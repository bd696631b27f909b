import Testing

@testable import Scenarios

/// `SlotIndex`, the run table's own hash index: hashes chosen here (colliding, wrapping past the end) so that
/// probe runs, the backward shift of a delete and growth are exercised, not left to a random seed.
@Suite struct HotRunIndexTests {
    /// Ids as the table gives them: a slot per key, the index told which slot holds which key.
    struct Keys {
        var index = SlotIndex()
        var slotKeys: [Int: String] = [:]
        var hashes: [String: Int] = [:]

        func find(_ key: String, hash: Int) -> Int? { index.slot(hash: hash) { slotKeys[$0] == key } }

        mutating func add(_ key: String, hash: Int, slot: Int) {
            index.insert(hash: hash, slot: slot)
            slotKeys[slot] = key
            hashes[key] = hash
        }

        mutating func remove(_ key: String) {
            let slot = find(key, hash: hashes[key]!)!
            index.remove(hash: hashes[key]!, slot: slot)
            slotKeys[slot] = nil
            hashes[key] = nil
        }

        /// Every held key found in its slot, and every other one not found.
        func check(absent: [(String, Int)] = [], _ note: String = "") {
            for (slot, key) in slotKeys { #expect(find(key, hash: hashes[key]!) == slot, "\(key) \(note)") }
            for (key, hash) in absent { #expect(find(key, hash: hash) == nil, "\(key) \(note)") }
            #expect(index.count == slotKeys.count)
        }
    }

    @Test func collidingIdsAreTold() {
        var keys = Keys()
        for n in 0..<5 { keys.add("k\(n)", hash: 3, slot: n) }
        keys.check(absent: [("k9", 3), ("k0", 4)])
        // The same hash and no such id: the probe walks the run and stops at its end.
        #expect(keys.find("other", hash: 3) == nil)
    }

    @Test func aDeleteInTheMiddleOfAProbeRunKeepsTheRestFound() {
        var keys = Keys()
        // One run of entries from 2: two starting at 2, one at 3, two more at 2, one at 5.
        keys.add("a", hash: 2, slot: 0)
        keys.add("b", hash: 2, slot: 1)
        keys.add("c", hash: 3, slot: 2)
        keys.add("d", hash: 2, slot: 3)
        keys.add("e", hash: 5, slot: 4)
        keys.remove("b")
        keys.check(absent: [("b", 2)], "b out")
        keys.remove("a")
        keys.check(absent: [("a", 2), ("b", 2)], "a out")
        keys.add("b", hash: 2, slot: 1)  // back again, in another place of the run
        keys.check(absent: [("a", 2)], "b back")
    }

    @Test func aRunWrappingPastTheLastEntryShiftsBackAcrossIt() {
        var keys = Keys()
        // 8 entries at first (mask 7): hashes 6, 7, 14 (= 6) and 15 (= 7) fill 6, 7, then wrap to 0 and 1.
        for (n, hash) in [6, 7, 14, 15].enumerated() { keys.add("w\(n)", hash: hash, slot: n) }
        #expect(keys.index.capacity == 8)
        keys.remove("w0")
        keys.check(absent: [("w0", 6)], "w0 out")
        keys.remove("w1")
        keys.check(absent: [("w0", 6), ("w1", 7)], "w1 out")
        keys.add("w0", hash: 6, slot: 0)
        keys.check(absent: [("w1", 7)], "w0 back")
    }

    @Test func growingKeepsEveryEntryFoundAndHalfTheRoomFree() {
        var keys = Keys()
        for n in 0..<100 { keys.add("g\(n)", hash: n % 7 == 0 ? 40 : n &* 0x9E37_79B9, slot: n) }
        keys.check()
        #expect(keys.index.capacity >= 200 && keys.index.capacity.nonzeroBitCount == 1)
        keys.index.reserve(1000)
        #expect(keys.index.capacity == 2048)
        keys.check(absent: [("g100", 40)], "reserved")
        keys.index.reserve(10)  // never shrinks
        #expect(keys.index.capacity == 2048)
    }

    /// Seeded adds and removes over few hash values (long runs, many wraps) against a plain dictionary.
    @Test func seededAddsAndRemovesMatchADictionary() {
        var random = SeededRandom(seed: 7, stream: "HotRunIndexTests")
        var keys = Keys()
        var freeSlots = Array((0..<64).reversed())
        for step in 0..<3000 {
            let key = "s\(random.int(in: 0...60))"
            if keys.hashes[key] != nil {
                let slot = keys.find(key, hash: keys.hashes[key]!)!
                keys.remove(key)
                freeSlots.append(slot)
            } else {
                // Few distinct hashes, some negative, some past any mask: collisions and wraps are the rule.
                let hash = [0, 1, 7, 8, 15, -1, -8, Int.max, Int.min, 1 << 40][random.int(in: 0...9)]
                keys.add(key, hash: hash, slot: freeSlots.removeLast())
            }
            if step % 7 == 0 { keys.check(absent: [("nowhere", 7), ("nowhere", -1)], "step \(step)") }
        }
        keys.check()
    }

    @Test func theTableFindsEveryRunThroughGrowthToTheLimitAndEviction() {
        let limit = RunTable<Int>.reserveAt * 3
        var table = RunTable<Int>(limit: limit)
        for n in 0..<(limit * 3) { table.insert(n, id: "run-\(n)", evictable: true) }
        #expect(table.count == limit)
        for n in 0..<(limit * 2) { #expect(!table.contains("run-\(n)")) }
        for n in (limit * 2)..<(limit * 3) { #expect(table.slot(of: "run-\(n)").map { table[$0] } == n) }
        // Re-created: found with its new run, in the newest place; nothing else goes.
        table.insert(-1, id: "run-\(limit * 2)", evictable: true)
        #expect(table.slot(of: "run-\(limit * 2)").map { table[$0] } == -1)
        #expect(table.ids.last == "run-\(limit * 2)" && table.count == limit)
        // Evicted, then created again: held once more.
        table.insert(-2, id: "run-0", evictable: true)
        #expect(table.slot(of: "run-0").map { table[$0] } == -2)
        #expect(!table.contains("run-\(limit * 2 + 1)"))
    }

    @Test func runsThatAreNeverEvictedGrowTheIndexPastTheLimit() {
        var table = RunTable<Int>(limit: 2)
        for n in 0..<300 { table.insert(n, id: "scripted-\(n)", evictable: false) }
        #expect(table.count == 300)
        for n in 0..<300 { #expect(table.slot(of: "scripted-\(n)").map { table[$0] } == n) }
    }

    @Test func equalStringsAreOneIdAsDictionaryKeysWere() {
        var table = RunTable<Int>(limit: 10)
        table.insert(1, id: "caf\u{E9}", evictable: true)  // é as one scalar
        #expect(table.slot(of: "cafe\u{301}").map { table[$0] } == 1)  // e and a combining accent
        table.insert(2, id: "cafe\u{301}", evictable: true)
        #expect(table.count == 1 && table.slot(of: "caf\u{E9}").map { table[$0] } == 2)
    }
}
