import Foundation
import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import Testing

/// The host counts a request's headers and query arguments before copying them out of libmicrohttpd, and
/// reserves the array at that size: every value must still arrive once, in the order sent, whatever the count
/// (none, one, or many more than any first guess of a capacity).
@Suite("Headers and query arguments arrive whole and in order")
struct RequestValuesTests {
    /// The echo's JSON of a raw exchange: the body after the blank line.
    private func echoed(_ exchange: RawExchange) throws -> [String: Any] {
        let text = exchange.text
        #expect(text.hasPrefix("HTTP/1.1 200"), "\(text.prefix(200))")
        let body = try #require(text.range(of: "\r\n\r\n")).upperBound
        let object = try JSONSerialization.jsonObject(with: Data(text[body...].utf8))
        return try #require(object as? [String: Any])
    }

    @Test func manyHeadersWithRepeatsKeepTheirOrderAndValues() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        // 75 fields: names repeated, mixed case, empty and long values.
        var sent: [[String]] = [["Host", "x"]]
        for index in 0..<70 {
            sent.append(["X-Field-\(index % 23)", index % 10 == 0 ? "" : "value \(index) " + String(repeating: "v", count: index)])
        }
        sent += [["x-twice", "1"], ["X-TWICE", "2"], ["X-Twice", "3"], ["Connection", "close"]]
        let request = "GET /h HTTP/1.1\r\n" + sent.map { "\($0[0]): \($0[1])\r\n" }.joined() + "\r\n"
        let json = try echoed(try await server.sendRaw(request))
        let headers = try #require(json["headers"] as? [[String]])
        #expect(headers == sent)
        #expect(json["query"] as? [[String]] == [])
    }

    @Test func queryArgumentsFromNoneToManyKeepTheirOrder() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        for count in [0, 1, 2, 3, 5, 17, 200] {
            let arguments = (0..<count).map { index in
                ["k\(index % 7)", index % 4 == 0 ? "" : "v\(index)"]
            }
            let query = arguments.map { $0[1].isEmpty ? $0[0] : "\($0[0])=\($0[1])" }.joined(separator: "&")
            let target = count == 0 ? "/q" : "/q?" + query
            let json = try echoed(
                try await server.sendRaw("GET \(target) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
            #expect(json["query"] as? [[String]] == arguments, "\(count) arguments")
            #expect(json["path"] as? String == "/q")
        }
    }

    /// libmicrohttpd 0.9.75 keeps a record of its fixed connection memory per query argument, and when they do not
    /// fit it queues a 431 it never sends: the client waited, answerless, until a timeout closed the connection.
    /// The host reads the query itself: any number that fits in the request line is answered.
    @Test func aTargetOfThousandsOfArgumentsIsAnswered() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        for (count, argument) in [(231, "q=1"), (1_500, "a"), (150, "k" + String(repeating: "v", count: 38))] {
            let target = "/q?" + Array(repeating: argument, count: count).joined(separator: "&")
            // (An answer at all is the point: libmicrohttpd closed such a connection answerless, at the timeout.)
            let exchange = try await server.sendRaw("GET \(target) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let json = try echoed(exchange)
            #expect((json["query"] as? [[String]])?.count == count, "\(count) × \(argument.prefix(8))")
        }
    }

    @Test func valuesOfOneRequestDoNotLeakIntoTheNextOnAKeptAliveConnection() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        // Two requests on one connection: the second has fewer headers and no query at all.
        let first = "GET /a?x=1&y=2&z=3 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-B: 2\r\nX-C: 3\r\n\r\n"
        let second = "GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        let text = try await server.sendRaw(first + second).text
        let answers = text.components(separatedBy: "HTTP/1.1 200").dropFirst()
        #expect(answers.count == 2, "\(text.prefix(400))")
        let bodies = try answers.map { answer -> [String: Any] in
            let body = try #require(answer.range(of: "\r\n\r\n")).upperBound
            return try #require(try JSONSerialization.jsonObject(with: Data(answer[body...].utf8)) as? [String: Any])
        }
        #expect(bodies.first?["query"] as? [[String]] == [["x", "1"], ["y", "2"], ["z", "3"]])
        #expect(bodies.first?["headers"] as? [[String]] == [["Host", "x"], ["X-A", "1"], ["X-B", "2"], ["X-C", "3"]])
        #expect(bodies.last?["query"] as? [[String]] == [])
        #expect(bodies.last?["headers"] as? [[String]] == [["Host", "x"], ["Connection", "close"]])
    }
}
