import MockRunsHTTP
import MockRunsSync

/// A body sent at a fixed rate (`trickle` faults): a chunk, then a wait, until all of it has gone. The host waits
/// without a thread (the connection is suspended between chunks).
final class TrickleStream: ResponseStream {
    private struct State {
        var offset = 0
        var waitNext = false
    }

    private let bytes: [UInt8]
    private let chunk: Int
    private let interval: Duration
    private let state = Locked(State())

    init(_ bytes: [UInt8], bytesPerSecond: Int) {
        self.bytes = bytes
        // Ten chunks a second, or one byte at a time when slower than that.
        chunk = max(1, bytesPerSecond / 10)
        interval = .milliseconds(Int64(max(1, chunk * 1000 / max(1, bytesPerSecond))))
    }

    func next() -> StreamStep {
        state.withLock { state in
            guard state.offset < bytes.count else { return .end }
            if state.waitNext {
                state.waitNext = false
                return .wait(interval)
            }
            let end = min(bytes.count, state.offset + chunk)
            defer {
                state.offset = end
                state.waitNext = true
            }
            return .data(Array(bytes[state.offset..<end]))
        }
    }
}
