import MockRunsHTTP
import MockRunsSync
import Scenarios

/// The one shape every faked API has. A fake says which requests are its own, answers them from the shared
/// scenario, and renders its errors in its own documented body. Adding an API is a new folder with one type
/// conforming to this, listed in `APIRegistry`.
public protocol APIFake: Sendable {
    /// States, endpoints, events and settings the scenario engine validates and plays for this API.
    var descriptor: APIDescriptor { get }
    /// The requests that are this API's: its routes and the path prefixes it claims. The server compiles every
    /// fake's table into one router, so a request's path is matched once, against only the tables that can own it.
    var routeTable: RouteTable { get }
    /// The contract of each route beyond its path: parameters, bodies, answers, auth. Declared beside the fake
    /// (`<API>Documentation.swift`); `OpenAPIDocument` joins it with the route table, descriptor and error renderer.
    var documentation: APIDocumentation { get }
    /// The endpoint the route table matched, completed with what only the request itself says (the run a query
    /// or body names, so faults can target it). The default returns `endpoint` unchanged: `consuming`, handed back
    /// moved rather than copied (~350 instructions a WES or workspace request).
    func refine(_ endpoint: consuming Endpoint, for request: HTTPRequest) -> Endpoint
    /// Answers a request the engine has admitted (and no fault has hit). The context `consuming`, so a fake can keep
    /// it (WES's `WESRuns` does) without copying it: a copy and its release were ~400 instructions a WES poll.
    func handle(_ request: HTTPRequest, at endpoint: Endpoint, context: consuming FakeContext) throws(APIError)
        -> HTTPResponse
    /// This API's documented error body for `error`; `settings` are the scenario's settings for this API.
    /// (`error.headers` are added by the caller.)
    func response(for error: APIError, to request: HTTPRequest, settings: [String: JSON]) -> HTTPResponse
    /// A last look at every answer this fake's paths get (answers, errors, scripted faults), e.g. to stamp a
    /// request id on each. The default returns `response` unchanged. `consuming`: borrowed, a fake that changes
    /// the answer copied its header array first (workspace, every answer).
    func finish(_ response: consuming HTTPResponse, to request: HTTPRequest, scenario: LiveScenario) -> HTTPResponse
    /// How `mockruns record` reads this API's traffic into a scenario; nil (the default): it cannot be recorded.
    var recording: (any RunRecording)? { get }
    /// Runs this API's named contract checks (`mockruns contract`) against a live server through `session`:
    /// the same statuses, bodies and auth answers this fake serves, asked of someone else's server.
    func probeContract(_ session: ProbeSession)
    /// The `--param NAME=VALUE` names `probeContract` reads, each with what it is; empty (the default): none.
    var probeParameters: KeyValuePairs<String, String> { get }
}

extension APIFake {
    /// Human-readable route patterns (`POST /dashboard/run`), listed in the 404 for unknown routes.
    public var routes: [String] { routeTable.summaries }

    public func refine(_ endpoint: consuming Endpoint, for request: HTTPRequest) -> Endpoint { endpoint }

    public var recording: (any RunRecording)? { nil }

    public var probeParameters: KeyValuePairs<String, String> { [:] }

    public func finish(_ response: consuming HTTPResponse, to request: HTTPRequest, scenario: LiveScenario) -> HTTPResponse {
        response
    }
}

/// A matched endpoint: its name (as scenarios name it in `latency` and `faults`), the run it is about, and the
/// parameters taken from the path.
public struct Endpoint: Sendable, Equatable {
    public var name: String
    public var runID: String?
    public var parameters: PathParameters

    public init(_ name: String, runID: String? = nil, parameters: PathParameters = [:]) {
        self.name = name
        self.runID = runID
        self.parameters = parameters
    }
}

/// The values a route's captures took, read by name like a dictionary (`parameters["run_id"]`). A route has one
/// to three captures: kept as a short list in pattern order and looked up by comparing names, because building
/// and hashing a `[String: String]` for every matched request cost more than the rest of the match.
public struct PathParameters: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    private var pairs: [(key: String, value: String)]

    public init(dictionaryLiteral elements: (String, String)...) {
        pairs = []
        for (key, value) in elements { self[key] = value }
    }

    init(capacity: Int) {
        pairs = []
        pairs.reserveCapacity(capacity)
    }

    /// The value captured as `name`, nil when the route has no such capture. Setting replaces a value of that name.
    public subscript(name: String) -> String? {
        get { pairs.first { $0.key == name }?.value }
        set {
            pairs.removeAll { $0.key == name }
            if let newValue { pairs.append((key: name, value: newValue)) }
        }
    }

    /// Adds a capture (a pattern's names are its own: no look for an earlier one).
    mutating func append(_ name: String, _ value: String) {
        pairs.append((key: name, value: value))
    }

    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }

    public func makeIterator() -> IndexingIterator<[(key: String, value: String)]> { pairs.makeIterator() }

    /// Equal when they hold the same names with the same values, in any order (as dictionaries compare).
    public static func == (lhs: PathParameters, rhs: PathParameters) -> Bool {
        lhs.count == rhs.count && lhs.pairs.allSatisfy { rhs[$0.key] == $0.value }
    }
}

/// What a fake may use while answering.
public struct FakeContext: Sendable {
    /// The shared scenario; call `withEngine` for each consistent read-and-change.
    public let scenario: LiveScenario
    /// `http://host:port` as the client reached this server (and `/__sessions/NAME` in a session), for URLs the
    /// server itself serves. Worked out only when a fake asks (most answers carry no URL).
    public var baseURL: String {
        ServerOptions.baseURL(publicURL: publicURL, servesHTTPS: servesHTTPS, headers: headers) + basePath
    }
    /// What a path the server serves starts with in this request's session: `/__sessions/NAME`, or empty at the
    /// root. Relative links written into answers (`/api/v1/...`) start with it.
    public let basePath: String
    private let publicURL: String?
    private let servesHTTPS: Bool
    private let headers: HTTPHeaders
    /// The scenario's settings for this API, every default filled in (read with the admission, under one lock).
    public let settings: [String: JSON]
    /// Scenario time when the request was admitted.
    public let now: Timestamp
    /// Where the server reports deviations (stderr), and what of the request a report names.
    private let deviationLog: @Sendable (String) -> Void
    private let method: String
    private let path: String
    /// Strict contract mode (`--strict` or the scenario's `"strict": true`): refuse what the real service refuses.
    public let strict: Bool

    /// - Parameter deviationLog: the server's own report of deviations, one for every request (no closure is
    ///   made per request).
    public init(
        scenario: LiveScenario, request: HTTPRequest, options: ServerOptions, settings: [String: JSON], now: Timestamp,
        strict: Bool = false, deviationLog: @escaping @Sendable (String) -> Void
    ) {
        self.now = now
        self.strict = strict
        self.scenario = scenario
        self.publicURL = options.publicURL
        self.servesHTTPS = options.servesHTTPS
        self.headers = request.headers
        self.basePath = request.basePath
        self.settings = settings
        self.deviationLog = deviationLog
        self.method = request.method
        self.path = request.path
    }

    /// Records a contract deviation: something the real service would refuse that the scenario lets pass. In
    /// strict mode a fake refuses such a request as the real service would, and still records it.
    public func deviation(_ note: String) {
        // Kept with the request's observation (the journal entry reads it): no lock of its own per request.
        scenario.withEngine { $0.noteDeviation(note) }
        deviationLog("contract deviation: \(method) \(Credentials.printable(path)): \(note)")
    }
}

/// An error an API answers with. Each fake turns it into its own documented body (plain text, `{"message"}`,
/// WES `ErrorResponse`, problem+json ...).
public struct APIError: Error, Sendable, Equatable {
    public var status: Int
    public var message: String
    /// A machine-readable code where the API has one (`OUTPUT_NOT_READY`).
    public var code: String?
    /// Per-field problems, for APIs that list them.
    public var fieldErrors: [FieldError]
    /// Extra headers (e.g. `Allow` on a 405).
    public var headers: [String: String]

    public struct FieldError: Sendable, Equatable {
        public var path: String
        public var message: String
        public var code: String

        public init(path: String, message: String, code: String) {
            self.path = path
            self.message = message
            self.code = code
        }
    }

    public init(
        _ status: Int, _ message: String, code: String? = nil, fieldErrors: [FieldError] = [],
        headers: [String: String] = [:]
    ) {
        self.status = status
        self.message = message
        self.code = code
        self.fieldErrors = fieldErrors
        self.headers = headers
    }

    /// 405 with the methods the path takes.
    public static func methodNotAllowed(_ method: String, _ path: String, allowed: [String]) -> APIError {
        APIError(
            405, "\(method) is not allowed on \(path); allowed: \(allowed.joined(separator: ", "))",
            headers: ["Allow": allowed.joined(separator: ", ")])
    }
}

/// The last few answer bodies a fake rendered from a run, kept for the next request that would render the same
/// bytes: a run polled to its end (or between phase moves) answers one body over and over, and a workspace run's
/// body cost ~32,000 instructions to write (of ~118,000 a poll, bench/speed/instructions.sh workspace).
///
/// A body is found again only by a key holding everything its render reads: the run's phase-long part
/// (`RunView.phaseStamp`: the same run, phase and engine, unchanged since), the texts of the request the body
/// echoes, and what it derives from the clock. A fake that renders from anything else must put it in the key.
/// Bounded: `capacity` entries, replaced oldest first, and no body over `largestBody` bytes is kept (an entry
/// keeps its run's phase part alive until it is replaced).
final class RenderMemo: Sendable {
    struct Key: Sendable {
        var phase: RunView.PhaseStamp
        var echo: String
        var echo2: String
        var clock: Int64
        var variant: Int64

        /// - Parameters:
        ///   - echoing: up to two texts of the request the body shows (a path id, the session's base path).
        ///   - clock: the clock-derived number the body shows (a running duration's end), 0 when it shows none.
        ///   - variant: any other choice the body makes outside the view (output readiness), 0 when none.
        init(_ view: RunView, echoing echo: String = "", _ echo2: String = "", clock: Int64 = 0, variant: Int64 = 0) {
            phase = view.phaseStamp
            self.echo = echo
            self.echo2 = echo2
            self.clock = clock
            self.variant = variant
        }

        /// Texts compared as bytes: canonically equal but different bytes are different answers.
        func matches(_ other: Key) -> Bool {
            phase == other.phase && clock == other.clock && variant == other.variant && Self.same(echo, other.echo)
                && Self.same(echo2, other.echo2)
        }

        /// `hasSameUTF8`, two empty texts (what most keys echo: a WES status echoes nothing) told apart by their
        /// counts alone: lent as bytes, each empty text cost ~130 instructions.
        private static func same(_ a: String, _ b: String) -> Bool {
            a.utf8.isEmpty ? b.utf8.isEmpty : a.hasSameUTF8(as: b)
        }
    }

    private struct Entry: Sendable {
        var key: Key
        var body: [UInt8]
    }

    private let kept: KeptAnswers<Entry>

    init(capacity: Int = 8, largestBody: Int = 16 * 1024) {
        kept = KeptAnswers(capacity: capacity, largestBody: largestBody)
    }

    /// The body kept for `key`, else `render()`'s (kept for next time). `render` runs outside the memo's lock.
    func body(for key: Key, render: () -> [UInt8]) -> [UInt8] {
        let found = kept.read { entries -> [UInt8]? in
            for index in entries.indices where entries[index].key.matches(key) { return entries[index].body }
            return nil
        }
        if let found { return found }
        let body = render()
        kept.keep(Entry(key: key, body: body), size: body.count)
        return body
    }

    /// How many bodies are kept (for tests of the bound).
    var count: Int { kept.count }
}
