#if canImport(Glibc)
    import Glibc
#endif
import MicroHTTPDHost
import MockRuns
import MockRunsHTTP
import MockRunsSync
import OutboundHTTP
import Scenarios

/// `mockruns record`'s server side: every request is forwarded to the upstream on a worker (the server thread
/// only suspends the connection), the answer goes back unchanged but for hop-by-hop headers, and the exchange
/// is handed to the API's `ScenarioRecorder`. Generic: what a request means for runs is the fake's business.
final class RecordingProxy: HTTPResponder {
    let upstream: OutboundURL
    private let client: HTTPClient
    private let pool: WorkerPool
    private let recorder: Locked<ScenarioRecorder>
    /// Requests that got no answer from the upstream (refused, timed out ...), and the last reason.
    private let failures = Locked((count: 0, last: ""))
    private let fake: any APIFake
    private let onStopRequest: @Sendable () -> Void
    private let log: @Sendable (String) -> Void

    /// The admin path that stops the recorder (as SIGTERM does), for clients that cannot send signals.
    static let stopPath = "/__record/stop"

    init(
        upstream: OutboundURL, recorder: ScenarioRecorder, client: HTTPClient, pool: WorkerPool,
        log: @escaping @Sendable (String) -> Void, onStopRequest: @escaping @Sendable () -> Void
    ) {
        self.upstream = upstream
        self.fake = recorder.fake
        self.recorder = Locked(recorder)
        self.client = client
        self.pool = pool
        self.log = log
        self.onStopRequest = onStopRequest
    }

    /// Hop-by-hop fields (RFC 9110 7.6.1) and the ones the client or the host writes itself: never forwarded.
    /// `Accept-Encoding` is dropped so the upstream answers in a body the recorder can read.
    static let requestHeadersDropped = [
        "connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding",
        "upgrade", "host", "content-length", "accept-encoding", "expect",
    ]
    static let responseHeadersDropped = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "te", "trailer", "transfer-encoding",
        "upgrade", "content-length",
    ]

    func respond(to request: HTTPRequest) -> Reply {
        if request.path == Self.stopPath {
            guard request.method == "POST" else {
                return Reply(.json(405, Array("{\"error\":\"POST \(Self.stopPath) stops the recorder\"}".utf8), headers: HTTPHeaders([("Allow", "POST")])))
            }
            onStopRequest()
            return Reply(.json(200, Array("{\"stopping\":true}".utf8)))
        }
        let outbound = forwarded(request)
        let deferred = DeferredReply()
        let accepted = pool.submit { [self] in
            deferred.complete(Reply(exchange(outbound, for: request)))
        }
        guard accepted else {
            var response = error(503, "mockruns record: every forwarding worker is busy and the queue is full; retry shortly", for: request)
            response.headers.set("Retry-After", "1")
            return Reply(response)
        }
        return .later(deferred)
    }

    /// Runs on a worker: forwards, records, and returns the answer for the client.
    private func exchange(_ outbound: OutboundRequest, for request: HTTPRequest) -> HTTPResponse {
        let started = Self.monotonicSeconds()
        let answer: OutboundResponse
        do {
            answer = try client.send(outbound)
        } catch {
            failures.withLock { $0 = ($0.count + 1, error.message) }
            log("upstream failed for \(Console.escaped(request.method)) \(Console.escaped(request.path)): \(Console.escaped(error.message))")
            let status = error.kind == .timeout ? 504 : 502
            return self.error(status, "mockruns record: no answer from the upstream \(upstream.hostHeader): \(error.message)", for: request)
        }
        let milliseconds = (Self.monotonicSeconds() - started) * 1000
        recorder.withLock {
            $0.record(
                RecordedExchange(
                    request: request, status: answer.status, headers: answer.headers, body: answer.body, milliseconds: milliseconds))
        }
        var headers = HTTPHeaders()
        for field in answer.headers where !Self.responseHeadersDropped.contains(where: { HTTPHeaders.sameName($0, field.name) }) {
            headers.add(field.name, field.value)
        }
        return HTTPResponse(status: answer.status, headers: headers, body: answer.body)
    }

    /// The request as it goes upstream: the same method, path (under the upstream's own path, if it has one),
    /// query, body and end-to-end headers.
    private func forwarded(_ request: HTTPRequest) -> OutboundRequest {
        var target = upstream.target == "/" ? "" : String(upstream.target.split(separator: "?", maxSplits: 1)[0])
        if target.hasSuffix("/") { target.removeLast() }
        // The server decoded the path and query: written again, encoded, so nothing the client sent splits the line.
        target += PercentEncoding.encode(request.path, keeping: "/")
        if !request.query.isEmpty {
            target += "?" + request.query.map { PercentEncoding.encode($0.name) + "=" + PercentEncoding.encode($0.value) }
                .joined(separator: "&")
        }
        let connectionNamed = (request.headers["Connection"] ?? "").split(separator: ",").map { String($0).trimmingSpaces() }
        var headers = HTTPHeaders()
        for field in request.headers
        where !Self.requestHeadersDropped.contains(where: { HTTPHeaders.sameName($0, field.name) })
            && !connectionNamed.contains(where: { HTTPHeaders.sameName($0, field.name) })
        {
            headers.add(field.name, field.value)
        }
        return OutboundRequest(method: request.method, url: upstream.with(target: target), headers: headers, body: request.body)
    }

    /// An error of the recorder itself, in the API's own error body when the path is the API's.
    private func error(_ status: Int, _ message: String, for request: HTTPRequest) -> HTTPResponse {
        if recorder.withLock({ $0.endpoint(for: request) }) != nil {
            let settings = Dictionary(uniqueKeysWithValues: fake.descriptor.settings.map { ($0.name, $0.defaultValue) })
            return fake.response(for: APIError(status, message), to: request, settings: settings)
        }
        return .json(status, JSON.object([("error", .string(message))]).bytes)
    }

    func refusal(_ refusal: HostRefusal, for request: HTTPRequest) -> HTTPResponse {
        error(refusal.status, refusal.message, for: request)
    }

    /// The recorder as it stands (read once the server has stopped).
    var recorded: ScenarioRecorder { recorder.withLock { $0 } }
    var upstreamFailures: (count: Int, last: String) { failures.withLock { $0 } }

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
