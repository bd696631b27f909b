import MockRunsHTTP
import Scenarios
import MockRunsSync

/// The whole mock server as the host sees it: the admin API under `/__mockruns/`, then each API fake in turn,
/// every request admitted by the scenario engine first (latency, faults), every answer journaled. Requests under
/// `/__sessions/NAME/` are served the same way against that session's own scenario state and journal.
public final class MockRunsApp: HTTPResponder {
    public let fakes: [any APIFake]
    /// Every fake's route table, compiled once.
    private let router: Router
    /// Each fake's API name, by its index in `fakes`: a fake's `descriptor` is a large value, and reading it
    /// for its name copied (retained and released) every field of it on every request.
    private let apiNames: [String]
    public let catalog: ScenarioCatalog
    /// The session named `default`: the root admin API and API paths without a prefix. Held here, not in the
    /// table, so a root request never takes the table's lock.
    public let root: Session
    /// The root's scenario (what `--watch`, `--report` and `mockruns verify` act on).
    public var scenario: LiveScenario { root.scenario }
    /// Every other session, behind one lock.
    let sessions: Locked<SessionTable<Session>>
    private let deviationLog: @Sendable (String) -> Void
    public let options: ServerOptions
    /// Real time, for the journal's `wallMs` (how fast a client really polled) and sessions' idleness.
    let time: any TimeSource
    private let startedAt: Double

    /// - Parameter deviationLog: where contract deviations the scenario lets pass are reported (stderr).
    public init(
        scenario: Scenario, fakes: [any APIFake] = APIRegistry.fakes, catalog: ScenarioCatalog? = nil,
        time: any TimeSource, options: ServerOptions = ServerOptions(),
        deviationLog: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.fakes = fakes
        self.router = Router(fakes.map(\.routeTable))
        self.apiNames = fakes.map(\.descriptor.name)
        self.options = options
        self.time = time
        self.startedAt = time.seconds()
        let loader = ScenarioLoader(apis: fakes.map(\.descriptor))
        self.catalog = catalog ?? ScenarioCatalog(loader: loader)
        let engine = Engine(scenario: scenario, apis: fakes.map(\.descriptor), time: time)
        self.root = Session(name: SessionName.root, id: 0, engine: engine, journalCapacity: 10_000)
        self.sessions = Locked(SessionTable(maximum: options.maxSessions, ttl: options.sessionTTL))
        self.deviationLog = deviationLog
    }

    public static let adminPrefix = "/__mockruns/"
    /// API paths of a session start with this and its name.
    public static let sessionPrefix = "/__sessions/"

    public func respond(to request: HTTPRequest) -> Reply {
        let place = Self.place(ofPath: request.path)
        switch place {
        case .session:
            return respondInSession(request)
        case .admin, .health:
            // Admin requests steer the server; the journal is for what the client under test sent.
            var response = guardedAdmin(request, health: place == .health)
            stamp(&response, in: root)
            return Reply(response)
        case .api:
            var reply = route(request, in: root)
            stamp(&reply.response, in: root)
            return reply
        }
    }

    /// Where a request's path leads: only the admin API and sessions start `/__`.
    enum PathPlace: Equatable {
        /// An API path at the root (one starting `/__` but neither of the others too).
        case api
        /// Under `sessionPrefix`.
        case session
        /// Under `adminPrefix`, or `/__mockruns` itself.
        case admin
        /// `/__mockruns/health`, the check CI fixtures poll.
        case health
    }

    /// `PathPlace` of `path`, told from its first bytes in one look. (Each prefix asked of the String on its own,
    /// and the health path again in `admin`, cost ~750 instructions of a health check; health 63,833 -> 63,206,
    /// bench/speed/instructions.sh health.)
    static func place(ofPath path: String) -> PathPlace {
        // The view's own contiguous bytes, lent without a copy of the text (`withUTF8` is mutating: the copy it
        // needed cost a retain and release a request). A text without contiguous UTF-8 is made contiguous first.
        let looked = path.utf8.withContiguousStorageIfAvailable(place(ofBytes:)) ?? {
            var path = path
            return path.withUTF8(place(ofBytes:))
        }()
        return looked ?? (path.hasASCIIPrefix(adminPrefix) ? .admin : .api)
    }

    /// `place(ofPath:)` of a path's UTF-8; nil where its first bytes cannot tell (see the end).
    private static func place(ofBytes bytes: UnsafeBufferPointer<UInt8>) -> PathPlace? {
        func starts(_ prefix: StaticString) -> Bool {
            let count = prefix.utf8CodeUnitCount
            guard bytes.count >= count else { return false }
            let wanted = prefix.utf8Start
            for index in 0..<count where bytes[index] != wanted[index] { return false }
            return true
        }
        guard starts("/__") else { return .api }
        if starts("/__sessions/") { return .session }  // `sessionPrefix`
        if bytes.count == 11 { return starts("/__mockruns") ? .admin : .api }
        guard starts("/__mockruns/") else { return .api }  // `adminPrefix`
        if bytes.count == 18, starts("/__mockruns/health") { return .health }
        // What follows the prefix may join its slash into one Character (a combining mark): `hasASCIIPrefix`
        // decides then, as before.
        return bytes.count == 12 || bytes[12] < 0x80 ? .admin : nil
    }

    /// `/__sessions/NAME/<API path>`: the API path served as at the root, against session NAME's state.
    private func respondInSession(_ request: HTTPRequest) -> Reply {
        let (name, session, inner) = sessionRequest(request)
        guard let session else {
            return Reply(stamped(unknownSession(name), in: root))
        }
        var reply = route(inner, in: session)
        stamp(&reply.response, in: session)
        return reply
    }

    /// A request under `sessionPrefix`: the session it names (nil when there is none) and the request as that
    /// session serves it, the prefix taken off its path and kept as `basePath` (as the client named it: `default`
    /// too).
    private func sessionRequest(_ request: HTTPRequest) -> (name: String, session: Session?, inner: HTTPRequest) {
        let (name, rest) = Self.splitSessionPath(request.path)
        var inner = request
        inner.path = rest
        inner.basePath = Self.sessionPrefix + name
        return (name, session(named: name), inner)
    }

    /// The session's name and the API path after it (`/` when nothing follows), from a path under `sessionPrefix`.
    static func splitSessionPath(_ path: String) -> (name: String, rest: String) {
        let after = path.utf8.dropFirst(sessionPrefix.utf8.count)
        guard let slash = after.firstIndex(of: UInt8(ascii: "/")) else { return (String(Substring(after)), "/") }
        return (String(Substring(after[..<slash])), String(Substring(after[slash...])))
    }

    /// The session a request names (marked as used), the root for `default`; nil when there is none.
    func session(named name: String) -> Session? {
        guard SessionName.isWellFormed(name) else { return nil }
        if name == SessionName.root { return root }
        let now = time.seconds()
        return sessions.withLock { $0.use(name, now: now)?.value }
    }

    func unknownSession(_ name: String) -> HTTPResponse {
        adminError(
            404,
            "no session \(Credentials.printable(name, limit: 80)); create one with POST /__mockruns/sessions (body {\"name\": \"NAME\"}), then use /__sessions/NAME/ before the API path",
            allowed: Self.sessionRoutes)
    }

    /// Adds the Date header from the session's scenario clock, so answers are the same bytes on every run, and
    /// `X-Content-Type-Options: nosniff`, so a browser never reads an answer as anything but its declared type.
    func stamped(_ response: consuming HTTPResponse, in session: Session) -> HTTPResponse {
        var response = response
        stamp(&response, in: session)
        return response
    }

    /// `stamped` in place: a reply's own response changed where it lies (a copy to change shared its headers'
    /// storage with the reply, so the first header set copied the whole array).
    /// `nosniff` replaces any the answer had and goes last, before a Date the answer lacked. Both names are looked
    /// for in one pass over the fields (a `set` and a look-up walked them twice: health 73,861 -> 71,994
    /// instructions with `date`, bench/speed/instructions.sh health).
    /// An answer stamped already (its one `nosniff` last, as this writes it, and a Date) is left as it is: taking
    /// the field off and adding it again gives the same list, and copied the storage of an answer shared with a
    /// memo (`healthAnswer(in:)`).
    func stamp(_ response: inout HTTPResponse, in session: Session) {
        let (hasDate, nosniffs, isStamped) = response.headers.stamping
        if isStamped { return }
        if nosniffs > 0 { response.headers.remove("X-Content-Type-Options") }
        response.headers.add("X-Content-Type-Options", "nosniff")
        if !hasDate { response.headers.add("Date", session.httpDate()) }
    }

    /// The session's Date on an admin answer that lacks one. (Its `nosniff` comes from `stamp` in `respond`, last,
    /// after any CORS headers: where `stamp` here would have set it, that one moved it.) In place: an answer handed
    /// in and returned was copied, and the field added copied its headers (~450 instructions of a health check).
    func date(_ response: inout HTTPResponse, in session: Session) {
        if response.headers["Date"] == nil { response.headers.add("Date", session.httpDate()) }
    }

    private func route(_ request: HTTPRequest, in session: Session) -> Reply {
        guard options.cors.isEnabled, let origin = request.headers["Origin"] else { return routeAPI(request, in: session) }
        // A browser's preflight is not the client's own request: answered here, not journalled.
        if request.method == "OPTIONS", request.headers["Access-Control-Request-Method"] != nil,
            let (index, methods) = router.methods(for: request.path)
        {
            guard options.cors.allows(origin) else {
                let advice = CORSPolicy.isOrigin(origin)
                    ? "start mockruns with --cors \(Credentials.printable(origin)) (or --cors '*')"
                    : "no page can be allowed from it: an allowed origin is scheme://host[:port] (http or https, at most 255 bytes), never null"
                let error = APIError(403, "CORS: the origin \(Credentials.printable(origin)) is not allowed; \(advice)")
                return Reply(finishedError(error, fake: fakes[index], request: request, in: session))
            }
            return Reply(options.cors.preflight(request, origin: origin, methods: methods))
        }
        var reply = routeAPI(request, in: session)
        if options.cors.allows(origin) {
            stamp(&reply.response, in: session)  // so Date is among the headers exposed
            options.cors.decorate(&reply.response, origin: origin)
        }
        return reply
    }

    private func routeAPI(_ request: HTTPRequest, in session: Session) -> Reply {
        switch router.match(request) {
        case .endpoint(let index, let endpoint)?:
            let fake = fakes[index]
            return serve(request, with: fake, api: apiNames[index], at: fake.refine(endpoint, for: request), in: session)
        case .error(let index, let error)?:
            let fake = fakes[index]
            return journalled(
                Reply(finishedError(error, fake: fake, request: request, in: session)), request, api: apiNames[index],
                endpoint: nil, at: session.scenario.withEngine { $0.now }, observation: Observation(), in: session)
        case nil:
            return journalled(
                Reply(notFound(request)), request, api: nil, endpoint: nil, at: session.scenario.withEngine { $0.now },
                observation: Observation(), in: session)
        }
    }

    public func refusal(_ refusal: HostRefusal, for request: HTTPRequest) -> HTTPResponse {
        let error = APIError(refusal.status, refusal.message)
        var request = request
        var session = root
        if Self.place(ofPath: request.path) == .session {
            let (_, named, inner) = sessionRequest(request)
            guard let named else { return stamped(adminError(refusal.status, refusal.message), in: root) }
            (session, request) = (named, inner)
        }
        // The API whose path it is answers in its own error body: an endpoint's, or one under a prefix the API
        // claims (a path a raw NUL cut short, `/ga4gh/wes/v1/ru`, is still WES's).
        switch router.match(request) {
        case .endpoint(let index, _)?, .error(let index, _)?:
            return stamped(finishedError(error, fake: fakes[index], request: request, in: session), in: session)
        case nil:
            return stamped(adminError(refusal.status, refusal.message), in: session)
        }
    }

    private func serve(
        _ request: HTTPRequest, with fake: any APIFake, api: String, at endpoint: Endpoint, in session: Session
    ) -> Reply {
        let scenario = session.scenario
        let (admission, settings, now, scenarioStrict) = scenario.withEngine { engine in
            (
                engine.admit(
                    api: api, endpoint: endpoint.name, runID: endpoint.runID,
                    request: RequestFacts(headers: request.headers.fields, query: request.query, body: request.body)),
                engine.settings(api: api),
                engine.now, engine.scenario.strict
            )
        }
        var faultNote: String?
        if let fault = admission.fault {
            if fault.hang {
                let (at, observation) = observed(in: session)
                return journalled(
                    .hung(), request, api: api, endpoint: endpoint, fault: "hang", at: at, observation: observation, in: session)
            }
            if let drop = fault.drop {
                let (at, observation) = observed(in: session)
                return journalled(
                    .dropped(drop == .reset ? .reset : .empty, after: admission.delay), request, api: api, endpoint: endpoint,
                    fault: "drop \(drop.rawValue)", at: at, observation: observation, in: session)
            }
            if fault.answersNormally {
                faultNote = [
                    fault.delay.map { "delay \(Int($0.rounded())) ms" }, fault.trickleBytesPerSecond.map { "trickle \($0) B/s" },
                ].compactMap { $0 }.joined(separator: ", ")
            } else {
                var response = fake.finish(
                    faultResponse(fault, fake: fake, request: request, in: session), to: request, scenario: scenario)
                dress(&response, fault, now: now)
                let (at, observation) = observed(in: session)
                return journalled(
                    Reply(response, delay: admission.delay), request, api: api, endpoint: endpoint,
                    fault: "status \(response.status)", at: at, observation: observation, in: session)
            }
        }
        let context = FakeContext(
            scenario: scenario, request: request, options: options, settings: settings, now: now,
            strict: options.strict || scenarioStrict, deviationLog: deviationLog)
        let response: HTTPResponse
        do {
            response = try fake.handle(request, at: endpoint, context: consume context)
        } catch {
            response = errorResponse(error, fake: fake, request: request, in: session)
        }
        // `consume`: left alive beside what `finish` returned (the same answer, most often), `response` kept its
        // headers' storage shared, and the first header added later copied it (~350 instructions).
        var finished = fake.finish(consume response, to: request, scenario: scenario)
        Self.trickle(&finished, admission.fault)
        // What the fake did, read once for the phase's answer and for the journal. A status read's phase may send
        // Retry-After and set the read's delay.
        let (at, observation) = observed(in: session)
        // Date and the first Retry-After in one pass (looked up one by one, here and again in `journalled`, each
        // walked the fields: ~300 instructions a poll more, bench/speed/instructions.sh).
        let (dated, found) = finished.headers.dateAndRetryAfter
        var retryAfter = found
        if let seconds = observation.retryAfter, retryAfter == nil {
            let value = String(seconds)
            finished.headers.add("Retry-After", value)  // none there: `set` would look again
            retryAfter = value
        }
        // Here, where `finished` alone holds its headers' storage, not in `journalled`: there the reply handed in
        // still shared it, and adding the field copied it (~470 instructions).
        if !dated { finished.headers.add("Date", session.httpDate(at: at)) }
        var delay = admission.delay
        if let phaseDelay = observation.phaseDelay {
            // Instead of the endpoint's latency; a fault's own delay still adds to it.
            let faultDelay = admission.fault?.delay ?? 0
            delay = phaseDelay + .milliseconds(Int64(faultDelay.rounded()))
        }
        return journalled(
            Reply(finished, delay: delay), request, api: api, endpoint: endpoint, fault: faultNote, at: at,
            observation: observation, in: session, dated: true, retryAfter: retryAfter)
    }

    /// The scenario time and what the engine saw of the request being served: its journal entry's, taken out of
    /// the engine (the next admission starts a new one).
    private func observed(in session: Session) -> (at: Timestamp, observation: Observation) {
        session.scenario.withEngine { ($0.now, $0.takeObservation()) }
    }

    /// A scripted fault's answer: its own body if the scenario gave one, an HTML page, else the API's error body
    /// for the status with what a real service says for it (the reason phrase).
    private func faultResponse(_ fault: FaultAction, fake: any APIFake, request: HTTPRequest, in session: Session) -> HTTPResponse {
        let status = fault.status ?? 500
        var response: HTTPResponse
        if let html = fault.html {
            let page = "<html>\r\n<head><title>\(html)</title></head>\r\n<body>\r\n<center><h1>\(html)</h1></center>\r\n</body>\r\n</html>\r\n"
            response = HTTPResponse(status: status, body: Array(page.utf8))
            response.headers.set("Content-Type", "text/html")
        } else {
            switch fault.body {
            case .none:
                response = errorResponse(APIError(status, HTTPStatus.reason(status)), fake: fake, request: request, in: session)
            case .string(let text)?:
                response = .text(status, text)
            case let body?:
                response = .json(status, body.bytes)
            }
        }
        response.headers.set(contentsOf: fault.headers)
        return response
    }

    /// What a fault changes after the fake has had its last look: Retry-After, a wrong Content-Type, a cut body.
    private func dress(_ response: inout HTTPResponse, _ fault: FaultAction, now: Timestamp) {
        switch fault.retryAfter {
        case .seconds(let seconds)?:
            response.headers.set("Retry-After", String(seconds))
        case .httpDate(let seconds)?:
            // From the second the Date header shows, so the two agree.
            let second = now.milliseconds / 1000
            response.headers.set("Retry-After", Timestamp(milliseconds: (second + Int64(seconds)) * 1000).httpDate)
        case nil:
            break
        }
        if let contentType = fault.contentType { response.headers.set("Content-Type", contentType) }
        if fault.truncate, case .bytes(let bytes) = response.body {
            response.body = .bytes(Array(bytes.prefix(bytes.count / 2)))
        }
        Self.trickle(&response, fault)
    }

    /// A `trickle` fault: the body goes out at the fault's rate instead of at once.
    static func trickle(_ response: inout HTTPResponse, _ fault: FaultAction?) {
        guard let rate = fault?.trickleBytesPerSecond, case .bytes(let bytes) = response.body, !bytes.isEmpty else { return }
        response.body = .stream(TrickleStream(bytes, bytesPerSecond: rate))
    }

    /// An error of the API that never reached its handler (a wrong method, a refused request, a preflight from
    /// an origin not allowed), in the API's own body and after its last look.
    private func finishedError(_ error: APIError, fake: any APIFake, request: HTTPRequest, in session: Session) -> HTTPResponse {
        fake.finish(errorResponse(error, fake: fake, request: request, in: session), to: request, scenario: session.scenario)
    }

    private func errorResponse(_ error: APIError, fake: any APIFake, request: HTTPRequest, in session: Session) -> HTTPResponse {
        let settings = session.scenario.withEngine { $0.settings(api: fake.descriptor.name) }
        var response = fake.response(for: error, to: request, settings: settings)
        response.headers.set(contentsOf: error.headers)
        return response
    }

    private func notFound(_ request: HTTPRequest) -> HTTPResponse {
        let served: [JSON] = fakes.map { fake in
            .object([("api", .string(fake.descriptor.name)), ("routes", .array(fake.routes.map(JSON.string)))])
        }
        let body: JSON = .object([
            ("error", .string("no route for \(request.method) \(request.basePath + request.path)")),
            ("served", .array(served)),
            ("admin", .string(Self.adminPrefix)),
        ])
        return .json(404, body.bytes)
    }

    /// Journals `reply` to `request` (what the engine observed while serving it: `observation`, empty for a
    /// request no endpoint admitted, and the scenario time `at`) and tags the reply with the entry's number, so
    /// the host's report of how the exchange ended lands on the same entry. `dated` and `retryAfter`: the answer
    /// has its Date, and this Retry-After (nil: none), as its maker read them already; else they are looked up.
    func journalled(
        _ reply: consuming Reply, _ request: HTTPRequest, api: String?, endpoint: Endpoint?, fault: String? = nil,
        at: Timestamp, observation seen: consuming Observation, in session: Session, dated: Bool = false,
        retryAfter: String?? = .none
    ) -> Reply {
        // Changed where it was handed in, and handed on with `consume`: passed in an optional pair, or copied into
        // a variable of its own, the observation was copied (~470 instructions).
        if seen.run == nil { seen.run = endpoint?.runID }
        // The journal keeps its last entries: bound what each keeps of what the client sent (see `Entry.bounded`).
        if let run = seen.run, run.utf8.count > Journal.Entry.keptRunBytes { seen.run = Journal.Entry.cut(run, Journal.Entry.keptRunBytes) }
        let path = Journal.Entry.cut(request.path, Journal.Entry.keptPathBytes)
        let status = reply.drop == nil ? reply.response.status : 0
        // Only the credential's fingerprint is kept, and the deviations once, as the entry's own.
        // (The secret kept only while the headers are redacted: the header that carried it takes its fingerprint.)
        let known = seen.credential.map { (secret: $0, fingerprint: Fingerprint.of($0)) }
        let credential = known?.fingerprint
        let deviations = seen.deviations
        seen.credential = nil
        seen.deviations = []
        // Read before the entry takes the observation (read after, it made the entry take a copy of it).
        let submission = seen.created ? Self.submissionFingerprint(request) : nil
        if reply.drop == nil, !dated, reply.response.headers["Date"] == nil {
            // The scenario time just read: no second engine lock for `stamped`'s Date header.
            reply.response.headers.add("Date", session.httpDate(at: at))
        }
        // Built as the optional the journal takes it from, so it is moved into the ring, never copied.
        var recorded: Journal.Entry? = Journal.Entry(
            at: at, wallMs: (time.seconds() - startedAt) * 1000, method: request.method, path: path,
            query: Journal.Entry.bounded(Redaction.query(request.query, known: known)),
            headers: Journal.Entry.bounded(Redaction.headers(request.headers.fields, known: known)),
            bodyBytes: request.body.count, contentType: request.mediaType, api: api, endpoint: endpoint?.name,
            observation: consume seen, credential: credential, status: status,
            retryAfter: reply.drop == nil ? (retryAfter ?? reply.response.headers["Retry-After"]) : nil, fault: fault,
            deviations: deviations, submission: submission)
        reply.tag = session.tag(session.journal.withLock { $0.record(taking: &recorded) })
        return consume reply
    }

    /// Equal for two submissions of the same request: method, path and body, a form's fields rather than its raw
    /// bytes (a multipart boundary is drawn afresh for every request, so a retry's bytes differ).
    static func submissionFingerprint(_ request: HTTPRequest) -> String {
        if let known = lastSubmission.withLock({ $0?.fingerprint(for: request) }) { return known }
        let fingerprint = summaryFingerprint(request)
        if let kept = LastSubmission(request, fingerprint) { lastSubmission.withLock { $0 = kept } }
        return fingerprint
    }

    /// The last submission fingerprinted and its fingerprint. A retry (what the fingerprint is there to show) or
    /// a test submitting the same request again is the same method, path and fields or body: compared as bytes
    /// with the last one, it skips building and hashing the summary and the values' fingerprints (WES multipart
    /// submit 156,222 -> 152,081, workspace submit 152,296 -> 151,233 instructions, bench/speed/instructions.sh
    /// submit-wes submit-workspace; a new submission pays the comparison, which stops at the first difference).
    /// One entry, of at most `Fingerprint.memoKeyLimit` bytes of fields or body.
    struct LastSubmission {
        let method: String
        let path: String
        let form: [FormField]?
        let body: [UInt8]
        let fingerprint: String

        init?(_ request: HTTPRequest, _ fingerprint: String) {
            let size = request.form.map { $0.reduce(0) { $0 + $1.name.utf8.count + ($1.filename?.utf8.count ?? 0) + $1.value.count } }
            guard (size ?? request.body.count) <= Fingerprint.memoKeyLimit else { return nil }
            method = request.method
            path = request.path
            form = request.form.map { $0.map { FormField(name: $0.name, value: $0.value, filename: $0.filename) } }
            body = request.form == nil ? request.body : []
            self.fingerprint = fingerprint
        }

        /// This one's fingerprint when `request` would be summarised by the same bytes, else nil.
        /// (`Credentials.equal`: `hasSameUTF8` walked a small string's bytes one by one through its view. The
        /// fields read in place: bound to constants, each was copied, four retains and releases apiece. Both:
        /// WES multipart submit 152,233 -> 151,207 instructions, bench/speed/instructions.sh submit-wes.)
        func fingerprint(for request: HTTPRequest) -> String? {
            guard Credentials.equal(method, request.method), Credentials.equal(path, request.path) else { return nil }
            guard let kept = form else {
                return request.form == nil && body.hasSameBytes(as: request.body) ? fingerprint : nil
            }
            guard let given = request.form, FormField.sameFields(kept, given) else { return nil }
            return fingerprint
        }
    }

    static let lastSubmission = Locked<LastSubmission?>(nil)

    /// `submissionFingerprint` worked out: the summary built and hashed.
    /// The summary is built as UTF-8 bytes in one buffer, not a String grown by `+` (WES multipart
    /// submit 232,082 -> 207,016 instructions; ASCII values looked up by their own bytes, a further -5,400; names
    /// read from their UTF-8 buffer, -2,200; bench/speed/instructions.sh submit-wes).
    static func summaryFingerprint(_ request: HTTPRequest) -> String {
        // `Credentials.printable(text)`'s bytes: a short printable ASCII name (nearly every one) is quoted whole,
        // by the test `JSON.quotedForMessage` itself makes, without making its String.
        func appendPrintable(_ text: String, to summary: inout [UInt8]) {
            var text = text
            let quotedWhole = text.withUTF8 { bytes in
                guard JSON.quotesWhole(bytes, limit: 200) else { return false }  // `Credentials.printable`'s limit
                summary.append(UInt8(ascii: "\""))
                summary += bytes
                summary.append(UInt8(ascii: "\""))
                return true
            }
            if !quotedWhole { summary += Credentials.printable(text).utf8 }
        }
        var summary: [UInt8] = []
        summary.reserveCapacity(
            request.method.utf8.count + request.path.utf8.count + 2 + (request.form?.count ?? 0) * 64 + request.body.count)
        summary += request.method.utf8
        summary.append(UInt8(ascii: " "))
        summary += request.path.utf8
        summary.append(UInt8(ascii: "\n"))
        if let form = request.form {
            for field in form {
                appendPrintable(field.name, to: &summary)
                summary.append(UInt8(ascii: " "))
                appendPrintable(field.filename ?? "", to: &summary)
                summary.append(UInt8(ascii: " "))
                // An ASCII value is its own UTF-8 text: looked up as the bytes it came in, not copied into a String
                // and back (any other value goes through `text`, which repairs invalid UTF-8 as before).
                let value = field.value.allSatisfy { $0 < 0x80 } ? Fingerprint.of(utf8: field.value) : Fingerprint.of(field.text)
                summary += value.utf8
                summary.append(UInt8(ascii: "\n"))
            }
        } else if request.body.allSatisfy({ $0 < 0x80 }) {
            // ASCII is its own UTF-8 text: the bytes as they came, not decoded into a String and read back
            // (~400 instructions of a workspace submission, bench/speed/instructions.sh submit-workspace).
            summary += request.body
        } else {
            summary += request.bodyText.utf8
        }
        return Fingerprint.of(utf8: summary)
    }

    public func finished(tag: Int, _ end: ExchangeEnd) {
        // Duration's own division: `components` divides its 128-bit attoseconds by 10^18 (~370 instructions).
        let ms = end.duration / .milliseconds(1)
        let (id, sequence) = Session.split(tag: tag)
        let clientGone = !end.delivered && !end.dropped
        if id == 0 {
            // The root's journal lent, not retained: the app holds the root and the root its journal. Chosen
            // as an optional session with the others', the root and its journal were retained for the call (a
            // retain and three releases every journalled request).
            Unmanaged.passUnretained(root.journal)._withUnsafeGuaranteedRef {
                $0.withLock { $0.finish(sequence, durationMs: ms, clientGone: clientGone) }
            }
            return
        }
        let session = sessions.withLock { $0.entry(id: id)?.value }
        session?.journal.withLock { $0.finish(sequence, durationMs: ms, clientGone: clientGone) }
    }

}
