@testable import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import Testing

/// The multipart boundary is worked out with the other header facts, which a connection's memo keeps while its
/// header fields stay the same: it must follow every change of Content-Type, and exist only for a multipart form.
@Suite("Multipart boundary among the header facts")
struct MultipartBoundaryMemoTests {
    private func boundary(_ type: String?) -> [UInt8]? {
        HeaderFacts(HTTPHeaders(type.map { [("Content-Type", $0)] } ?? [])).multipartBoundary
    }

    @Test func onlyAMultipartFormHasOne() {
        #expect(boundary("multipart/form-data; boundary=abc") == Array("abc".utf8))
        #expect(boundary("Multipart/Form-Data; charset=x; Boundary=\"a b\"") == Array("a b".utf8))
        #expect(boundary("multipart/form-data") == nil)
        #expect(boundary("multipart/mixed; boundary=abc") == nil)
        #expect(boundary("application/x-www-form-urlencoded; boundary=abc") == nil)
        #expect(boundary(nil) == nil)
    }

    /// On one keep-alive connection: the same headers twice (the memo's facts reused), then another boundary, then
    /// none; each body is read with its own request's boundary.
    @Test func eachRequestOnAConnectionUsesItsOwnBoundary() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        func submit(_ boundary: String, value: String, type: String? = nil, close: Bool = false) -> String {
            let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"v\"\r\n\r\n\(value)\r\n--\(boundary)--\r\n"
            return "POST /runs HTTP/1.1\r\nHost: x\r\nContent-Type: \(type ?? "multipart/form-data; boundary=\(boundary)")\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\(close ? "Connection: close\r\n" : "")\r\n\(body)"
        }
        let exchange = try await server.sendRaw(
            submit("AAAA", value: "1") + submit("AAAA", value: "2") + submit("AAAB", value: "3")
                + submit("AAAB", value: "4", type: "multipart/form-data") + submit("AAAA", value: "5", close: true),
            timeout: 10)
        #expect(exchange.ending == .closed)
        let bodies = exchange.text.components(separatedBy: "HTTP/1.1 200 OK").dropFirst().map {
            $0.components(separatedBy: "\r\n\r\n").last ?? ""
        }
        #expect(bodies.count == 5)
        for (index, value) in ["1", "2", "3"].enumerated() {
            #expect(bodies[index].contains(#""form":[{"count":1,"name":"v","value":"\#(value)"}]"#), "\(bodies[index])")
        }
        #expect(bodies[3].contains(#""formError":"multipart\/form-data body without a boundary parameter in Content-Type""#), "\(bodies[3])")
        #expect(bodies[4].contains(#""form":[{"count":1,"name":"v","value":"5"}]"#), "\(bodies[4])")
    }
}
