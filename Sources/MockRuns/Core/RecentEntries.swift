/// The last few entries a memo keeps, replaced oldest first once `capacity` are kept: the bounded store behind
/// `RenderMemo` and `SolvexiaStatusMemo` (a memo of the last answers needs a handful, never an unbounded table).
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
