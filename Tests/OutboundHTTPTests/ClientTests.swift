import Foundation
import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import Testing

@testable import OutboundHTTP

/// The client against real servers over loopback: libmicrohttpd over HTTP and HTTPS on both address families,
/// and a raw socket server for chunked, malformed and silent answers; every failure a clear error of its kind.
@Suite struct ClientTests {
    static let quick = HTTPClient(configuration: .init(connectTimeout: 5, readTimeout: 5))

    static func get(_ url: String, client: HTTPClient = quick, method: String = "GET", headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [])
        async throws -> OutboundResponse
    {
        let parsed = try OutboundURL.parse(url).get()
        return try await onOwnThread {
            try client.send(OutboundRequest(method: method, url: parsed, headers: headers, body: body))
        }
    }

    static func failure(_ url: String, client: HTTPClient = quick) async -> OutboundError? {
        do {
            _ = try await get(url, client: client)
            return nil
        } catch let error as OutboundError {
            return error
        } catch {
            Issue.record("not an OutboundError: \(error)")
            return nil
        }
    }

    /// Echoes what the server saw: method, path, query, one header, body.
    static let echo = ClosureResponder { request in
        let query = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        var headers = HTTPHeaders([("X-Seen", "1"), ("X-Seen", "2")])
        headers.set("Content-Type", "text/plain")
        let text = "\(request.method) \(request.path)?\(query) token=\(request.headers["X-SBG-Auth-Token"] ?? "-") body=\(String(decoding: request.body, as: UTF8.self))"
        return Reply(HTTPResponse(status: request.path == "/missing" ? 404 : 200, headers: headers, body: Array(text.utf8)))
    }

    @Test func sendsAndReadsOverIPv4IPv6AndTheLocalhostName() async throws {
        let server = try HTTPServer(configuration: .init(host: "localhost"), responder: Self.echo)
        defer { server.stop() }
        for host in ["127.0.0.1", "[::1]", "localhost"] {
            let answer = try await Self.get(
                "http://\(host):\(server.port)/runs?page_size=2", method: "POST",
                headers: HTTPHeaders([("X-SBG-Auth-Token", "tok")]), body: Array("hello".utf8))
            #expect(answer.status == 200)
            #expect(String(decoding: answer.body, as: UTF8.self) == "POST /runs?page_size=2 token=tok body=hello", "\(host)")
            #expect(answer.headers.fields.filter { $0.name == "X-Seen" }.map(\.value) == ["1", "2"])
        }
        let missing = try await Self.get("http://127.0.0.1:\(server.port)/missing")
        #expect(missing.status == 404)
    }

    @Test func httpsVerifiesTheCertificateAgainstTheGivenFileOrTheSystemStore() async throws {
        let identity = try TLSIdentity.selfSigned()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-cert-\(UUID()).pem").path
        try identity.certificatePEM.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let server = try HTTPServer(configuration: .init(host: "localhost", tls: identity), responder: Self.echo)
        defer { server.stop() }
        let trusting = HTTPClient(configuration: .init(connectTimeout: 5, readTimeout: 5, caFile: file))
        for host in ["127.0.0.1", "[::1]", "localhost"] {
            let answer = try await Self.get("https://\(host):\(server.port)/secure", client: trusting)
            #expect(answer.status == 200, "\(host)")
            #expect(String(decoding: answer.body, as: UTF8.self).hasPrefix("GET /secure?"))
        }
        // The system's store does not know a throwaway certificate: GnuTLS's reason is in the message.
        let untrusted = await Self.failure("https://127.0.0.1:\(server.port)/secure")
        #expect(untrusted?.kind == .tls)
        #expect(untrusted?.message.contains("TLS with 127.0.0.1:\(server.port) failed: The certificate is NOT trusted") == true, "\(String(describing: untrusted))")
        // A CA file without a certificate in it.
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-empty-\(UUID()).pem").path
        try "not a certificate\n".write(toFile: empty, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let bad = await Self.failure(
            "https://127.0.0.1:\(server.port)/", client: HTTPClient(configuration: .init(connectTimeout: 5, readTimeout: 5, caFile: empty)))
        #expect(bad?.kind == .tls)
        #expect(bad?.message.contains("no PEM certificate in the CA file") == true, "\(String(describing: bad))")
        // TLS spoken to a plain-HTTP port is a TLS failure too, not a hang.
        let plain = try HTTPServer(configuration: .init(host: "127.0.0.1"), responder: Self.echo)
        defer { plain.stop() }
        let mismatch = await Self.failure("https://127.0.0.1:\(plain.port)/", client: trusting)
        #expect(mismatch?.kind == .tls, "\(String(describing: mismatch))")
    }

    /// This machine's name when it resolves to 127.0.0.1 (as /etc/hosts often says): a name the self-signed
    /// certificate (localhost, 127.0.0.1, ::1) does not carry.
    static let loopbackHostName: String? = {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count) == 0 else { return nil }
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard !host.isEmpty, host != "localhost" else { return nil }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(list) }
        let address = first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
        return address == inet_addr("127.0.0.1") ? host : nil
    }()

    @Test(.enabled(if: loopbackHostName != nil, "needs this machine's name to resolve to 127.0.0.1"))
    func aCertificateForAnotherNameFailsTheHostnameCheck() async throws {
        let host = try #require(Self.loopbackHostName)
        let identity = try TLSIdentity.selfSigned()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("outbound-cert-\(UUID()).pem").path
        try identity.certificatePEM.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let server = try HTTPServer(configuration: .init(host: "127.0.0.1", tls: identity), responder: Self.echo)
        defer { server.stop() }
        let trusting = HTTPClient(configuration: .init(connectTimeout: 5, readTimeout: 5, caFile: file))
        // Trusted, and the same server by its address passes; by a name the certificate lacks, it does not.
        #expect(try await Self.get("https://127.0.0.1:\(server.port)/", client: trusting).status == 200)
        let error = await Self.failure("https://\(host):\(server.port)/", client: trusting)
        #expect(error?.kind == .tls)
        #expect(error?.message.contains("The name in the certificate does not match") == true, "\(String(describing: error))")
    }

    @Test func chunkedAnswersFromARawSocketAreJoined() async throws {
        let raw = try RawServer(
            answer: Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n".utf8))
        let answer = try await Self.get(raw.url + "/chunks")
        #expect(answer.status == 200)
        #expect(String(decoding: answer.body, as: UTF8.self) == "{\"a\":1}")
        let request = String(decoding: raw.received.withLock { $0 }, as: UTF8.self)
        #expect(request.hasPrefix("GET /chunks HTTP/1.1\r\nHost: 127.0.0.1:\(raw.port)\r\n"), "\(request)")
        #expect(request.contains("Connection: close\r\n"))
    }

    @Test func aMalformedAnswerIsAnErrorNamingTheHost() async throws {
        let raw = try RawServer(answer: Array("HTTP/1.1 OK\r\n\r\n".utf8))
        let error = await Self.failure(raw.url + "/")
        #expect(error?.kind == .malformedResponse)
        #expect(error?.message.contains("malformed answer from 127.0.0.1:\(raw.port)") == true, "\(String(describing: error))")
    }

    @Test func aSilentServerIsAReadTimeout() async throws {
        // Held open far longer than the read timeout: only the timeout can end the wait.
        let raw = try RawServer(answer: [], holdOpen: 30)
        let client = HTTPClient(configuration: .init(connectTimeout: 5, readTimeout: 0.3))
        let error = await Self.failure(raw.url + "/", client: client)
        #expect(error?.kind == .timeout)
        #expect(error?.message.contains("sent nothing for 0.3 s (read timeout)") == true, "\(String(describing: error))")
    }

    @Test func aTricklingAnswerEndsAtTheTotalTimeout() async throws {
        // A byte every 50 ms: no read waits long, so only the bound on the whole answer ends it (at 0.5 s, not 5 s).
        let raw = try RawServer(answer: Array(("HTTP/1.1 200 OK\r\nContent-Length: 80\r\n\r\n" + String(repeating: "x", count: 80)).utf8), byteDelay: 0.05)
        let client = HTTPClient(configuration: .init(connectTimeout: 5, readTimeout: 1, totalTimeout: 0.5))
        let error = await Self.failure(raw.url + "/", client: client)
        #expect(error?.kind == .timeout)
        #expect(error?.message == "127.0.0.1:\(raw.port) did not send its whole answer within 0.5 s", "\(String(describing: error))")
    }

    @Test func refusedAndUnresolvableHostsAreTheirOwnErrors() async throws {
        // A port nothing listens on: one that was just closed.
        let port: Int = try {
            let server = try HTTPServer(configuration: .init(host: "127.0.0.1"), responder: Self.echo)
            defer { server.stop() }
            return server.port
        }()
        let refused = await Self.failure("http://127.0.0.1:\(port)/")
        #expect(refused?.kind == .refused)
        #expect(refused?.message == "cannot connect to 127.0.0.1:\(port) (127.0.0.1): connection refused (nothing listens there)")
        let unknown = await Self.failure("http://no-such-host.invalid/")
        #expect(unknown?.kind == .dns)
        #expect(unknown?.message.hasPrefix("cannot resolve \"no-such-host.invalid\": ") == true, "\(String(describing: unknown))")
    }
}
