import MockRunsHTTP

/// Where an answer's bytes come from: a socket, a TLS session, or (in tests) a byte array.
protocol ByteSource {
    /// Reads at most `buffer.count` bytes: how many were read, 0 at the end of the stream.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(OutboundError) -> Int
}

/// The answer's bytes read through a buffer, each byte looked at once: parsing stays linear in what the server
/// sends, whatever it sends.
struct ResponseReader<Source: ByteSource> {
    private var source: Source
    private var buffer: [UInt8] = []
    /// The first byte not yet taken.
    private var start = 0
    private var ended = false
    /// Where each read lands before it joins `buffer`.
    private var scratch = [UInt8](repeating: 0, count: 64 * 1024)
    let limits: HTTPClient.Limits
    let host: String

    init(source: Source, limits: HTTPClient.Limits, host: String) {
        self.source = source
        self.limits = limits
        self.host = host
    }

    private func malformed(_ why: String) -> OutboundError {
        OutboundError(.malformedResponse, "malformed answer from \(host): \(why)")
    }

    /// Reads more bytes into the buffer; false at the end of the stream.
    private mutating func fill() throws(OutboundError) -> Bool {
        if ended { return false }
        // Drop what was taken once it is most of the buffer (amortised: each byte is moved at most once more).
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        var source = self.source
        let read: Result<Int, OutboundError> = scratch.withUnsafeMutableBytes { raw in
            Result { () throws(OutboundError) -> Int in try source.read(into: raw) }
        }
        self.source = source
        let count = try read.get()
        buffer.append(contentsOf: scratch[0..<count])
        if count == 0 { ended = true }
        return count > 0
    }

    /// The status line and header fields, up to and including the empty line.
    mutating func head() throws(OutboundError) -> (status: Int, reason: String, headers: [(name: String, value: String)]) {
        var lines: [[UInt8]] = []
        var headBytes = 0
        while true {
            let line: [UInt8]
            do {
                line = try self.line(
                    limit: limits.maxHeaderBytes - headBytes, what: "the headers",
                    tooLong: OutboundError(.tooLarge, "the answer from \(host) has more than \(limits.maxHeaderBytes) bytes of headers"))
            } catch let error where error.kind == .malformedResponse && lines.isEmpty && ended && buffer.count == start {
                throw OutboundError(.malformedResponse, "\(host) closed the connection without answering")
            }
            headBytes += line.count + 2
            if line.isEmpty {
                if lines.isEmpty { continue }  // a stray empty line before the status line is tolerated (RFC 9112 2.2)
                break
            }
            lines.append(line)
        }
        let (status, reason) = try statusLine(lines[0])
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: 0x3A) else { throw malformed("a header line without a colon") }
            let name = line[line.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy(\.isTokenByte) else {
                throw malformed("a header name that is not a token (RFC 9110 5.1)")
            }
            var value = line[(colon + 1)...]
            while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
            while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
            if value.contains(where: { $0 == 0 || $0 == 0x0D || $0 == 0x0A }) {
                throw malformed("a NUL or bare CR in a header value")
            }
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return (status, reason, headers)
    }

    private func statusLine(_ line: [UInt8]) throws(OutboundError) -> (Int, String) {
        let text = String(decoding: line, as: UTF8.self)
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "HTTP/1.1" || parts[0] == "HTTP/1.0" else {
            throw malformed("the status line \(OutboundError.printable(String(text.prefix(80)))) is not HTTP/1.1 or HTTP/1.0")
        }
        guard parts[1].utf8.count == 3, let status = Int(parts[1]), (100...999).contains(status) else {
            throw malformed("the status code \(OutboundError.printable(String(parts[1]))) is not three digits")
        }
        return (status, parts.count == 3 ? String(parts[2]) : "")
    }

    // MARK: - Body

    /// Exactly `count` bytes.
    mutating func body(length count: Int) throws(OutboundError) -> [UInt8] {
        guard count <= limits.maxBodyBytes else { throw tooLarge() }
        while buffer.count - start < count {
            guard try fill() else {
                throw malformed("the body ended after \(buffer.count - start) of its \(count) bytes (Content-Length)")
            }
        }
        defer { start += count }
        return Array(buffer[start..<(start + count)])
    }

    /// Everything until the server closes the connection (an answer with neither length nor chunking).
    mutating func bodyUntilClose() throws(OutboundError) -> [UInt8] {
        repeat {
            if buffer.count - start > limits.maxBodyBytes { throw tooLarge() }
        } while try fill()
        defer { start = buffer.count }
        return Array(buffer[start...])
    }

    /// A chunked body (RFC 9112 7.1): sizes in hex, optional extensions ignored, trailers read and dropped.
    mutating func chunkedBody() throws(OutboundError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try line(limit: 4096, what: "a chunk size line")
            let hex = sizeLine.prefix { $0 != UInt8(ascii: ";") && $0 != 0x20 && $0 != 0x09 }
            guard !hex.isEmpty, hex.count <= 15, let size = Int(String(decoding: hex, as: UTF8.self), radix: 16), size >= 0
            else {
                throw malformed("a chunk size that is not hexadecimal: \(OutboundError.printable(String(decoding: sizeLine.prefix(40), as: UTF8.self)))")
            }
            if size == 0 { break }
            guard body.count + size <= limits.maxBodyBytes else { throw tooLarge() }
            while buffer.count - start < size {
                guard try fill() else { throw malformed("the connection closed inside a chunk") }
            }
            body.append(contentsOf: buffer[start..<(start + size)])
            start += size
            let longer = malformed("a chunk longer than its size")
            guard try line(limit: 2, what: "the end of a chunk", tooLong: longer).isEmpty else { throw longer }
        }
        var trailerBytes = 0
        while true {
            let trailer = try line(limit: limits.maxHeaderBytes, what: "a trailer")
            trailerBytes += trailer.count + 2
            if trailerBytes > limits.maxHeaderBytes {
                throw OutboundError(.tooLarge, "the answer from \(host) has more than \(limits.maxHeaderBytes) bytes of trailers")
            }
            if trailer.isEmpty { return body }
        }
    }

    /// One line (without its CRLF or LF), at most `limit` bytes.
    private mutating func line(limit: Int, what: String, tooLong: OutboundError? = nil) throws(OutboundError) -> [UInt8] {
        var scanned = start
        while true {
            if scanned == buffer.count {
                let offset = scanned - start
                guard try fill() else { throw malformed("the connection closed inside \(what)") }
                scanned = start + offset
                continue
            }
            if buffer[scanned] == 0x0A {
                var end = scanned
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = scanned + 1
                return line
            }
            scanned += 1
            if scanned - start > limit + 1 { throw tooLong ?? malformed("\(what) longer than \(limit) bytes") }
        }
    }

    private func tooLarge() -> OutboundError {
        OutboundError(.tooLarge, "the answer from \(host) has a body larger than the limit of \(limits.maxBodyBytes) bytes")
    }
}
