#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import MockRuns
import MockRunsHTTP

/// Just enough HTTP/1.1 client for `mockruns verify` and `mockruns contract`: one request on a fresh connection,
/// `Connection: close`, the whole answer read (Content-Length, chunked or to the end), bounded in size and
/// time. Plain http only (names resolved with getaddrinfo, IPv4 and IPv6).
enum LoopbackHTTP {
    struct Answer {
        var status: Int
        var body: [UInt8]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// An `http://host:port/prefix` URL taken apart.
    struct Target: Sendable {
        var host: String
        var port: UInt16
        /// The path the URL names, prefixed to every request's path ("" for none).
        var prefix: String
        /// `host:port` as the Host header says it.
        var authority: String

        /// Reads `url`, or says what is wrong with it.
        static func parse(_ url: String) throws(Failure) -> Target {
            if url.lowercased().hasPrefix("https://") {
                throw Failure(description: "--url \(url): https is not supported yet (plain http only); put a TLS proxy in front, or use http://")
            }
            guard url.lowercased().hasPrefix("http://") else { throw Failure(description: "--url must start with http://, got \(url)") }
            var rest = Substring(url.dropFirst("http://".count))
            var prefix = ""
            if let slash = rest.firstIndex(of: "/") {
                prefix = String(rest[slash...])
                rest = rest[..<slash]
            }
            while prefix.hasSuffix("/") { prefix.removeLast() }
            guard !rest.contains("@"), !rest.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value > 0x7E }) else {
                throw Failure(description: "--url must be http://HOST:PORT[/PATH] (no user info, no spaces), got \(url)")
            }
            let authority = String(rest)
            var host: Substring
            var portText: Substring?
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { throw Failure(description: "--url has an unclosed [ in \(url)") }
                host = rest[rest.index(after: rest.startIndex)..<close]
                let after = rest[rest.index(after: close)...]
                if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                    throw Failure(description: "--url: expected :PORT after ], got \(url)")
                }
            } else {
                let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                host = parts[0]
                portText = parts.count == 2 ? parts[1] : nil
            }
            guard !host.isEmpty else { throw Failure(description: "--url names no host: \(url)") }
            var port: UInt16 = 80
            if let portText {
                guard let value = UInt16(portText), value > 0 else {
                    throw Failure(description: "--url port must be 1-65535, got \(url)")
                }
                port = value
            }
            return Target(host: String(host), port: port, prefix: prefix, authority: authority)
        }
    }

    /// POST `body` (JSON) to `path` of a server on this machine, as `mockruns verify` asks.
    static func post(url: String, path: String, body: [UInt8], bearer: String?) throws -> Answer {
        let target = try Target.parse(url)
        var headers: [(String, String)] = []
        if !body.isEmpty { headers.append(("Content-Type", "application/json")) }
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        switch send(ProbeRequest("POST", path, headers: headers, body: body), to: target, timeout: 30) {
        case .success(let answer): return Answer(status: answer.status, body: answer.body)
        case .failure(let error): throw Failure(description: error.message)
        }
    }

    /// The most of an answer read: a larger one is cut off and reported.
    static let maxAnswerBytes = 16 << 20

    /// Sends one request and reads its whole answer within `timeout` seconds per read and write.
    static func send(_ request: ProbeRequest, to target: Target, timeout: Double) -> Result<ProbeAnswer, ProbeTransportError> {
        let name = "\(target.host):\(target.port)"
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(target.host, String(target.port), &hints, &list)
        guard resolved == 0, let first = list else {
            return .failure(.init("cannot resolve \(target.host): \(String(cString: gai_strerror(resolved)))", unreachable: true))
        }
        defer { freeaddrinfo(list) }
        var fd: Int32 = -1
        var lastError = "no address"
        var seconds = timeval(tv_sec: max(1, Int(timeout.rounded(.up))), tv_usec: 0)
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let candidate = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard candidate >= 0 else { continue }
            // On Linux SO_SNDTIMEO bounds connect too.
            setsockopt(candidate, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(candidate, SOL_SOCKET, SO_SNDTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
            if connect(candidate, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                fd = candidate
                break
            }
            lastError = String(cString: strerror(errno))
            close(candidate)
        }
        guard fd >= 0 else { return .failure(.init("cannot connect to \(name): \(lastError)", unreachable: true)) }
        defer { close(fd) }

        var head = "\(request.method) \(target.prefix)\(request.path) HTTP/1.1\r\nHost: \(target.authority)\r\nConnection: close\r\n"
        head += "User-Agent: mockruns/\(MockRunsCommand.version)\r\nAccept: application/json, */*\r\n"
        for (field, value) in request.headers { head += "\(field): \(value)\r\n" }
        if !request.body.isEmpty || request.method == "POST" || request.method == "PUT" {
            head += "Content-Length: \(request.body.count)\r\n"
        }
        let bytes = Array((head + "\r\n").utf8) + request.body
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return .failure(.init("cannot send to \(name): \(String(cString: strerror(errno)))")) }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        // The whole answer within `timeout`, not each read: a server trickling a byte at a time cannot stretch it.
        let clock = MonotonicTime()
        let deadline = clock.seconds() + Double(seconds.tv_sec)
        while received.count <= maxAnswerBytes {
            let left = deadline - clock.seconds()
            guard left > 0 else { return .failure(.init("no whole answer from \(name) within \(Int(seconds.tv_sec)) s")) }
            var wait = timeval(tv_sec: Int(left), tv_usec: Int((left - Double(Int(left))) * 1e6) + 1)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received.append(contentsOf: buffer[0..<n]); continue }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                return .failure(.init("no whole answer from \(name) within \(Int(seconds.tv_sec)) s"))
            }
            break
        }
        if received.count > maxAnswerBytes { return .failure(.init("the answer from \(name) is larger than 16 MiB")) }
        return parse(received, from: name)
    }

    /// Status line, headers and body (de-chunked) of a whole answer.
    static func parse(_ received: [UInt8], from name: String) -> Result<ProbeAnswer, ProbeTransportError> {
        guard let split = received.firstRange(of: [13, 10, 13, 10]) else {
            return .failure(.init(received.isEmpty ? "\(name) closed the connection without an answer" : "no HTTP answer from \(name)"))
        }
        let lines = String(decoding: received[..<split.lowerBound], as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/"), let status = Int(statusLine[1]), (100...999).contains(status) else {
            return .failure(.init("not an HTTP answer from \(name)"))
        }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingSpaces()))
        }
        var body = Array(received[split.upperBound...])
        let chunked = headers.contains { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }
        if chunked {
            guard let decoded = dechunk(body) else { return .failure(.init("a broken chunked body from \(name)")) }
            body = decoded
        } else if let length = headers.first(where: { $0.0.lowercased() == "content-length" }).flatMap({ Int($0.1) }) {
            guard body.count >= length else {
                return .failure(.init("the answer from \(name) ended after \(body.count) of its \(length) body bytes"))
            }
            body = Array(body.prefix(length))
        }
        return .success(ProbeAnswer(status: status, headers: headers, body: body))
    }

    /// A chunked body's data, or nil when it is not well formed.
    static func dechunk(_ body: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var i = 0
        while true {
            guard let end = body[i...].firstRange(of: [13, 10]) else { return nil }
            let sizeText = String(decoding: body[i..<end.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(String(sizeText).trimmingSpaces(), radix: 16), size >= 0 else { return nil }
            i = end.upperBound
            if size == 0 { return out }
            guard i + size <= body.count else { return nil }
            out += body[i..<(i + size)]
            i += size + 2
            guard i <= body.count else { return nil }
        }
    }
}

