import Dispatch
import Foundation
import MicroHTTPDHost
import MockRunsHTTP
import MockRunsSync
import MockRunsTesting
import Testing

/// A reply completed from another thread (`Reply.later`): the connection waits suspended, no server thread is
/// held, and a stop while it waits closes it cleanly.
@Suite struct DeferredReplyTests {
    @Test func aDeferredAnswerArrivesWhileOtherRequestsAreServed() async throws {
        // /slow is only completed by /fast: if waiting held the one server thread, /fast would never be served.
        let waiting = Locked<DeferredReply?>(nil)
        let server = try TestServer { request in
            switch request.path {
            case "/fast":
                waiting.withLock { $0 }?.complete(Reply(.text(202, "later /slow")))
                return Reply(.text(200, "fast"))
            case "/now":
                let deferred = DeferredReply()
                deferred.complete(Reply(.text(200, "at once")))
                return .later(deferred)
            default:
                let deferred = DeferredReply()
                waiting.withLock { $0 = deferred }
                return .later(deferred)
            }
        }
        async let slow = server.send("GET", "/slow", timeout: 10)
        while waiting.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        let fast = try await server.send("GET", "/fast", timeout: 10)
        #expect(fast.text == "fast")
        let answer = try await slow
        #expect(answer.status == 202)
        #expect(answer.text == "later /slow")
        // Completed before the host even suspended the connection: answered all the same.
        let now = try await server.send("GET", "/now")
        #expect(now.text == "at once")
    }

    @Test func stoppingWhileADeferredAnswerWaitsClosesItWithoutCrashing() async throws {
        let deferred = DeferredReply()
        let server = try TestServer { _ in .later(deferred) }
        let port = server.port
        let exchange = Task {
            try await onOwnThread { try TestServer.rawExchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", timeout: 5) }
        }
        try await Task.sleep(for: .milliseconds(200))
        server.stop()
        let raw = try await exchange.value
        #expect(raw.bytes.isEmpty)
        // Completing after the stop changes nothing.
        deferred.complete(Reply(.text(200, "too late")))
    }
}
