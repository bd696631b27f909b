import MockRunsSync

/// What goes back to the client: any status, any headers, and a body that is either bytes or a stream.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Body

    public enum Body: Sendable {
        case bytes([UInt8])
        /// Sent chunk by chunk as the stream produces them (Server-Sent Events, slow downloads).
        case stream(any ResponseStream)
    }

    /// `consuming`: the headers and body an answer was built in are moved into it, not retained again.
    public init(status: Int, headers: consuming HTTPHeaders = HTTPHeaders(), body: consuming [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = .bytes(body)
    }

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), stream: any ResponseStream) {
        self.status = status
        self.headers = headers
        self.body = .stream(stream)
    }

    /// The fields most answers end with (their type, `X-Content-Type-Options`, `Date`, an id, Retry-After ...):
    /// room made once, instead of the array regrowing field by field on every answer.
    static let typicalHeaderCount = 6

    private static func roomy(_ headers: consuming HTTPHeaders) -> HTTPHeaders {
        var headers = headers
        if headers.fields.isEmpty { headers.reserveCapacity(typicalHeaderCount) }
        return headers
    }

    /// A `text/plain` answer.
    public static func text(_ status: Int, _ text: String, headers: consuming HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var headers = roomy(headers)
        headers.set("Content-Type", "text/plain; charset=utf-8")
        return HTTPResponse(status: status, headers: consume headers, body: Array(text.utf8))
    }

    /// An answer whose body is already-serialised JSON. (The body and headers moved through, as in `init`.)
    public static func json(
        _ status: Int, _ json: consuming [UInt8], contentType: String = "application/json",
        headers: consuming HTTPHeaders = HTTPHeaders()
    ) -> HTTPResponse {
        var headers = roomy(headers)
        headers.set("Content-Type", contentType)
        return HTTPResponse(status: status, headers: consume headers, body: json)
    }
}

/// A body produced over time. The host asks for the next step whenever the client can take more bytes and
/// waits, without holding a thread, when the stream says so.
public protocol ResponseStream: AnyObject, Sendable {
    func next() -> StreamStep
}

public enum StreamStep: Sendable, Equatable {
    case data([UInt8])
    /// Nothing to send yet: ask again after this long.
    case wait(Duration)
    case end
}

/// A response together with how to deliver it: after a delay, or not at all (a dropped connection).
public struct Reply: Sendable {
    public var response: HTTPResponse
    /// How long the host holds the answer back. The connection is suspended meanwhile; no thread waits.
    public var delay: Duration
    /// When set, the host closes the connection instead of answering.
    public var drop: Drop?
    /// The responder's own number for this exchange; the host hands it back to `HTTPResponder.finished`.
    public var tag: Int?
    /// When set, the host never answers: the connection stays suspended (no thread, no timer) until the server
    /// stops, and is then closed without an answer.
    public var hang = false
    /// When set, the answer comes later: the connection stays suspended (no thread waits) until another thread
    /// completes this, and is then answered with the reply given there (`response`, `delay` and `hang` of this
    /// one are unused).
    public var deferred: DeferredReply?

    public enum Drop: String, Sendable, CaseIterable {
        /// Close with a TCP reset (SO_LINGER 0).
        case reset
        /// Close without sending a byte: the client sees an empty reply.
        case empty
    }

    public init(_ response: HTTPResponse, delay: Duration = .zero, drop: Drop? = nil) {
        self.response = response
        self.delay = delay
        self.drop = drop
    }

    public static func dropped(_ drop: Drop, after delay: Duration = .zero) -> Reply {
        Reply(HTTPResponse(status: 0), delay: delay, drop: drop)
    }

    /// An answer another thread gives later through `deferred` (a proxy's, once its upstream answered).
    public static func later(_ deferred: DeferredReply) -> Reply {
        var reply = Reply(HTTPResponse(status: 0))
        reply.deferred = deferred
        return reply
    }

    /// No answer ever: the client waits until it times out (see `hang`).
    public static func hung() -> Reply {
        var reply = Reply(HTTPResponse(status: 0), drop: .empty)
        reply.hang = true
        return reply
    }
}

/// A reply completed from another thread, for a responder that must not hold the server's thread while it
/// waits (a proxy forwarding to a slow upstream). The host suspends the connection and resumes it when
/// `complete` is called; completing twice keeps the first reply.
public final class DeferredReply: Sendable {
    private enum State {
        case waiting(wake: (@Sendable () -> Void)?)
        case done(Reply)
    }

    private let state = Locked(State.waiting(wake: nil))

    public init() {}

    /// Gives the reply (its own `deferred` is ignored) and wakes the host. Callable from any thread.
    public func complete(_ reply: Reply) {
        var reply = reply
        reply.deferred = nil
        let wake: (@Sendable () -> Void)? = state.withLock { state in
            guard case .waiting(let wake) = state else { return nil }
            state = .done(reply)
            return wake
        }
        wake?()
    }

    /// The reply once `complete` was called.
    public var reply: Reply? {
        state.withLock { state in
            if case .done(let reply) = state { return reply }
            return nil
        }
    }

    /// Host side: `wake` runs once when the reply is given, at once (on this thread) if it already was.
    public func onComplete(_ wake: @escaping @Sendable () -> Void) {
        let done: Bool = state.withLock { state in
            guard case .waiting = state else { return true }
            state = .waiting(wake: wake)
            return false
        }
        if done { wake() }
    }
}

/// What the host serves. It is called on the host's own threads, so it must be safe to call from any of them.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest) -> Reply
    /// The answer when the host refuses a request before the responder sees it (a body over the size limit).
    func refusal(_ refusal: HostRefusal, for request: HTTPRequest) -> HTTPResponse
    /// An exchange whose reply carried a `tag` is over: how long it took and whether the client got the whole answer.
    func finished(tag: Int, _ end: ExchangeEnd)
}

/// How an exchange ended, as the host saw it.
public struct ExchangeEnd: Sendable, Equatable {
    /// From the end of the request headers to the end of the exchange (any delay included).
    public var duration: Duration
    /// The whole answer was written. False when the client hung up first, the server dropped the connection on
    /// purpose (`dropped`), or the server stopped.
    public var delivered: Bool
    public var dropped: Bool

    public init(duration: Duration, delivered: Bool, dropped: Bool) {
        self.duration = duration
        self.delivered = delivered
        self.dropped = dropped
    }
}

/// Why the host answered a request itself.
public enum HostRefusal: Sendable, Equatable {
    case bodyTooLarge(limit: Int)
    /// A request the host will not pass on: the text says what is wrong (a NUL byte hidden in the request
    /// line or a header, conflicting `Content-Length` headers ...).
    case malformed(String)
    /// A request framed in a way the host cannot read (a transfer coding other than chunked): the text says
    /// which, and what works instead.
    case notImplemented(String)

    public var status: Int {
        switch self {
        case .bodyTooLarge: 413
        case .malformed: 400
        case .notImplemented: 501
        }
    }

    public var message: String {
        switch self {
        case .bodyTooLarge(let limit): "request body is larger than the limit of \(limit) bytes"
        case .malformed(let why): "malformed request: \(why)"
        case .notImplemented(let why): "not implemented: \(why)"
        }
    }
}

extension HTTPResponder {
    public func finished(tag: Int, _ end: ExchangeEnd) {}

    public func refusal(_ refusal: HostRefusal, for request: HTTPRequest) -> HTTPResponse {
        let escaped = refusal.message.replacingQuotes()
        return .json(refusal.status, Array("{\"error\":\"\(escaped)\"}".utf8))
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var out = ""
        for ch in self { out += ch == "\"" ? "\\\"" : String(ch) }
        return out
    }
}

/// The standard reason phrases (RFC 9110 and common extensions), for answers that say what a real server says.
public enum HTTPStatus {
    public static func reason(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 423: "Locked"
        case 425: "Too Early"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 507: "Insufficient Storage"
        default:
            switch status {
            case 100..<200: "Informational"
            case 200..<300: "OK"
            case 300..<400: "Redirection"
            case 400..<500: "Client Error"
            default: "Server Error"
            }
        }
    }
}
