import Foundation
@testable import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import Testing
#if canImport(Glibc)
    import Glibc
#endif

/// The edges of multipart parsing that the part header line's bound (`FormField.maximumHeaderLineBytes`, once the
/// post processor's buffer) sets: long field names and part headers, the longest boundary, values many times the
/// bound's size, in any chunking.
@Suite("Multipart bodies at the buffer's edges")
struct MultipartEdgeTests {
    private let boundary = "----mockrunsEdge7MA4YWxk"

    private func part(_ disposition: String, type: String? = nil, _ value: String, boundary: String? = nil) -> String {
        var text = "--\(boundary ?? self.boundary)\r\nContent-Disposition: form-data; \(disposition)\r\n"
        if let type { text += "Content-Type: \(type)\r\n" }
        return text + "\r\n\(value)\r\n"
    }

    private func post(_ body: String, boundary: String? = nil, on server: TestServer) async throws -> [String: Any] {
        let response = try await server.send(
            "POST", "/runs", headers: ["Content-Type": "multipart/form-data; boundary=\(boundary ?? self.boundary)"],
            body: body)
        #expect(response.status == 200)
        return try #require(response.jsonObject)
    }

    /// A part header line nearly as long as the bound (a long name and a long filename), next to a value many
    /// times its size.
    @Test func longNamesFilenamesAndValuesArrivePrecisely() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        let name = String(repeating: "n", count: 400)
        let filename = String(repeating: "f", count: FormField.maximumHeaderLineBytes - 400 - 120)
        let value = String(repeating: "0123456789abcdef", count: 20 * FormField.maximumHeaderLineBytes / 16) + "end"
        let body = part("name=\"\(name)\"; filename=\"\(filename)\"", type: "application/octet-stream", value)
            + part("name=\"short\"", "x") + "--\(boundary)--\r\n"
        let json = try await post(body, on: server)
        #expect(json["formError"] == nil)
        let form = try #require(json["form"] as? [[String: Any]])
        #expect(form.map { $0["name"] as? String } == [name, "short"])
        #expect(form[0]["filename"] as? String == filename)
        #expect(form[0]["contentType"] as? String == "application/octet-stream")
        #expect(form[0]["count"] as? Int == value.utf8.count && form[0]["value"] as? String == value)
        #expect(form[1]["value"] as? String == "x")
    }

    /// RFC 2046's longest boundary (70 characters), and a body sent in small pieces of odd sizes.
    @Test func theLongestBoundaryAndASplitBodyParse() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        let long = String(repeating: "b", count: 70)
        let value = String(repeating: "v", count: 3 * FormField.maximumHeaderLineBytes + 7)
        let body = part("name=\"a\"", value, boundary: long) + part("name=\"b\"", "2", boundary: long) + "--\(long)--\r\n"
        let json = try await post(body, boundary: long, on: server)
        #expect(json["formError"] == nil)
        let form = try #require(json["form"] as? [[String: Any]])
        #expect(form.map { $0["name"] as? String } == ["a", "b"])
        #expect(form[0]["value"] as? String == value && form[1]["value"] as? String == "2")
        // The same body in 97-byte writes over a raw connection: the pieces libmicrohttpd hands on differ, the
        // form does not.
        let head = "POST /runs HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=\(long)\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n"
        let port = server.port
        let raw = try await onOwnThread { () throws -> String in
            let fd = try TestServer.connectRaw(port: port)
            defer { close(fd) }
            let bytes = Array((head + body).utf8)
            var sent = 0
            while sent < bytes.count {
                let end = min(bytes.count, sent + 97)
                let n = bytes[sent..<end].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { break }
                sent += n
                usleep(200)
            }
            return String(decoding: receiveAll(fd), as: UTF8.self)
        }
        let echoed = try #require(raw.components(separatedBy: "\r\n\r\n").dropFirst().first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(echoed.utf8)) as? [String: Any])
        #expect(object["formError"] == nil)
        let pieces = try #require(object["form"] as? [[String: Any]])
        #expect(pieces.map { $0["value"] as? String } == [value, "2"])
    }

    /// A part header line longer than the bound is refused with the form error, not cut or crashed on.
    @Test func aPartHeaderLongerThanTheBufferIsAFormError() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        let name = String(repeating: "n", count: FormField.maximumHeaderLineBytes + 100)
        let json = try await post(part("name=\"\(name)\"", "x") + "--\(boundary)--\r\n", on: server)
        #expect(json["form"] == nil)
        #expect((json["formError"] as? String)?.hasPrefix("cannot parse the multipart/form-data body") == true)
    }
}
