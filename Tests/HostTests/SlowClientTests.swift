import Foundation
import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Slow and incomplete senders are bounded by the request timeout, not the (long) idle timeout, and never lock
/// a normal client out.
@Suite("Slow clients")
struct SlowClientTests {
    static func configuration(requestTimeout: Double, limit: Int = 4096, reserve: Int = 64) -> HTTPServer.Configuration {
        HTTPServer.Configuration(
            connectionLimit: limit, idleTimeoutSeconds: 120, requestTimeoutSeconds: requestTimeout, connectionReserve: reserve)
    }

    /// Sends `bytes` on a fresh connection, then waits for the server to end it; the seconds it took, or nil
    /// when it was still open after `within`.
    static func secondsUntilClosed(port: Int, sending bytes: String, within: Double) throws -> Double? {
        let fd = try TestServer.connectRaw(port: port)
        defer { close(fd) }
        let data = Array(bytes.utf8)
        _ = data.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        let clock = ContinuousClock()
        let start = clock.now
        var buffer = [UInt8](repeating: 0, count: 4096)
        while clock.now - start < .milliseconds(Int64(within * 1000)) {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 50) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return (clock.now - start).seconds }
        }
        return nil
    }

    @Test func aConnectionThatNeverFinishesItsHeadersIsClosedAfterTheRequestTimeout() async throws {
        let server = try TestServer(configuration: Self.configuration(requestTimeout: 0.5)) { _ in Reply(.text(200, "ok")) }
        let port = server.port
        let closed = try await onOwnThread {
            try Self.secondsUntilClosed(port: port, sending: "GET /slow HTTP/1.1\r\nHost: x\r\nX-A", within: 5)
        }
        #expect(closed != nil, "a half-sent header was still held after 5 s")
        if let closed { #expect(closed >= 0.4 && closed < 3, "closed after \(closed) s") }
        #expect(server.server.endedSlowConnections >= 1)
    }

    @Test func aShortBodyIsNotWaitedForUntilTheIdleTimeout() async throws {
        let server = try TestServer(configuration: Self.configuration(requestTimeout: 0.5)) { _ in Reply(.text(200, "ok")) }
        let port = server.port
        let closed = try await onOwnThread {
            try Self.secondsUntilClosed(
                port: port, sending: "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-this", within: 5)
        }
        #expect(closed != nil, "a request with a short body was still held after 5 s")
        let chunked = try await onOwnThread {
            try Self.secondsUntilClosed(
                port: port, sending: "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", within: 5)
        }
        #expect(chunked != nil, "an unterminated chunked body was still held after 5 s")
    }

    @Test func keepAliveBetweenRequestsAndDelayedAnswersOutliveTheRequestTimeout() async throws {
        let server = try TestServer(configuration: Self.configuration(requestTimeout: 0.3)) { request in
            Reply(.text(200, "ok"), delay: request.path == "/late" ? .seconds(1) : .zero)
        }
        // A delayed answer (1 s) is longer than the request timeout: it is the server's time, not the client's.
        let late = try await server.send("GET", "/late")
        #expect(late.status == 200)
        // One keep-alive connection, idle for longer than the request timeout between two requests.
        let port = server.port
        let answers = try await onOwnThread { () -> [String] in
            let fd = try TestServer.connectRaw(port: port)
            defer { close(fd) }
            var tv = timeval(tv_sec: 3, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var out: [String] = []
            for pause in [0.0, 1.0] {
                if pause > 0 { usleep(UInt32(pause * 1_000_000)) }
                let request = Array("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
                _ = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                out.append(n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : "closed")
            }
            return out
        }
        #expect(answers.count == 2)
        #expect(answers.allSatisfy { $0.hasPrefix("HTTP/1.1 200") && $0.hasSuffix("ok") }, "\(answers)")
    }

    @Test func aCrowdOfSlowConnectionsLeavesRoomForANormalClient() async throws {
        let limit = 48
        let server = try TestServer(configuration: Self.configuration(requestTimeout: 60, limit: limit, reserve: 4)) { _ in
            Reply(.text(200, "ok"))
        }
        let port = server.port
        // More slow connections than the limit, each with a started, never finished request.
        let slow = try await onOwnThread { () -> [Int32] in
            var fds: [Int32] = []
            for _ in 0..<(limit + 16) {
                guard let fd = try? TestServer.connectRaw(port: port) else { break }
                let partial = Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8)
                _ = partial.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                fds.append(fd)
            }
            return fds
        }
        defer { for fd in slow { close(fd) } }
        try await Task.sleep(for: .milliseconds(200))
        let normal = try await server.sendRaw("GET /normal HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout: 5)
        #expect(normal.text.hasPrefix("HTTP/1.1 200"), "\(normal.text.prefix(60)) (\(normal.ending))")
        #expect(server.server.endedSlowConnections >= 16)
    }
}

/// The few answers libmicrohttpd gives itself, before any handler runs (documented in the README): pinned, so the
/// README stays true if the library changes.
@Suite struct LibraryOwnAnswersTests {
    @Test func oversizedAndMalformedRequestsGetTheLibrarysPages() async throws {
        let server = try TestServer { _ in Reply(.text(200, "handler")) }
        let longTarget = try await server.sendRaw("GET /" + String(repeating: "a", count: 40_000) + " HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(longTarget.text.hasPrefix("HTTP/1.1 414"))
        let longHeader = try await server.sendRaw("GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "a", count: 40_000) + "\r\n\r\n")
        #expect(longHeader.text.hasPrefix("HTTP/1.1 431"))
        let version = try await server.sendRaw("GET / HTTP/3.0\r\nHost: x\r\n\r\n")
        #expect(version.text.hasPrefix("HTTP/1.1 505"))
        let negative = try await server.sendRaw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
        #expect(negative.text.hasPrefix("HTTP/1.1 400"))
        #expect(negative.text.components(separatedBy: "HTTP/1.1 400").count == 3, "the doubled 400 of libmicrohttpd 0.9.75")
        for answer in [longTarget, longHeader, version, negative] { #expect(!answer.text.contains("handler")) }
        // More fields than the connection's memory has records for (56 bytes each): the library's 431, or, just
        // past what fits, the connection closed without an answer (the README says both); the server goes on.
        for count in [230, 240, 400] {
            let fields = (0..<count).map { "X-\($0): v\r\n" }.joined()
            let crowded = try await server.sendRaw("GET / HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n")
            #expect(
                crowded.text.hasPrefix("HTTP/1.1 431") || (crowded.text.isEmpty && crowded.ending != .timedOut),
                "\(count) fields: \(crowded.text.prefix(200)) \(crowded.ending)")
            #expect(!crowded.text.contains("handler"))
        }
        let after = try await server.sendRaw("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(after.text.hasSuffix("handler"))
    }

    /// `Configuration.headerMemoryBytes` (16 KiB unless set) bounds a request's line and headers: 12 KiB of either
    /// still reaches the handler, 20 KiB is the library's 414 or 431; given 32 KiB, 24 KiB arrive; given 8 KiB, 6.
    @Test(arguments: [(nil, 12 * 1024, 20 * 1024), (32 * 1024, 24 * 1024, 40 * 1024), (8 * 1024, 6 * 1024, 10 * 1024)]
        as [(Int?, Int, Int)])
    func theConnectionMemoryBoundsTheRequestLineAndHeaders(memory: Int?, fits: Int, tooBig: Int) async throws {
        #expect(HTTPServer.defaultHeaderMemoryBytes == 16 * 1024)
        var configuration = HTTPServer.Configuration()
        if let memory { configuration.headerMemoryBytes = memory }
        let server = try TestServer(configuration: configuration) { request in
            Reply(.text(200, "handler \(request.path.utf8.count) \(request.headers["X"]?.utf8.count ?? 0)"))
        }
        let a = { (count: Int) in String(repeating: "a", count: count) }
        let bigHeader = try await server.sendRaw("GET / HTTP/1.1\r\nHost: x\r\nX: " + a(fits) + "\r\nConnection: close\r\n\r\n")
        #expect(bigHeader.text.hasPrefix("HTTP/1.1 200"))
        #expect(bigHeader.text.hasSuffix("handler 1 \(fits)"))
        let bigTarget = try await server.sendRaw("GET /" + a(fits) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(bigTarget.text.hasSuffix("handler \(fits + 1) 0"))
        let tooBigHeader = try await server.sendRaw("GET / HTTP/1.1\r\nHost: x\r\nX: " + a(tooBig) + "\r\n\r\n")
        #expect(tooBigHeader.text.hasPrefix("HTTP/1.1 431"))
        let tooBigTarget = try await server.sendRaw("GET /" + a(tooBig) + " HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(tooBigTarget.text.hasPrefix("HTTP/1.1 414"))
    }

    /// A connection memory outside `headerMemoryRange` is refused before anything listens, saying what is allowed.
    @Test(arguments: [0, 4095, 1_048_577, -1])
    func aConnectionMemoryOutOfRangeIsRefused(memory: Int) {
        var configuration = HTTPServer.Configuration()
        configuration.headerMemoryBytes = memory
        #expect {
            _ = try TestServer(configuration: configuration) { _ in Reply(.text(200, "never")) }
        } throws: { error in
            "\(error)".contains("invalid headerMemoryBytes \(memory): expected 4096...1048576")
        }
    }
}
