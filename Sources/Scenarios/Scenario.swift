#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A validated scenario: everything a scenario file says, with every default filled in, ready for an `Engine`.
public struct Scenario: Sendable {
    public var name: String
    public var description: String
    public var seed: UInt64
    public var clock: ClockSpec
    /// One script per API the server knows, scripted or not: an API the file does not name gets all defaults.
    public var apis: [String: APIScript]
    /// The fakes refuse what the real services refuse instead of letting it pass as a recorded deviation.
    public var strict: Bool
    /// What the loader noticed but let pass (a fault naming a run id that never exists), with JSON paths.
    public var warnings: [ScenarioIssue] = []

    public init(
        name: String, description: String, seed: UInt64, clock: ClockSpec, apis: [String: APIScript], strict: Bool = false
    ) {
        self.name = name
        self.description = description
        self.seed = seed
        self.clock = clock
        self.apis = apis
        self.strict = strict
    }
}

/// How scenario time moves. Timestamps in answers and phase durations in seconds are read from this clock.
public struct ClockSpec: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        /// Time moves `tick` seconds per request the server admits; nothing depends on real time.
        case polls
        /// Time moves only when a test advances it through the admin API.
        case virtual
        /// Real elapsed time, multiplied by `timeScale`.
        case wall
    }

    public var mode: Mode
    /// Scenario time when the scenario starts (or is reset).
    public var epoch: Timestamp
    public var tickSeconds: Double
    public var timeScale: Double
    /// The fastest a `wall` clock may run, a file's or `--time-scale`'s (at 1e15 the clock stuck in year 287223,
    /// which no HTTP date can show).
    public static let maximumTimeScale = 1_000_000.0

    public init(mode: Mode = .polls, epoch: Timestamp = .defaultEpoch, tickSeconds: Double = 1, timeScale: Double = 1) {
        self.mode = mode
        self.epoch = epoch
        self.tickSeconds = tickSeconds
        self.timeScale = timeScale
    }
}

/// Everything a scenario says about one API.
public struct APIScript: Sendable {
    public var auth: AuthScript
    /// Milliseconds of delay per endpoint name; `*` applies to endpoints not named.
    public var latency: [String: Latency]
    public var faults: [FaultRule]
    /// Runs scripted by id (present from the start), by request fields, or by creation order.
    public var runs: [RunScript]
    /// The script for a created run that no scripted run claims.
    public var defaultRun: RunScript
    /// Every setting of the API's descriptor, with the file's value or the default.
    public var settings: [String: JSON]

    public init(
        auth: AuthScript = AuthScript(), latency: [String: Latency] = [:], faults: [FaultRule] = [],
        runs: [RunScript] = [], defaultRun: RunScript, settings: [String: JSON] = [:]
    ) {
        self.auth = auth
        self.latency = latency
        self.faults = faults
        self.runs = runs
        self.defaultRun = defaultRun
        self.settings = settings
    }
}

/// Which credentials an API accepts. With no `credentials` list, any non-empty credential is accepted with
/// every permission: `mockruns` then works with whatever key a client has configured.
public struct AuthScript: Sendable {
    public var credentials: [Credential]?

    public init(credentials: [Credential]? = nil) {
        self.credentials = credentials
    }
}

public struct Credential: Sendable {
    public var key: String
    /// nil: every permission the API has.
    public var permissions: Set<String>?
    /// nil: every scope (e.g. every workspace).
    public var scopes: Set<String>?
    /// The key is refused after this many requests that presented it.
    public var validForRequests: Int?
    /// The key is refused once a run (or the named run) of this API has reached `state`.
    public var revokedWhen: Revocation?
    /// The status a key worn out by `validForRequests` gets: 401 or 403; nil: the API's own (see its docs).
    public var validForRequestsThen: Int?
    /// The key is refused (as worn out, the API's status) once this many scenario seconds have passed since the
    /// scenario's start (or reset).
    public var expiresAfterSeconds: Double?

    public init(
        key: String, permissions: Set<String>? = nil, scopes: Set<String>? = nil, validForRequests: Int? = nil,
        revokedWhen: Revocation? = nil
    ) {
        self.key = key
        self.permissions = permissions
        self.scopes = scopes
        self.validForRequests = validForRequests
        self.revokedWhen = revokedWhen
    }

    public struct Revocation: Sendable, Equatable {
        public var state: String
        public var run: String?
        /// The status a revoked key gets: 401 or 403; nil: the API's own.
        public var then: Int?

        public init(state: String, run: String? = nil, then: Int? = nil) {
            self.state = state
            self.run = run
            self.then = then
        }
    }
}

/// A delay in milliseconds, fixed or drawn from the scenario's seed.
public enum Latency: Sendable, Equatable {
    case fixed(Double)
    case uniform(min: Double, max: Double)
    case lognormal(median: Double, sigma: Double)

    /// No delay is longer than ten minutes (draws are clipped there): clients time out long before.
    public static let maximumMilliseconds = 600_000.0
}

/// A scripted failure: which requests it hits and what they get instead of the normal answer.
public struct FaultRule: Sendable {
    public var endpoint: String
    /// Only requests about this run id count and are hit.
    public var run: String?
    /// Only requests about the Nth run created through this API (1-based, since the start or reset) count and are
    /// hit.
    public var runIndex: Int?
    /// Only requests about the first created run whose request has these field values count and are hit.
    public var match: [String: String]?
    /// Only requests with these headers, query parameters or body text are hit; such a rule counts only the
    /// requests it matches.
    public var when: RequestCondition?
    public var trigger: Trigger
    public var action: FaultAction
    /// Only matching requests from this count on (1-based) are candidates; the trigger counts from there
    /// (`from: 5, every: 2` hits the 6th, 8th, ...).
    public var from: Int?
    /// The rule answers at most this many requests (until reset); nil: no limit.
    public var times: Int?

    public enum Trigger: Sendable, Equatable {
        /// The Nth matching request (1-based).
        case nth(Int)
        /// Every Kth matching request: the Kth, 2Kth, ...
        case every(Int)
        /// Each matching request with this probability, drawn from the seed.
        case probability(Double)
    }

    public init(
        endpoint: String, run: String? = nil, trigger: Trigger, action: FaultAction, from: Int? = nil, times: Int? = nil,
        runIndex: Int? = nil, match: [String: String]? = nil, when: RequestCondition? = nil
    ) {
        self.when = when
        self.runIndex = runIndex
        self.match = match
        self.endpoint = endpoint
        self.run = run
        self.trigger = trigger
        self.action = action
        self.from = from
        self.times = times
    }
}

/// Which requests a fault's `when` picks: every header and query parameter named has exactly that value (header
/// names compared without case), and the body contains `bodyContains`.
public struct RequestCondition: Sendable, Equatable {
    public var headers: [String: String]
    public var query: [String: String]
    public var bodyContains: String?

    public init(headers: [String: String] = [:], query: [String: String] = [:], bodyContains: String? = nil) {
        self.headers = headers
        self.query = query
        self.bodyContains = bodyContains
    }

    public func matches(_ request: RequestFacts) -> Bool {
        for (name, value) in headers {
            let lowered = name.lowercased()
            guard request.headers.contains(where: { $0.name.lowercased() == lowered && $0.value == value }) else { return false }
        }
        for (name, value) in query {
            guard request.query.contains(where: { $0.name == name && $0.value == value }) else { return false }
        }
        if let text = bodyContains, !text.isEmpty, !Self.contains(request.body, Array(text.utf8)) { return false }
        return true
    }

    /// Whether `needle` occurs in `haystack` (Knuth–Morris–Pratt): linear in both, whatever a client sends and a
    /// scenario asks for. Between partial matches it jumps to the needle's first byte with `memchr`, a vector at a
    /// time: walked a byte at a time, 300 non-matching faults on a 1 MiB body held the server's thread 660 ms.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        var failure = [Int](repeating: 0, count: needle.count)
        var k = 0
        for i in needle.indices.dropFirst() {
            while k > 0, needle[i] != needle[k] { k = failure[k - 1] }
            if needle[i] == needle[k] { k += 1 }
            failure[i] = k
        }
        let first = Int32(needle[0])
        return haystack.withUnsafeBufferPointer { body in
            guard let base = body.baseAddress else { return false }
            var matched = 0
            var index = 0
            while index < body.count {
                if matched == 0 {
                    // Nothing matched yet: the next place the needle can start.
                    guard let found = memchr(base + index, first, body.count - index) else { return false }
                    index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                }
                let byte = body[index]
                while matched > 0, byte != needle[matched] { matched = failure[matched - 1] }
                if byte == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
                index += 1
            }
            return false
        }
    }
}

/// What the engine sees of a request when it admits it, for faults' `when`.
public struct RequestFacts: Sendable {
    public var headers: [(name: String, value: String)]
    public var query: [(name: String, value: String)]
    public var body: [UInt8]

    public init(headers: [(name: String, value: String)] = [], query: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.headers = headers
        self.query = query
        self.body = body
    }
}

/// What a fault answers: a status (with the API's own error body for it unless `body` is given), a dropped
/// connection, no answer at all (`hang`), or the normal answer late (`delay` alone).
public struct FaultAction: Sendable, Equatable {
    public enum Drop: String, Sendable, CaseIterable {
        case reset
        case empty
    }

    /// How a fault's `Retry-After` is written.
    public enum RetryAfter: Sendable, Equatable {
        /// `Retry-After: N` (delay-seconds).
        case seconds(Int)
        /// An HTTP date this many seconds after the answer's scenario time (the second its Date header shows).
        case httpDate(Int)
    }

    public var status: Int?
    public var body: JSON?
    public var headers: [String: String]
    public var drop: Drop?
    /// Milliseconds the answer (normal, `respond` or `drop`) is held back.
    public var delay: Double?
    /// Never answer: the connection is held until the client hangs up or the server stops.
    public var hang: Bool
    public var retryAfter: RetryAfter?
    /// Replaces the answer's Content-Type (a wrong one, as a misconfigured proxy sends).
    public var contentType: String?
    /// The body is cut in half (Content-Length stays honest): JSON that does not parse.
    public var truncate: Bool
    /// An HTML error page with this title and heading, sent as `text/html` (a proxy's or load balancer's page).
    public var html: String?
    /// The answer's body arrives at this many bytes a second (a slow network or an overloaded service).
    public var trickleBytesPerSecond: Int?

    public init(
        status: Int? = nil, body: JSON? = nil, headers: [String: String] = [:], drop: Drop? = nil, delay: Double? = nil,
        hang: Bool = false, retryAfter: RetryAfter? = nil, contentType: String? = nil, truncate: Bool = false,
        html: String? = nil
    ) {
        self.status = status
        self.body = body
        self.headers = headers
        self.drop = drop
        self.delay = delay
        self.hang = hang
        self.retryAfter = retryAfter
        self.contentType = contentType
        self.truncate = truncate
        self.html = html
    }

    /// The largest `trickle.bytesPerSecond`: faster is not slow.
    public static let maximumTrickleBytesPerSecond = 10_000_000

    /// Only a delay: the request is answered normally, late.
    public var answersNormally: Bool { status == nil && drop == nil && !hang }
}

/// How one run behaves over its life.
public struct RunScript: Sendable {
    /// Set: the run exists from the start under this id.
    public var id: String?
    /// Set: the first created run whose request has these field values takes this script.
    public var match: [String: String]?
    /// Fields every phase shows (a phase's own fields win).
    public var fields: JSON
    public var timeline: [Phase]
    /// After the last phase's duration the timeline starts again from the first phase.
    public var loop: Bool
    /// Reads that show the terminal state before the run answers "not found"; nil: it answers forever.
    public var notFoundAfter: Int?
    /// Scripts started by client events (`cancel`, ...), overriding the API's defaults.
    public var events: [String: EventScript]
    /// Faults for requests about this run only (each counts that run's requests).
    public var faults: [FaultRule] = []

    public init(
        id: String? = nil, match: [String: String]? = nil, fields: JSON = .object([]), timeline: [Phase],
        loop: Bool = false, notFoundAfter: Int? = nil, events: [String: EventScript] = [:]
    ) {
        self.id = id
        self.match = match
        self.fields = fields
        self.timeline = timeline
        self.loop = loop
        self.notFoundAfter = notFoundAfter
        self.events = events
    }

    /// Created in creation order when neither `id` nor `match` is set.
    public var claimsByOrder: Bool { id == nil && match == nil }
}

/// One step of a timeline: a state shown for a number of status reads or a span of scenario time.
public struct Phase: Sendable, Equatable {
    public enum Duration: Sendable, Equatable {
        case polls(Int)
        case seconds(Double)
        /// Held until something else moves the run (the last phase of a timeline).
        case hold
    }

    public var state: String
    public var duration: Duration
    public var fields: JSON
    /// Log lines the run writes on entering this phase.
    public var log: [String]
    /// Seconds: status reads answered in this phase send `Retry-After` with it.
    public var retryAfter: Int?
    /// The delay of status reads answered in this phase (instead of the endpoint's latency).
    public var latency: Latency?

    public init(_ state: String, _ duration: Duration = .hold, fields: JSON = .object([]), log: [String] = []) {
        self.state = state
        self.duration = duration
        self.fields = fields
        self.log = log
    }
}

/// What a client event does to a run: the timeline it starts, and the states it is accepted from.
public struct EventScript: Sendable {
    public var timeline: [Phase]
    /// nil: accepted from any state that is not terminal.
    public var allowedFrom: Set<String>?

    public init(timeline: [Phase], allowedFrom: Set<String>? = nil) {
        self.timeline = timeline
        self.allowedFrom = allowedFrom
    }
}
