import CMockRunsMemory
import MockRunsHTTP
import Scenarios

/// The server's memory of what its clients sent and what they got, newest last and bounded, so a test can ask
/// afterwards how its client behaved (the verification rules read it). Credentials are kept only as
/// fingerprints; bodies only as their size and type.
public struct Journal: Sendable {
    public struct Entry: Sendable {
        public var sequence: Int
        /// Scenario time when the request was admitted.
        public var at: Timestamp
        /// Milliseconds of real (monotonic) time since the server started: gaps between requests as the client
        /// made them, whatever the scenario clock does.
        public var wallMs: Double
        public var method: String
        public var path: String
        /// Query arguments in order, credential values replaced by their fingerprint.
        public var query: [(name: String, value: String)]
        /// Request headers in order, credential values replaced by their fingerprint.
        public var headers: [(name: String, value: String)]
        public var bodyBytes: Int
        public var contentType: String?
        public var api: String?
        public var endpoint: String?
        /// What the request did, as the engine saw it (run, state shown, credential outcome).
        public var observation: Observation
        /// The fingerprint of the credential presented, if any.
        public var credential: String?
        public var status: Int
        /// The answer's `Retry-After`, when it had one.
        public var retryAfter: String?
        /// Set when a scripted fault answered instead of the API.
        public var fault: String?
        /// Contract deviations the request showed.
        public var deviations: [String]
        /// A fingerprint of a creation request's method, path and body: equal for a retried submission.
        public var submission: String?
        /// Filled in when the exchange ends: how long the answer took (delays included) ...
        public var durationMs: Double?
        /// ... and whether the client hung up before the whole answer was written (a read timeout).
        public var clientGone: Bool?

        /// The run the request was about.
        public var run: String? { observation.run }

        /// What an entry keeps of a client's list (its query, its headers): at most `keptFields` of them, each
        /// name cut at `keptNameBytes` and each value at `keptValueBytes` (a cut one ends with `…`). One request
        /// with a 12 KB header kept it whole, in each of 10,000 entries. The list itself when it is within bounds
        /// (a poll's is).
        public static func bounded(_ list: [(name: String, value: String)]) -> [(name: String, value: String)] {
            guard list.count > keptFields
                || list.contains(where: { $0.name.utf8.count > keptNameBytes || $0.value.utf8.count > keptValueBytes })
            else { return list }
            return list.prefix(keptFields).map { (name: cut($0.name, keptNameBytes), value: cut($0.value, keptValueBytes)) }
        }

        /// `text` cut to at most `bytes` bytes and marked, if it is longer: cut before the character the limit
        /// falls in, so the journal never holds one the client did not send.
        public static func cut(_ text: String, _ bytes: Int) -> String {
            let utf8 = text.utf8
            guard utf8.count > bytes else { return text }
            var end = utf8.index(utf8.startIndex, offsetBy: bytes)
            // Back over continuation bytes (10xxxxxx) to the start of the character the limit splits.
            while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
            return String(Substring(utf8[..<end])) + "…"
        }

        public static let keptFields = 32
        public static let keptNameBytes = 64
        public static let keptValueBytes = 256
        /// The longest path and run id an entry keeps.
        public static let keptPathBytes = 2048
        public static let keptRunBytes = 256

        public var json: JSON {
            func pairs(_ list: [(name: String, value: String)]) -> JSON {
                .array(list.map { JSON.array([.string($0.name), .string($0.value)]) })
            }
            let o = observation
            var members: [(String, JSON)] = [
                ("sequence", .int(sequence)), ("at", .string(at.iso8601(fractionDigits: 3))),
                ("wallMs", .double((wallMs * 10).rounded() / 10)),
                ("method", .string(method)), ("path", .string(path)), ("query", pairs(query)), ("headers", pairs(headers)),
                ("bodyBytes", .int(bodyBytes)), ("contentType", contentType.map(JSON.string) ?? .null),
                ("api", api.map(JSON.string) ?? .null), ("endpoint", endpoint.map(JSON.string) ?? .null),
                ("run", o.run.map(JSON.string) ?? .null), ("state", o.state.map(JSON.string) ?? .null),
                ("terminal", .bool(o.terminal)), ("gone", .bool(o.gone)), ("unknownRun", .bool(o.unknownRun)),
                ("created", .bool(o.created)), ("statusRead", .bool(o.statusRead)),
                ("event", o.event.map(JSON.string) ?? .null),
                ("auth", o.auth.map { JSON.string($0.word) } ?? .null),
                ("credential", credential.map(JSON.string) ?? .null),
                ("status", .int(status)), ("retryAfter", retryAfter.map(JSON.string) ?? .null),
                ("fault", fault.map(JSON.string) ?? .null), ("deviations", .array(deviations.map(JSON.string))),
                ("durationMs", durationMs.map { .double(($0 * 10).rounded() / 10) } ?? .null),
                ("clientGone", clientGone.map(JSON.bool) ?? .null),
            ]
            if let submission { members.append(("submission", .string(submission))) }
            return .object(members)
        }
    }

    /// A ring: once full, each new entry takes the oldest one's slot (`oldest` is where the ring starts). Dropping
    /// old entries in batches instead moved thousands of entries at once, a pause of milliseconds every few
    /// thousand requests that showed in every poll's p99.
    private var ring: [Entry] = []
    private var oldest = 0
    private var next = 1
    /// Entries kept; the oldest go first. About 1 KiB each for a typical poll (headers included); at most a few
    /// KiB for any request (see `Entry.bounded`).
    public let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// Keeps `entry` and returns its sequence number.
    @discardableResult
    public mutating func record(_ entry: consuming Entry) -> Int {
        let sequence = next
        next += 1
        entry.sequence = sequence
        // Moved into the ring, not copied: an entry is dozens of strings (a copy and its release were ~8 % of a
        // status poll).
        if ring.count < capacity {
            // Room for every entry the ring will keep, taken once (pages are touched only as entries fill them):
            // grown by doubling, the ring moved all its entries at each step, and ended with room for 16,384.
            // (At most that much: a journal made with a vast capacity grows as before past it.)
            if ring.isEmpty { ring.reserveCapacity(min(capacity, 16_384)) }
            ring.append(consume entry)
        } else {
            ring[oldest] = consume entry
            oldest = (oldest + 1) % capacity
            prefetchOldest()
        }
        return sequence
    }

    /// Brings the next entry to be overwritten into the cache ahead of the request that overwrites it. A full ring
    /// is megabytes: that entry was written `capacity` requests ago and is out of the cache, and overwriting it
    /// reads it first (to release what it holds), a handful of misses in every journalled request (~2 % of a
    /// status poll's CPU in `memmove`, perf).
    private func prefetchOldest() {
        ring.withUnsafeBufferPointer { entries in
            mr_prefetch_for_write(entries.baseAddress! + oldest, MemoryLayout<Entry>.stride)
        }
    }

    /// `record` for an entry built outside the lock: taken out of `entry` (left nil), so it is moved, never copied.
    @discardableResult
    public mutating func record(taking entry: inout Entry?) -> Int {
        guard let taken = entry.take() else { return 0 }
        return record(consume taken)
    }

    /// The end of the exchange `sequence` (see `Entry.durationMs`), if it is still kept.
    public mutating func finish(_ sequence: Int, durationMs: Double, clientGone: Bool) {
        // The kept entries are the last `ring.count` numbered, in order: the first one's number is known without
        // reading the oldest entry (the next one to be overwritten, long out of the cache: a miss every request).
        let first = next - ring.count
        guard sequence >= first, sequence < next else { return }
        let index = (oldest + sequence - first) % ring.count
        ring[index].durationMs = durationMs
        ring[index].clientGone = clientGone
    }

    /// How many entries were recorded since the journal was last cleared (kept or not).
    public var recorded: Int { next - 1 }

    /// The entries kept, at most `capacity`, oldest first.
    public var kept: ArraySlice<Entry> { ArraySlice(ring[oldest...] + ring[..<oldest]) }

    /// The kept entries `isIncluded` takes, oldest first: the ring read in place, only those copied out (`kept`
    /// copied all 10,000 first, under the journal's lock, for a page of a few).
    public func entries(where isIncluded: (Entry) -> Bool) -> [Entry] {
        var taken: [Entry] = []
        for index in ring.indices[oldest...] where isIncluded(ring[index]) { taken.append(ring[index]) }
        for index in ring.indices[..<oldest] where isIncluded(ring[index]) { taken.append(ring[index]) }
        return taken
    }

    /// Whether a kept entry satisfies `predicate`, the ring read in place (`kept` would copy it all first).
    public func contains(where predicate: (Entry) -> Bool) -> Bool {
        ring.contains(where: predicate)
    }

    public mutating func clear() {
        ring.removeAll()
        oldest = 0
        next = 1
    }
}

extension Journal.Entry {
    // In an extension, handing its work to the memberwise initializer (as `HTTPRequest.init`): written out in the
    // type, each field set in turn, the entry was built aside, copied whole into the optional the journal takes it
    // from and the first destroyed: ~1,000 instructions a journalled request (wes 74,317 -> 73,328,
    // bench/speed/instructions.sh).
    public init(
        sequence: Int = 0, at: Timestamp, wallMs: Double = 0, method: String, path: String,
        query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [], bodyBytes: Int = 0,
        contentType: String? = nil, api: String?, endpoint: String?, observation: Observation = Observation(),
        credential: String? = nil, status: Int, retryAfter: String? = nil, fault: String? = nil,
        deviations: [String] = [], submission: String? = nil
    ) {
        // `durationMs` named: only the memberwise initializer has it.
        self.init(
            sequence: sequence, at: at, wallMs: wallMs, method: method, path: path, query: query, headers: headers,
            bodyBytes: bodyBytes, contentType: contentType, api: api, endpoint: endpoint, observation: observation,
            credential: credential, status: status, retryAfter: retryAfter, fault: fault, deviations: deviations,
            submission: submission, durationMs: nil, clientGone: nil)
    }
}

extension AuthDecision {
    /// The outcome as the journal and the verification report name it.
    public var word: String {
        switch self {
        case .granted: "granted"
        case .missing: "missing"
        case .invalid: "invalid"
        case .expired: "expired"
        case .forbidden: "forbidden"
        }
    }
}
