import MockRunsHTTP
import Scenarios

/// `/__mockruns/sessions`: making, listing and ending sessions, and each session's own admin API.
extension MockRunsApp {
    /// `path` is what follows `/__mockruns/sessions` (no trailing slash): empty, `/NAME` or `/NAME/<admin route>`.
    func sessionsAdmin(_ request: HTTPRequest, path: String) -> HTTPResponse {
        if path.isEmpty {
            switch request.method {
            case "GET": return listSessions(request)
            case "POST": return createSession(request)
            default: return adminError(404, "no admin route \(request.method) /__mockruns/sessions", allowed: Self.sessionRoutes)
            }
        }
        let after = path.dropFirst()
        let slash = after.firstIndex(of: "/") ?? after.endIndex
        let name = String(after[..<slash]), rest = String(after[slash...])
        if rest.isEmpty, request.method == "DELETE", name == SessionName.root {
            return adminError(
                400, "the default session is the server's own and cannot be deleted; POST /__mockruns/reset starts it over")
        }
        guard let session = session(named: name) else { return unknownSession(name) }
        guard rest.isEmpty else { return admin(request, path: rest, in: session) }
        switch request.method {
        case "GET", "HEAD":
            return ok(listing(session, request))
        case "DELETE":
            let removed = sessions.withLock { $0.remove(name) }
            guard removed else { return unknownSession(name) }
            return ok([("status", "deleted"), ("name", .string(name))])
        default:
            return adminError(
                404, "no admin route \(request.method) /__mockruns/sessions/\(name)", allowed: Self.sessionAdminRoutes)
        }
    }

    static let sessionBodyKeys = ["name", "scenario"]

    private func createSession(_ request: HTTPRequest) -> HTTPResponse {
        let usage = "send {\"name\": NAME, \"scenario\": a bundled scenario's name or a scenario document}, both optional, or no body"
        var name: String?
        var wanted: JSON?
        if !request.body.isEmpty {
            // Bounded by the server's body limit, like PUT /__mockruns/scenario; a scenario may hold many values.
            let json: JSON
            do {
                json = try JSON.parse(request.body)
            } catch {
                return adminError(400, "the request body is not valid JSON (\(error)); \(usage)")
            }
            guard case .object(let members) = json else {
                return adminError(400, "the request body is \(json.kindName); \(usage)")
            }
            for (key, value) in members {
                switch (key, value) {
                case ("name", .string(let text)): name = text
                case ("name", .null): name = nil
                case ("name", _): return adminError(400, "name must be a string; \(usage)")
                case ("scenario", _): wanted = value
                default:
                    return adminError(
                        400, "unknown key \(Credentials.printable(key, limit: 80)) in the request body; \(usage)",
                        allowed: Self.sessionBodyKeys)
                }
            }
        }
        if let name, let problem = SessionName.problem(with: name) { return adminError(400, problem) }
        // Read and checked before the table's lock is taken: a bundled file or a large document takes milliseconds.
        let scenario: Scenario
        switch wanted {
        case nil, .null?:
            scenario = root.scenario.withEngine { $0.scenario }
        case .string(let bundled)?:
            do {
                scenario = try catalog.loadBundled(bundled)
            } catch {
                return adminError(400, error.description, allowed: catalog.bundledNames())
            }
        case .object?:
            do {
                scenario = try catalog.loader.load(wanted!, file: "request body", unnamed: "inline")
            } catch {
                // The document sits at `scenario` in the body: its paths say so.
                var inBody = error
                inBody.issues = error.issues.map { issue in
                    var issue = issue
                    issue.path = issue.path.isEmpty ? "scenario" : issue.path.hasPrefix("[") ? "scenario" + issue.path : "scenario." + issue.path
                    return issue
                }
                return adminError(400, inBody.description.replacing("\n", with: "; "))
            }
        case let other?:
            return adminError(400, "scenario must be a bundled scenario's name or a scenario document, not \(other.kindName); \(usage)")
        }
        let now = time.seconds()
        let descriptors = fakes.map(\.descriptor)
        let time = self.time
        let created: SessionTable<Session>.Entry
        do {
            created = try sessions.withLock { table throws(SessionError) in
                try table.create(name: name, now: now) { name, id throws(SessionError) in
                    let engine = Engine(scenario: scenario, apis: descriptors, time: time, maximumRuns: Session.maximumRuns)
                    return Session(name: name, id: id, engine: engine, journalCapacity: Session.journalCapacity)
                }
            }
        } catch {
            return adminError(error.status, error.message)
        }
        let base = baseURL(request)
        return ok(
            [
                ("name", .string(created.name)), ("url", .string(base + Self.sessionPrefix + created.name)),
                ("admin", .string(base + Self.adminPrefix + "sessions/" + created.name)),
                ("scenario", .object(scenarioSummary(created.value.scenario))),
            ], status: 201)
    }

    private func listSessions(_ request: HTTPRequest) -> HTTPResponse {
        let now = time.seconds()
        let named = sessions.withLock { $0.list(now: now) }.map(\.value)
        return ok([("sessions", .array(([root] + named).map { .object(listing($0, request)) }))])
    }

    /// One session as the list shows it. The root's URLs are the server's own (no prefix), though
    /// `/__sessions/default/` and `/__mockruns/sessions/default/` reach it too.
    private func listing(_ session: Session, _ request: HTTPRequest) -> [(String, JSON)] {
        let base = baseURL(request)
        let isRoot = session === root
        let (scenario, runs) = session.scenario.withEngine { ($0.scenario.name, $0.runCount) }
        let (requests, capacity) = session.journal.withLock { ($0.recorded, $0.capacity) }
        return [
            ("name", .string(session.name)),
            ("url", .string(isRoot ? base : base + Self.sessionPrefix + session.name)),
            ("admin", .string(isRoot ? base + "/__mockruns" : base + Self.adminPrefix + "sessions/" + session.name)),
            ("scenario", .string(scenario)), ("runs", .int(runs)), ("requests", .int(requests)),
            ("journalCapacity", .int(capacity)),
        ]
    }

    /// `http://host:port` as the client reached the server (`--public-url` first), as fakes build their URLs.
    private func baseURL(_ request: HTTPRequest) -> String {
        ServerOptions.baseURL(publicURL: options.publicURL, servesHTTPS: options.servesHTTPS, headers: request.headers)
    }
}
