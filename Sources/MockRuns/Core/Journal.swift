import Scenarios

/// The server's memory of what it answered, newest last and bounded, so a test can ask afterwards what its
/// client actually sent. Times are scenario time, so the journal is as reproducible as the answers.
public struct Journal: Sendable {
    public struct Entry: Sendable {
        public var sequence: Int
        public var at: Timestamp
        public var method: String
        public var path: String
        public var api: String?
        public var endpoint: String?
        public var status: Int
        /// Set when a scripted fault answered instead of the API.
        public var fault: String?
        /// Contract deviations the scenario let pass.
        public var deviations: [String]

        public var json: JSON {
            var members: [(String, JSON)] = [
                ("sequence", .int(sequence)), ("at", .string(at.iso8601(fractionDigits: 3))),
                ("method", .string(method)), ("path", .string(path)),
                ("api", api.map(JSON.string) ?? .null), ("endpoint", endpoint.map(JSON.string) ?? .null),
                ("status", .int(status)),
            ]
            if let fault { members.append(("fault", .string(fault))) }
            if !deviations.isEmpty { members.append(("deviations", .array(deviations.map(JSON.string)))) }
            return .object(members)
        }
    }

    public private(set) var entries: [Entry] = []
    private var next = 1
    public let capacity: Int

    public init(capacity: Int = 1000) {
        self.capacity = capacity
    }

    public mutating func record(_ entry: Entry) {
        var entry = entry
        entry.sequence = next
        next += 1
        entries.append(entry)
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }

    public mutating func clear() {
        entries.removeAll()
        next = 1
    }
}
