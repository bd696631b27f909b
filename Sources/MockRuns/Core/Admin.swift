import MockRunsHTTP
import MockRunsSync
import Scenarios

/// The admin API under `/__mockruns/`: what a test uses to steer the server between its own requests.
extension MockRunsApp {
    static let adminRoutes: [String] = [
        "GET /__mockruns/health",
        "GET /__mockruns/scenario",
        "PUT /__mockruns/scenario (body: a scenario file) or POST /__mockruns/scenario?name=BUNDLED",
        "POST /__mockruns/reset",
        "GET /__mockruns/clock",
        "POST /__mockruns/clock/advance (body {\"seconds\": N} or ?seconds=N)",
        "GET /__mockruns/runs[?api=NAME]",
        "GET /__mockruns/journal[?api=&endpoint=&run=&status=&since=SEQ&limit=N]",
        "DELETE /__mockruns/journal",
        "GET /__mockruns/verify, or POST with expectations {\"rules\": {...}, \"api\": ..., \"run\": ...} (200 pass, 409 fail)",
        "POST /__mockruns/report (writes the --report file now)",
    ] + sessionRoutes

    /// The session table's routes, and the admin API of one session (the root's, acting on that session only).
    static let sessionRoutes: [String] = [
        "POST /__mockruns/sessions (body {\"name\": NAME, \"scenario\": BUNDLED or a scenario file}, both optional)",
        "GET /__mockruns/sessions",
        "GET /__mockruns/sessions/NAME",
        "DELETE /__mockruns/sessions/NAME",
        "/__mockruns/sessions/NAME/{health,scenario,reset,clock,clock/advance,runs,journal,verify}: as at the root, for session NAME",
        "/__sessions/NAME/<API path>: any API path, served against session NAME",
    ]

    /// What `/__mockruns/sessions/NAME/` serves: the root's routes but the report (which is the root's).
    static let sessionAdminRoutes: [String] = [
        "GET /__mockruns/sessions/NAME/health",
        "GET /__mockruns/sessions/NAME/scenario",
        "PUT /__mockruns/sessions/NAME/scenario (body: a scenario file) or POST /__mockruns/sessions/NAME/scenario?name=BUNDLED",
        "POST /__mockruns/sessions/NAME/reset",
        "GET /__mockruns/sessions/NAME/clock",
        "POST /__mockruns/sessions/NAME/clock/advance (body {\"seconds\": N} or ?seconds=N)",
        "GET /__mockruns/sessions/NAME/runs[?api=NAME]",
        "GET /__mockruns/sessions/NAME/journal[?api=&endpoint=&run=&status=&since=SEQ&limit=N]",
        "DELETE /__mockruns/sessions/NAME/journal",
        "GET /__mockruns/sessions/NAME/verify, or POST with expectations (200 pass, 409 fail)",
        "GET /__mockruns/sessions/NAME, DELETE /__mockruns/sessions/NAME",
    ]

    /// The health answer, made once: CI fixtures poll it.
    static let healthy: [UInt8] = JSON.object([("status", "ok")]).bytes

    /// The admin API behind its guard (token, origin, loopback host, JSON bodies; see `ServerOptions`). An allowed
    /// browser origin gets CORS headers and its preflights answered. `health`: the path is the health check's
    /// (`PathPlace.health`).
    func guardedAdmin(_ request: HTTPRequest, health: Bool) -> HTTPResponse {
        let origin = request.headers["Origin"]
        if request.method == "OPTIONS", let origin, options.allowsOrigin(origin, host: request.headers["Host"]) {
            return CORSPolicy.preflightAnswer(
                origin: origin, methods: ["GET", "POST", "PUT", "DELETE"], headers: "Authorization, Content-Type")
        }
        if let refusal = options.adminRefusal(for: request) {
            var response = adminError(refusal.status, refusal.message)
            if refusal.status == 401 { response.headers.set("WWW-Authenticate", "Bearer realm=\"mockruns admin\"") }
            return response
        }
        var response = admin(request, health: health)
        if let origin {
            response.headers.set("Access-Control-Allow-Origin", origin)
            response.headers.set("Vary", "Origin")
        }
        return response
    }

    func admin(_ request: HTTPRequest, health: Bool) -> HTTPResponse {
        // The health check CI fixtures poll, told by its bytes already: no route string cut from the path (~450
        // instructions of one).
        if health {
            return request.method == "GET" || request.method == "HEAD"
                ? healthAnswer(in: root) : admin(request, path: "/health", in: root)
        }
        // Cut as bytes: the prefixes are ASCII, and the caller checked that the path starts with the first.
        let path = String(Substring(request.path.utf8.dropFirst("/__mockruns".utf8.count))).trimmingTrailingSlash()
        if path == "/sessions" || path.hasASCIIPrefix("/sessions/") {
            return sessionsAdmin(request, path: String(Substring(path.utf8.dropFirst("/sessions".utf8.count))))
        }
        return admin(request, path: path, in: root)
    }

    /// One session's admin API (`path` after `/__mockruns` or `/__mockruns/sessions/NAME`), answered with that
    /// session's Date.
    func admin(_ request: HTTPRequest, path: String, in session: Session) -> HTTPResponse {
        let scenario = session.scenario, journal = session.journal
        var response: HTTPResponse
        switch (request.method, path) {
        case ("GET", "/health"), ("HEAD", "/health"):
            response = .json(200, Self.healthy)
        case ("GET", "/scenario"):
            response = ok(scenarioSummary(scenario))
        case ("PUT", "/scenario"), ("POST", "/scenario"):
            response = loadScenario(request, into: session)
        case ("POST", "/reset"):
            scenario.withEngine { $0.reset() }
            journal.withLock { $0.clear() }
            response = ok([("status", "reset")] + scenarioSummary(scenario))
        case ("GET", "/clock"):
            response = ok(clockSummary(scenario))
        case ("POST", "/clock/advance"):
            response = advanceClock(request, scenario)
        case ("GET", "/runs"):
            response = listRuns(request, scenario)
        case ("GET", "/journal"):
            response = journalAnswer(request, journal)
        case ("GET", "/verify"), ("POST", "/verify"):
            response = verifyAnswer(request, in: session)
        case ("POST", "/report") where session === root:
            response = reportAnswer()
        case ("DELETE", "/journal"):
            journal.withLock { $0.clear() }
            response = ok([("status", "cleared")])
        case ("GET", "") where session === root:
            response = ok([("admin", .array(Self.adminRoutes.map(JSON.string)))])
        default:
            let allowed = session === root ? Self.adminRoutes : Self.sessionAdminRoutes
            response = adminError(404, "no admin route \(request.method) \(Credentials.printable(request.path))", allowed: allowed)
        }
        date(&response, in: session)
        return response
    }

    /// `GET /health` of `session`, dated and stamped (`nosniff` last) as `admin(_:path:in:)` and `stamp` would
    /// answer it, kept for the second of the scenario clock it is dated: the answer handed out shares its storage
    /// with the memo, and `stamp` finds nothing to change on it (health 63,199 instructions made afresh each time,
    /// 62,575 kept, bench/speed/instructions.sh health).
    func healthAnswer(in session: Session) -> HTTPResponse {
        let now = session.scenario.withEngine { $0.now }
        let second = now.milliseconds / 1000
        if let kept = session.healthAnswers.withLock({ $0.answer(for: second) }) { return kept }
        var answer = HTTPResponse.json(200, Self.healthy)
        answer.headers.add("Date", session.httpDate(at: now))
        stamp(&answer, in: session)
        session.healthAnswers.withLock { $0 = HealthAnswerMemo(second: second, answer: answer) }
        return answer
    }

    func ok(_ members: [(String, JSON)], status: Int = 200) -> HTTPResponse {
        .json(status, JSON.object(members).bytes)
    }

    func adminError(_ status: Int, _ message: String, allowed: [String] = []) -> HTTPResponse {
        var members: [(String, JSON)] = [("error", .string(message))]
        if !allowed.isEmpty { members.append(("allowed", .array(allowed.map(JSON.string)))) }
        return .json(status, JSON.object(members).bytes)
    }

    func scenarioSummary(_ scenario: LiveScenario) -> [(String, JSON)] {
        scenario.withEngine { engine in
            [
                ("scenario", .string(engine.scenario.name)),
                ("description", .string(engine.scenario.description)),
                ("seed", .int(Int(truncatingIfNeeded: engine.scenario.seed))),
                ("clock", .string(engine.scenario.clock.mode.rawValue)),
                ("now", .string(engine.now.iso8601(fractionDigits: 3))),
            ]
        }
    }

    private func clockSummary(_ scenario: LiveScenario) -> [(String, JSON)] {
        scenario.withEngine { engine in
            [("mode", .string(engine.scenario.clock.mode.rawValue)), ("now", .string(engine.now.iso8601(fractionDigits: 3)))]
        }
    }

    private func loadScenario(_ request: HTTPRequest, into session: Session) -> HTTPResponse {
        let loaded: Scenario
        if request.queryValue("name") != nil, !request.body.isEmpty {
            // Which one was meant cannot be told (the body was dropped and the bundled one loaded without a word).
            return adminError(
                400, "give either ?name= (a bundled scenario) or a scenario file as the body, not both; a file names itself with its \"name\" key",
                allowed: catalog.bundledNames())
        }
        if let name = request.queryValue("name") {
            // By name only: the admin API reads no other file of the machine it runs on.
            do {
                loaded = try catalog.loadBundled(name)
            } catch {
                let message = error.issues.isEmpty ? error.description + "; send a scenario file as the body to load any other" : error.description
                return adminError(error.issues.isEmpty ? 404 : 400, message, allowed: catalog.bundledNames())
            }
        } else if request.body.isEmpty {
            return adminError(400, "send a scenario file as the body, or name a bundled scenario with ?name=", allowed: catalog.bundledNames())
        } else {
            do {
                loaded = try catalog.loader.load(request.body, file: "request body", unnamed: "inline")
            } catch {
                return adminError(400, error.description)
            }
        }
        install(loaded, in: session)
        // What start-up and --watch print, told to the one who sent it (a fault that can never hit, say).
        let warnings: [(String, JSON)] =
            loaded.warnings.isEmpty ? [] : [("warnings", .array(loaded.warnings.map { .string($0.description) }))]
        return ok([("status", "loaded")] + scenarioSummary(session.scenario) + warnings)
    }

    /// Replaces the served scenario and starts it from the beginning (runs, counters, clock, journal), under the
    /// engine's and the journal's locks, so requests in flight on other threads see the old scenario or the new
    /// one, never a mix. `PUT /__mockruns/scenario` and `mockruns --watch` both load scenarios through here.
    public func install(_ loaded: Scenario) {
        install(loaded, in: root)
    }

    func install(_ loaded: Scenario, in session: Session) {
        session.scenario.withEngine { $0.load(loaded) }
        session.journal.withLock { $0.clear() }
    }

    /// The verification report: 200 when every rule passes or does not apply, 409 when one fails (so `curl --fail`
    /// fails a shell test).
    private func verifyAnswer(_ request: HTTPRequest, in session: Session) -> HTTPResponse {
        var expectations = Verification.Expectations()
        if request.method == "POST", !request.body.isEmpty {
            switch request.jsonBody() {
            case .failure(let problem): return adminError(400, problem.message)
            case .success(let json):
                switch Verification.Expectations.parse(json) {
                case .failure(let error): return adminError(400, error.message, allowed: error.allowed)
                case .success(let parsed): expectations = parsed
                }
            }
        }
        // The query narrows a GET (or a POST without a body) as the body's keys would.
        if let problem = unknownParameter(
            request, allowed: request.body.isEmpty ? ["api", "run"] : [], label: "verify parameter",
            advice: "allowed: api, run (with a body, put them in it)", listed: ["api", "run"])
        {
            return problem
        }
        if let api = request.queryValue("api") { expectations.api = api }
        if let run = request.queryValue("run") { expectations.run = run }
        if let problem = narrowingProblem(expectations, in: session) { return problem }
        let report = verify(expectations, in: session)
        return .json(report.failed ? 409 : 200, report.json.bytes)
    }

    /// An `api` or `run` that picks nothing would judge nothing and pass: a typo must not turn a CI check green.
    private func narrowingProblem(_ expectations: Verification.Expectations, in session: Session) -> HTTPResponse? {
        if let api = expectations.api, let problem = unknownAPI(api) { return problem }
        guard let run = expectations.run else { return nil }
        let seen = session.journal.withLock { journal in
            journal.contains { $0.run == run && (expectations.api == nil || $0.api == expectations.api) }
        }
        if seen { return nil }
        let scope = expectations.api.map { " of api \($0)" } ?? ""
        return adminError(
            400, "no request in the journal is about run \(JSON.quotedForMessage(run))\(scope): check the run id (GET /__mockruns/runs lists them)")
    }

    private func reportAnswer() -> HTTPResponse {
        guard let path = options.reportPath else {
            return adminError(409, "no report file: start mockruns with --report FILE (.xml for JUnit, else JSON)")
        }
        do {
            let report = try writeReport(to: path)
            return ok([("written", .string(path)), ("verdict", .string(report.failed ? "fail" : "pass"))])
        } catch {
            return adminError(500, "cannot write the report to \(path): \(error)")
        }
    }

    /// A 400 for the first query parameter of `request` that is not in `allowed` (nil when there is none), as
    /// "unknown `label` NAME; `advice`" (by default the list allowed); its `allowed` lists `listed` (`allowed`).
    private func unknownParameter(
        _ request: HTTPRequest, allowed: [String], label: String, advice: String? = nil, listed: [String]? = nil
    ) -> HTTPResponse? {
        guard let (name, _) = request.query.first(where: { !allowed.contains($0.name) }) else { return nil }
        let advice = advice ?? "allowed: \(allowed.joined(separator: ", "))"
        return adminError(400, "unknown \(label) \(Credentials.printable(name)); \(advice)", allowed: listed ?? allowed)
    }

    /// A 400 for an `api` that is none of the fakes' (nil for one that is).
    private func unknownAPI(_ api: String) -> HTTPResponse? {
        let names = fakes.map(\.descriptor.name)
        if names.contains(api) { return nil }
        return adminError(400, "unknown api \(JSON.quotedForMessage(api)); allowed: \(names.joined(separator: ", "))", allowed: names)
    }

    static let journalFilters = ["api", "endpoint", "run", "status", "since", "limit"]
    /// The most entries a journal answer holds (its default too).
    static let journalPageLimit = 1000

    /// The journal, filtered on the server: `api`, `endpoint`, `run`, `status` (exact), `since` (sequence numbers
    /// above it), `limit` (the first N after `since`, else the newest N; 1,000 by default).
    private func journalAnswer(_ request: HTTPRequest, _ journal: Locked<Journal>) -> HTTPResponse {
        if let problem = unknownParameter(request, allowed: Self.journalFilters, label: "journal filter") { return problem }
        var numbers: [String: Int] = [:]
        for name in ["since", "limit", "status"] {
            guard let text = request.queryValue(name) else { continue }
            guard let value = Int(text), value >= 0 else {
                return adminError(400, "\(name) must be a whole number from 0, got \(Credentials.printable(text))")
            }
            numbers[name] = value
        }
        let since = numbers["since"], limit = numbers["limit"], status = numbers["status"]
        // The server's one thread writes the page: 5,000 entries (4.4 MB of JSON) held it 85 ms.
        if let limit, limit > Self.journalPageLimit {
            return adminError(
                400, "limit must be from 0 to \(Self.journalPageLimit) entries a page; page through the journal with since=SEQ (the last sequence number of the page before)")
        }
        let api = request.queryValue("api"), endpoint = request.queryValue("endpoint"), run = request.queryValue("run")
        let (entries, capacity) = journal.withLock { journal in
            (
                journal.entries { entry in
                    (api == nil || entry.api == api) && (endpoint == nil || entry.endpoint == endpoint)
                        && (run == nil || entry.run == run) && (status == nil || entry.status == status)
                        && (since == nil || entry.sequence > since!)
                }, journal.capacity
            )
        }
        // At most a page: a full journal is megabytes of JSON, and the server's one thread writes it.
        let count = limit ?? Self.journalPageLimit
        let selected = since == nil ? entries.suffix(count) : entries.prefix(count)
        return ok([("capacity", .int(capacity)), ("requests", .array(selected.map(\.json)))])
    }

    private func advanceClock(_ request: HTTPRequest, _ scenario: LiveScenario) -> HTTPResponse {
        let usage = "say how far to move the clock: body {\"seconds\": N} or ?seconds=N"
        if let problem = unknownParameter(request, allowed: ["seconds"], label: "clock parameter", advice: usage) { return problem }
        var seconds: Double?
        if let text = request.queryValue("seconds") {
            // Decimal only: Double("0x10") is 16, a hexadecimal float no one means here.
            let decimal = text.utf8.first.map { UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 || $0 == UInt8(ascii: ".") } ?? false
                && !text.utf8.contains { !"0123456789.eE+-".utf8.contains($0) }
            seconds = decimal ? Double(text) : nil
        } else if !request.body.isEmpty {
            switch request.jsonBody() {
            case .failure(let problem): return adminError(400, "\(problem.message); \(usage)")
            case .success(let json):
                guard case .object(let members) = json else { return adminError(400, "the body must be a JSON object; \(usage)") }
                for (key, _) in members where key != "seconds" {
                    return adminError(400, "unknown key \(JSON.quotedForMessage(key)); \(usage)", allowed: ["seconds"])
                }
                seconds = json["seconds"]?.doubleValue
            }
        }
        let most = Engine.maximumAdvanceSeconds
        guard let seconds, seconds.isFinite, seconds >= 0, seconds <= most else {
            return adminError(
                400, "say how far to move the clock: body {\"seconds\": N} or ?seconds=N, N a number from 0 to \(Int(most)) (ten years)")
        }
        scenario.withEngine { $0.advance(seconds: seconds) }
        return ok(clockSummary(scenario))
    }

    static let runsFilters = ["api", "offset", "limit"]
    /// The most runs a `GET /__mockruns/runs` page holds (its default too).
    static let runsPageLimit = 1000

    /// The runs, a page at a time: `api`, `offset` (runs to skip, in API order then creation order) and `limit`
    /// (1,000 at most, the default). `total` counts them all; `next` is the offset of the next page, or null.
    private func listRuns(_ request: HTTPRequest, _ scenario: LiveScenario) -> HTTPResponse {
        if let problem = unknownParameter(request, allowed: Self.runsFilters, label: "runs parameter") { return problem }
        var selected = fakes.map(\.descriptor.name)
        if let api = request.queryValue("api") {
            if let problem = unknownAPI(api) { return problem }
            selected = [api]
        }
        var offset = 0, limit = Self.runsPageLimit
        if let text = request.queryValue("offset") {
            guard let value = Int(text), value >= 0 else {
                return adminError(400, "offset must be a whole number from 0, got \(Credentials.printable(text))")
            }
            offset = value
        }
        if let text = request.queryValue("limit") {
            guard let value = Int(text), (1...Self.runsPageLimit).contains(value) else {
                return adminError(
                    400, "limit must be a whole number from 1 to \(Self.runsPageLimit), got \(Credentials.printable(text)); page with offset")
            }
            limit = value
        }
        let (runs, total): ([JSON], Int) = scenario.withEngine { engine in
            var page: [JSON] = [], total = 0
            for api in selected {
                // The offset counts through the APIs in turn; each API views only the runs on the page.
                let skip = max(0, offset - total)
                let (views, count) = engine.runs(api: api, from: skip, limit: limit - page.count)
                total += count
                page += views.map { run in
                    JSON.object([
                        ("api", .string(api)), ("id", .string(run.id)), ("state", .string(run.state)),
                        ("phase", .int(run.phaseIndex)), ("event", run.event.map(JSON.string) ?? .null),
                        ("reads", .int(run.reads)), ("terminal", .bool(run.isTerminal)), ("gone", .bool(run.gone)),
                        ("createdAt", .string(run.createdAt.iso8601(fractionDigits: 3))),
                    ])
                }
            }
            return (page, total)
        }
        let next = offset + runs.count < total && !runs.isEmpty ? JSON.int(offset + runs.count) : .null
        return ok([("runs", .array(runs)), ("total", .int(total)), ("next", next)])
    }
}

extension String {
    fileprivate func trimmingTrailingSlash() -> String {
        guard utf8.last == UInt8(ascii: "/") else { return self }  // most paths: nothing to cut, nothing copied
        var s = self
        while s.hasSuffix("/") { s.removeLast() }
        return s
    }
}
