import CMicroHTTPD
import MockRunsHTTP
#if canImport(Glibc)
    import Glibc
#endif

/// Everything about one request in flight. Created on the first access-handler call, retained in `con_cls`,
/// released in the completion callback. Only touched by the thread serving its connection: libmicrohttpd gives
/// each connection to one thread for its whole life (with a thread pool too: a worker accepts it and keeps it,
/// and a resumed connection comes back to that worker), so no two threads ever use a context at once. Timers
/// and `stop()` only resume the connection; they never touch the context.
final class RequestContext {
    private enum Phase {
        /// Headers and body arriving.
        case reading
        /// The reply is computed; the connection is suspended until its delay is over.
        case waiting(Reply)
        /// Answered, dropped or refused; nothing left to do.
        case done
    }

    let method: String
    let path: String
    /// The query's arguments in order (read by the host, not by libmicrohttpd: see `mr_uri_log`).
    let query: [(name: String, value: String)]
    private let connection: OpaquePointer
    private let core: ServerCore
    /// The connection's memo: its last request's strings and answer.
    private let memo: ConnectionMemo
    /// When the headers were in (the context is made then): the exchange's start, and the watch's too.
    private let started = ContinuousClock.now
    private var phase = Phase.reading

    /// (`fields:` empty: `HTTPHeaders()` went through the labelling map of an empty list, 2 releases a request.)
    private var headers = HTTPHeaders(fields: [])
    /// What the headers say (`headers.mediaType`, the multipart boundary ...), worked out once when they are in:
    /// begin, makeRequest and the request all ask (each look is a header scan, a split, a trim and a
    /// lower-casing). The memo's object itself: its fields copied out were a retain and release apiece.
    private var facts: HeaderFacts?
    private var body: [UInt8] = []
    private var bodyTooLarge = false
    /// Why the request is refused at its head (malformed, or framed in a way the host cannot read), if it is.
    private var refused: HostRefusal?

    private var status = 0
    private var drop: Reply.Drop?
    /// The responder's tag for this exchange, handed back when it ends.
    private var tag: Int?

    init(
        method: String, path: String, query: [(name: String, value: String)] = [], connection: OpaquePointer,
        core: ServerCore, memo: ConnectionMemo
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.connection = connection
        self.core = core
        self.memo = memo
    }

    // MARK: - Reading

    /// What the request head hides or bends (`mr_head_problem`, `mr_uri_log`), which libmicrohttpd passes on.
    enum HeadProblem {
        case none
        /// A raw NUL cut the method, the target, a name or a value short: what the client sent is not what
        /// libmicrohttpd hands on ("X-Token: good\0junk" read as "good").
        case hiddenBytes
        /// A header line starting with a blank (obs-fold), which continues the one before.
        case foldedLine
        /// More NULs after a line than its end accounts for: a raw NUL before a bare LF, or CRLF after a request
        /// line that ended with a bare LF (each leaves the same bytes).
        case hiddenBytesOrMixedLineEnds

        init(_ code: Int32) {
            switch code {
            case 0: self = .none
            case 2: self = .foldedLine
            case 3: self = .hiddenBytesOrMixedLineEnds
            default: self = .hiddenBytes
            }
        }

        var message: String? {
            switch self {
            case .none: nil
            case .hiddenBytes: "a NUL byte in the request line or a header field"
            case .hiddenBytesOrMixedLineEnds:
                "a NUL byte in the request line or a header field, or line ends that mix bare LF and CRLF: end every line with CRLF"
            case .foldedLine: "a folded header line (a line that starts with a space or a tab continues the header before it, which HTTP/1.1 no longer allows): send each header on one line"
            }
        }
    }

    /// First call: headers are in. Refuses at once a malformed request (`head`: what its head hides) and an
    /// announced oversized body whose client waits for `100 Continue` (it has not sent the body yet).
    func begin(head: HeadProblem) -> MHD_Result {
        tellWatch { $0.headersArrived($1, at: started) }
        headers = HTTPHeaders(fields: values(of: .HEADER_KIND))
        let facts = memo.facts(of: headers)
        self.facts = facts
        if let problem = head.message ?? facts.nameProblem ?? facts.framingProblem {
            refused = .malformed(problem)
            return answer(refusal())
        }
        if let coding = facts.unreadableCoding {
            refused = .notImplemented(coding)
            return answer(refusal())
        }
        if let length = facts.contentLength, length > core.maxBodyBytes, facts.expectsContinue {
            bodyTooLarge = true
            return answer(refusal())
        }
        return .YES
    }

    /// One chunk of the body.
    func consume(_ chunk: UnsafeRawBufferPointer) {
        guard case .reading = phase, !bodyTooLarge else { return }  // refused: read and discard the rest
        if body.count + chunk.count > core.maxBodyBytes {
            bodyTooLarge = true
            body = []
            return
        }
        body.append(contentsOf: chunk)
    }

    // MARK: - Answering

    /// The request is complete (or a delayed answer was resumed): answer it.
    func finish() -> MHD_Result {
        switch phase {
        case .done:
            return .YES
        case .waiting(let reply):
            // Resumed after the delay: deliver what was computed; never ask the responder twice.
            if core.isStopping {
                phase = .done
                return .NO
            }
            // A suspended connection does not notice a hang-up, and writing into a closed socket still succeeds:
            // look before answering, so a client that timed out is reported as gone, not as served.
            let fd = mr_connection_fd(connection)
            if fd >= 0, mr_peer_closed(fd) != 0 {
                phase = .done
                return .NO
            }
            if let deferred = reply.deferred {
                // Resumed because the reply was given: only `complete` or stop() resume a deferred answer.
                guard let given = deferred.reply else {
                    phase = .done
                    return .NO
                }
                tag = given.tag
                return deliver(given)
            }
            return deliver(reply)
        case .reading:
            let reply: Reply
            tellWatch { $0.requestReceived($1) }
            if bodyTooLarge {
                reply = Reply(refusal())
            } else {
                reply = core.respond(to: makeRequest())
                tag = reply.tag
            }
            if let deferred = reply.deferred {
                phase = .waiting(reply)
                if core.suspend(connection, until: deferred) { return .YES }
                phase = .done
                return .NO
            }
            if reply.hang || reply.delay > .zero {
                phase = .waiting(reply)
                // A hanging reply is never resumed but by stop(), which closes it (its `drop` says how).
                if core.suspend(connection, for: reply.hang ? nil : reply.delay) { return .YES }
                phase = .done  // stopping: close instead of waiting
                return .NO
            }
            return deliver(reply)
        }
    }

    private func refusal() -> HTTPResponse {
        var request = HTTPRequest(method: method, path: path, query: query, headers: headers)
        request.body = []
        let why = refused ?? .bodyTooLarge(limit: core.maxBodyBytes)
        return core.refusal(why, for: request)
    }

    private func makeRequest() -> HTTPRequest {
        // Forms are read here from the kept body, in Swift, not by libmicrohttpd's post processor: it mangled the
        // field after a bad % escape, and a WES multipart submit cost ~19,000 instructions in it and its callbacks
        // (a zeroed buffer for every request, a byte-by-byte state machine, C strings for every piece) against
        // ~6,500 in FormField.multipart.
        var form: [FormField]?
        var formError: String?
        let mediaType = facts?.mediaType
        if mediaType == "multipart/form-data" {
            switch FormField.multipart(body, boundary: facts?.multipartBoundary, maxFields: HTTPRequest.maximumBodyValues) {
            case .success(let fields): form = fields
            case .failure(let error): formError = error.message
            }
        } else if mediaType == "application/x-www-form-urlencoded" {
            form = FormField.urlEncoded(body, maxFields: HTTPRequest.maximumBodyValues)
            if form == nil { formError = "the body has more than \(HTTPRequest.maximumBodyValues) form fields" }
        }
        // The headers and body moved into the request (nothing reads them here after this): shared, each was
        // retained for the request.
        var headers = HTTPHeaders(fields: [])
        swap(&headers, &self.headers)
        var body: [UInt8] = []
        swap(&body, &self.body)
        return HTTPRequest(
            method: method, path: path, query: query, headers: headers, body: body,
            form: form, formError: formError, mediaType: .some(mediaType))
    }

    private func deliver(_ reply: Reply) -> MHD_Result {
        phase = .done
        if let drop = reply.drop {
            self.drop = drop
            if drop == .reset {
                let fd = mr_connection_fd(connection)
                if fd >= 0 { _ = mr_reset_connection(fd) }
            }
            return .NO  // MHD closes the connection without answering
        }
        return answer(reply.response)
    }

    private func answer(_ response: HTTPResponse) -> MHD_Result {
        phase = .done
        let handle: OpaquePointer?
        var bodyBytes: UnsafeMutableRawPointer?
        var isStream = false
        switch response.body {
        case .bytes(let bytes):
            if let kept = memo.restampedResponse(headers: response.headers, body: bytes) {
                guard (100...999).contains(response.status) else { return .NO }
                status = response.status
                return MHD_queue_response(connection, UInt32(response.status), kept)
            }
            (handle, bodyBytes) = Self.response(copying: bytes)
        case .stream(let stream):
            isStream = true
            let state = StreamState(stream: stream, connection: connection, core: core)
            let cls = Unmanaged.passRetained(state).toOpaque()  // released by mrStreamFree
            handle = MHD_create_response_from_callback(mr_size_unknown(), 16 * 1024, mrStreamRead, cls, mrStreamFree)
            if handle == nil { Unmanaged<StreamState>.fromOpaque(cls).release() }
        }
        guard let handle else { return .NO }
        ConnectionMemo.addHeaders(response.headers, to: handle, isStream: isStream)
        // Kept for the connection's next answer when it is the same (the memo owns it then), else ours to destroy
        // once queued (MHD holds its own reference while sending).
        var kept = false
        if case .bytes(let bytes) = response.body {
            kept = memo.keep(handle, headers: response.headers, body: bytes, bodyBytes: bodyBytes)
        }
        defer { if !kept { MHD_destroy_response(handle) } }
        guard (100...999).contains(response.status) else { return .NO }
        status = response.status
        return MHD_queue_response(connection, UInt32(response.status), handle)
    }

    // MARK: - Helpers

    /// A response whose body is a copy of `bytes` in a buffer of ours, which libmicrohttpd frees with the response
    /// (`free` as its free callback), and where the buffer lies: a connection's memo may write a later body of the
    /// same length over it (`ConnectionMemo.keep`). The same one copy as `RESPMEM_MUST_COPY` makes; an empty
    /// body goes that way (nothing to write over).
    static func response(copying bytes: [UInt8]) -> (response: OpaquePointer?, body: UnsafeMutableRawPointer?) {
        guard !bytes.isEmpty, let copy = malloc(bytes.count) else {
            let handle = bytes.withUnsafeBytes { raw in
                MHD_create_response_from_buffer(raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress), .RESPMEM_MUST_COPY)
            }
            return (handle, nil)
        }
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        guard let handle = MHD_create_response_from_buffer_with_free_callback(bytes.count, copy, free) else {
            free(copy)
            return (nil, nil)
        }
        return (handle, copy)
    }

    /// The values of one kind (the headers) in the order they came.
    private func values(of kind: MHD_ValueKind) -> [(name: String, value: String)] {
        memo.values(of: kind, on: connection)
    }

    /// The exchange is over (completion callback, `now`): `completed` when libmicrohttpd wrote the whole answer.
    /// A keep-alive connection now waits for its next request.
    func close(completed: Bool, at now: ContinuousClock.Instant) {
        if let tag {
            core.finished(
                tag: tag, ExchangeEnd(duration: now - started, delivered: completed && drop == nil, dropped: drop != nil))
        }
        tellWatch { $0.requestEnded($1, at: now) }
    }

    /// Tells the connection's watch, when the connection is watched, what `note` does with its entry. Both lent,
    /// not retained: the memo this context holds keeps the entry, the server it holds keeps the watch. Read
    /// plainly (`if let watched = memo.watched { core.watch.requestEnded(watched, at: now) }`), each of the three
    /// calls a request retained and released both (6 pairs a request, health included).
    @inline(__always)
    private func tellWatch(_ note: (ConnectionWatch, ConnectionWatch.Watched) -> Void) {
        guard let watched = memo.watched.map(Unmanaged.passUnretained) else { return }
        Unmanaged.passUnretained(core.watch)._withUnsafeGuaranteedRef { watch in
            watched._withUnsafeGuaranteedRef { note(watch, $0) }
        }
    }

    func logEntry(completed: Bool, at now: ContinuousClock.Instant) -> RequestLogEntry {
        RequestLogEntry(
            method: method, path: path, status: status, duration: now - started, drop: drop,
            completed: completed && drop == nil)
    }
}

/// What `begin` works out from a request's header fields alone; a connection's memo keeps it while the fields
/// stay the same (a poll sends the same ones each time: ~500 instructions a request). A class: handed out of the
/// memo as a struct, it was copied whole (its three optionals retained) and destroyed at every request.
final class HeaderFacts {
    /// `HTTPHeaders.mediaType`.
    let mediaType: String?
    /// Why a header's name is none, if one is not (see `nameProblem(of:)`).
    let nameProblem: String?
    /// Why the body's length is ambiguous, if it is (see `framingProblem(of:)`).
    let framingProblem: String?
    /// Why the body cannot be read, if it cannot (see `unreadableCoding(of:)`).
    let unreadableCoding: String?
    /// The first `Content-Length` as a number (the first of the name, ASCII case aside, as MHD's own look-up
    /// finds it).
    let contentLength: Int?
    /// `Expect: 100-continue`, looked at only when there is a Content-Length.
    let expectsContinue: Bool
    /// The boundary of a multipart/form-data body (`FormField.multipartBoundary`), nil for any other: a client
    /// that sends the same one each time has it read once (a Content-Type look-up and its parameters: ~1,000
    /// instructions a submit).
    let multipartBoundary: [UInt8]?

    init(_ headers: HTTPHeaders) {
        mediaType = headers.mediaType
        nameProblem = Self.nameProblem(of: headers)
        framingProblem = Self.framingProblem(of: headers)
        unreadableCoding = Self.unreadableCoding(of: headers)
        contentLength = headers["Content-Length"].flatMap { Int($0.trimmingSpaces()) }
        expectsContinue = contentLength != nil && headers["Expect"]?.lowercased().contains("100-continue") == true
        multipartBoundary = mediaType == "multipart/form-data"
            ? headers["Content-Type"].flatMap(FormField.multipartBoundary(ofContentType:)) : nil
    }

    /// Where the body's length is ambiguous (two different `Content-Length`s, or one beside `Transfer-Encoding`),
    /// proxies and servers may disagree on where the request ends: refuse instead of guessing.
    static func framingProblem(of headers: HTTPHeaders) -> String? {
        // Lazily: most requests have one Content-Length or none, and nothing is gathered for them.
        let lengths = headers.fields.lazy.filter { HTTPHeaders.sameName($0.name, "Content-Length") }.map { $0.value.trimmingSpaces() }
        guard let first = lengths.first else { return nil }
        if lengths.contains(where: { $0 != first }) {
            return "conflicting Content-Length headers (\(lengths.joined(separator: ", "))); send one"
        }
        if headers["Transfer-Encoding"] != nil {
            return "both Content-Length and Transfer-Encoding; send one"
        }
        return nil
    }

    /// A header name that is not a token: libmicrohttpd 0.9.75 keeps a blank before the colon in the name
    /// (`Content-Length : 5` is a header `Content-Length ` it never reads as the length, so the body was served as
    /// a second request: what a proxy that trims the name frames otherwise), and the blank a first header line
    /// starts with. RFC 9112 §5.1 asks for a 400.
    static func nameProblem(of headers: HTTPHeaders) -> String? {
        for field in headers.fields {
            let bytes = field.name.utf8
            if let first = bytes.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                return "a header line that starts with a space or a tab (a folded line, which HTTP/1.1 no longer allows); send each header on one line"
            }
            if bytes.isEmpty || !bytes.allSatisfy(\.isTokenByte) {
                return "the header name \"\(field.name.prefix(64))\" holds a character no header name may (a space or a tab before its colon?); allowed are letters, digits and !#$%&'*+-.^_`|~"
            }
        }
        return nil
    }

    /// A `Transfer-Encoding` other than one `chunked`: libmicrohttpd 0.9.75 decodes only that (its value exactly,
    /// in any case), and takes any other as a body that ends when the connection does, so the client waited,
    /// answerless, until a timeout closed it. Refused at once (501, as RFC 9112 asks for a coding a server does
    /// not understand), saying what works.
    static func unreadableCoding(of headers: HTTPHeaders) -> String? {
        let codings = headers.fields.lazy.filter { HTTPHeaders.sameName($0.name, "Transfer-Encoding") }.map(\.value)
        guard let first = codings.first else { return nil }
        if codings.dropFirst().isEmpty, HTTPHeaders.sameName(first, "chunked") { return nil }
        // (Cut: a client's text; the answer's JSON escapes what is left.)
        let sent = codings.prefix(4).map { "\"\($0.prefix(64))\"" }.joined(separator: ", ")
        return "the transfer coding \(sent) cannot be read; send the body with Content-Length, or with Transfer-Encoding: chunked alone"
    }
}

/// A streamed body in flight: the bytes of the last `.data` step not yet taken by MHD, and the connection to
/// suspend on `.wait`. Only touched by the thread serving its connection (see `RequestContext`).
final class StreamState {
    private let stream: any ResponseStream
    private let connection: OpaquePointer
    private let core: ServerCore
    private var pending: [UInt8] = []
    private var offset = 0

    init(stream: any ResponseStream, connection: OpaquePointer, core: ServerCore) {
        self.stream = stream
        self.connection = connection
        self.core = core
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if core.isStopping { return mr_reader_end_with_error() }
        var emptySteps = 0
        while true {
            if offset < pending.count {
                let count = min(buffer.count, pending.count - offset)
                pending.withUnsafeBytes { source in
                    buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
                }
                offset += count
                if offset == pending.count {
                    pending = []
                    offset = 0
                }
                return count
            }
            switch stream.next() {
            case .data(let bytes):
                if bytes.isEmpty {
                    emptySteps += 1
                    // A stream that keeps producing nothing would spin a server thread: make it wait a little.
                    if emptySteps >= 64 { return wait(.milliseconds(1)) }
                    continue
                }
                pending = bytes
                offset = 0
            case .wait(let duration):
                return wait(max(duration, .milliseconds(1)))
            case .end:
                return mr_reader_end_of_stream()
            }
        }
    }

    /// Returning 0 is only allowed together with a suspension (otherwise MHD polls the reader in a busy loop).
    private func wait(_ duration: Duration) -> Int {
        core.suspend(connection, for: duration) ? 0 : mr_reader_end_with_error()
    }
}

