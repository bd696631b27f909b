import Foundation
import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import MockRunsSync
import Testing

@Suite("Responses go out as written")
struct ResponseTests {
    @Test func emptyBodyAndTextPlain() async throws {
        let server = try TestServer { request in
            request.path == "/empty" ? Reply(HTTPResponse(status: 204)) : Reply(.text(200, "plain words"))
        }
        defer { server.stop() }
        let empty = try await server.send("GET", "/empty")
        #expect(empty.status == 204)
        #expect(empty.body.isEmpty)
        let text = try await server.send("GET", "/text")
        #expect(text.status == 200)
        #expect(text.text == "plain words")
        #expect(text.headers["content-type"] == "text/plain; charset=utf-8")
        #expect(text.headers["Content-Length"] == "11")
    }

    @Test func customStatusAndHeaders() async throws {
        let server = try TestServer { request in
            var headers = HTTPHeaders()
            headers.add("X-Run-Id", "run-7")
            headers.add("Retry-After", "3")
            headers.add("Content-Length", "999")  // ignored: the host computes it
            switch request.path {
            case "/teapot": return Reply(HTTPResponse(status: 418, headers: headers, body: Array("short".utf8)))
            case "/moved":
                headers.add("Location", "/elsewhere")
                return Reply(HTTPResponse(status: 302, headers: headers))
            default: return Reply(HTTPResponse(status: 599, headers: headers, body: Array("odd".utf8)))
            }
        }
        defer { server.stop() }
        let teapot = try await server.send("GET", "/teapot")
        #expect(teapot.status == 418)
        #expect(teapot.headers["x-run-id"] == "run-7")
        #expect(teapot.headers["retry-after"] == "3")
        #expect(teapot.headers["content-length"] == "5")
        #expect(teapot.text == "short")

        let moved = try await server.send("GET", "/moved")
        #expect(moved.status == 302)  // not followed
        #expect(moved.headers["location"] == "/elsewhere")

        let odd = try await server.send("GET", "/odd")
        #expect(odd.status == 599)
        #expect(odd.text == "odd")
    }

    @Test func largeBinaryBodyArrivesIntact() async throws {
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let server = try TestServer { _ in
            Reply(HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]), body: payload))
        }
        defer { server.stop() }
        let response = try await server.send("GET", "/blob")
        #expect(response.body == payload)
    }

    @Test func requestLogHookSeesEveryRequest() async throws {
        let entries = Locked<[RequestLogEntry]>([])
        let configuration = HTTPServer.Configuration(onRequestCompleted: { entry in entries.withLock { $0.append(entry) } })
        let server = try TestServer(configuration: configuration) { request in
            Reply(.text(request.path == "/missing" ? 404 : 200, "x"), delay: request.path == "/slow" ? .milliseconds(150) : .zero)
        }
        defer { server.stop() }
        _ = try await server.send("GET", "/ok?x=1")
        _ = try await server.send("POST", "/missing", body: "abc")
        _ = try await server.send("GET", "/slow")
        // The completion callback runs right after the last byte is written; give it a moment.
        for _ in 0..<100 where entries.withLock({ $0.count }) < 3 { try await Task.sleep(for: .milliseconds(10)) }
        let logged = entries.withLock { $0 }
        #expect(logged.map(\.path) == ["/ok", "/missing", "/slow"])
        #expect(logged.map(\.method) == ["GET", "POST", "GET"])
        #expect(logged.map(\.status) == [200, 404, 200])
        #expect(logged.allSatisfy { $0.completed })
        #expect(logged[2].duration >= .milliseconds(150))
    }
}
