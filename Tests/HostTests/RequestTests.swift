import Foundation
import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import Testing

@Suite("Requests reach the responder intact")
struct RequestTests {
    @Test func methodPathQueryHeadersAndBodyAreEchoed() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }

        let response = try await server.send(
            "PUT", "/runs/a%20b/logs?b=2&a=1&b=3&flag&sp=x+y",
            headers: ["X-Custom-Thing": "hello", "Content-Type": "application/json"],
            body: "{\"id\":42}")
        #expect(response.status == 200)
        let json = try #require(response.jsonObject)
        #expect(json["method"] as? String == "PUT")
        #expect(json["path"] as? String == "/runs/a b/logs")
        let query = try #require(json["query"] as? [[String]])
        #expect(query == [["b", "2"], ["a", "1"], ["b", "3"], ["flag", ""], ["sp", "x y"]])
        #expect(json["body"] as? String == "{\"id\":42}")
        let headers = HTTPHeaders((json["headers"] as? [[String]] ?? []).map { ($0[0], $0[1]) })
        #expect(headers["x-custom-thing"] == "hello")
        #expect(headers["CONTENT-TYPE"] == "application/json")
    }

    @Test func methodsWithoutBodyAndUnusualMethods() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        for method in ["GET", "DELETE", "PATCH", "OPTIONS"] {
            let response = try await server.send(method, "/x")
            #expect(response.status == 200)
            #expect(response.jsonObject?["method"] as? String == method)
            #expect(response.jsonObject?["bodyCount"] as? Int == 0)
        }
    }

    @Test func formURLEncodedFieldsAreParsed() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        let response = try await server.send(
            "POST", "/form", headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: "name=Ada+Lovelace&lang=sw%C3%AFft&empty=&name=again")
        let json = try #require(response.jsonObject)
        let form = try #require(json["form"] as? [[String: Any]])
        #expect(form.map { $0["name"] as? String } == ["name", "lang", "empty", "name"])
        #expect(form.map { $0["value"] as? String } == ["Ada Lovelace", "swïft", "", "again"])
        #expect(json["body"] as? String == "name=Ada+Lovelace&lang=sw%C3%AFft&empty=&name=again")
    }

    @Test func multipartFieldsAndFilesAreParsed() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        // A file part big enough to reach the post processor in several pieces.
        let fileText = String(repeating: "0123456789abcdef", count: 12_000)  // 192,000 bytes
        let boundary = "----mockrunsBoundary7MA4YWxk"
        var body = ""
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"workflow_type\"\r\n\r\nCWL\r\n"
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"workflow_params\"\r\n\r\n{\"x\": 1}\r\n"
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"workflow_attachment\"; filename=\"main.cwl\"\r\n"
        body += "Content-Type: application/octet-stream\r\n\r\n\(fileText)\r\n"
        body += "--\(boundary)--\r\n"

        let response = try await server.send(
            "POST", "/ga4gh/wes/v1/runs", headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"],
            body: body)
        #expect(response.status == 200)
        let json = try #require(response.jsonObject)
        #expect(json["formError"] == nil)
        let form = try #require(json["form"] as? [[String: Any]])
        #expect(form.count == 3)
        #expect(form.map { $0["name"] as? String } == ["workflow_type", "workflow_params", "workflow_attachment"])
        #expect(form[0]["value"] as? String == "CWL")
        #expect(form[1]["value"] as? String == "{\"x\": 1}")
        #expect(form[2]["filename"] as? String == "main.cwl")
        #expect(form[2]["contentType"] as? String == "application/octet-stream")
        #expect(form[2]["count"] as? Int == fileText.utf8.count)
        #expect(form[2]["value"] as? String == fileText)
        #expect(json["bodyCount"] as? Int == body.utf8.count)
    }

    @Test func multipartWithoutBoundaryGivesFormError() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        let response = try await server.send(
            "POST", "/runs", headers: ["Content-Type": "multipart/form-data"], body: "--x\r\n\r\nnothing\r\n--x--\r\n")
        let json = try #require(response.jsonObject)
        #expect(json["form"] == nil)
        let error = try #require(json["formError"] as? String)
        #expect(error.contains("boundary"))
        #expect(json["body"] as? String == "--x\r\n\r\nnothing\r\n--x--\r\n")
    }

    @Test func otherContentTypesHaveNoForm() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        let response = try await server.send(
            "POST", "/runs", headers: ["Content-Type": "application/json"], body: "{\"a\":1}")
        let json = try #require(response.jsonObject)
        #expect(json["form"] == nil)
        #expect(json["formError"] == nil)
    }

    @Test func bodyOverTheLimitIsRefusedWith413() async throws {
        let server = try TestServer(configuration: .init(maxBodyBytes: 1024), echo)
        defer { server.stop() }

        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 5000)
        let refused = try await server.send("POST", "/upload", headers: ["Content-Type": "text/plain"], body: big)
        #expect(refused.status == 413)
        #expect(refused.text.contains("limit of 1024 bytes"))

        // Also when the client announces the body and waits for 100 Continue.
        let expecting = try await server.send(
            "POST", "/upload", headers: ["Expect": "100-continue", "Content-Type": "text/plain"], body: big)
        #expect(expecting.status == 413)

        // Exactly at the limit is fine, and the server still serves.
        let atLimit = [UInt8](repeating: UInt8(ascii: "y"), count: 1024)
        let accepted = try await server.send("POST", "/upload", body: atLimit)
        #expect(accepted.status == 200)
        #expect(accepted.jsonObject?["bodyCount"] as? Int == 1024)
    }

    @Test func oversizedFormIsRefusedToo() async throws {
        let server = try TestServer(configuration: .init(maxBodyBytes: 100), echo)
        defer { server.stop() }
        let body = "a=" + String(repeating: "z", count: 500)
        let refused = try await server.send(
            "POST", "/f", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: body)
        #expect(refused.status == 413)
    }

    @Test func oversizedBodyOnRawSocketGets413() async throws {
        let server = try TestServer(configuration: .init(maxBodyBytes: 1024), echo)
        defer { server.stop() }
        let body = String(repeating: "q", count: 5000)
        let exchange = try await server.sendRaw(
            "POST /u HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n" + body)
        #expect(exchange.text.hasPrefix("HTTP/1.1 413"))
    }
}

@Suite struct URLEncodedFormTests {
    @Test func decodesLikeAQueryString() {
        let fields = FormField.urlEncoded(Array("a=1+2&b=%41%4&c&=v&d=%zz%&e=%C3%A9".utf8)) ?? []
        #expect(FormField.urlEncoded(Array("a=1&b=2&c=3".utf8), maxFields: 2) == nil)
        #expect(FormField.urlEncoded(Array("a=1&b=2".utf8), maxFields: 2)?.count == 2)
        #expect(fields.map(\.name) == ["a", "b", "c", "", "d", "e"])
        #expect(fields.map(\.text) == ["1 2", "A%4", "", "v", "%zz%", "é"])
    }
}
