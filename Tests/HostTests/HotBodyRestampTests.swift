import CMicroHTTPD
import Foundation
@testable import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import Testing

/// A kept response whose body is a buffer of ours (`RequestContext.response(copying:)`) given a later body of the
/// same length written over it: on the wire each answer is byte for byte what a fresh one is, a body of another
/// length or a header that cannot be restamped is made afresh, and a refused restamp changes nothing kept.
@Suite struct HotBodyRestampTests {
    private let fields = [("Content-Type", "application/json"), ("Date", "d1"), ("X-Content-Type-Options", "nosniff")]

    @Test func anotherBodyOfTheSameLengthIsWrittenOverTheKeptOne() throws {
        let memo = ConnectionMemo(watched: nil)
        let first = Array(#"{"duration":1}"#.utf8)
        let (made, bytes) = RequestContext.response(copying: first)
        let response = try #require(made)
        let body = try #require(bytes)
        ConnectionMemo.addHeaders(HTTPHeaders(fields), to: response, isStream: false)
        #expect(memo.keep(response, headers: HTTPHeaders(fields), body: first, bodyBytes: body))
        // Another body, same length, and a new Date of the same length: the kept response, written over.
        var next = fields
        next[1].1 = "d2"
        let second = Array(#"{"duration":2}"#.utf8)
        #expect(memo.restampedResponse(headers: HTTPHeaders(next), body: second) == response)
        #expect(Array(UnsafeRawBufferPointer(start: body, count: second.count)) == second)
        // A body of another length: another answer.
        #expect(memo.restampedResponse(headers: HTTPHeaders(next), body: Array(#"{"duration":10}"#.utf8)) == nil)
        // A header that cannot be restamped (a value of another length) beside a new body: refused, and the kept
        // body and headers are as they were.
        var longer = next
        longer[1].1 = "d10"
        #expect(memo.restampedResponse(headers: HTTPHeaders(longer), body: Array(#"{"duration":3}"#.utf8)) == nil)
        #expect(Array(UnsafeRawBufferPointer(start: body, count: second.count)) == second)
        #expect(memo.response(headers: HTTPHeaders(next), body: second) == response)
        // Other names: another answer.
        #expect(memo.restampedResponse(headers: HTTPHeaders([("A", "1")] + next.dropFirst()), body: first) == nil)
    }

    /// A response libmicrohttpd copied the body of itself is never written over: only the same body is the same answer.
    @Test func aResponseWithItsOwnCopyKeepsItsBody() {
        let memo = ConnectionMemo(watched: nil)
        let first = Array(#"{"duration":1}"#.utf8)
        let response = first.withUnsafeBytes { raw in
            MHD_create_response_from_buffer(raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress), .RESPMEM_MUST_COPY)!
        }
        ConnectionMemo.addHeaders(HTTPHeaders(fields), to: response, isStream: false)
        #expect(memo.keep(response, headers: HTTPHeaders(fields), body: first))
        #expect(memo.restampedResponse(headers: HTTPHeaders(fields), body: Array(#"{"duration":2}"#.utf8)) == nil)
        #expect(memo.restampedResponse(headers: HTTPHeaders(fields), body: first) == response)
    }

    /// On one keep-alive connection, bodies that move on at the same length (and one of another length, and a
    /// Date of another length): every answer is what a fresh response for it is.
    @Test func onTheWireEachAnswerIsItsOwn() async throws {
        let server = try TestServer { request in
            let n = request.headers["X-N"] ?? "?"
            let date = request.headers["X-D"] ?? "d"
            let headers = HTTPHeaders([("Content-Type", "application/json"), ("Date", date), ("X-Content-Type-Options", "nosniff")])
            return Reply(HTTPResponse(status: 200, headers: headers, body: Array(#"{"duration":\#(n)}"#.utf8)))
        }
        let steps: [(n: String, date: String)] = [
            ("1", "a1"), ("2", "a2"), ("3", "a3"), ("3", "a3"), ("4", "a44"), ("5", "a55"), ("10", "a55"), ("11", "a56"),
            ("12", "a57"), ("6", "a57"), ("7", "a58"), ("8", "a59"),
        ]
        var request = ""
        for step in steps { request += "GET /poll HTTP/1.1\r\nHost: x\r\nX-N: \(step.n)\r\nX-D: \(step.date)\r\n\r\n" }
        request += "GET /poll HTTP/1.1\r\nHost: x\r\nX-N: 9\r\nX-D: a60\r\nConnection: close\r\n\r\n"
        let exchange = try await server.sendRaw(request, timeout: 10)
        #expect(exchange.ending == .closed)
        let answers = exchange.answers
        #expect(answers.count == steps.count + 1)
        for (step, answer) in zip(steps + [("9", "a60")], answers) {
            let body = #"{"duration":\#(step.n)}"#
            // (libmicrohttpd writes its own Connection: close first.)
            let expected = "HTTP/1.1 200 OK\r\n" + (step.date == "a60" ? "Connection: close\r\n" : "")
                + "Content-Type: application/json\r\nDate: \(step.date)\r\nX-Content-Type-Options: nosniff\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            #expect(answer == expected)
        }
    }
}
