import MockRunsSync
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Plays a scenario: one state machine per run, the scenario clock, seeded randomness, request counts for
/// faults and credentials. A plain value with no I/O; whoever serves it keeps it behind one lock
/// (see `LiveScenario`). Time comes from the scenario clock and, in `wall` mode, from the injected `TimeSource`.
public struct Engine: Sendable {
    public private(set) var scenario: Scenario
    public let descriptors: [String: APIDescriptor]
    private let time: any TimeSource

    private var admitted = 0
    private var offsetSeconds = 0.0
    private var wallStart = 0.0
    /// Per-API state in an array, found by `slot(_:)`, and always changed in place (`apis[slot].field`):
    /// copying an `APIState` out and back would copy its dictionaries on every request (copy-on-write), making
    /// each request slower with every run and id the engine has seen.
    private var apis: [APIState] = []

    /// The most runs each API keeps: past it, creating a run forgets the oldest one a client created.
    public let maximumRuns: Int
    /// How many ids a creation draws at most to find one no held run has (an id space nearly full of held runs
    /// then re-creates the last one drawn rather than loop).
    static let idDraws = 64

    /// What the request being served did to runs and credentials, gathered from `admit` on (each admission
    /// starts a new one), so the journal can say which run a request was about, what state its answer showed and
    /// how its credential fared. The server serves one request at a time under this engine; a fake that answers
    /// differently from what the engine saw says so (`noteGone`).
    public private(set) var observation = Observation()

    /// `observation` handed over, an empty one left in its place: the journal keeps what the server read, and a
    /// copy retained each of its strings only for the next `admit` to release them (a WES status poll: 5 retains,
    /// ~180 instructions).
    public mutating func takeObservation() -> Observation {
        var taken = Observation()
        swap(&taken, &observation)
        return taken
    }

    /// A contract deviation the fake saw in the request being served (see `Observation.deviations`): kept with
    /// the request's other observations, so serving a request needs no lock of its own for the rare deviation.
    public mutating func noteDeviation(_ note: String) {
        observation.deviations.append(note)
    }

    /// The fake answered "not found" for a run the engine still has (Foundry's 404 once FINISHED was read).
    public mutating func noteGone() {
        observation.gone = true
        observation.terminal = true
    }

    /// - Parameter maximumRuns: see `maximumRuns` (each run keeps its creation request, up to the body limit).
    public init(scenario: Scenario, apis: [APIDescriptor], time: any TimeSource, maximumRuns: Int = 100_000) {
        self.scenario = scenario
        self.maximumRuns = max(1, maximumRuns)
        self.descriptors = Dictionary(apis.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.time = time
        reset()
    }

    /// Back to the scenario's start: no runs but the scripted ones, clock at the epoch, counters at zero.
    public mutating func reset() {
        admitted = 0
        offsetSeconds = 0
        wallStart = time.seconds()
        apis = []
        for name in descriptors.keys.sorted() {
            guard let descriptor = descriptors[name] else { continue }
            let script = scenario.apis[name] ?? APIScript(defaultRun: RunScript(timeline: descriptor.defaultTimeline))
            apis.append(APIState(
                    name: name, script: script, terminalStates: descriptor.terminalStates, seed: scenario.seed,
                    maximumRuns: maximumRuns, makeID: descriptor.makeID))
        }
        let now = self.now
        for slot in apis.indices {
            let name = apis[slot].name
            for (index, run) in apis[slot].script.runs.enumerated() {
                guard let id = run.id else { continue }
                apis[slot].claimed[index] = true
                apis[slot].add(
                    RunState(
                        id: id, api: name, script: apis[slot].scripted[index], request: .object([]), createdAt: now,
                        terminalStates: apis[slot].terminalStates))
                apis[slot].bindFaults(to: id, ordinal: nil, scripted: index) { _ in false }
            }
        }
    }

    /// Where `api`'s state is in `apis`: a handful of APIs, compared by length, then by name. A `[String: Int]`
    /// hashed the name (SipHash) on each of the five or so look-ups a request makes: ~1,500 instructions of a WES
    /// status poll's 106,654 (bench/speed/instructions.sh wes).
    private func slot(_ api: String) -> Int? {
        let length = api.utf8.count
        for index in apis.indices where apis[index].name.utf8.count == length && apis[index].name == api {
            return index
        }
        return nil
    }

    /// Replaces the scenario and starts it from the beginning.
    public mutating func load(_ scenario: Scenario) {
        self.scenario = scenario
        reset()
    }

    // MARK: clock

    /// The scenario clock's current time.
    public var now: Timestamp {
        let clock = scenario.clock
        let elapsed: Double
        switch clock.mode {
        case .polls: elapsed = Double(admitted) * clock.tickSeconds
        case .virtual: elapsed = 0
        case .wall: elapsed = (time.seconds() - wallStart) * clock.timeScale
        }
        return clock.epoch.adding(seconds: elapsed + offsetSeconds)
    }

    /// The most one `advance` moves the clock: ten years.
    public static let maximumAdvanceSeconds = 315_360_000.0

    /// Moves the scenario clock forward (the admin API's "advance"); runs whose phases last seconds move on.
    public mutating func advance(seconds: Double) {
        offsetSeconds += min(max(seconds.isNaN ? 0 : seconds, 0), Engine.maximumAdvanceSeconds)
    }

    // MARK: requests

    /// Counts one request to `endpoint` (about run `runID`, when there is one) and says how to delay it and
    /// whether a scripted fault hits it. Call once per request, before anything else.
    /// Costs the same however many runs exist or ids were asked about: per-run counts are kept only for the
    /// run ids a fault rule names (the only reader of them), so unknown ids leave nothing behind.
    /// - Parameter request: what faults with `when` look at; nil: no such fault hits.
    public mutating func admit(api: String, endpoint: String, runID: String? = nil, request: RequestFacts? = nil) -> Admission {
        observation = Observation()
        admitted += 1
        guard let slot = slot(api) else { return Admission(delay: .zero, fault: nil) }
        apis[slot].countRequest(to: endpoint)
        if let runID, apis[slot].faultRuns.contains(runID) {
            apis[slot].runCounts[RunCounter(endpoint: endpoint, run: runID), default: 0] += 1
            apis[slot].runCounts[RunCounter(endpoint: "*", run: runID), default: 0] += 1
        }

        var fault: FaultAction?
        for (index, rule) in apis[slot].rules.enumerated() where fault == nil {
            guard rule.endpoint == "*" || rule.endpoint == endpoint else { continue }
            var count: Int
            // A rule aimed at a run without naming its id hits nothing until that run exists.
            let target = apis[slot].bindings[index] == nil ? rule.run : apis[slot].boundRuns[index]
            if apis[slot].bindings[index] != nil, target == nil { continue }
            if let run = target {
                guard run == runID else { continue }
                count = apis[slot].runCounts[RunCounter(endpoint: rule.endpoint, run: run), default: 0]
            } else {
                count = apis[slot].requests(to: rule.endpoint)
            }
            // A rule with `when` counts only the requests it matches.
            if let when = rule.when {
                guard let request, when.matches(request) else { continue }
                apis[slot].whenCounts[index, default: 0] += 1
                count = apis[slot].whenCounts[index, default: 0]
            }
            // A range: the trigger counts from `from` on, and the rule answers at most `times` requests.
            if let from = rule.from {
                guard count >= from else { continue }
                count = count - from + 1
            }
            if let times = rule.times, apis[slot].faultHits[index, default: 0] >= times { continue }
            let hits: Bool
            switch rule.trigger {
            case .nth(let n): hits = count == n
            case .every(let k): hits = k > 0 && count % k == 0
            case .probability(let p): hits = apis[slot].faultRandom.unit() < p
            }
            if hits {
                fault = rule.action
                if rule.times != nil { apis[slot].faultHits[index, default: 0] += 1 }
            }
        }
        let latency = apis[slot].script.latency[endpoint] ?? apis[slot].script.latency["*"]
        let delay = (latency.map { Engine.draw($0, &apis[slot].latencyRandom) } ?? 0) + (fault?.delay ?? 0)
        let bounded = min(max(delay.isNaN ? 0 : delay, 0), Latency.maximumMilliseconds)
        return Admission(delay: .milliseconds(Int64(bounded.rounded())), fault: fault)
    }

    /// How many request counters the engine keeps right now (per endpoint, and per endpoint and run for the
    /// runs fault rules name). For tests and diagnostics: it stays bounded by the scenario file, whatever ids
    /// clients ask about.
    public var requestCounterCount: Int {
        apis.reduce(0) { $0 + $1.endpointCounts.count + ($1.allRequests > 0 ? 1 : 0) + $1.runCounts.count }
    }

    private static func draw(_ latency: Latency, _ random: inout SeededRandom) -> Double {
        switch latency {
        case .fixed(let ms): return ms
        case .uniform(let lo, let hi): return lo + (hi - lo) * random.unit()
        case .lognormal(let median, let sigma): return median * exp(sigma * random.normal())
        }
    }

    /// Checks a credential for `permission` (in `scope`, such as a workspace id). Each call counts as one use
    /// of the key, for keys that wear out.
    public mutating func authorize(api: String, credential: String?, permission: String, scope: String? = nil)
        -> AuthDecision
    {
        let decision = checkCredential(api: api, credential: credential, permission: permission, scope: scope)
        noteAuthorization(decision, credential: credential)
        return decision
    }

    /// Records the outcome of a credential check a fake made itself (Solvexia's issued OAuth tokens), for the
    /// journal: see `observation`.
    public mutating func noteAuthorization(_ decision: AuthDecision, credential: String?) {
        observation.auth = decision
        observation.credential = credential.flatMap { $0.isEmpty ? nil : $0 }
    }

    private mutating func checkCredential(api: String, credential: String?, permission: String, scope: String?)
        -> AuthDecision
    {
        guard let credential, !credential.isEmpty else { return .missing }
        // A control character (a NUL above all) never belongs to a credential, even where any key is accepted.
        if credential.containsControlCharacters { return .invalid }
        guard let slot = slot(api) else { return .granted }
        guard let credentials = apis[slot].script.auth.credentials else { return .granted }
        // Compared as bytes: a look-alike (another Unicode normalisation) is another key.
        let key = ExactKey(credential)
        guard let index = apis[slot].credentialIndex[key] else { return .invalid }
        let entry = credentials[index]
        apis[slot].credentialUses[key, default: 0] += 1
        let uses = apis[slot].credentialUses[key, default: 0]
        if let limit = entry.validForRequests, uses > limit { return Engine.refusal(entry.validForRequestsThen) }
        if let revocation = entry.revokedWhen, hasReached(slot: slot, credential: index, revocation) {
            return Engine.refusal(revocation.then)
        }
        if let seconds = entry.expiresAfterSeconds, now >= scenario.clock.epoch.adding(seconds: seconds) { return .expired }
        if let permissions = entry.permissions, !permissions.contains(permission) {
            return .forbidden("the key lacks the \"\(permission)\" permission")
        }
        if let scopes = entry.scopes, let scope, !scopes.contains(scope) {
            return .forbidden("the key has no access to \(scope)")
        }
        return .granted
    }

    /// A worn-out or revoked key: 403 is a refusal for lack of rights; 401 (or no `then`) the API's own answer
    /// to a key that no longer works.
    private static func refusal(_ then: Int?) -> AuthDecision {
        then == 403 ? .forbidden("the key has been revoked") : .expired
    }

    /// Whether a run (or the named run) has reached the revocation's state. Once it has, the answer is kept
    /// until reset: a revoked key stays revoked (even if that run is later replaced or its old history trimmed),
    /// and later checks cost nothing instead of settling every run again.
    private mutating func hasReached(slot: Int, credential: Int, _ revocation: Credential.Revocation) -> Bool {
        if apis[slot].revokedCredentials.contains(credential) { return true }
        let api = apis[slot].name
        let ids: [String]
        if let named = revocation.run {
            ids = apis[slot].runs.contains(named) ? [named] : []
        } else {
            ids = apis[slot].orderedIDs
        }
        for id in ids {
            settle(api: api, id: id)
            if let at = apis[slot].runs.slot(of: id), apis[slot].runs[at].history.contains(where: { $0.state == revocation.state }) {
                apis[slot].revokedCredentials.insert(credential)
                return true
            }
        }
        return false
    }

    // MARK: runs

    /// Creates a run from a client's request: the first scripted run matching the request's fields (or the next
    /// one scripted by creation order) takes it; otherwise the default run. `id` is the API's own key for runs
    /// it names itself (Foundry's source+status+step); nil makes one from the seed. Creating an existing id
    /// starts that run afresh.
    @discardableResult
    public mutating func createRun(api: String, request: JSON, id: String? = nil) -> RunView {
        let view = createRun(api: api, request: request, id: id) { $0.view() }
        noteCreated(view.id, state: view.state, terminal: view.isTerminal)
        return view
    }

    /// `createRun` for a caller that needs only the new run's id (a WES submission answers `{"run_id"}` alone): the
    /// run's view is made when it is first read, not here (its phase part, and the view copied out and destroyed:
    /// ~1,000 instructions and a dozen reference counting calls of a WES submission). It is the view `createRun`
    /// would have made: the run's phase part is made anew whenever what it shows changes (`enter`).
    public mutating func createRunID(api: String, request: JSON, id: String? = nil) -> String {
        let created = createRun(api: api, request: request, id: id) { run in (run.id, run.state, run.isTerminal) }
        noteCreated(created.0, state: created.1, terminal: created.2)
        return created.0
    }

    /// What the request being served created, for its journal entry (both `createRun` and `createRunID`).
    private mutating func noteCreated(_ id: String, state: String, terminal: Bool) {
        observation.run = id
        observation.created = true
        observation.state = state
        observation.terminal = terminal
    }

    /// Creates the run, and hands `look` the new run before it goes into the table for what the caller takes of it.
    private mutating func createRun<Look>(
        api: String, request: JSON, id: String?, _ look: (inout RunState) -> Look
    ) -> Look {
        guard let slot = slot(api) else {
            preconditionFailure("createRun for API \(api), which the engine was not given")
        }
        let now = self.now
        return Engine.createRun(in: &apis[slot], api: api, request: request, id: id, now: now, look)
    }

    /// `createRun`'s work on its API's state, changed in place (`apis[slot]` handed over inout): read through the
    /// array, the state was copied whole and destroyed again, and the descriptor copied out of its dictionary.
    private static func createRun<Look>(
        in state: inout APIState, api: String, request: JSON, id: String?, now: Timestamp,
        _ look: (inout RunState) -> Look
    ) -> Look {
        var chosen: Int?
        let scripts = state.script.runs
        for (index, run) in scripts.enumerated() where !state.claimed[index] {
            if let match = run.match, match.allSatisfy({ field, value in Engine.text(request[field]) == value }) {
                chosen = index
                break
            }
        }
        if chosen == nil {
            chosen = scripts.indices.first { !state.claimed[$0] && scripts[$0].claimsByOrder }
        }
        let script: SharedScript
        if let chosen {
            state.claimed[chosen] = true
            script = state.scripted[chosen]
        } else {
            script = state.defaultRun
        }
        let ordinal = state.created
        var runID = id ?? state.makeID(&state.idRandom, ordinal)
        // An id the engine made may repeat one it holds (Solvexia's six random digits do within a few thousand
        // runs): draw again, from the same seeded stream, so no created run silently replaces another.
        var draws = 1
        while id == nil, state.runs.contains(runID), draws < Self.idDraws {
            runID = state.makeID(&state.idRandom, ordinal)
            draws += 1
        }
        state.created += 1
        var run = RunState(
            id: runID, api: api, script: script, request: request, createdAt: now,
            terminalStates: state.terminalStates)
        // Looked at before it is stored, so the run moves into the table instead of being copied there.
        let looked = look(&run)
        state.add(consume run)
        state.bindFaults(to: runID, ordinal: ordinal + 1, scripted: chosen) { match in
            match.allSatisfy { field, value in Engine.text(request[field]) == value }
        }
        return looked
    }

    private static func text(_ json: JSON?) -> String? {
        switch json {
        case .string(let s): s
        case .none, .null: nil
        case .some(let other): other.serialized()
        }
    }

    /// A status read: counts as a poll (which is what moves `polls` phases) and answers what the client sees.
    public mutating func read(api: String, id: String) -> ReadResult {
        guard let place = place(api: api, id: id) else {
            observation.run = id
            observation.statusRead = true
            observation.unknownRun = true
            return .notFound
        }
        let now = self.now
        return read(id, at: place, now: now)
    }

    /// A status read of run `id` only if `visible` accepts the run as it stands (settled, before the read):
    /// otherwise `.notFound`, with nothing counted or observed, as for an id the engine does not hold. One look-up
    /// and one settling where `peek`, then `read`, made two (a workspace hides other workspaces' runs so).
    public mutating func read(api: String, id: String, if visible: (RunView) -> Bool) -> ReadResult {
        let now = self.now
        guard let place = place(api: api, id: id) else { return .notFound }
        apis[place.slot].runs[place.index].settle(now: now)
        guard visible(apis[place.slot].runs[place.index].view()) else { return .notFound }
        return read(id, at: place, now: now)
    }

    private mutating func read(
        _ id: String, at place: (slot: Int, index: Int), now: Timestamp
    ) -> ReadResult {
        observation.run = id
        observation.statusRead = true
        let slot = place.slot
        // A tuple, not a struct: its answer is moved out, where a struct's was copied and then destroyed with it.
        let (result, read) = Engine.read(&apis[slot].runs[place.index], now: now)
        // The phase the answer shows may slow it down or send Retry-After.
        observation.retryAfter = read.retryAfter
        if let latency = read.latency {
            let drawn = Engine.draw(latency, &apis[slot].latencyRandom)
            let bounded = min(max(drawn.isNaN ? 0 : drawn, 0), Latency.maximumMilliseconds)
            observation.phaseDelay = .milliseconds(Int64(bounded.rounded()))
        }
        observation.state = read.state
        observation.terminal = read.isTerminal || read.gone
        // Set, never cleared: a fake may have noted the run gone itself (`noteGone`).
        if read.gone { observation.gone = true }
        return result
    }

    /// What one status read did besides its answer: what the journal notes of it, and the pace of the phase the
    /// run is in after it (only these two of the phase, not a copy of its fields, log and fault on every poll).
    private struct StatusRead {
        var state: String
        var isTerminal: Bool
        var gone: Bool
        var retryAfter: Int?
        var latency: Latency?
    }

    private static func read(_ run: inout RunState, now: Timestamp) -> (ReadResult, StatusRead) {
        run.settle(now: now)
        // A run already gone answers so without counting a read.
        if !run.gone { run.readOnce(now: now) }
        let view = run.view()
        return (
            run.gone ? .gone(view) : .found(view),
            StatusRead(
                state: run.state, isTerminal: run.isTerminal, gone: run.gone, retryAfter: run.phase.retryAfter,
                latency: run.phase.latency))
    }

    /// The run as it stands, without counting a poll (for lists and logs).
    public mutating func peek(api: String, id: String) -> RunView? {
        let now = self.now
        // One look-up of the id, the run settled and viewed in place: settling through a generic closure and then
        // copying the run out of the table cost ~3,600 instructions a workspace status read.
        guard let place = place(api: api, id: id) else { return nil }
        apis[place.slot].runs[place.index].settle(now: now)
        return apis[place.slot].runs[place.index].view()
    }

    /// Every run of `api` in creation order (scripted ones first), without counting polls.
    public mutating func runs(api: String) -> [RunView] {
        guard let slot = slot(api) else { return [] }
        return apis[slot].orderedIDs.compactMap { peek(api: api, id: $0) }
    }

    /// One page of an API's runs, in the order they were made, and how many it holds: a list of every run of
    /// a full table (100,000) held the server's thread a quarter of a second.
    public mutating func runs(api: String, from offset: Int, limit: Int) -> (page: [RunView], total: Int) {
        guard let slot = slot(api) else { return ([], 0) }
        let total = apis[slot].runs.count
        guard offset < total, limit > 0 else { return ([], total) }
        return (apis[slot].runs.ids(from: offset, limit: limit).compactMap { peek(api: api, id: $0) }, total)
    }

    /// How many runs every API holds, without viewing them (a list of sessions shows it for each).
    public var runCount: Int {
        apis.reduce(0) { $0 + $1.runs.count }
    }

    /// Sends a client event (`cancel`, `start`, ...) to a run.
    public mutating func send(_ event: String, api: String, id: String) -> EventResult {
        let result = sendEvent(event, api: api, id: id)
        observation.run = id
        observation.event = event
        switch result {
        case .accepted(let view), .repeated(let view):
            observation.eventAccepted = true
            observation.state = view.state
            observation.terminal = view.isTerminal
        case .refused(let view):
            observation.state = view.state
            observation.terminal = view.isTerminal
        case .notFound:
            observation.unknownRun = true
        }
        return result
    }

    private mutating func sendEvent(_ event: String, api: String, id: String) -> EventResult {
        guard let descriptor = descriptors[api] else { return .notFound }
        let now = self.now
        guard let place = place(api: api, id: id) else { return .notFound }
        return Engine.send(event, to: &apis[place.slot].runs[place.index], defaults: descriptor.events, now: now)
    }

    private static func send(_ event: String, to run: inout RunState, defaults: [String: EventScript], now: Timestamp)
        -> EventResult
    {
        run.settle(now: now)
        if run.gone { return .notFound }
        // An event with no phases (only a descriptor could give one) is refused rather than trap.
        guard let script = run.script.events[event] ?? defaults[event], !script.timeline.isEmpty else {
            return .refused(run.view())
        }
        if run.activeEvent == event {
            return .repeated(run.view())
        }
        let allowed = script.allowedFrom.map { $0.contains(run.state) } ?? !run.isTerminal
        guard allowed else { return .refused(run.view()) }
        run.start(timeline: script.timeline, event: event, now: now)
        return .accepted(run.view())
    }

    /// Puts a run back at phase `index` of its own timeline (e.g. Solvexia's restart from a step), or of the
    /// timeline of `event` (the run's script for it, else the API's default) when one is named; the run then
    /// follows that event's timeline as if the event had started it there. `marking` are fields the phase
    /// re-entered gains for this run alone, for what the rewind itself changed that no script says (which step
    /// a restart began from); the run's later phases are the script's own.
    public mutating func rewind(
        api: String, id: String, toPhase index: Int, event: String? = nil, marking: [(String, JSON)] = []
    ) -> RunView? {
        guard let descriptor = descriptors[api] else { return nil }
        let now = self.now
        guard let place = place(api: api, id: id) else { return nil }
        return Engine.rewind(
            &apis[place.slot].runs[place.index], toPhase: index, event: event, marking: marking,
            defaults: descriptor.events, now: now)
    }

    private static func rewind(
        _ run: inout RunState, toPhase index: Int, event: String?, marking: [(String, JSON)],
        defaults: [String: EventScript], now: Timestamp
    ) -> RunView {
        run.settle(now: now)
        var timeline = event.flatMap { (run.script.events[$0] ?? defaults[$0])?.timeline } ?? run.script.timeline
        if timeline.indices.contains(index) {
            for (key, value) in marking { timeline[index].fields = timeline[index].fields.setting(key, value) }
            run.start(timeline: timeline, event: event, now: now, at: index)
        }
        return run.view()
    }

    /// How many held runs of `api` satisfy `matches(fields, request)` (the run's scripted fields, the request that
    /// created it), without building a view of each: a scan a fake can afford on a request.
    public func countRuns(api: String, where matches: (_ fields: JSON, _ request: JSON) -> Bool) -> Int {
        guard let slot = slot(api) else { return 0 }
        var count = 0
        for run in apis[slot].runs.runs where matches(run.script.fields, run.request) { count += 1 }
        return count
    }

    /// A value a fake keeps for the life of the scenario (issued tokens, counters); reset and load clear it.
    public func stored(api: String, _ key: String) -> JSON? {
        slot(api).flatMap { apis[$0].store.values[key] }
    }

    /// The value kept under the key `prefix + name` written as exactly these bytes, for a key a request names
    /// (`token:` and the client's token): `stored(api:_:)` finds a canonically equal key too (a String compares
    /// so: U+212A KELVIN SIGN matches `K`), and a credential of other bytes is another credential. Remembered for
    /// the next look-up of the same bytes: a client sends one credential over and over, and comparing it costs
    /// less than joining the key and hashing it (~1,400 instructions of a Solvexia status poll). One entry per
    /// API, dropped by every change to the store; a look-up of other bytes replaces it.
    public mutating func stored(api: String, _ prefix: String, _ name: String) -> JSON? {
        guard let slot = slot(api) else { return nil }
        return apis[slot].store.value(prefix, name)
    }

    /// Counts one answer of `api` and returns its number (1 for the first since the scenario started or was
    /// reset), for values numbered by answer, as the workspace API's request ids are. A plain count: kept among the
    /// stored values, it hashed its name on every answer (~430 instructions).
    public mutating func countAnswer(api: String) -> Int {
        guard let slot = slot(api) else { return 1 }
        apis[slot].answers += 1
        return apis[slot].answers
    }

    /// Keeps (or, with nil, forgets) a value for the life of the scenario; see `stored(api:_:)`.
    public mutating func store(api: String, _ key: String, _ value: JSON?) {
        guard let slot = slot(api) else { return }
        apis[slot].store.set(key, value)
    }

    /// The API's settings, every default filled in.
    public func settings(api: String) -> [String: JSON] {
        // The API's script is the scenario's (or, for an API the file leaves out, one without settings).
        guard let slot = slot(api) else { return scenario.apis[api]?.settings ?? [:] }
        return apis[slot].script.settings
    }

    private mutating func settle(api: String, id: String) {
        let now = self.now
        guard let place = place(api: api, id: id) else { return }
        apis[place.slot].runs[place.index].settle(now: now)
    }

    /// Where run `id` of `api` is: its API's slot and its index in that API's run table. Every change to a run
    /// goes through them (`apis[slot].runs[index]`, handed to a plain function): one look-up of the id
    /// and no copy of the run. A generic closure over the run's optional copied its result (a RunView inside)
    /// through value witnesses: ~1,900 instructions a WES status poll.
    private mutating func place(api: String, id: String) -> (slot: Int, index: Int)? {
        guard let slot = slot(api), let index = apis[slot].runs.slot(of: id) else { return nil }
        return (slot, index)
    }
}

/// What a fake keeps for the scenario's life (`Engine.store(api:_:_:)`), and the last look-up of a key given in
/// two parts with its answer (`Engine.stored(api:_:_:)`). Every change goes through `set`, which drops that
/// answer, so it is never stale.
struct KeptValues {
    private(set) var values: [String: JSON] = [:]
    private var last: (prefix: String, name: String, value: JSON?)?

    mutating func set(_ key: String, _ value: JSON?) {
        last = nil
        values[key] = value
    }

    /// `values[prefix + name]` if the key kept is those very bytes, the answer remembered while the same bytes
    /// are asked for.
    mutating func value(_ prefix: String, _ name: String) -> JSON? {
        if let last, last.name.hasSameUTF8(as: name), last.prefix.hasSameUTF8(as: prefix) { return last.value }
        let key = prefix + name
        var value: JSON?
        if let index = values.index(forKey: key), values[index].key.hasSameUTF8(as: key) { value = values[index].value }
        last = (prefix, name, value)
        return value
    }
}

/// See `Engine.observation`.
public struct Observation: Sendable, Equatable {
    /// The run the request was about (created, read, cancelled ...).
    public var run: String?
    /// The state the answer showed.
    public var state: String?
    /// The answer showed a terminal state, or that a finished run is gone.
    public var terminal = false
    /// The run answered "not found" after it finished.
    public var gone = false
    /// The request named a run the server does not have.
    public var unknownRun = false
    /// The request created the run.
    public var created = false
    /// The request was a status read (it counted as a poll).
    public var statusRead = false
    /// A client event (`cancel`, `start`) the request sent, and whether the run took it.
    public var event: String?
    public var eventAccepted = false
    /// The credential check's outcome, and the credential presented.
    public var auth: AuthDecision?
    public var credential: String?
    /// A status read's phase asks for `Retry-After` with these seconds.
    public var retryAfter: Int?
    /// A status read's phase sets its delay (instead of the endpoint's latency).
    public var phaseDelay: Duration?
    /// Contract deviations the fake saw in the request (something the real service would refuse), in order.
    public var deviations: [String] = []

    public init() {}
}

/// How the host should treat one admitted request.
public struct Admission: Sendable, Equatable {
    public var delay: Duration
    public var fault: FaultAction?
}

public enum AuthDecision: Sendable, Equatable {
    case granted
    /// No credential where the API expects one.
    case missing
    /// A credential the scenario does not list.
    case invalid
    /// A listed credential that has worn out or been revoked.
    case expired
    /// A valid credential without the right to do this.
    case forbidden(String)
}

public enum ReadResult: Sendable {
    case found(RunView)
    /// The run existed but now answers "not found" (after `notFoundAfter` terminal reads).
    case gone(RunView)
    case notFound
}

public enum EventResult: Sendable {
    case accepted(RunView)
    /// The run is already under this event (cancelling a run being cancelled).
    case repeated(RunView)
    /// Not allowed from the run's state (or the API has no such event for it).
    case refused(RunView)
    case notFound
}

/// What a fake needs to render a run: its state, the fields its phase shows, its history.
///
/// What changes only when the run enters a phase lives in one shared, immutable `PhasePart`, made once a phase
/// (`RunState.view()`); only the read counts are the view's own. Each view then retains one object, where copying
/// its dozen strings, arrays and JSON values retained and released each of them on every poll.
public struct RunView: Sendable {
    /// A view's phase-long values: the same object for every view of the run until it enters another phase.
    final class PhasePart: Sendable {
        let values: Values
        init(_ values: Values) { self.values = values }
    }

    struct Values: Sendable {
        var id: String
        var api: String
        var state: String
        var isTerminal: Bool
        var fields: JSON
        var request: JSON
        var createdAt: Timestamp
        var history: [(state: String, at: Timestamp)]
        var log: [(at: Timestamp, line: String)]
        var event: String?
        var phaseIndex: Int
        var script: SharedScript
        var trail: [(phase: Phase, at: Timestamp)]
    }

    private(set) var part: PhasePart
    /// Status reads answered so far.
    public var reads: Int
    /// Status reads that showed the current terminal state (0 while the run is not terminal).
    public var terminalReads: Int
    public var gone: Bool

    init(part: PhasePart, reads: Int, terminalReads: Int, gone: Bool) {
        self.part = part
        self.reads = reads
        self.terminalReads = terminalReads
        self.gone = gone
    }

    /// Changes one phase-long value of this view only (the shared part is never written: it is replaced).
    private mutating func edit(_ change: (inout Values) -> Void) {
        var values = part.values
        change(&values)
        part = PhasePart(values)
    }

    public var id: String {
        get { part.values.id }
        set { edit { $0.id = newValue } }
    }
    public var api: String {
        get { part.values.api }
        set { edit { $0.api = newValue } }
    }
    public var state: String {
        get { part.values.state }
        set { edit { $0.state = newValue } }
    }
    public var isTerminal: Bool {
        get { part.values.isTerminal }
        set { edit { $0.isTerminal = newValue } }
    }
    /// Run fields with the current phase's fields laid over them.
    public var fields: JSON {
        get { part.values.fields }
        set { edit { $0.fields = newValue } }
    }
    /// The fields of the client's creation request.
    public var request: JSON {
        get { part.values.request }
        set { edit { $0.request = newValue } }
    }
    public var createdAt: Timestamp {
        get { part.values.createdAt }
        set { edit { $0.createdAt = newValue } }
    }
    /// Every state the run has shown, with when it entered it; the last entry is the current state.
    public var history: [(state: String, at: Timestamp)] {
        get { part.values.history }
        set { edit { $0.history = newValue } }
    }
    /// Log lines written so far, oldest first.
    public var log: [(at: Timestamp, line: String)] {
        get { part.values.log }
        set { edit { $0.log = newValue } }
    }
    /// The event whose timeline the run follows (`cancel`), if any.
    public var event: String? {
        get { part.values.event }
        set { edit { $0.event = newValue } }
    }
    /// Index of the current phase in the timeline it follows.
    public var phaseIndex: Int {
        get { part.values.phaseIndex }
        set { edit { $0.phaseIndex = newValue } }
    }
    /// The script the run plays (its events, its own timeline).
    public var script: RunScript {
        get { part.values.script.script }
        set { edit { $0.script = SharedScript(newValue) } }
    }
    /// Every phase the run has entered, across timelines and rewinds, with when: oldest first.
    public var trail: [(phase: Phase, at: Timestamp)] {
        get { part.values.trail }
        set { edit { $0.trail = newValue } }
    }

    /// Which phase-long part this view shows: equal for two views exactly when they share it, i.e. show the same
    /// run in the same phase of the same engine, with nothing of it changed in between (entering a phase, an
    /// event, a rewind, a reset or a reload each make a new part, and so does changing a view's own copy).
    public var phaseStamp: PhaseStamp { PhaseStamp(part: part) }

    /// See `phaseStamp`. Compared by identity; a stamp keeps its part alive, so while it is held no other part can
    /// take its address and pass for it.
    public struct PhaseStamp: Sendable, Equatable {
        let part: PhasePart

        public static func == (lhs: PhaseStamp, rhs: PhaseStamp) -> Bool { lhs.part === rhs.part }
    }

    /// When the run first entered `state`, if it has.
    public func entered(_ state: String) -> Timestamp? {
        part.values.history.first { $0.state == state }?.at
    }

    /// When the run first entered any of `states`.
    public func entered(anyOf states: Set<String>) -> Timestamp? {
        part.values.history.first { states.contains($0.state) }?.at
    }
}

/// Shares one engine between the server's threads: every change happens under one lock, so each request
/// sees and leaves a consistent state.
public final class LiveScenario: Sendable {
    @usableFromInline let engine: Locked<Engine>

    public init(_ engine: Engine) {
        self.engine = Locked(engine)
    }

    /// Inlinable, so callers in other modules get the lock specialised for their closure: called generically it
    /// looked up the lock's generic metadata on every call, several times per request.
    @inlinable
    public func withEngine<T>(_ body: (inout Engine) throws -> T) rethrows -> T {
        try engine.withLock { try body(&$0) }
    }
}

// MARK: - state

/// A request counter for one endpoint (or `*`) about one run a fault rule names.
private struct RunCounter: Hashable {
    var endpoint: String
    var run: String
}

private struct APIState {
    let name: String
    /// The descriptor's terminal states (a status read needs nothing else of it).
    let terminalStates: Set<String>
    /// The descriptor's id maker (a creation needs nothing else of it).
    let makeID: @Sendable (_ random: inout SeededRandom, _ ordinal: Int) -> String
    let script: APIScript
    /// `script.defaultRun` and each of `script.runs`, shared by every run (and view) that plays it.
    let defaultRun: SharedScript
    let scripted: [SharedScript]
    /// The API's runs by id and in creation order, at most the engine's `maximumRuns` of them. Each run holds its
    /// creation request (up to the body limit), so a client that creates runs without end must not grow the
    /// server without end: past the limit, the oldest run a client created is forgotten (scripted runs stay) and
    /// answers "not found" like any unknown id. A run is changed in place, through `runs[slot]`.
    var runs: RunTable<RunState>
    /// Which of `script.runs` a run has taken, by index. Flags, not a `Set<Int>`: the first set of `Int` made the
    /// Swift runtime scan the binary's conformance records at every start (~217,000 instructions).
    var claimed: [Bool]
    var created = 0
    /// Requests per endpoint name; `*` (all of them) is `allRequests`. A short list searched by name, not a
    /// `[String: Int]`: an API has a handful of endpoints (the names its route table gives, never a client's
    /// text), and hashing the name (SipHash) on every request cost more.
    private(set) var endpointCounts: [(endpoint: String, count: Int)] = []
    /// A plain count, not a `*` entry of `endpointCounts`: that hashed "*" on every request (~380 instructions).
    private(set) var allRequests = 0

    mutating func countRequest(to endpoint: String) {
        // A request to an endpoint named `*` counts twice under `*`, as it always has (no fake names one so).
        if endpoint == "*" {
            allRequests += 2
            return
        }
        allRequests += 1
        if let index = endpointIndex(endpoint) {
            endpointCounts[index].count += 1
        } else {
            endpointCounts.append((endpoint, 1))
        }
    }

    /// Requests counted for `endpoint` (`*`: all of them).
    func requests(to endpoint: String) -> Int {
        if endpoint == "*" { return allRequests }
        return endpointIndex(endpoint).map { endpointCounts[$0].count } ?? 0
    }

    /// Where `endpoint` is in `endpointCounts`; names equal as Strings are one endpoint, as dictionary keys were.
    private func endpointIndex(_ endpoint: String) -> Int? {
        endpointCounts.firstIndex { $0.endpoint == endpoint }
    }
    /// Requests per endpoint (and `*`) about each run in `faultRuns`; no other run is counted.
    var runCounts: [RunCounter: Int] = [:]
    /// How many requests each fault rule with `times` has answered (by its index in `rules`).
    var faultHits: [Int: Int] = [:]
    /// How many requests each fault rule with `when` has matched (by its index in `rules`).
    var whenCounts: [Int: Int] = [:]
    /// The API's faults, then each scripted run's own faults.
    let rules: [FaultRule]
    /// How each rule aimed at a run it does not name finds it (by index in `rules`; nil: the rule names its run
    /// or none).
    let bindings: [Binding?]
    /// The run each such rule has found.
    var boundRuns: [Int: String] = [:]
    /// The run ids fault rules name or have found: the only runs whose requests are counted.
    var faultRuns: Set<String>

    enum Binding {
        case runIndex(Int)
        case match([String: String])
        /// A scripted run's own fault: the run that takes the script at this index of `runs`.
        case scripted(Int)
    }

    /// A run was created (or exists from the start): the rules aimed at it find it. Each finds one run, the first.
    mutating func bindFaults(to id: String, ordinal: Int?, scripted: Int?, matches: ([String: String]) -> Bool) {
        for (index, binding) in bindings.enumerated() {
            guard let binding, boundRuns[index] == nil else { continue }
            let hit: Bool
            switch binding {
            case .runIndex(let n): hit = ordinal == n
            case .match(let fields): hit = matches(fields)
            case .scripted(let i): hit = scripted == i
            }
            if hit {
                boundRuns[index] = id
                faultRuns.insert(id)
            }
        }
    }
    /// Where each credential key first appears in the script's list, so checking a key does not scan the list.
    let credentialIndex: [ExactKey: Int]
    var credentialUses: [ExactKey: Int] = [:]
    /// Indices of credentials whose revocation has been reached: they stay revoked until reset.
    var revokedCredentials: Set<Int> = []
    var store = KeptValues()
    /// See `Engine.countAnswer(api:)`.
    var answers = 0
    var idRandom: SeededRandom
    var latencyRandom: SeededRandom
    var faultRandom: SeededRandom

    init(
        name: String, script: APIScript, terminalStates: Set<String>, seed: UInt64, maximumRuns: Int,
        makeID: @escaping @Sendable (_ random: inout SeededRandom, _ ordinal: Int) -> String
    ) {
        runs = RunTable(limit: maximumRuns)
        self.makeID = makeID
        self.name = name
        self.terminalStates = terminalStates
        self.script = script
        defaultRun = SharedScript(script.defaultRun)
        scripted = script.runs.map(SharedScript.init)
        claimed = Array(repeating: false, count: script.runs.count)
        var rules = script.faults
        var bindings: [Binding?] = script.faults.map { rule in
            if let n = rule.runIndex { return .runIndex(n) }
            if let fields = rule.match { return .match(fields) }
            return nil
        }
        for (i, run) in script.runs.enumerated() {
            rules += run.faults
            bindings += run.faults.map { _ in .scripted(i) }
        }
        self.rules = rules
        self.bindings = bindings
        faultRuns = Set(rules.compactMap(\.run))
        var index: [ExactKey: Int] = [:]
        for (i, credential) in (script.auth.credentials ?? []).enumerated() where index[ExactKey(credential.key)] == nil {
            index[ExactKey(credential.key)] = i
        }
        credentialIndex = index
        idRandom = SeededRandom(seed: seed, stream: "ids/\(name)")
        latencyRandom = SeededRandom(seed: seed, stream: "latency/\(name)")
        faultRandom = SeededRandom(seed: seed, stream: "faults/\(name)")
    }

    /// Run ids in creation order (a re-created run counts from its latest creation).
    var orderedIDs: [String] { runs.ids }

    mutating func add(_ run: consuming RunState) {
        let id = run.id
        let evictable = run.script.id == nil
        runs.insert(run, id: id, evictable: evictable)
    }
}

/// One run script held once for every run that plays it (and every view of such a run): a `RunScript` is half a
/// dozen references (id, match, fields, timeline, events, faults), and a copy in each run and each phase's view
/// retained every one of them, and released them all again when the run went.
final class SharedScript: Sendable {
    let script: RunScript
    init(_ script: RunScript) { self.script = script }
}

private struct RunState {
    /// How many history entries, log lines and trail steps a run keeps (the oldest go first): looping runs
    /// must not grow without end. They are cut back to it once a quarter more has piled up, not by one on
    /// every phase: shifting 10,000 entries on every phase a walk entered held the server's thread 100-350 ms
    /// a poll for a run of 20,000 short phases.
    static let memory = 10_000
    static let slack = memory / 4

    /// Cuts `entries` back to the newest `memory` once they passed `memory + slack`.
    static func trim<Entry>(_ entries: inout [Entry]) {
        if entries.count > memory + slack { entries.removeFirst(entries.count - memory) }
    }

    let id: String
    let api: String
    private let sharedScript: SharedScript
    /// Lent from the shared script, not copied out of it.
    var script: RunScript {
        _read { yield sharedScript.script }
    }
    let request: JSON
    let createdAt: Timestamp
    var timeline: [Phase]
    var phaseIndex = 0
    var enteredAt: Timestamp
    var readsInPhase = 0
    var terminalReads = 0
    var reads = 0
    var gone = false
    var activeEvent: String?
    var history: [(state: String, at: Timestamp)] = []
    var log: [(at: Timestamp, line: String)] = []
    var trail: [(phase: Phase, at: Timestamp)] = []
    /// The API's terminal states, and whether the current phase's state is one: looked up once a phase, on
    /// entering it. Looked up on every read, it hashed the state each poll (~400 instructions of a WES status poll).
    let terminalStates: Set<String>
    private(set) var isTerminal = false

    init(id: String, api: String, script: SharedScript, request: JSON, createdAt: Timestamp, terminalStates: Set<String>) {
        self.id = id
        self.terminalStates = terminalStates
        self.api = api
        sharedScript = script
        self.request = request
        self.createdAt = createdAt
        timeline = script.script.timeline
        enteredAt = createdAt
        enter(at: createdAt)
    }

    /// Lent, not copied (`_read`): readers take a field or two, and a copy retained every field of the phase.
    var phase: Phase {
        _read { yield timeline[phaseIndex] }
    }
    var state: String { phase.state }

    mutating func enter(at time: Timestamp) {
        phasePart = nil
        enteredAt = time
        readsInPhase = 0
        isTerminal = terminalStates.contains(phase.state)
        if history.last?.state != phase.state { history.append((phase.state, time)) }
        RunState.trim(&history)
        trail.append((phase, time))
        RunState.trim(&trail)
        for line in phase.log { log.append((time, line)) }
        RunState.trim(&log)
    }

    mutating func start(timeline: [Phase], event: String?, now: Timestamp, at index: Int = 0) {
        guard timeline.indices.contains(index) else { return }
        phasePart = nil
        self.timeline = timeline
        phaseIndex = index
        activeEvent = event
        terminalReads = 0
        enter(at: now)
        settle(now: now)
    }

    /// Moves on through phases whose time is up. A looping timeline of timed phases skips whole cycles at once,
    /// so a clock moved years ahead costs no more than one cycle.
    mutating func settle(now: Timestamp) {
        if script.loop, activeEvent == nil {
            let durations = timeline.compactMap { phase -> Double? in
                if case .seconds(let s) = phase.duration { return RunState.lasting(s) }
                return nil
            }
            let cycle = durations.reduce(0, +)
            if durations.count == timeline.count, cycle > 0 {
                let elapsed = Double(now.milliseconds(since: enteredAt)) / 1000
                let skipped = (elapsed / cycle).rounded(.down) - 1
                if skipped >= 1 { enteredAt = enteredAt.adding(seconds: skipped * cycle) }
            }
        }
        while case .seconds(let seconds) = phase.duration {
            let end = enteredAt.adding(seconds: RunState.lasting(seconds))
            // `end == enteredAt` only when the clock is saturated at the end of time: nothing can move on.
            guard end > enteredAt, end <= now, moveOn(at: end) else { return }
        }
    }

    /// How long a timed phase lasts on the millisecond clock: at least one millisecond, so a looping timeline
    /// of phases shorter than that (a file may say `"seconds": 1e-9`) cannot spin forever at one instant.
    static func lasting(_ seconds: Double) -> Double {
        max(seconds, 0.001)
    }

    /// To the next phase (or back to the first when looping); false when there is none.
    mutating func moveOn(at time: Timestamp) -> Bool {
        if phaseIndex + 1 < timeline.count {
            phaseIndex += 1
        } else if script.loop && activeEvent == nil {
            phaseIndex = 0
        } else {
            return false
        }
        enter(at: time)
        return true
    }

    mutating func readOnce(now: Timestamp) {
        if case .polls(let n) = phase.duration, readsInPhase >= n, moveOn(at: now) {
            settle(now: now)
        }
        reads += 1
        readsInPhase += 1
        if isTerminal {
            if let limit = script.notFoundAfter, terminalReads >= limit {
                gone = true
                return
            }
            terminalReads += 1
        }
    }

    /// The view's phase-long part, made on the first view after the run entered its phase (`enter` and `start`
    /// drop it): every read of the same phase shares it, and the phase's fields are merged over the run's once.
    private var phasePart: RunView.PhasePart?

    mutating func view() -> RunView {
        let part: RunView.PhasePart
        if let made = phasePart {
            part = made
        } else {
            part = RunView.PhasePart(
                RunView.Values(
                    id: id, api: api, state: state, isTerminal: isTerminal, fields: script.fields.merging(phase.fields),
                    request: request, createdAt: createdAt, history: history, log: log, event: activeEvent,
                    phaseIndex: phaseIndex, script: sharedScript, trail: trail))
            phasePart = part
        }
        return RunView(part: part, reads: reads, terminalReads: terminalReads, gone: gone)
    }
}
