import Foundation
import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import Synchronization

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
    private let state: Mutex<(index: Int, waited: Bool)>
    private let chunks: [[UInt8]]
    private let wait: Duration

    init(_ chunks: [String], wait: Duration) {
        self.chunks = chunks.map { Array($0.utf8) }
        self.wait = wait
        state = Mutex((index: 0, waited: true))
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
