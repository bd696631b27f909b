/// What the engine must know of one API to validate and play its scenarios: its state words, its endpoints,
/// its defaults. Each API fake supplies one, so the engine itself knows no API by name.
public struct APIDescriptor: Sendable {
    /// The key under `apis` in a scenario file (`foundry`, `wes`, ...).
    public var name: String
    /// One line for people: what this API is.
    public var summary: String
    /// Every state a run of this API can show, in the API's own words.
    public var states: [String]
    /// States after which a run never moves on its own.
    public var terminalStates: Set<String>
    /// Endpoint names that `latency` and `faults` may name (besides `*`).
    public var endpoints: [String]
    /// Request fields a scripted run may be matched on at creation.
    public var matchFields: [String]
    /// The names a run's or phase's `fields` may hold (what the fake reads); nil: any name.
    public var fields: [String]?
    /// Permissions a credential can hold; a credential without a `permissions` list holds them all.
    public var permissions: [String]
    /// Events a client can send to a run (`cancel`, `start`, ...), each with its default script.
    public var events: [String: EventScript]
    /// The lifecycle of a created run that no scripted run matches.
    public var defaultTimeline: [Phase]
    /// API-specific switches a scenario may set under `settings` (documented inconsistencies, auth variants).
    public var settings: [Setting]
    /// Makes the id of the `ordinal`-th run created (0-based), drawing any randomness from `random`.
    public var makeID: @Sendable (_ random: inout SeededRandom, _ ordinal: Int) -> String
    /// Run ids come from the client's request (Foundry's keys), not from `makeID`: any id may exist.
    public var idsFromRequests = false
    /// A request names a run as one segment of its path (`/runs/{id}`), so an id holding "/" could never be
    /// asked for; false where the id travels in the query (Foundry's and the Controller's keys).
    public var idsInPath = true
    /// Fields whose text the fake writes into an answer's header (a file name, a media type): a file must give
    /// each as plain text of at most `headerFieldBytes` bytes, or an answer would go out cut, without the header
    /// or not at all.
    public var headerFields: Set<String> = []
    public static let headerFieldBytes = 255

    public init(
        name: String,
        summary: String,
        states: [String],
        terminalStates: Set<String>,
        endpoints: [String],
        matchFields: [String],
        fields: [String]? = nil,
        permissions: [String],
        events: [String: EventScript] = [:],
        defaultTimeline: [Phase],
        settings: [Setting] = [],
        makeID: @escaping @Sendable (_ random: inout SeededRandom, _ ordinal: Int) -> String
    ) {
        self.name = name
        self.summary = summary
        self.states = states
        self.terminalStates = terminalStates
        self.endpoints = endpoints
        self.matchFields = matchFields
        self.fields = fields
        self.permissions = permissions
        self.events = events
        self.defaultTimeline = defaultTimeline
        self.settings = settings
        self.makeID = makeID
    }

    /// One API-specific switch: its name, the values it takes and its default.
    public struct Setting: Sendable {
        public var name: String
        public var summary: String
        public var kind: Kind
        public var defaultValue: JSON

        public enum Kind: Sendable, Equatable {
            case bool
            case integer(ClosedRange<Int>)
            case oneOf([String])
            case strings
            /// Any JSON; the fake reads it itself.
            case any
        }

        public init(_ name: String, _ kind: Kind, default defaultValue: JSON, _ summary: String) {
            self.name = name
            self.kind = kind
            self.defaultValue = defaultValue
            self.summary = summary
        }
    }
}
