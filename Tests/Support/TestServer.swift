import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MicroHTTPDHost
import MockRunsHTTP
import MockRunsSync
#if canImport(Glibc)
import Glibc
#endif

/// A real server on 127.0.0.1 and an ephemeral port, serving `responder`, plus a URLSession to talk to it.
///
///     let server = try TestServer(responder: r)
///     let response = try await server.send("POST", "/runs?x=1", headers: ["Content-Type": "application/json"], body: "{}")
///     #expect(response.status == 201)
///     server.stop()   // also done on deinit
///
/// Redirects are not followed (a 3xx comes back as is), nothing is cached, no cookies are kept.
public final class TestServer: Sendable {
    public let server: HTTPServer
    /// `http://127.0.0.1:PORT`, no trailing slash.
    public let url: String
    public var port: Int { server.port }
    private let session: URLSession
    private let tasks: TaskRegistry
    private let owner: (any AnyObject & Sendable)?

    /// Starts serving at once. `configuration`'s host and port are ignored (always 127.0.0.1, port 0).
    public convenience init(responder: any HTTPResponder, configuration: HTTPServer.Configuration = HTTPServer.Configuration())
        throws
    {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        self.init(serving: try HTTPServer(configuration: configuration, responder: responder))
    }

    /// A client for a server started elsewhere (an embedded `MockRunsServer`, kept alive here as `owner`: it stops
    /// its server when released); stopping this stops that server.
    public init(serving server: HTTPServer, owner: (any AnyObject & Sendable)? = nil) {
        self.server = server
        self.owner = owner
        url = server.url
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.httpMaximumConnectionsPerHost = 2048
        sessionConfiguration.timeoutIntervalForRequest = 60
        sessionConfiguration.timeoutIntervalForResource = 120
        sessionConfiguration.urlCache = nil
        sessionConfiguration.requestCachePolicy = .reloadIgnoringLocalCacheData
        sessionConfiguration.httpCookieStorage = nil
        sessionConfiguration.httpShouldSetCookies = false
        tasks = TaskRegistry()
        session = URLSession(configuration: sessionConfiguration, delegate: tasks, delegateQueue: nil)
    }

    /// Starts a server answering every request with `handler`.
    public convenience init(
        configuration: HTTPServer.Configuration = HTTPServer.Configuration(),
        _ handler: @escaping @Sendable (HTTPRequest) -> Reply
    ) throws {
        try self.init(responder: ClosureResponder(handler), configuration: configuration)
    }

    deinit {
        server.stop()
        session.invalidateAndCancel()
    }

    /// Stops the server (idempotent).
    public func stop() { server.stop() }

    /// The absolute URL of `path` (which may carry a query string).
    public func url(_ path: String) -> URL {
        URL(string: url + (path.hasPrefix("/") ? path : "/" + path))!
    }

    /// Sends one request and returns the whole answer. Throws the URLSession error when there is no HTTP answer
    /// (connection reset, closed without a reply, timeout).
    public func send(
        _ method: String = "GET",
        _ path: String,
        headers: KeyValuePairs<String, String> = [:],
        body: [UInt8]? = nil,
        timeout: TimeInterval = 60
    ) async throws -> TestResponse {
        var request = URLRequest(url: url(path), cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = method
        for (name, value) in headers { request.addValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = Data(body) }
        return try await tasks.run(request, in: session)
    }

    /// `send` with a UTF-8 text body.
    public func send(
        _ method: String, _ path: String, headers: KeyValuePairs<String, String> = [:], body: String,
        timeout: TimeInterval = 60
    ) async throws -> TestResponse {
        try await send(method, path, headers: headers, body: Array(body.utf8), timeout: timeout)
    }
}

/// What came back for one request.
public struct TestResponse: Sendable {
    public let status: Int
    /// Case-insensitive lookup: `response.headers["content-type"]`.
    public let headers: HTTPHeaders
    public let body: [UInt8]

    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
    /// The body parsed as JSON (fragments allowed), or nil when it is not JSON.
    public var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
    /// The body as a JSON object, or nil.
    public var jsonObject: [String: Any]? { json as? [String: Any] }
}

/// An `HTTPResponder` made of a closure (the default `refusal` answer is kept).
public struct ClosureResponder: HTTPResponder {
    public let handler: @Sendable (HTTPRequest) -> Reply
    public init(_ handler: @escaping @Sendable (HTTPRequest) -> Reply) { self.handler = handler }
    public func respond(to request: HTTPRequest) -> Reply { handler(request) }
}

/// Runs blocking `work` on a new thread (not Swift concurrency's cooperative pool, not Dispatch's global pool,
/// which URLSession on Linux keeps busy) and returns its result.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.start()
    }
}

/// Error of a raw exchange.
public struct TestSocketError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// How a raw exchange ended.
public struct RawExchange: Sendable {
    public enum Ending: Sendable, Equatable {
        /// The server closed the connection normally (FIN).
        case closed
        /// The server reset the connection (ECONNRESET).
        case reset
        /// Nothing more arrived within the timeout (the connection stayed open).
        case timedOut
    }
    /// Every byte received.
    public let bytes: [UInt8]
    public let ending: Ending
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    /// The answers to pipelined requests, in order: `text` cut before each `HTTP/1.1 ` (so no body may hold it).
    public var answers: [String] {
        text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { "HTTP/1.1 " + $0 }
    }
}

extension TestServer {
    /// Writes `request` verbatim on a fresh TCP connection and reads until the server closes, resets, or sends
    /// nothing for `timeout` seconds: for checks URLSession cannot make (a reset vs. a clean close, chunk timing).
    /// Blocking: from async tests prefer `sendRaw`, which does the same on a Dispatch thread instead of holding
    /// one of Swift concurrency's few cooperative threads (2 on a 2-core machine) while it waits.
    public func rawExchange(_ request: String, timeout: Double = 5) throws -> RawExchange {
        try TestServer.rawExchange(port: port, request, timeout: timeout)
    }

    /// `rawExchange`, run on a thread of its own.
    public func sendRaw(_ request: String, timeout: Double = 5) async throws -> RawExchange {
        let port = self.port
        return try await onOwnThread { try TestServer.rawExchange(port: port, request, timeout: timeout) }
    }

    /// A blocking TCP socket connected to `address` (numeric IPv4 or IPv6, default 127.0.0.1) and `port`; the
    /// caller closes it.
    public static func connectRaw(port: Int, address: String = "127.0.0.1") throws -> Int32 {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, String(port), &hints, &found) == 0, let info = found?.pointee else {
            throw TestSocketError(description: "not a numeric address: \(address)")
        }
        defer { freeaddrinfo(found) }
        let fd = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
        guard fd >= 0 else { throw TestSocketError(description: "socket: errno \(errno)") }
        guard connect(fd, info.ai_addr, info.ai_addrlen) == 0 else {
            let error = TestSocketError(description: "connect to \(address) port \(port): errno \(errno)")
            close(fd)
            throw error
        }
        return fd
    }

    /// `rawExchange` with a server at `address` (numeric IPv4 or IPv6) and `port`.
    public static func rawExchange(port: Int, address: String = "127.0.0.1", _ request: String, timeout: Double) throws
        -> RawExchange
    {
        let fd = try connectRaw(port: port, address: address)
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestSocketError(description: "send: errno \(errno)") }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        for _ in 0..<100_000 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received.append(contentsOf: buffer[0..<n])
                continue
            }
            if n == 0 { return RawExchange(bytes: received, ending: .closed) }
            switch errno {
            case ECONNRESET: return RawExchange(bytes: received, ending: .reset)
            case EAGAIN, EWOULDBLOCK: return RawExchange(bytes: received, ending: .timedOut)
            case EINTR: continue
            default: throw TestSocketError(description: "recv: errno \(errno)")
            }
        }
        return RawExchange(bytes: received, ending: .timedOut)
    }
}

/// The session delegate: collects each task's answer and refuses redirects, keyed by task identifier.
private final class TaskRegistry: NSObject, URLSessionDataDelegate, Sendable {
    private struct Pending {
        var continuation: CheckedContinuation<TestResponse, any Error>
        var response: HTTPURLResponse?
        var body: [UInt8] = []
    }

    private let pending = Locked<[Int: Pending]>([:])

    func run(_ request: URLRequest, in session: URLSession) async throws -> TestResponse {
        let task = session.dataTask(with: request)
        let box = TaskBox(task)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                pending.withLock { $0[box.task.taskIdentifier] = Pending(continuation: continuation) }
                box.task.resume()
            }
        } onCancel: {
            box.task.cancel()
        }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        pending.withLock { $0[dataTask.taskIdentifier]?.response = response as? HTTPURLResponse }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        pending.withLock { $0[dataTask.taskIdentifier]?.body.append(contentsOf: data) }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        pending.withLock { $0[task.taskIdentifier]?.response = response }
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let entry = pending.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        if let error {
            entry.continuation.resume(throwing: error)
            return
        }
        guard let http = entry.response ?? (task.response as? HTTPURLResponse) else {
            entry.continuation.resume(throwing: URLError(.badServerResponse))
            return
        }
        var headers = HTTPHeaders()
        for (name, value) in http.allHeaderFields {
            headers.add(String(describing: name), String(describing: value))
        }
        entry.continuation.resume(returning: TestResponse(status: http.statusCode, headers: headers, body: entry.body))
    }
}

/// URLSessionTask is thread-safe (its methods may be called from any thread) but not marked Sendable.
private struct TaskBox: @unchecked Sendable {
    let task: URLSessionDataTask
    init(_ task: URLSessionDataTask) { self.task = task }
}
