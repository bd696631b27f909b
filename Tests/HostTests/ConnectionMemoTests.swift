import CMicroHTTPD
import Foundation
@testable import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import Testing

/// The per-connection memo: a kept answer or string is only ever handed back for exactly the bytes it was made
/// from, and what it keeps is bounded.
@Suite struct ConnectionMemoTests {
    private func makeResponse(_ body: [UInt8]) -> OpaquePointer {
        body.withUnsafeBytes { raw in
            MHD_create_response_from_buffer(raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress), .RESPMEM_MUST_COPY)!
        }
    }

    private let headers = HTTPHeaders([("Content-Type", "application/json"), ("Date", "Wed, 01 Jan 2025 00:00:01 GMT")])

    @Test func aKeptAnswerIsOnlyGivenForTheSameHeadersAndBody() {
        let memo = ConnectionMemo(watched: nil)
        let body = Array(#"{"state":"RUNNING"}"#.utf8)
        #expect(memo.response(headers: headers, body: body) == nil)
        let response = makeResponse(body)
        #expect(memo.keep(response, headers: headers, body: body))
        #expect(memo.response(headers: headers, body: body) == response)
        // One byte changed at the same length, a header value, a header's place, one header more or less.
        #expect(memo.response(headers: headers, body: Array(#"{"state":"RUNNINH"}"#.utf8)) == nil)
        #expect(memo.response(headers: headers, body: Array(body.dropLast())) == nil)
        #expect(memo.response(headers: headers, body: []) == nil)
        #expect(
            memo.response(
                headers: HTTPHeaders([("Content-Type", "application/json"), ("Date", "Wed, 01 Jan 2025 00:00:02 GMT")]),
                body: body) == nil)
        #expect(
            memo.response(
                headers: HTTPHeaders([("Date", "Wed, 01 Jan 2025 00:00:01 GMT"), ("Content-Type", "application/json")]),
                body: body) == nil)
        #expect(memo.response(headers: HTTPHeaders([("Content-Type", "application/json")]), body: body) == nil)
        var more = headers
        more.add("X-Content-Type-Options", "nosniff")
        #expect(memo.response(headers: more, body: body) == nil)
        // Still there for the same answer.
        #expect(memo.response(headers: headers, body: body) == response)
    }

    /// A header value canonically equal to the kept one but of other bytes (an echoed Origin, say) is another
    /// answer: Strings' `==` would take them as one.
    @Test func aKeptAnswerIsNotGivenForCanonicallyEqualHeaders() {
        let memo = ConnectionMemo(watched: nil)
        let composed = HTTPHeaders([("Access-Control-Allow-Origin", "http://caf\u{E9}.test")])
        let decomposed = HTTPHeaders([("Access-Control-Allow-Origin", "http://cafe\u{301}.test")])
        let response = makeResponse([])
        #expect(memo.keep(response, headers: composed, body: []))
        #expect(memo.response(headers: decomposed, body: []) == nil)
        #expect(memo.response(headers: composed, body: []) == response)
    }

    @Test func anEmptyBodyIsKeptToo() {
        let memo = ConnectionMemo(watched: nil)
        let response = makeResponse([])
        #expect(memo.keep(response, headers: headers, body: []))
        #expect(memo.response(headers: headers, body: []) == response)
        #expect(memo.response(headers: headers, body: [0]) == nil)
    }

    @Test func anAnswerOverTheLimitIsNotKept() {
        let memo = ConnectionMemo(watched: nil)
        let headerBytes = headers.fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count }
        let largest = [UInt8](repeating: 0x61, count: ConnectionMemo.answerLimit - headerBytes)
        let tooLarge = largest + [0x61]
        let refused = makeResponse(tooLarge)
        #expect(!memo.keep(refused, headers: headers, body: tooLarge))
        MHD_destroy_response(refused)  // not kept: still the caller's
        #expect(memo.response(headers: headers, body: tooLarge) == nil)
        let kept = makeResponse(largest)
        #expect(memo.keep(kept, headers: headers, body: largest))
        #expect(memo.response(headers: headers, body: largest) == kept)
    }

    @Test func answersThatKeepChangingAreLeftUnkeptForAWhile() {
        let memo = ConnectionMemo(watched: nil)
        func answer(_ second: Int) -> (headers: HTTPHeaders, body: [UInt8]) {
            (HTTPHeaders([("Date", "second \(second)")]), Array("same".utf8))
        }
        var second = 0
        func next() -> Bool {
            second += 1
            let (headers, body) = answer(second)
            #expect(memo.response(headers: headers, body: body) == nil)
            let response = makeResponse(body)
            let kept = memo.keep(response, headers: headers, body: body)
            if !kept { MHD_destroy_response(response) }
            return kept
        }
        #expect(next())  // kept
        #expect(!next())  // the kept one went unused: dropped, and a pause begins
        for _ in 0..<ConnectionMemo.pauseLength { #expect(!next()) }
        #expect(next())  // kept again after the pause
        // A kept answer that is used keeps the memo keeping.
        let (headers, body) = answer(second)
        #expect(memo.response(headers: headers, body: body) != nil)
        #expect(next())
    }

    // MARK: - Request values

    /// `texts` as libmicrohttpd lists them (nil: an absent value), for the call's duration.
    private func withItems<T>(
        _ texts: [(String, String?)], _ body: (UnsafeBufferPointer<mr_value>) -> T
    ) -> T {
        let copies = texts.map { (strdup($0.0)!, $0.1.map { strdup($0)! }) }
        defer { for (key, value) in copies { free(key); free(value) } }
        let items = copies.map { key, value in
            mr_value(
                key: UnsafePointer(key), key_size: strlen(key), value: value.map { UnsafePointer($0) },
                value_size: value.map { strlen($0) } ?? 0)
        }
        return items.withUnsafeBufferPointer(body)
    }

    private func names(_ fields: [(name: String, value: String)]) -> [String] {
        fields.map { "\($0.name)=\($0.value)" }
    }

    @Test func requestValuesFollowEveryChangeOfBytes() {
        var kept: [(name: String, value: String)] = []
        let first: [(String, String?)] = [("Host", "127.0.0.1:8080"), ("X-SBG-Auth-Token", "token-aaaa")]
        let made = withItems(first) { ConnectionMemo.fields($0, reusing: &kept) }
        #expect(names(made.fields) == ["Host=127.0.0.1:8080", "X-SBG-Auth-Token=token-aaaa"] && made.changed)
        let again = withItems(first) { ConnectionMemo.fields($0, reusing: &kept) }
        #expect(names(again.fields) == ["Host=127.0.0.1:8080", "X-SBG-Auth-Token=token-aaaa"] && !again.changed)
        // Same length, one byte changed; shorter; longer; a name's case; one field more; fewer; none.
        let changes: [[(String, String?)]] = [
            [("Host", "127.0.0.1:8080"), ("X-SBG-Auth-Token", "token-aaab")],
            [("Host", "127.0.0.1:8080"), ("X-SBG-Auth-Token", "token-aaa")],
            [("Host", "127.0.0.1:8080"), ("X-SBG-Auth-Token", "token-aaaaa")],
            [("host", "127.0.0.1:8080"), ("X-SBG-Auth-Token", "token-aaaaa")],
            [("host", "127.0.0.1:8080"), ("X-SBG-Auth-Token", "token-aaaaa"), ("Accept", "*/*")],
            [("Accept", "*/*")],
            [],
            [("X-SBG-Auth-Token", "token-aaaa")],
        ]
        for change in changes {
            let got = withItems(change) { ConnectionMemo.fields($0, reusing: &kept) }
            #expect(names(got.fields) == change.map { "\($0.0)=\($0.1 ?? "")" })
            #expect(got.changed)
            #expect(names(kept) == names(got.fields))
        }
    }

    @Test func anAbsentValueIsEmptyAndInvalidUTF8IsRepairedAsCStringsAre() {
        var kept: [(name: String, value: String)] = [(name: "flag", value: "was set")]
        let got = withItems([("flag", nil), ("empty", "")]) { ConnectionMemo.fields($0, reusing: &kept).fields }
        #expect(names(got) == ["flag=", "empty="])
        // Invalid UTF-8: the same String as String(cString:) makes, each time (the repaired String's bytes differ
        // from the request's, so it is never taken for them without a look).
        let invalid: [CChar] = [0x61, CChar(bitPattern: 0xFF), 0x62, CChar(bitPattern: 0xC3), 0]
        var text = ""
        for _ in 0..<2 {
            let string = invalid.withUnsafeBufferPointer {
                ConnectionMemo.string($0.baseAddress, strlen($0.baseAddress!), reusing: &text)
            }
            #expect(string == invalid.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        var path = "/runs/abc"
        let other = "/runs/abd".withCString { ConnectionMemo.string($0, strlen($0), reusing: &path) }
        #expect(other == "/runs/abd" && path == "/runs/abd")
    }

    @Test func headerFactsAreThoseOfTheHeadersAndForgottenWhenTheyChange() {
        let memo = ConnectionMemo(watched: nil)
        func facts(_ texts: [(String, String?)]) -> HeaderFacts {
            withItems(texts) { memo.facts(of: HTTPHeaders(fields: memo.fields($0, kind: .HEADER_KIND))) }
        }
        let plain = facts([("Host", "x"), ("Accept", "*/*")])
        #expect(plain.mediaType == nil && plain.framingProblem == nil && plain.contentLength == nil && !plain.expectsContinue)
        // The same fields again: the same facts. Then each change is seen.
        #expect(facts([("Host", "x"), ("Accept", "*/*")]).contentLength == nil)
        let multipart = facts([("Content-Type", "Multipart/Form-Data; boundary=b"), ("Content-Length", " 12 ")])
        #expect(multipart.mediaType == "multipart/form-data" && multipart.contentLength == 12)
        #expect(multipart.framingProblem == nil && !multipart.expectsContinue)
        let waiting = facts([("Content-Length", "12"), ("Expect", "100-Continue")])
        #expect(waiting.contentLength == 12 && waiting.expectsContinue && waiting.mediaType == nil)
        #expect(!facts([("Expect", "100-continue")]).expectsContinue)  // nothing announced: nothing to wait for
        #expect(
            facts([("Content-Length", "12"), ("content-length", "13")]).framingProblem
                == "conflicting Content-Length headers (12, 13); send one")
        #expect(
            facts([("Content-Length", "12"), ("Transfer-Encoding", "chunked")]).framingProblem
                == "both Content-Length and Transfer-Encoding; send one")
        #expect(facts([("Content-Length", "12"), ("Content-Length", " 12")]).framingProblem == nil)
        #expect(facts([("Content-Length", "x")]).contentLength == nil)
        #expect(facts([]).framingProblem == nil)
    }

    /// On the wire, through one keep-alive connection: requests that differ in one byte, and answers that differ
    /// in one byte at the same length, each get their own.
    @Test func pipelinedRequestsOnOneConnectionEachGetTheirOwnAnswer() async throws {
        let server = try TestServer { request in
            let seen = "\(request.method) \(request.path) \(request.query.map { "\($0.name)=\($0.value)" }) "
                + (request.headers["X-V"] ?? "-")
            return Reply(.text(200, seen, headers: HTTPHeaders([("X-Seen", request.headers["X-V"] ?? "-")])))
        }
        func get(_ target: String, _ value: String, close: Bool = false) -> String {
            "GET \(target) HTTP/1.1\r\nHost: x\r\nX-V: \(value)\r\n\(close ? "Connection: close\r\n" : "")\r\n"
        }
        let exchange = try await server.sendRaw(
            get("/a?x=1", "aaaa") + get("/a?x=1", "aaaa") + get("/a?x=2", "aaaa") + get("/a?x=1", "aaab")
                + get("/b?x=1", "aaab") + "POST /b?x=1 HTTP/1.1\r\nHost: x\r\nX-V: aaab\r\nContent-Length: 0\r\n\r\n"
                + get("/a?x=1", "aaaa", close: true),
            timeout: 10)
        #expect(exchange.ending == .closed)
        let bodies = exchange.text.components(separatedBy: "HTTP/1.1 200 OK").dropFirst().map {
            $0.components(separatedBy: "\r\n\r\n").last ?? ""
        }
        #expect(bodies == [
            #"GET /a ["x=1"] aaaa"#, #"GET /a ["x=1"] aaaa"#, #"GET /a ["x=2"] aaaa"#, #"GET /a ["x=1"] aaab"#,
            #"GET /b ["x=1"] aaab"#, #"POST /b ["x=1"] aaab"#, #"GET /a ["x=1"] aaaa"#,
        ])
        let seen = exchange.text.components(separatedBy: "\r\n").filter { $0.hasPrefix("X-Seen: ") }
        #expect(seen == ["aaaa", "aaaa", "aaaa", "aaab", "aaab", "aaab", "aaaa"].map { "X-Seen: \($0)" })
    }
}
