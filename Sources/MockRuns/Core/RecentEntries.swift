import MockRunsSync

/// The last few entries a memo keeps, replaced oldest first once `capacity` are kept: the bounded store behind
/// `KeptAnswers` and `Fingerprint`'s recent keys (a memo of the last answers needs a handful, never an unbounded
/// table).
struct RecentEntries<Entry: Sendable>: Sendable {
    let capacity: Int
    /// Oldest first until full; then in the order they were replaced in.
    private(set) var entries: [Entry] = []
    /// The entry the next one replaces, once `entries` is full.
    private var next = 0

    init(capacity: Int) { self.capacity = max(1, capacity) }

    mutating func keep(_ entry: Entry) {
        if entries.count < capacity {
            entries.append(entry)
        } else {
            entries[next] = entry
            next = (next + 1) % capacity
        }
    }
}

/// `RecentEntries` behind its lock, with the bound on what each entry's body may weigh: the store both answer
/// memos (`RenderMemo`, `SolvexiaStatusMemo`) keep their bodies in. An entry keeps its run's phase part alive
/// until it is replaced, so a memo keeps `capacity` of them at most and none whose body is over `largestBody`.
struct KeptAnswers<Entry: Sendable>: Sendable {
    let largestBody: Int
    private let kept: Locked<RecentEntries<Entry>>

    init(capacity: Int, largestBody: Int) {
        self.largestBody = largestBody
        kept = Locked(RecentEntries(capacity: capacity))
    }

    /// `look` over the kept entries, under the lock. A memo finds its entry in place, by index: `first(where:)`
    /// copied each entry out (its key's texts and body retained and released) on every poll, and a closure
    /// handed each entry cost a poll ~200-500 instructions more (bench/speed/instructions.sh wes workspace).
    @inline(__always)
    func read<T: Sendable>(_ look: (_ entries: borrowing [Entry]) -> T) -> T {
        kept.withLock { look($0.entries) }
    }

    /// Keeps `entry`, whose body is `size` bytes, unless that is over `largestBody`.
    @inline(__always)
    func keep(_ entry: Entry, size: Int) {
        guard size <= largestBody else { return }
        kept.withLock { $0.keep(entry) }
    }

    /// How many entries are kept (for tests of the bound).
    var count: Int { kept.withLock { $0.entries.count } }
}
