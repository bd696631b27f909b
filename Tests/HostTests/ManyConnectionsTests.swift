import Foundation
import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("A thousand waiting connections")
struct ManyConnectionsTests {
    /// URLSession on Linux is itself slow to open 1,000 connections, so this drives raw sockets from one
    /// thread with poll(): it measures the server, not the client.
    @Test func thousandRequestsDelayedOneSecondAreAnsweredInAboutOneSecond() async throws {
        let tracker = Tracker()
        let server = try TestServer(configuration: tracker.configuration, tracker.counting { _ in
            Reply(.text(200, "late"), delay: .seconds(1))
        })
        defer { server.stop() }
        let clock = ContinuousClock()
        let start = clock.now
        let port = server.port
        let answers = try await onOwnThread {  // a blocking poll loop: keep it off the shared thread pools
            try rawConcurrentGets(port: port, path: "/slow", count: 1000, timeout: .seconds(10))
        }
        let elapsed = clock.now - start
        #expect(answers.count == 1000)
        #expect(answers.allSatisfy { $0.hasPrefix("HTTP/1.1 200") && $0.hasSuffix("late") })
        #expect(elapsed >= .milliseconds(950))
        // Generous for a starved 2-core test run; one after another would take 1,000 s.
        // Wall-clock bounds are generous: the whole suite (Python clients included) shares 2 cores. One after
        // another would take 1,000 s; the server-side figures below are the sharper proof.
        #expect(elapsed < .seconds(15), "1000 requests delayed 1 s took \(elapsed)")
        #expect(tracker.maxInFlight >= 500, "only \(tracker.maxInFlight) requests waited at the same time")
        let log = try await tracker.waitForLog(count: 1000)
        // In the server, each exchange lasted about its delay: none queued behind another.
        let longest = log.map(\.duration).max() ?? .zero
        #expect(longest < .seconds(3), "longest exchange in the server: \(longest)")
    }
}

/// Opens `count` connections, sends one `GET path` (Connection: close) on each, and reads every answer to EOF.
/// Returns the answers that completed before `timeout`.
func rawConcurrentGets(port: Int, path: String, count: Int, timeout: Duration) throws -> [String] {
    var fds: [Int32] = []
    defer { for fd in fds { close(fd) } }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
    for _ in 0..<count {
        let fd = try TestServer.connectRaw(port: port)
        fds.append(fd)
        let sent = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { throw TestSocketError(description: "send: errno \(errno)") }
    }
    var received = [[UInt8]](repeating: [], count: count)
    var open = Set(0..<count)
    var finished: [String] = []
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !open.isEmpty, clock.now < deadline {
        var polls = open.map { pollfd(fd: fds[$0], events: Int16(POLLIN), revents: 0) }
        let indices = Array(open)
        let ready = poll(&polls, nfds_t(polls.count), 100)
        if ready <= 0 { continue }
        for (slot, entry) in polls.enumerated() where entry.revents != 0 {
            let index = indices[slot]
            let n = buffer.withUnsafeMutableBytes { recv(entry.fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received[index].append(contentsOf: buffer[0..<n])
            } else {
                open.remove(index)
                if n == 0 { finished.append(String(decoding: received[index], as: UTF8.self)) }
            }
        }
    }
    return finished
}
