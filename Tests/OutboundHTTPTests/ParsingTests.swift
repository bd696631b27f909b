import MockRunsHTTP
import Testing

@testable import OutboundHTTP

/// The answer parser on bytes in memory: every framing RFC 9112 allows, each read cut at every size, and the
/// malformed or oversized answers it must refuse with a clear error.
@Suite struct ParsingTests {
    static func parse(_ text: String, method: String = "GET", limits: HTTPClient.Limits = .init(), step: Int = .max)
        throws(OutboundError) -> OutboundResponse
    {
        try HTTPClient.parse(Array(text.utf8), method: method, limits: limits, step: step)
    }

    static func failure(_ text: String, limits: HTTPClient.Limits = .init()) -> OutboundError? {
        do {
            _ = try parse(text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [1, 2, 7, 64, Int.max])
    func aContentLengthAnswerKeepsHeadersInOrderWithRepeats(step: Int) throws {
        let answer = try Self.parse(
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
            step: step)
        #expect(answer.status == 201)
        #expect(answer.reason == "Created")
        #expect(answer.headers.fields.map(\.name) == ["Content-Type", "Set-Cookie", "Set-Cookie", "Content-Length"])
        #expect(answer.headers.fields.filter { $0.name == "Set-Cookie" }.map(\.value) == ["a=1", "b=2"])
        #expect(String(decoding: answer.body, as: UTF8.self) == "{\"a\":1}")
    }

    @Test(arguments: [1, 3, Int.max])
    func aChunkedAnswerWithExtensionsAndTrailersIsJoined(step: Int) throws {
        let answer = try Self.parse(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=x\r\nhello\r\n1\r\n \r\nB\r\nworld again\r\n0\r\nX-Trailer: t\r\n\r\n",
            step: step)
        #expect(String(decoding: answer.body, as: UTF8.self) == "hello world again")
    }

    @Test func interimAnswersAreSkippedAndBareLineFeedsAccepted() throws {
        let answer = try Self.parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\nContent-Length: 2\n\nok")
        #expect(answer.status == 200)
        #expect(answer.body == Array("ok".utf8))
    }

    @Test func noLengthReadsToTheEndAndHeadOr204HaveNoBody() throws {
        #expect(try Self.parse("HTTP/1.0 200 OK\r\n\r\nuntil close").body == Array("until close".utf8))
        #expect(try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", method: "HEAD").body.isEmpty)
        #expect(try Self.parse("HTTP/1.1 204 No Content\r\n\r\n").body.isEmpty)
    }

    @Test func malformedAnswersSayWhatIsWrong() {
        let cases: [(String, String)] = [
            ("", "closed the connection without answering"),
            ("SSH-2.0-OpenSSH\r\n\r\n", "is not HTTP/1.1 or HTTP/1.0"),
            ("HTTP/1.1 2000 OK\r\n\r\n", "is not three digits"),
            ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "a header line without a colon"),
            ("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "not a token"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "ended after 5 of its 10 bytes"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "is not one whole number"),
            ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "is not one whole number"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "not hexadecimal"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello world\r\n0\r\n\r\n", "a chunk longer than its size"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "closed inside a chunk"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "does not end in chunked"),
            ("HTTP/1.1 200 OK\r\nContent-Type: a", "closed inside the headers"),
        ]
        for (text, expected) in cases {
            let error = Self.failure(text)
            #expect(error?.kind == .malformedResponse, "\(text.debugDescription): \(String(describing: error))")
            #expect(error?.message.contains(expected) == true, "\(text.debugDescription): \(String(describing: error))")
        }
    }

    @Test func limitsOnHeadersAndBodiesAreClearErrors() {
        let small = HTTPClient.Limits(maxHeaderBytes: 100, maxBodyBytes: 10)
        let longHeader = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 200) + "\r\n\r\n"
        let headerError = Self.failure(longHeader, limits: small)
        #expect(headerError?.kind == .tooLarge)
        #expect(headerError?.message.contains("more than 100 bytes of headers") == true)
        for text in [
            "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n01234567890",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n012345\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\n\r\n01234567890",
        ] {
            let error = Self.failure(text, limits: small)
            #expect(error?.kind == .tooLarge, "\(text.debugDescription)")
            #expect(error?.message.contains("larger than the limit of 10 bytes") == true)
        }
    }

    /// A megabyte of header lines, one byte at a time, parses in a blink: each byte is looked at once.
    @Test func parsingIsLinearInWhatTheServerSends() throws {
        let lines = String(repeating: "X-A: b\r\n", count: 100_000)
        let answer = try Self.parse(
            "HTTP/1.1 200 OK\r\n" + lines + "Content-Length: 0\r\n\r\n", limits: .init(maxHeaderBytes: 1_000_000), step: 4096)
        #expect(answer.headers.fields.count == 100_001)
    }

    @Test func requestsCannotForgeHeadersOrTheRequestLine() throws {
        let url = try OutboundURL.parse("http://127.0.0.1:1/x").get()
        for request in [
            OutboundRequest(method: "GET /y HTTP/1.1\r\nX:", url: url),
            OutboundRequest(method: "GET", url: url, headers: HTTPHeaders([("X-A", "b\r\nX-Forged: 1")])),
            OutboundRequest(method: "GET", url: url, headers: HTTPHeaders([("Bad Name", "b")])),
        ] {
            #expect(throws: OutboundError.self) { try HTTPClient.requestHead(request) }
        }
        let head = String(decoding: try HTTPClient.requestHead(OutboundRequest(method: "POST", url: url, headers: HTTPHeaders([("Host", "evil"), ("X-A", "1")]), body: [1, 2])), as: UTF8.self)
        #expect(head == "POST /x HTTP/1.1\r\nHost: 127.0.0.1:1\r\nX-A: 1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n")
    }

    @Test func urlsAreReadOrRefusedWithTheReason() throws {
        let v6 = try OutboundURL.parse("https://[::1]:8443/ga4gh/wes/v1?x=1#frag").get()
        #expect(v6 == OutboundURL(isHTTPS: true, host: "::1", port: 8443, target: "/ga4gh/wes/v1?x=1"))
        #expect(v6.hostHeader == "[::1]:8443")
        #expect(try OutboundURL.parse("http://example.org").get() == OutboundURL(isHTTPS: false, host: "example.org", port: 80))
        for (text, reason) in [
            ("ftp://x", "expected http://"), ("http://", "no host"), ("http://a:0", "port must be from 1"),
            ("http://u:p@host", "user info"), ("http://a b", "spaces"), ("http://[::1", "closing ]"),
        ] {
            guard case .failure(let error) = OutboundURL.parse(text) else {
                Issue.record("\(text) parsed")
                continue
            }
            #expect(error.kind == .invalidURL)
            #expect(error.message.contains(reason), "\(error.message)")
        }
    }
}
