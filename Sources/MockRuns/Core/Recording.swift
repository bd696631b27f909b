import MockRunsHTTP
import Scenarios

/// How `mockruns record` reads one API's traffic: which answers create a run, show its state, or follow a client
/// event. Each fake that can be recorded supplies one (`APIFake.recording`); the recorder itself knows no API.
public protocol RunRecording: Sendable {
    /// What a successful (2xx) answer at `endpoint` says about a run; nil: nothing a scenario replays.
    func observation(of exchange: RecordedExchange, at endpoint: Endpoint) -> RunObservation?
    /// The credential `request` presents and where (`X-SBG-Auth-Token`), so the file can name it without
    /// keeping it.
    func credential(of request: HTTPRequest) -> (place: String, value: String)?
    /// Settings the written scenario needs so the fake answers as the recorded service did; `credentialPlaces`
    /// are where the credentials seen were sent (a WES token sent as Bearer needs `acceptBearer`).
    func replaySettings(credentialPlaces: [String]) -> [(String, JSON)]
}

extension RunRecording {
    public func replaySettings(credentialPlaces: [String]) -> [(String, JSON)] { [] }
}

/// One request the recorder forwarded and the answer it got.
public struct RecordedExchange: Sendable {
    public var request: HTTPRequest
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// From sending the request upstream to the whole answer read.
    public var milliseconds: Double

    public init(request: HTTPRequest, status: Int, headers: HTTPHeaders, body: [UInt8], milliseconds: Double) {
        self.request = request
        self.status = status
        self.headers = headers
        self.body = body
        self.milliseconds = milliseconds
    }

    /// The answer's body as JSON, when it is JSON.
    public var json: JSON? { try? JSON.parse(body, maxValues: 100_000) }
}

/// What one answer says about a run, in the service's own words.
public struct RunObservation: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A run was created (its first state, if the answer shows one).
        case created
        /// A status read: counts as a poll.
        case read
        /// A client event (`cancel`) was accepted.
        case event(String)
    }

    public var kind: Kind
    /// The service's id (or key) of the run.
    public var run: String
    public var state: String?
    /// Fields of the run the answer shows, under the names the scenario format gives them.
    public var fields: [(String, JSON)]

    public init(_ kind: Kind, run: String, state: String? = nil, fields: [(String, JSON)] = []) {
        self.kind = kind
        self.run = run
        self.state = state
        self.fields = fields
    }

    public static func == (lhs: RunObservation, rhs: RunObservation) -> Bool {
        lhs.kind == rhs.kind && lhs.run == rhs.run && lhs.state == rhs.state && JSON.object(lhs.fields) == JSON.object(rhs.fields)
    }
}

/// Turns the exchanges of one API into a scenario that replays them: each run's states as a timeline by polls,
/// error answers as faults on the request where they happened, median latencies, and credentials as
/// placeholders. Pure: exchanges in, JSON out. Everything it keeps is bounded.
public struct ScenarioRecorder: Sendable {
    public let fake: any APIFake
    private let recording: any RunRecording
    private let router: Router

    /// Most runs, faults, credentials and latency samples per endpoint kept; later ones are counted, not kept.
    public static let maximumRuns = 10_000
    public static let maximumFaults = 10_000
    public static let maximumCredentials = 32
    public static let maximumSamples = 10_000
    /// Most phases kept per run and per event (consecutive equal states are folded as they come).
    public static let maximumPhases = 1_000
    /// Most lines of `dropped`; past it one line says more was left out.
    public static let maximumDroppedLines = 50
    /// The longest error body kept; a longer one is cut to this many bytes of text.
    public static let maximumBodyBytes = 64 * 1024

    private var runs: [RecordedRun] = []
    private var runIndex: [String: Int] = [:]
    private var faults: [JSON] = []
    /// Requests per endpoint, and per endpoint and run, counted as a fault's `nth` counts them.
    private var endpointCounts: [String: Int] = [:]
    private var runEndpointCounts: [String: Int] = [:]
    private var samples: [String: [Double]] = [:]
    private var credentials: [(place: String, fingerprint: String)] = []
    public private(set) var exchanges = 0
    /// What could not be kept (more runs than `maximumRuns` ...), one line each, for the file's description.
    public private(set) var dropped: Set<String> = []

    private struct Phase {
        var state: String
        var polls: Int
        var fields: [(String, JSON)]
    }

    private struct RecordedRun {
        var createdState: String?
        var phases: [Phase] = []
        var event: String?
        var eventPhases: [Phase] = []
        /// Status reads after the run was seen in a terminal state and then answered 404.
        var notFoundAfter: Int?
        var terminalReads = 0
        var fields: [(String, JSON)] = []
    }

    /// nil when `fake` cannot be recorded (it has no `RunRecording`).
    public init?(fake: any APIFake) {
        guard let recording = fake.recording else { return nil }
        self.fake = fake
        self.recording = recording
        self.router = Router([fake.routeTable])
    }

    /// The endpoint `request` is for, as the fake names it (nil: not this API's path).
    public func endpoint(for request: HTTPRequest) -> Endpoint? {
        guard case .endpoint(_, let endpoint)? = router.match(request) else { return nil }
        return fake.refine(endpoint, for: request)
    }

    public mutating func record(_ exchange: RecordedExchange) {
        exchanges += 1
        guard let endpoint = endpoint(for: exchange.request) else { return }
        let name = endpoint.name
        if let credential = recording.credential(of: exchange.request), !credential.value.isEmpty {
            let fingerprint = Fingerprint.of(credential.value)
            if !credentials.contains(where: { $0.fingerprint == fingerprint }) {
                if credentials.count < Self.maximumCredentials {
                    credentials.append((credential.place, fingerprint))
                } else {
                    note("more than \(Self.maximumCredentials) credentials: only the first are listed")
                }
            }
        }
        if samples[name, default: []].count < Self.maximumSamples { samples[name, default: []].append(exchange.milliseconds) }
        endpointCounts[name, default: 0] += 1
        let known = endpoint.runID.flatMap { runIndex[$0] }
        if let known { runEndpointCounts["\(known)\u{0}\(name)", default: 0] += 1 }

        guard (200...299).contains(exchange.status) else {
            recordError(exchange, endpoint: endpoint, run: known)
            return
        }
        guard var observation = recording.observation(of: exchange, at: endpoint) else { return }
        // A state the fake has not is left out and said so, not written for the file to be refused: a read or an
        // event showing it is not kept; a run created in it is kept without its first state.
        if let state = observation.state, !fake.descriptor.states.contains(state) {
            note("answers showing the state \(JSON.quotedForMessage(state, limit: 40)), which \(fake.descriptor.name) has not (its states: \(fake.descriptor.states.joined(separator: ", "))): left out")
            guard observation.kind == .created else { return }
            observation.state = nil
        }
        switch observation.kind {
        case .created:
            guard runs.count < Self.maximumRuns else {
                note("more than \(Self.maximumRuns) runs: later ones follow the API's default lifecycle")
                return
            }
            // Created afresh under a key already seen (Foundry re-running a source): a new run all the same.
            runIndex[observation.run] = runs.count
            runs.append(RecordedRun(createdState: observation.state, fields: observation.fields))
        case .read:
            guard let index = runIndex[observation.run], let state = observation.state else { return }
            let terminal = fake.descriptor.terminalStates.contains(state)
            if runs[index].event == nil {
                Self.append(state, observation.fields, to: &runs[index].phases)
            } else {
                Self.append(state, observation.fields, to: &runs[index].eventPhases)
            }
            if terminal { runs[index].terminalReads += 1 }
        case .event(let event):
            guard let index = runIndex[observation.run], runs[index].event == nil else { return }
            runs[index].event = event
            if let state = observation.state { runs[index].eventPhases = [Phase(state: state, polls: 0, fields: observation.fields)] }
        }
    }

    private static func append(_ state: String, _ fields: [(String, JSON)], to phases: inout [Phase]) {
        if let last = phases.indices.last, phases[last].state == state {
            phases[last].polls += 1
            if phases[last].fields.isEmpty { phases[last].fields = fields }
        } else if phases.count < maximumPhases {
            phases.append(Phase(state: state, polls: 1, fields: fields))
        }
    }

    /// An error answer: a 404 to a status read of a run last seen terminal is the run going away
    /// (`notFoundAfter`); anything else becomes a fault on that endpoint, for that run when the request names
    /// a known one, hitting the same request number again.
    private mutating func recordError(_ exchange: RecordedExchange, endpoint: Endpoint, run: Int?) {
        if exchange.status == 404, let run, runs[run].notFoundAfter == nil, runs[run].terminalReads > 0,
            let state = (runs[run].event == nil ? runs[run].phases : runs[run].eventPhases).last?.state,
            fake.descriptor.terminalStates.contains(state)
        {
            runs[run].notFoundAfter = runs[run].terminalReads
            return
        }
        if let run, runs[run].notFoundAfter != nil { return }  // every later read of a gone run is 404 anyway
        guard faults.count < Self.maximumFaults else {
            note("more than \(Self.maximumFaults) error answers: only the first are faults")
            return
        }
        guard (200...599).contains(exchange.status) else {
            note("answers with status \(exchange.status) (a scenario answers 200 to 599): left out")
            return
        }
        var respond: [(String, JSON)] = [("status", .int(exchange.status))]
        if !exchange.body.isEmpty {
            let isJSON = exchange.headers.mediaType.map { $0 == "application/json" || $0.hasSuffix("+json") } ?? false
            if exchange.body.count > Self.maximumBodyBytes {
                note("error bodies over \(Self.maximumBodyBytes / 1024) KiB: cut to their first \(Self.maximumBodyBytes / 1024) KiB, as text")
            }
            if isJSON, exchange.body.count <= Self.maximumBodyBytes, let json = exchange.json, case .object = json {
                respond.append(("body", json))
            } else {
                respond.append(("body", .string(String(decoding: exchange.body.prefix(Self.maximumBodyBytes), as: UTF8.self))))
            }
        }
        var headers: [(String, JSON)] = []
        func keep(_ name: String, _ value: String) {
            if let problem = ScenarioLoader.headerProblem(name: name, value: value) {
                note("\(name) headers a scenario cannot send (\(problem)): left out")
            } else {
                headers.append((name, .string(value)))
            }
        }
        for name in ["Retry-After", "WWW-Authenticate"] {
            if let value = exchange.headers[name] { keep(name, value) }
        }
        if let type = exchange.headers["Content-Type"], exchange.headers.mediaType.map({ $0 != "application/json" && $0 != "text/plain" }) ?? false {
            keep("Content-Type", type)
        }
        if !headers.isEmpty { respond.append(("headers", .object(headers))) }
        var fault: [(String, JSON)] = [("endpoint", .string(endpoint.name))]
        if let run {
            fault.append(("runIndex", .int(run + 1)))
            fault.append(("nth", .int(runEndpointCounts["\(run)\u{0}\(endpoint.name)"] ?? 1)))
        } else {
            fault.append(("nth", .int(endpointCounts[endpoint.name] ?? 1)))
        }
        fault.append(("respond", .object(respond)))
        faults.append(.object(fault))
    }

    /// Notes what was left out, once per kind of thing, bounded.
    private mutating func note(_ line: String) {
        guard !dropped.contains(line) else { return }
        if dropped.count < Self.maximumDroppedLines {
            dropped.insert(line)
        } else {
            dropped.insert("more that could not be kept (only the first \(Self.maximumDroppedLines) kinds are listed)")
        }
    }

    /// The credentials seen: where each was sent and its fingerprint (never the secret).
    public var credentialsSeen: [(place: String, fingerprint: String)] { credentials }

    /// The placeholder written for the `n`th credential seen (1-based): replace it with the real key to replay.
    public static func placeholder(_ n: Int) -> String { "FILL-IN-CREDENTIAL-\(n)" }

    /// The scenario for everything recorded so far: `description` first, then this API's script.
    public func scenario(description: String) -> JSON {
        var script: [(String, JSON)] = []
        if !credentials.isEmpty {
            script.append(("auth", ["credentials": .array(credentials.indices.map { .string(Self.placeholder($0 + 1)) })]))
        }
        var latency: [(String, JSON)] = []
        for name in samples.keys.sorted() {
            let sorted = samples[name, default: []].sorted()
            guard !sorted.isEmpty else { continue }
            let middle = sorted.count / 2
            let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
            let ms = Int(median.rounded())
            if ms > 0 { latency.append((name, .int(min(ms, Int(Latency.maximumMilliseconds))))) }
        }
        if !latency.isEmpty { script.append(("latency", .object(latency))) }
        if !faults.isEmpty { script.append(("faults", .array(faults))) }
        let recorded = runs.map(Self.script)
        if !recorded.isEmpty { script.append(("runs", .array(recorded))) }
        let settings = recording.replaySettings(credentialPlaces: credentials.map(\.place))
        if !settings.isEmpty { script.append(("settings", .object(settings))) }
        return .object([
            ("description", .string(description)),
            ("apis", .object([(fake.descriptor.name, .object(script))])),
        ])
    }

    /// A run never read is still written (`{}`: the API's default lifecycle), so runs keep their creation order
    /// and faults their `runIndex`.
    private static func script(of run: RecordedRun) -> JSON {
        var phases = run.phases
        // Created in a state no read showed (a run answered `queued` that was `running` by the first poll): that
        // state for a moment of scenario time, so the creation answer shows it and the first read does not.
        if let created = run.createdState, let first = phases.first, first.state != created {
            phases.insert(Phase(state: created, polls: -1, fields: []), at: 0)
        }
        if phases.isEmpty, let created = run.createdState { phases = [Phase(state: created, polls: 0, fields: [])] }
        var members: [(String, JSON)] = []
        if !run.fields.isEmpty { members.append(("fields", .object(run.fields))) }
        // Before an event the last state is held (the client sent the event while the run showed it).
        if !phases.isEmpty { members.append(("timeline", timeline(phases))) }
        if let limit = run.notFoundAfter { members.append(("notFoundAfter", .int(limit))) }
        if let event = run.event, !run.eventPhases.isEmpty {
            var eventPhases = run.eventPhases
            // The event's answer showed a state no read did (reads of the same state were folded into it).
            if eventPhases[0].polls == 0, eventPhases.count > 1 { eventPhases[0].polls = -1 }
            members.append(("on", .object([(event, .object([("timeline", timeline(eventPhases))]))])))
        }
        return .object(members)
    }

    /// Phases as the file writes them: `polls` each but the last (which holds); -1 polls is a moment of time.
    private static func timeline(_ phases: [Phase]) -> JSON {
        .array(
            phases.enumerated().map { index, phase in
                var members: [(String, JSON)] = [("state", .string(phase.state))]
                if index < phases.count - 1 {
                    members.append(phase.polls > 0 ? ("polls", .int(phase.polls)) : ("seconds", .double(0.001)))
                }
                if !phase.fields.isEmpty { members.append(("fields", .object(phase.fields))) }
                return .object(members)
            })
    }
}
