import Scenarios

/// The named sessions of one server, besides the root (`default`), which is never in the table: names, creation
/// order, the cap and idle expiry. A plain value with no I/O and no clock of its own: every operation is told the
/// time (seconds of the app's `TimeSource`), so expiry is tested by moving a manual clock.
///
/// Generic over what a session holds, so its rules are unit-tested without engines.
public struct SessionTable<Value> {
    public struct Entry {
        public let name: String
        /// 1, 2, 3 ... in creation order, never reused: lists are in this order, and it tells a deleted session
        /// from a new one of the same name (the journal tags a request with it).
        public let id: Int
        public let value: Value
        /// When a request (API or admin) last named this session.
        public fileprivate(set) var lastUsed: Double
    }

    /// The most sessions the table holds (`--max-sessions`); `default` is not counted.
    public let maximum: Int
    /// Seconds without a request after which a session ends (`--session-ttl`); nil: never.
    public let ttl: Double?

    private var entries: [String: Entry] = [:]
    private var names: [Int: String] = [:]
    private var lastID = 0
    /// The number of the last name the server picked (`s1`, `s2` ...).
    private var lastPicked = 0
    private var lastSweep = -Double.infinity

    public init(maximum: Int, ttl: Double?) {
        self.maximum = max(0, maximum)
        self.ttl = ttl
    }

    public var count: Int { entries.count }

    /// Adds a session called `name` (or the next free `sN` when nil) made by `make`; `make` is called only once
    /// the name and the cap allow it. Names must already have passed `SessionName.problem`.
    public mutating func create(
        name: String?, now: Double, make: (_ name: String, _ id: Int) throws(SessionError) -> Value
    ) throws(SessionError) -> Entry {
        sweep(now: now)
        if let name, entries[name] != nil || name == SessionName.root {
            throw SessionError(409, "a session named \(name) exists; pick another name, or DELETE /__mockruns/sessions/\(name) first")
        }
        guard maximum > 0 else {
            throw SessionError(
                429, "sessions are off: this server was started with --max-sessions 0; start it with --max-sessions N (1 to 100000; 1000 by default) to make them")
        }
        guard entries.count < maximum else {
            throw SessionError(
                429,
                "\(entries.count) sessions exist, the cap is --max-sessions \(maximum) (default not counted); DELETE one (DELETE /__mockruns/sessions/NAME) or start mockruns with a larger --max-sessions"
            )
        }
        let chosen = name ?? pickName()
        let id = lastID + 1
        let entry = Entry(name: chosen, id: id, value: try make(chosen, id), lastUsed: now)
        lastID = id
        entries[chosen] = entry
        names[id] = chosen
        return entry
    }

    /// The session `name`, marked as used now; nil when there is none (or it just expired).
    public mutating func use(_ name: String, now: Double) -> Entry? {
        // A whole sweep at most once a second on this path (every request to a session takes it).
        if now - lastSweep >= min(ttl ?? 1, 1) { sweep(now: now) }
        guard var entry = entries[name] else { return nil }
        if expired(entry, now: now) {
            remove(name)
            return nil
        }
        entry.lastUsed = now
        entries[name] = entry
        return entry
    }

    /// The session with creation number `id`, if it is still there (not marked as used).
    public func entry(id: Int) -> Entry? {
        names[id].flatMap { entries[$0] }
    }

    /// Removes `name`; false when there was none.
    @discardableResult
    public mutating func remove(_ name: String) -> Bool {
        guard let entry = entries.removeValue(forKey: name) else { return false }
        names[entry.id] = nil
        return true
    }

    /// Every live session, in creation order.
    public mutating func list(now: Double) -> [Entry] {
        sweep(now: now)
        return entries.values.sorted { $0.id < $1.id }
    }

    /// Ends every session idle for `ttl` seconds or more.
    public mutating func sweep(now: Double) {
        lastSweep = now
        guard ttl != nil else { return }
        for entry in entries.values where expired(entry, now: now) { remove(entry.name) }
    }

    private func expired(_ entry: Entry, now: Double) -> Bool {
        guard let ttl else { return false }
        return now - entry.lastUsed >= ttl
    }

    /// `s1`, `s2` ... in creation order, skipping names a client took.
    private mutating func pickName() -> String {
        while true {
            lastPicked += 1
            let name = "s\(lastPicked)"
            if entries[name] == nil { return name }
        }
    }
}

extension SessionTable: Sendable where Value: Sendable {}
extension SessionTable.Entry: Sendable where Value: Sendable {}

/// Why a session request is refused: the admin API's status and message.
public struct SessionError: Error, Sendable, Equatable {
    public var status: Int
    public var message: String

    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// What a session may be called: the name is a path segment of every URL the session serves.
public enum SessionName {
    /// The root session: `/__mockruns/...` and the API paths without a prefix.
    public static let root = "default"
    public static let maximumLength = 64

    /// What is wrong with `name` as a session name, or nil. Checked as bytes: only ASCII letters, digits, `.`,
    /// `_` and `-` (Swift's `==` would let a Unicode look-alike such as the Kelvin sign match `K`).
    public static func problem(with name: String) -> String? {
        let allowed = "1 to \(maximumLength) characters of A-Z a-z 0-9 . _ -, not only dots, not \"\(root)\""
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= maximumLength else {
            return "a session name must be \(allowed); got \(bytes.count) bytes"
        }
        let valid = bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard valid else { return "a session name must be \(allowed); got \(JSON.quotedForMessage(name, limit: 80))" }
        // `.` and `..` are dot segments: clients remove them from URLs before sending.
        guard !bytes.allSatisfy({ $0 == UInt8(ascii: ".") }) else { return "a session name must be \(allowed); got \(name)" }
        guard name != root else { return "\"\(root)\" is the root session (the server's own scenario); pick another name" }
        return nil
    }

    /// Whether `name` could name a session (the root included): looked up only when it could.
    static func isWellFormed(_ name: String) -> Bool {
        name == root || problem(with: name) == nil
    }
}
