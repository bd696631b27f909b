import Foundation
import MicroHTTPDHost
import MockRunsHTTP
import MockRunsSync
import MockRunsTesting
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Records how the responder was called: at most how many calls at once, and on which threads.
private final class CallRecorder: Sendable {
    private struct State {
        var inside = 0
        var mostInside = 0
        var threads: Set<UInt> = []
    }
    private let state = Locked(State())

    func enter() {
        state.withLock {
            $0.inside += 1
            $0.mostInside = max($0.mostInside, $0.inside)
            $0.threads.insert(UInt(pthread_self()))
        }
    }

    func leave() { state.withLock { $0.inside -= 1 } }
    var mostInside: Int { state.withLock { $0.mostInside } }
    var threadCount: Int { state.withLock { $0.threads.count } }
}

/// Sends `paths` one after another on one keep-alive connection and returns each answer's body.
private func keepAliveGets(port: Int, paths: [String]) throws -> [String] {
    let fd = try TestServer.connectRaw(port: port)
    defer { close(fd) }
    var tv = timeval(tv_sec: 20, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var pending: [UInt8] = []
    var bodies: [String] = []
    var buffer = [UInt8](repeating: 0, count: 16_384)
    for path in paths {
        let request = Array("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            throw TestSocketError(description: "send: errno \(errno)")
        }
        while true {
            if let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if pending.count - end.upperBound >= length {
                    bodies.append(String(decoding: pending[end.upperBound..<(end.upperBound + length)], as: UTF8.self))
                    pending.removeSubrange(..<(end.upperBound + length))
                    break
                }
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw TestSocketError(description: "connection ended after \(bodies.count) answers") }
            pending.append(contentsOf: buffer[0..<n])
        }
    }
    return bodies
}

@Suite("A thread pool")
struct ThreadPoolTests {
    @Test func twoHundredRequestsOverSixteenConnectionsAreAnsweredRightOneResponderCallAtATime() async throws {
        let recorder = CallRecorder()
        let server = try TestServer(configuration: .init(threads: 4)) { request in
            recorder.enter()
            defer { recorder.leave() }
            usleep(200)  // long enough for calls from several threads to overlap, were they not serialized
            return Reply(.text(200, "answer to \(request.queryValue("i") ?? "?")"))
        }
        defer { server.stop() }
        let port = server.port
        let connections = 16
        let total = 200
        // Which worker accepts a connection is libmicrohttpd's (and the kernel's) choice: on a loaded machine one
        // worker can take all 16 from the backlog. A batch is tried again, a few times at most, until more than
        // one thread has served, so the serialization below is checked across threads.
        for _ in 0..<5 where recorder.threadCount < 2 {
            let answers = try await withThrowingTaskGroup(of: (sent: [String], got: [String]).self) { group in
                for connection in 0..<connections {
                    let ids = stride(from: connection, to: total, by: connections).map { "\($0)" }
                    group.addTask {
                        let got = try await onOwnThread { try keepAliveGets(port: port, paths: ids.map { "/pool?i=\($0)" }) }
                        return (ids, got)
                    }
                }
                return try await group.reduce(into: [(sent: [String], got: [String])]()) { $0.append($1) }
            }
            #expect(answers.reduce(0) { $0 + $1.got.count } == total)
            for (sent, got) in answers {
                #expect(got == sent.map { "answer to \($0)" })
            }
        }
        // The pool served the connections on more than one thread, and never called the responder twice at once.
        #expect(recorder.threadCount > 1, "all requests were served by one thread")
        #expect(recorder.mostInside == 1, "\(recorder.mostInside) responder calls overlapped")
    }

    @Test func delayedAnswersOverlapAndStopEndsSuspendedConnections() async throws {
        let tracker = Tracker()
        var configuration = tracker.configuration
        configuration.threads = 4
        let server = try TestServer(configuration: configuration, tracker.counting { request in
            request.path == "/hang" ? Reply.hung() : Reply(.text(200, "late"), delay: .milliseconds(500))
        })
        let port = server.port
        let (answers, elapsed) = try await timed {
            try await onOwnThread { try rawConcurrentGets(port: port, path: "/late", count: 100, timeout: .seconds(20)) }
        }
        #expect(answers.count == 100)
        #expect(answers.allSatisfy { $0.hasPrefix("HTTP/1.1 200") && $0.hasSuffix("late") })
        #expect(elapsed < 15, "100 requests delayed 0.5 s took \(elapsed) s")  // one after another: 50 s
        #expect(tracker.maxInFlight >= 50, "only \(tracker.maxInFlight) requests waited at the same time")

        let hanging = Task {
            await withTaskGroup(of: RawExchange?.self) { group in
                for _ in 0..<40 { group.addTask { try? await server.sendRaw("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n", timeout: 20) } }
                return await group.reduce(into: [RawExchange?]()) { $0.append($1) }
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        let stopTime = ContinuousClock().measure { server.stop() }  // aborts the process if one stays suspended
        #expect(stopTime < .seconds(4), "stop took \(stopTime)")
        let (ends, waited) = await timed { await hanging.value }
        #expect(ends.count == 40)
        #expect(ends.allSatisfy { $0.map { $0.bytes.isEmpty && $0.ending != .timedOut } ?? true }, "a hung request got an answer")
        #expect(waited < 10, "hanging clients were released after \(waited) s")
    }

    @Test(arguments: [0, 65, -1])
    func threadsOutOfRangeIsAClearError(threads: Int) throws {
        let error = #expect(throws: HostError.self) {
            try HTTPServer(configuration: .init(threads: threads), responder: ClosureResponder { _ in Reply(.text(200, "")) })
        }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.message == "invalid threads \(threads): expected 1...64")
    }
}
