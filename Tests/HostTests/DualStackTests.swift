import Foundation
import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Answers with the path, so a client can tell its answer came from this server.
private func pathEcho() -> ClosureResponder {
    ClosureResponder { request in Reply(.text(200, "served \(request.path)")) }
}

/// One GET over a raw socket to `address`, answered with `Connection: close`.
private func rawGet(_ address: String, port: Int, path: String) async throws -> RawExchange {
    try await onOwnThread {
        try TestServer.rawExchange(
            port: port, address: address, "GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout: 10)
    }
}

@Suite("IPv4 and IPv6")
struct DualStackTests {
    @Test func localhostServesIPv4AndIPv6OnOnePort() async throws {
        let server = try HTTPServer(configuration: .init(host: "localhost"), responder: pathEcho())
        defer { server.stop() }
        let port = server.port
        #expect(server.url == "http://127.0.0.1:\(port)")
        #expect(server.urls == ["http://127.0.0.1:\(port)", "http://[::1]:\(port)"])
        #expect(server.notes.isEmpty)
        for address in ["127.0.0.1", "::1"] {
            let answer = try await rawGet(address, port: port, path: "/raw-\(address)")
            #expect(answer.text.hasPrefix("HTTP/1.1 200"), "\(address): \(answer.text)")
            #expect(answer.text.hasSuffix("served /raw-\(address)"), "\(address): \(answer.text)")
        }
        // A real HTTP client on ::1 (as Node 17+ is when it resolves localhost): curl. URLSession on Linux
        // (swift-corelibs-foundation in Swift 6.3) refuses every IPv6-literal URL as bad (-1000), any server.
        if Curl.isAvailable {
            let got = try await Curl.get("http://[::1]:\(port)/curl", caCert: nil)
            #expect(got.status == 200 && got.body == "served /curl", "\(got.errors)")
        }
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/session")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self) == "served /session")
    }

    @Test func theIPv6LoopbackAlone() async throws {
        let server = try HTTPServer(configuration: .init(host: "::1"), responder: pathEcho())
        defer { server.stop() }
        #expect(server.host == "::1")
        #expect(server.urls == ["http://[::1]:\(server.port)"])
        let answer = try await rawGet("::1", port: server.port, path: "/six")
        #expect(answer.text.hasSuffix("served /six"))
    }

    @Test func theIPv6AnyAddressAlsoTakesIPv4() async throws {
        let server = try HTTPServer(configuration: .init(host: "::"), responder: pathEcho())
        defer { server.stop() }
        #expect(server.urls == ["http://[::]:\(server.port)"])
        for address in ["127.0.0.1", "::1"] {
            let answer = try await rawGet(address, port: server.port, path: "/any")
            #expect(answer.text.hasSuffix("served /any"), "\(address): \(answer.text)")
        }
    }

    /// Either side of `localhost` taken: the error names that address, and no socket is left open (once the
    /// other server is gone, localhost gets the port).
    @Test(arguments: [("127.0.0.1", "127.0.0.1"), ("::1", "[::1]")])
    func portInUseOnEitherSideIsAClearError(taken host: String, named: String) throws {
        // The port is picked on `host` alone; the other family's side of it may be some other socket's (an outgoing
        // connection's ephemeral port, another test's server): then the test is tried on another port.
        for attempt in 1...5 {
            let taken = try HTTPServer(configuration: .init(host: host), responder: pathEcho())
            let port = taken.port
            let error = #expect(throws: HostError.self) {
                try HTTPServer(configuration: .init(host: "localhost", port: port), responder: pathEcho())
            }
            let otherSide = host == "::1" ? "127.0.0.1" : "[::1]"
            if attempt < 5, error?.message == "cannot listen on \(otherSide):\(port): address already in use" {
                taken.stop()
                continue
            }
            #expect(error?.kind == .addressInUse)
            #expect(error?.message == "cannot listen on \(named):\(port): address already in use")
            taken.stop()
            let both = try HTTPServer(configuration: .init(host: "localhost", port: port), responder: pathEcho())
            #expect(both.urls == ["http://127.0.0.1:\(port)", "http://[::1]:\(port)"])
            both.stop()
            return
        }
    }

    @Test func stopEndsTheDelayedRequestsOfBothSockets() async throws {
        let tracker = Tracker()
        var configuration = tracker.configuration
        configuration.host = "localhost"
        let server = try HTTPServer(
            configuration: configuration,
            responder: ClosureResponder(tracker.counting { _ in Reply(.text(200, "never"), delay: .seconds(30)) }))
        let port = server.port
        let clients = Task {
            try await withThrowingTaskGroup(of: RawExchange.self) { group in
                for i in 0..<20 {
                    group.addTask { try await rawGet(i % 2 == 0 ? "127.0.0.1" : "::1", port: port, path: "/wait") }
                }
                return try await group.reduce(into: [RawExchange]()) { $0.append($1) }
            }
        }
        // Every request is held (suspended) on its socket's daemon before the stop.
        for _ in 0..<500 where tracker.maxInFlight < 20 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(tracker.maxInFlight == 20)
        let stopTime = ContinuousClock().measure { server.stop() }  // would abort the process with one left suspended
        #expect(stopTime < .seconds(3), "stop took \(stopTime)")
        let (ends, waited) = try await timed { try await clients.value }
        #expect(ends.count == 20)
        #expect(ends.allSatisfy { $0.bytes.isEmpty && $0.ending != .timedOut }, "a delayed request got an answer")
        #expect(waited < 10, "clients were released after \(waited) s")
        for address in ["127.0.0.1", "::1"] {
            #expect(throws: TestSocketError.self) { try TestServer.connectRaw(port: port, address: address) }
        }
    }
}
