import MockRunsHTTP

/// A request to send: a method, an absolute URL, header fields in order, a body.
public struct OutboundRequest: Sendable {
    public var method: String
    public var url: OutboundURL
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: String, url: OutboundURL, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// An answer as the server sent it: header fields in order, repeated names kept; the body de-chunked.
public struct OutboundResponse: Sendable {
    public var status: Int
    public var reason: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
}

/// HTTP/1.1 over TCP or TLS (GnuTLS, the library libmicrohttpd already links), one request per connection
/// (`Connection: close`), for the commands that talk to other servers (`mockruns record`). Blocking: call it
/// from a worker thread, never from a server thread. Stateless, so one client may be shared by every thread.
public struct HTTPClient: Sendable {
    public struct Limits: Sendable {
        /// The status line and header fields together.
        public var maxHeaderBytes: Int
        /// The body after de-chunking.
        public var maxBodyBytes: Int

        public init(maxHeaderBytes: Int = 64 * 1024, maxBodyBytes: Int = 64 * 1024 * 1024) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodyBytes = maxBodyBytes
        }
    }

    public struct Configuration: Sendable {
        /// Seconds to connect (each address tried gets this long) and, for https, to handshake.
        public var connectTimeout: Double
        /// Seconds the server may stay silent while the request is sent or the answer read.
        public var readTimeout: Double
        public var limits: Limits
        /// A PEM file of the certificates to trust instead of the system's store (`--cacert`); nil: the system's.
        public var caFile: String?
        /// Seconds for the whole answer, however it trickles in (each read still waits `readTimeout` at most);
        /// nil: no bound but the read timeout. `mockruns contract` keeps a request inside its `--timeout` so.
        public var totalTimeout: Double?

        public init(
            connectTimeout: Double = 10, readTimeout: Double = 30, limits: Limits = Limits(), caFile: String? = nil,
            totalTimeout: Double? = nil
        ) {
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
            self.limits = limits
            self.caFile = caFile
            self.totalTimeout = totalTimeout
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Sends `request` and reads the whole answer. `Host`, `Content-Length` and `Connection` are written by the
    /// client (any given are replaced); every other header goes as given, in order.
    public func send(_ request: OutboundRequest) throws(OutboundError) -> OutboundResponse {
        let head = try Self.requestHead(request)
        let connection = try Connection.open(to: request.url, configuration: configuration)
        try connection.write(head + request.body)
        var reader = ResponseReader(source: ConnectionSource(connection: connection), limits: configuration.limits, host: request.url.hostHeader)
        return try Self.answer(to: request.method, from: &reader)
    }

    /// The final answer read from `reader`: interim ones (100 Continue, 103 Early Hints) are skipped; 101 would
    /// switch protocols, which no caller asks for.
    static func answer<Source>(to method: String, from reader: inout ResponseReader<Source>) throws(OutboundError) -> OutboundResponse {
        var answer = try reader.head()
        while (100...199).contains(answer.status), answer.status != 101 { answer = try reader.head() }
        let headers = HTTPHeaders(answer.headers.map { ($0.name, $0.value) })
        let body = try body(of: answer.status, headers: headers, method: method, reader: &reader)
        return OutboundResponse(status: answer.status, reason: answer.reason, headers: headers, body: body)
    }

    static func body<Source>(of status: Int, headers: HTTPHeaders, method: String, reader: inout ResponseReader<Source>)
        throws(OutboundError) -> [UInt8]
    {
        let host = reader.host
        if method == "HEAD" || status == 204 || status == 304 || (100...199).contains(status) { return [] }
        let codings = headers.fields.filter { HTTPHeaders.sameName($0.name, "Transfer-Encoding") }
            .flatMap { $0.value.split(separator: ",") }.map { $0.trimmingSpaces().lowercased() }
        if !codings.isEmpty {
            guard codings.last == "chunked" else {
                throw OutboundError(.malformedResponse, "malformed answer from \(host): Transfer-Encoding \(codings.joined(separator: ", ")) does not end in chunked")
            }
            guard codings.count == 1 else {
                throw OutboundError(.malformedResponse, "answer from \(host) uses Transfer-Encoding \(codings.joined(separator: ", ")); only chunked is supported")
            }
            return try reader.chunkedBody()
        }
        let lengths = headers.fields.filter { HTTPHeaders.sameName($0.name, "Content-Length") }
            .flatMap { $0.value.split(separator: ",") }.map { $0.trimmingSpaces() }
        if let first = lengths.first {
            guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
                first.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let length = Int(first)
            else {
                throw OutboundError(.malformedResponse, "malformed answer from \(host): Content-Length \(OutboundError.printable(lengths.joined(separator: ", "))) is not one whole number")
            }
            return try reader.body(length: length)
        }
        return try reader.bodyUntilClose()
    }

    /// The request line and headers. Refuses what would let a header or the request line be forged.
    static func requestHead(_ request: OutboundRequest) throws(OutboundError) -> [UInt8] {
        guard !request.method.isEmpty, request.method.utf8.allSatisfy(\.isTokenByte) else {
            throw OutboundError(.invalidURL, "invalid method \(OutboundError.printable(request.method)): expected a token such as GET")
        }
        var head = "\(request.method) \(request.url.target) HTTP/1.1\r\nHost: \(request.url.hostHeader)\r\n"
        for field in request.headers {
            if HTTPHeaders.sameName(field.name, "Host") || HTTPHeaders.sameName(field.name, "Content-Length")
                || HTTPHeaders.sameName(field.name, "Connection") || HTTPHeaders.sameName(field.name, "Transfer-Encoding")
            {
                continue
            }
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(\.isTokenByte),
                !field.value.utf8.contains(where: { $0 == 0 || $0 == 0x0D || $0 == 0x0A })
            else {
                throw OutboundError(.invalidURL, "invalid header \(OutboundError.printable(field.name)): names are tokens, values have no CR, LF or NUL")
            }
            head += "\(field.name): \(field.value)\r\n"
        }
        let hasBody = !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method)
        if hasBody { head += "Content-Length: \(request.body.count)\r\n" }
        head += "Connection: close\r\n\r\n"
        return Array(head.utf8)
    }
}

/// Bytes already in memory as a `ByteSource`, for tests of the parser.
struct ArraySource: ByteSource {
    var bytes: [UInt8]
    var offset = 0
    /// At most this many bytes per read, to exercise every buffer boundary.
    var step = Int.max

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(OutboundError) -> Int {
        let count = min(buffer.count, bytes.count - offset, step)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { raw in buffer.baseAddress!.copyMemory(from: raw.baseAddress! + offset, byteCount: count) }
        offset += count
        return count
    }
}

extension HTTPClient {
    /// Parses a whole answer held in memory (for tests of the parser's limits and errors).
    static func parse(_ bytes: [UInt8], method: String = "GET", limits: Limits = Limits(), step: Int = Int.max) throws(OutboundError) -> OutboundResponse {
        var reader = ResponseReader(source: ArraySource(bytes: bytes, step: step), limits: limits, host: "test")
        return try answer(to: method, from: &reader)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
