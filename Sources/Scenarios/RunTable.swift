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
    /// The slot of each held id.
    private var index: [String: Int] = [:]
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
        guard let slot = index[id] else { return nil }
        lastFound = (id, slot)
        return slot
    }

    func contains(_ id: String) -> Bool {
        index[id] != nil
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
        let fresh = firstFree != noSlot ? firstFree : slots.count
        if let old = index.updateValue(fresh, forKey: id) {
            unlink(old)
            index[id] = old
        }
        if count == Self.reserveAt {
            index.reserveCapacity(limit + 1)
            slots.reserveCapacity(limit + 1)
        }
        // The slot made where it goes: made first and then stored, the run (a few hundred bytes) was copied in
        // and the made one destroyed, ~1,000 instructions a submission (bench/speed/instructions.sh).
        let slot: Int
        if firstFree != noSlot {
            slot = firstFree
            firstFree = slots[slot].newer
            slots[slot] = Slot(id: id, run: run, evictable: evictable, older: newest)
        } else {
            slot = slots.count
            slots.append(Slot(id: id, run: run, evictable: evictable, older: newest))
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
        index[slots[slot].id] = nil
        unlink(slot)
    }

    /// Frees `slot`, taking it out of the lists (but not out of `index`).
    private mutating func unlink(_ slot: Int) {
        let gone = slots[slot]
        if gone.older != noSlot { slots[gone.older].newer = gone.newer } else { oldest = gone.newer }
        if gone.newer != noSlot { slots[gone.newer].older = gone.older } else { newest = gone.older }
        if gone.evictable {
            if gone.olderEvictable != noSlot {
                slots[gone.olderEvictable].newerEvictable = gone.newerEvictable
            } else {
                oldestEvictable = gone.newerEvictable
            }
            if gone.newerEvictable != noSlot {
                slots[gone.newerEvictable].olderEvictable = gone.olderEvictable
            } else {
                newestEvictable = gone.olderEvictable
            }
        }
        if lastFound?.slot == slot { lastFound = nil }
        slots[slot] = Slot(id: "", run: nil, evictable: false, newer: firstFree)
        firstFree = slot
        count -= 1
    }

    /// Every held id, oldest first (a re-created id counts from its latest creation).
    var ids: [String] {
        var out: [String] = []
        out.reserveCapacity(count)
        var slot = oldest
        while slot != noSlot {
            out.append(slots[slot].id)
            slot = slots[slot].newer
        }
        return out
    }

    /// Every held run, in no particular order.
    var runs: some Sequence<Run> {
        slots.lazy.compactMap(\.run)
    }
}

/// A link to no slot (the end of a list).
private let noSlot = -1

extension RunTable: Sendable where Run: Sendable {}
extension RunTable.Slot: Sendable where Run: Sendable {}
