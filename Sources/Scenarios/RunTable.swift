/// The runs one API holds: found by id, listed in creation order, at most `limit` of them (past it, the oldest
/// evictable run goes).
///
/// Why not a dictionary of runs beside an array of ids in creation order (what it replaces): every change of
/// size there was paid at once. Growing the dictionary re-hashed and moved every run (a run is a few hundred
/// bytes), and re-created or forgotten ids left holes in the order that were compacted in one sweep: pauses of
/// 3 ms at the 3,072nd run, 12 ms at the 4,096th and 31 ms at the 200,000th submission, with every other client
/// waiting (`bench/hardening/run.sh`, item 5). Here the runs sit in slots that never move once the table is
/// sized, two lists threaded through the slots keep the order (every run, and the evictable ones alone), and a
/// freed slot is reused: every insertion, removal and eviction is O(1), with no sweep and no re-hash after
/// `reserveAt` runs.
struct RunTable<Run> {
    fileprivate struct Slot {
        var id: String
        /// `id.hashValue`, kept so that taking the id out of `index` hashes nothing.
        var hash: Int
        /// nil once the slot is free (its `newer` is then the next free slot).
        var run: Run?
        let evictable: Bool
        var older = noSlot, newer = noSlot
        /// Links of the list of evictable runs only, so finding the oldest one skips no scripted run.
        var olderEvictable = noSlot, newerEvictable = noSlot
    }

    /// How many runs the table keeps at most: inserting past it evicts the oldest evictable run (if there is
    /// one; runs that are not evictable are never dropped).
    let limit: Int
    private var slots: [Slot] = []
    /// The slot of each held id. Not a `[String: Int]`: its delete (every eviction) re-hashed each entry it moved
    /// back, SipHash of a 36-byte id with retains (4.2 % of the server's CPU under a submit load past the limit).
    private var index = SlotIndex()
    private var oldest = noSlot, newest = noSlot
    private var oldestEvictable = noSlot, newestEvictable = noSlot
    private var firstFree = noSlot
    private(set) var count = 0
    /// The slot `slot(of:)` found last: a client polls one run over and over, and comparing its id's bytes costs
    /// less than hashing them (SipHash: ~800 instructions of a WES status poll's 36-byte id). Dropped when that
    /// slot is freed. Byte-equal ids are equal Strings, so the remembered answer is the one the table would give.
    private var lastFound: (id: String, slot: Int)?

    /// Runs held before the table sets aside room for `limit` of them. Room taken then, at once, moves only these
    /// few; the memory is touched only as runs fill it, and a scenario that never gets here takes none.
    static var reserveAt: Int { 64 }

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Where run `id` is, for `subscript(slot:)`; nil if the table does not hold it.
    mutating func slot(of id: String) -> Int? {
        if let last = lastFound, JSON.sameKey(last.id, id) { return last.slot }
        guard let slot = find(id, hash: id.hashValue) else { return nil }
        lastFound = (id, slot)
        return slot
    }

    func contains(_ id: String) -> Bool {
        find(id, hash: id.hashValue) != nil
    }

    /// Equal Strings are one id, as they were as dictionary keys (`hashValue` hashes them alike).
    private func find(_ id: String, hash: Int) -> Int? {
        index.slot(hash: hash) { slots[$0].id == id }
    }

    /// The run in `slot` (from `slot(of:)`, valid until that run is removed), read and changed in place.
    subscript(slot: Int) -> Run {
        _read { yield slots[slot].run! }
        _modify { yield &slots[slot].run! }
    }

    /// Holds `run` as the newest, in place of any run with the same id (whose place in the order it does not
    /// keep), then evicts the oldest evictable run if the table holds more than `limit`.
    mutating func insert(_ run: consuming Run, id: String, evictable: Bool) {
        // The id hashed once, for its look-up and its store together (a look-up and then a store hashed it twice:
        // SipHash of a 36-byte id, ~440 instructions a submission, bench/speed/instructions.sh). A new id goes
        // where `slot` below puts it; an id held already keeps its slot, freed and then taken again as the first
        // free one.
        let hash = id.hashValue
        if let old = find(id, hash: hash) {
            unlink(old)  // frees `old` first: it is taken again below, and its index entry stays as it is
        } else {
            index.insert(hash: hash, slot: firstFree != noSlot ? firstFree : slots.count)
        }
        if count == Self.reserveAt {
            index.reserve(limit + 1)
            slots.reserveCapacity(limit + 1)
        }
        // The slot made where it goes: made first and then stored, the run (a few hundred bytes) was copied in
        // and the made one destroyed, ~1,000 instructions a submission (bench/speed/instructions.sh).
        let slot: Int
        if firstFree != noSlot {
            slot = firstFree
            firstFree = slots[slot].newer
            slots[slot] = Slot(id: id, hash: hash, run: run, evictable: evictable, older: newest)
        } else {
            slot = slots.count
            slots.append(Slot(id: id, hash: hash, run: run, evictable: evictable, older: newest))
        }
        if newest != noSlot { slots[newest].newer = slot } else { oldest = slot }
        newest = slot
        if evictable {
            slots[slot].olderEvictable = newestEvictable
            if newestEvictable != noSlot { slots[newestEvictable].newerEvictable = slot } else { oldestEvictable = slot }
            newestEvictable = slot
        }
        count += 1
        if count > limit, oldestEvictable != noSlot { remove(oldestEvictable) }
    }

    private mutating func remove(_ slot: Int) {
        index.remove(hash: slots[slot].hash, slot: slot)
        unlink(slot)
    }

    /// Frees `slot`, taking it out of the lists (but not out of `index`).
    private mutating func unlink(_ slot: Int) {
        // The links read one by one: `let gone = slots[slot]` copied the whole slot, run and all, with a retain
        // of each of its references, and then destroyed the copy.
        let older = slots[slot].older, newer = slots[slot].newer
        if older != noSlot { slots[older].newer = newer } else { oldest = newer }
        if newer != noSlot { slots[newer].older = older } else { newest = older }
        if slots[slot].evictable {
            let olderEvictable = slots[slot].olderEvictable, newerEvictable = slots[slot].newerEvictable
            if olderEvictable != noSlot {
                slots[olderEvictable].newerEvictable = newerEvictable
            } else {
                oldestEvictable = newerEvictable
            }
            if newerEvictable != noSlot {
                slots[newerEvictable].olderEvictable = olderEvictable
            } else {
                newestEvictable = olderEvictable
            }
        }
        if lastFound?.slot == slot { lastFound = nil }
        slots[slot] = Slot(id: "", hash: 0, run: nil, evictable: false, newer: firstFree)
        firstFree = slot
        count -= 1
    }

    /// Every held id, oldest first (a re-created id counts from its latest creation).
    var ids: [String] { ids(from: 0, limit: count) }

    /// The held ids from the `offset`th oldest on, at most `limit` of them: a page of the admin API's runs list
    /// without copying the ids around it.
    func ids(from offset: Int, limit: Int) -> [String] {
        var out: [String] = []
        out.reserveCapacity(max(0, min(limit, count - offset)))
        var slot = oldest
        var skipped = 0
        while slot != noSlot, out.count < limit {
            if skipped < offset { skipped += 1 } else { out.append(slots[slot].id) }
            slot = slots[slot].newer
        }
        return out
    }

    /// Every held run, in no particular order.
    var runs: some Sequence<Run> {
        slots.lazy.compactMap(\.run)
    }
}

/// The slot of each id a `RunTable` holds, found by the id's hash: open addressing with linear probing over
/// (hash, slot) pairs, at most half full. The caller hashes each id once (`hashValue`: seeded at random each run,
/// so a client cannot choose ids that collide) and says which slot holds it; an entry taken out shifts the ones
/// after it back by their stored hash (no tombstones, and no id hashed again).
struct SlotIndex {
    fileprivate struct Entry {
        var hash: Int
        /// `noSlot`: the entry is empty.
        var slot: Int
    }

    private var entries: [Entry] = []
    private(set) var count = 0

    /// Where the probe for `hash` starts, and the step to the next entry (a power-of-two count: a mask).
    private var mask: Int { entries.count - 1 }

    /// The slot whose id is the one hashed to `hash`, `isID` telling whether a slot holds it; nil if none does.
    @inline(__always)
    func slot(hash: Int, where isID: (Int) -> Bool) -> Int? {
        guard !entries.isEmpty else { return nil }
        var at = hash & mask
        while true {
            let entry = entries[at]
            if entry.slot == noSlot { return nil }
            if entry.hash == hash, isID(entry.slot) { return entry.slot }
            at = (at + 1) & mask
        }
    }

    /// Holds `slot` under `hash`; the id must not be held already.
    mutating func insert(hash: Int, slot: Int) {
        if (count + 1) * 2 > entries.count { resize(to: max(8, entries.count * 2)) }
        place(Entry(hash: hash, slot: slot))
        count += 1
    }

    /// Takes out the entry of `slot` (held under `hash`).
    mutating func remove(hash: Int, slot: Int) {
        var hole = hash & mask
        while entries[hole].slot != slot { hole = (hole + 1) & mask }
        // Each later entry of the run moves back into the hole unless its probe starts after the hole (then it
        // would no longer be found).
        var next = (hole + 1) & mask
        while entries[next].slot != noSlot {
            let start = entries[next].hash & mask
            if (next &- start) & mask >= (next &- hole) & mask {
                entries[hole] = entries[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        entries[hole].slot = noSlot
        count -= 1
    }

    /// Sets room aside for `ids` of them, so that holding that many moves no entry again.
    mutating func reserve(_ ids: Int) {
        var size = max(8, entries.count)
        while size < ids * 2 { size *= 2 }
        if size > entries.count { resize(to: size) }
    }

    /// How many entries there are, empty ones too (a test reads it to know when the index has grown).
    var capacity: Int { entries.count }

    private mutating func resize(to size: Int) {
        let old = entries
        entries = Array(repeating: Entry(hash: 0, slot: noSlot), count: size)
        for entry in old where entry.slot != noSlot { place(entry) }
    }

    private mutating func place(_ entry: Entry) {
        var at = entry.hash & mask
        while entries[at].slot != noSlot { at = (at + 1) & mask }
        entries[at] = entry
    }
}

/// A link to no slot (the end of a list).
private let noSlot = -1

extension RunTable: Sendable where Run: Sendable {}
extension RunTable.Slot: Sendable where Run: Sendable {}
extension SlotIndex: Sendable {}
