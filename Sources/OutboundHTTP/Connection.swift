import CGnuTLS
#if canImport(Glibc)
    import Glibc
#endif

/// One TCP connection to a server, plain or through a verified GnuTLS session. Used by one request at a time
/// (the client that made it); closed once.
final class Connection {
    private let fd: Int32
    private var tls: mr_tls_client?
    let host: String
    private let readTimeout: Double
    /// When the whole exchange must be over (`totalTimeout`), on the monotonic clock.
    private let deadline: Double?
    private let totalTimeout: Double?

    private init(fd: Int32, host: String, readTimeout: Double, totalTimeout: Double?, started: Double) {
        self.fd = fd
        self.host = host
        self.readTimeout = readTimeout
        self.totalTimeout = totalTimeout
        deadline = totalTimeout.map { started + $0 }
    }

    deinit {
        if tls != nil { mr_tls_client_close(&tls!) }
        close(fd)
    }

    /// Resolves `url.host` (getaddrinfo: IPv4 and IPv6, in the resolver's order), connects to the first address
    /// that answers within `connectTimeout`, and for https handshakes and verifies the server's certificate.
    static func open(to url: OutboundURL, configuration: HTTPClient.Configuration) throws(OutboundError) -> Connection {
        let started = now()
        let fd = try connectTCP(url, timeout: min(configuration.connectTimeout, configuration.totalTimeout ?? .infinity))
        setTimeouts(fd, seconds: min(configuration.readTimeout, configuration.totalTimeout ?? .infinity))
        let connection = Connection(
            fd: fd, host: url.hostHeader, readTimeout: configuration.readTimeout, totalTimeout: configuration.totalTimeout, started: started)
        if url.isHTTPS { try connection.startTLS(url, configuration: configuration) }
        return connection
    }

    private static func connectTCP(_ url: OutboundURL, timeout: Double) throws(OutboundError) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(url.host, String(url.port), &hints, &list)
        if code != 0 {
            // AI_ADDRCONFIG hides ::1 on a machine whose only IPv6 address is loopback: ask again without it.
            hints.ai_flags = 0
            if getaddrinfo(url.host, String(url.port), &hints, &list) != 0 || list == nil {
                throw OutboundError(.dns, "cannot resolve \(OutboundError.printable(url.host)): \(String(cString: gai_strerror(code)))")
            }
        }
        defer { freeaddrinfo(list) }
        var lastError: OutboundError?
        var entry = list
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            let result = connectWithTimeout(fd, info.pointee.ai_addr, info.pointee.ai_addrlen, timeout: timeout)
            if result == 0 {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return fd
            }
            close(fd)
            let place = "\(url.hostHeader) (\(numericAddress(info.pointee.ai_addr, info.pointee.ai_addrlen)))"
            switch result {
            case ETIMEDOUT:
                lastError = OutboundError(.timeout, "cannot connect to \(place): no answer within \(seconds(timeout))")
            case ECONNREFUSED:
                lastError = OutboundError(.refused, "cannot connect to \(place): connection refused (nothing listens there)")
            default:
                lastError = OutboundError(.connect, "cannot connect to \(place): \(String(cString: strerror(result)).lowercased())")
            }
        }
        throw lastError ?? OutboundError(.dns, "\(OutboundError.printable(url.host)) resolved to no usable address")
    }

    /// 0, or the errno of the failed connect (ETIMEDOUT after `timeout`).
    private static func connectWithTimeout(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t, timeout: Double) -> Int32 {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        if connect(fd, address, length) == 0 { return 0 }
        guard errno == EINPROGRESS else { return errno }
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let deadline = now() + timeout
        while true {
            let left = deadline - now()
            if left <= 0 { return ETIMEDOUT }
            let ready = poll(&poller, 1, Int32(min(left * 1000, 86_400_000).rounded(.up)))
            if ready < 0, errno == EINTR { continue }
            if ready <= 0 { return ready == 0 ? ETIMEDOUT : errno }
            break
        }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
        return error
    }

    private static func setTimeouts(_ fd: Int32, seconds: Double) {
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    private static func numericAddress(_ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> String {
        var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(address, length, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    // MARK: - TLS

    private func startTLS(_ url: OutboundURL, configuration: HTTPClient.Configuration) throws(OutboundError) {
        var client = mr_tls_client()
        var reason = [CChar](repeating: 0, count: 512)
        // SNI carries host names only (RFC 6066 3); the certificate check takes an IP address too.
        let isAddress = url.host.contains(":") || url.host.allSatisfy { $0.isNumber || $0 == "." }
        let timeoutMS = UInt32(min(configuration.connectTimeout + configuration.readTimeout, 3600) * 1000)
        let code: Int32 = url.host.withCString { name in
            let sni = isAddress ? nil : name
            if let caFile = configuration.caFile {
                return caFile.withCString { mr_tls_client_open(&client, fd, sni, name, $0, timeoutMS, &reason, reason.count) }
            }
            return mr_tls_client_open(&client, fd, sni, name, nil, timeoutMS, &reason, reason.count)
        }
        guard code == 0 else {
            let why = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if code == mr_tls_error_again() {
                throw OutboundError(.timeout, "TLS handshake with \(url.hostHeader) timed out")
            }
            throw OutboundError(.tls, "TLS with \(url.hostHeader) failed: \(why)")
        }
        tls = client
    }

    // MARK: - Bytes

    func write(_ bytes: [UInt8]) throws(OutboundError) {
        var offset = 0
        while offset < bytes.count {
            let written: Int = bytes.withUnsafeBytes { raw in
                let base = raw.baseAddress! + offset
                if tls != nil { return mr_tls_client_send(&tls!, base, raw.count - offset) }
                return send(fd, base, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                offset += written
                continue
            }
            if tls == nil, written < 0, errno == EINTR { continue }
            throw failure(code: written, sending: true)
        }
    }

    /// Throws once the whole exchange has taken longer than `totalTimeout`; else narrows the socket's read
    /// timeout to the time left, so a plain read cannot wait past the deadline.
    private func checkDeadline() throws(OutboundError) {
        guard let deadline, let totalTimeout else { return }
        let left = deadline - Self.now()
        guard left > 0 else {
            throw OutboundError(.timeout, "\(host) did not send its whole answer within \(Self.seconds((totalTimeout * 10).rounded() / 10))")
        }
        if left < readTimeout, tls == nil { Self.setTimeouts(fd, seconds: left + 0.005) }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(OutboundError) -> Int {
        try checkDeadline()
        while true {
            let count: Int
            if tls != nil {
                count = mr_tls_client_recv(&tls!, buffer.baseAddress, buffer.count)
            } else {
                count = recv(fd, buffer.baseAddress, buffer.count, 0)
                if count < 0, errno == EINTR { continue }
            }
            if count >= 0 { return count }
            try checkDeadline()
            throw failure(code: count, sending: false)
        }
    }

    private func failure(code: Int, sending: Bool) -> OutboundError {
        let timedOut = tls != nil ? code == Int(mr_tls_error_again()) : (errno == EAGAIN || errno == EWOULDBLOCK)
        if timedOut {
            return OutboundError(
                .timeout, "\(host) sent nothing for \(Self.seconds(readTimeout)) (read timeout) while the client was \(sending ? "sending" : "waiting for the answer")")
        }
        let why = tls != nil ? String(cString: mr_tls_strerror(Int32(code))) : String(cString: strerror(errno)).lowercased()
        return OutboundError(.io, "the connection to \(host) failed while \(sending ? "sending the request" : "reading the answer"): \(why)")
    }
}

/// A connection read through `ResponseReader`.
struct ConnectionSource: ByteSource {
    let connection: Connection
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(OutboundError) -> Int {
        try connection.read(into: buffer)
    }
}
