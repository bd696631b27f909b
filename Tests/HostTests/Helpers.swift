import Foundation
import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import MockRunsSync

/// Answers with a JSON description of the request it got.
func echo(_ request: HTTPRequest) -> Reply {
    var object: [String: Any] = [
        "method": request.method,
        "path": request.path,
        "query": request.query.map { [$0.name, $0.value] },
        "headers": request.headers.fields.map { [$0.name, $0.value] },
        "body": request.bodyText,
        "bodyCount": request.body.count,
    ]
    if let form = request.form {
        object["form"] = form.map { field -> [String: Any] in
            var entry: [String: Any] = ["name": field.name, "value": field.text, "count": field.value.count]
            if let filename = field.filename { entry["filename"] = filename }
            if let type = field.contentType { entry["contentType"] = type }
            return entry
        }
    }
    if let error = request.formError { object["formError"] = error }
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return Reply(.json(200, Array(data)))
}

/// A stream that sends `chunks`, waiting `wait` before each one after the first.
final class ChunkStream: ResponseStream {
    private let state: Locked<(index: Int, waited: Bool)>
    private let chunks: [[UInt8]]
    private let wait: Duration

    init(_ chunks: [String], wait: Duration) {
        self.chunks = chunks.map { Array($0.utf8) }
        self.wait = wait
        state = Locked((index: 0, waited: true))
    }

    func next() -> StreamStep {
        state.withLock { state in
            guard state.index < chunks.count else { return .end }
            if !state.waited {
                state.waited = true
                return .wait(wait)
            }
            state.waited = false
            defer { state.index += 1 }
            return .data(chunks[state.index])
        }
    }
}

/// Seconds elapsed while running `body`.
func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try await body()
    let elapsed = clock.now - start
    return (value, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Counts requests in the server's hands (responder called, exchange not yet completed) and keeps the log.
/// Server-side measures stay meaningful when the test process is starved of CPU (URLSession on Linux keeps a core
/// busy while requests are pending, and the whole test suite shares 2 cores).
final class Tracker: Sendable {
    private struct State {
        var inFlight = 0
        var maxInFlight = 0
        var log: [RequestLogEntry] = []
    }
    private let state = Locked(State())

    var configuration: HTTPServer.Configuration {
        HTTPServer.Configuration(onRequestCompleted: { [self] entry in
            state.withLock {
                $0.inFlight -= 1
                $0.log.append(entry)
            }
        })
    }

    /// Wraps a handler so each call counts as a request in flight.
    func counting(_ handler: @escaping @Sendable (HTTPRequest) -> Reply) -> @Sendable (HTTPRequest) -> Reply {
        { [self] request in
            state.withLock {
                $0.inFlight += 1
                $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
            }
            return handler(request)
        }
    }

    var maxInFlight: Int { state.withLock { $0.maxInFlight } }
    var log: [RequestLogEntry] { state.withLock { $0.log } }

    /// Waits (briefly) until `count` exchanges are logged: the log hook runs just after the last byte is written.
    func waitForLog(count: Int) async throws -> [RequestLogEntry] {
        for _ in 0..<200 where state.withLock({ $0.log.count }) < count { try await Task.sleep(for: .milliseconds(10)) }
        return log
    }
}

/// Everything a socket receives until the peer closes it (or an error): a raw-socket test's whole answer.
func receiveAll(_ fd: Int32) -> [UInt8] {
    var received: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        received += buffer[0..<n]
    }
    return received
}
