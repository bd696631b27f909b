#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// Just enough HTTP/1.1 to ask a mockruns on this machine something (`mockruns verify`): one request on a fresh
/// connection, `Connection: close`, the whole answer read. Plain http only: the server it talks to is local.
enum LoopbackHTTP {
    struct Answer {
        var status: Int
        var body: [UInt8]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func post(url: String, path: String, body: [UInt8], bearer: String?) throws -> Answer {
        guard url.hasPrefix("http://") else { throw Failure(description: "--url must start with http://, got \(url)") }
        var rest = Substring(url.dropFirst("http://".count))
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        let parts = rest.split(separator: ":", maxSplits: 1)
        let host = parts.first.map(String.init) ?? ""
        guard parts.count == 2, let port = UInt16(parts[1]) else {
            throw Failure(description: "--url must name host and port, e.g. http://127.0.0.1:8080; got \(url)")
        }
        let address = host == "localhost" ? "127.0.0.1" : host
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &addr.sin_addr) == 1 else {
            throw Failure(description: "--url host must be an IPv4 address or localhost, got \(host)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot open a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            throw Failure(description: "cannot connect to \(url): \(String(cString: strerror(errno)))")
        }
        var head = "POST \(path) HTTP/1.1\r\nHost: \(rest)\r\nConnection: close\r\nContent-Length: \(body.count)\r\n"
        if !body.isEmpty { head += "Content-Type: application/json\r\n" }
        if let bearer { head += "Authorization: Bearer \(bearer)\r\n" }
        let request = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send($0.baseAddress, $0.count) }
            guard n > 0 else { throw Failure(description: "cannot send to \(url): \(String(cString: strerror(errno)))") }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received.append(contentsOf: buffer[0..<n]); continue }
            if n < 0, errno == EINTR { continue }
            break
        }
        func send(_ base: UnsafeRawPointer?, _ count: Int) -> Int { Glibc.send(fd, base, count, Int32(MSG_NOSIGNAL)) }
        guard let split = received.firstRange(of: [13, 10, 13, 10]) else {
            throw Failure(description: "no HTTP answer from \(url)")
        }
        let statusLine = String(decoding: received[..<split.lowerBound], as: UTF8.self).split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw Failure(description: "not an HTTP answer from \(url)")
        }
        return Answer(status: status, body: Array(received[split.upperBound...]))
    }
}
