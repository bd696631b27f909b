import MockRuns
import MockRunsHTTP
import Scenarios

/// What a test does between its client's requests — load, reset, advance the clock, look at runs and the journal,
/// judge the client — for the whole server (`MockRunsServer`) or one of its sessions (`MockRunsServer.Session`).
public protocol MockRunsSteering: Sendable {
    /// The admin API of the server or the session, answered in-process.
    var steering: AdminChannel { get }
}

extension MockRunsSteering {
    /// Plays another scenario from its beginning (runs, counters, clock and journal start afresh).
    public func load(_ source: MockRunsServer.Source) throws(MockRunsServer.Failure) {
        switch try MockRunsServer.document(source) {
        case .string(let name):
            _ = try steering.call("POST", "/scenario", query: [("name", name)])
        case let document:
            _ = try steering.call("PUT", "/scenario", body: document)
        }
    }

    /// Starts the scenario over: no runs, counters and clock at their start, an empty journal.
    public func reset() throws(MockRunsServer.Failure) {
        _ = try steering.call("POST", "/reset")
    }

    /// Moves the scenario clock forward (a `virtual` clock, or extra time on a `wall` one).
    public func advance(seconds: Double) throws(MockRunsServer.Failure) {
        _ = try steering.call("POST", "/clock/advance", body: .object([("seconds", .double(seconds))]))
    }

    /// The runs held, every API's or one API's (`wes`, `workspace`, `foundry`, `controller`, `solvexia`), each as
    /// `GET /__mockruns/runs` shows it.
    public func runs(api: String? = nil) throws(MockRunsServer.Failure) -> [JSON] {
        // Page by page: the server answers 1,000 runs a page.
        var runs: [JSON] = []
        var offset: Int? = 0
        while let from = offset {
            let page = try steering.call("GET", "/runs", query: (api.map { [("api", $0)] } ?? []) + [("offset", String(from))])
            let got = page["runs"]?.arrayValue ?? []
            runs += got
            offset = got.isEmpty ? nil : page["next"]?.intValue
        }
        return runs
    }

    /// The journal: what the client sent and what it was answered, oldest first; each entry as
    /// `GET /__mockruns/journal` shows it. Filters as that endpoint's (`api`, `endpoint`, `run`, `status`, `since`,
    /// `limit`).
    public func journal(_ filters: [String: String] = [:]) throws(MockRunsServer.Failure) -> [JSON] {
        let query = filters.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        return try steering.call("GET", "/journal", query: query)["requests"]?.arrayValue ?? []
    }

    /// Judges the client under test by the journal: every rule, or as `expectations` asks
    /// (`{"rules": {"poll-interval": {"minMs": 500}}, "api": "wes"}`, the body of `POST /__mockruns/verify`).
    public func verify(_ expectations: JSON? = nil) throws(MockRunsServer.Failure) -> Report {
        let answer = try steering.call(expectations == nil ? "GET" : "POST", "/verify", body: expectations, passing: [200, 409])
        guard let report = Report(json: answer) else {
            throw MockRunsServer.Failure(status: nil, message: "the verification report is not in the expected shape")
        }
        return report
    }
}

/// The admin API of a server or of one session, reached in-process: a request built as a test on this machine
/// would send it, answered by the app's own admin code, so an embedded server behaves as `mockruns` does.
public struct AdminChannel: Sendable {
    let app: MockRunsApp
    let port: Int
    /// `/__mockruns` or `/__mockruns/sessions/NAME`.
    let prefix: String

    func session(_ name: String) -> AdminChannel {
        AdminChannel(app: app, port: port, prefix: "/__mockruns/sessions/" + name)
    }

    func call(
        _ method: String, _ path: String, query: [(name: String, value: String)] = [], body: JSON? = nil,
        passing: Set<Int> = [200]
    ) throws(MockRunsServer.Failure) -> JSON {
        var headers = HTTPHeaders()
        headers.add("Host", "127.0.0.1:\(port)")
        if let token = app.options.adminToken { headers.add("Authorization", "Bearer " + token) }
        if body != nil { headers.add("Content-Type", "application/json") }
        let request = HTTPRequest(method: method, path: prefix + path, query: query, headers: headers, body: body?.bytes ?? [])
        let response = app.respond(to: request).response
        guard case .bytes(let bytes) = response.body, let json = try? JSON.parse(bytes) else {
            throw MockRunsServer.Failure(status: response.status, message: "the admin API answered \(response.status) without a JSON body")
        }
        guard passing.contains(response.status) else {
            throw MockRunsServer.Failure(
                status: response.status, message: json["error"]?.stringValue ?? "the admin API answered \(response.status)")
        }
        return json
    }
}
