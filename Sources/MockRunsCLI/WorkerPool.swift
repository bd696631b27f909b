import Dispatch
import MockRunsSync

/// A few worker queues and a bounded backlog, for blocking work a server thread must not do (forwarding to an
/// upstream). `submit` refuses work once every worker is busy and the backlog is full, so a flood of requests
/// gets a quick 503 instead of growing memory or threads without end.
final class WorkerPool: Sendable {
    private struct State {
        var idle: [Int]
        var backlog: [@Sendable () -> Void] = []
    }

    private let workers: [DispatchQueue]
    private let backlogLimit: Int
    private let state: Locked<State>

    init(workers: Int, backlog: Int, label: String) {
        self.workers = (0..<max(workers, 1)).map { DispatchQueue(label: "\(label).\($0)") }
        self.backlogLimit = backlog
        self.state = Locked(State(idle: Array((0..<max(workers, 1)).reversed())))
    }

    /// Runs `job` on a free worker, or after those queued before it; false (nothing queued) when full.
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        let worker: Int?? = state.withLock { state in
            if let free = state.idle.popLast() { return .some(free) }
            guard state.backlog.count < backlogLimit else { return .none }
            state.backlog.append(job)
            return .some(nil)
        }
        guard let worker else { return false }
        if let worker { run(job, on: worker) }
        return true
    }

    private func run(_ job: @escaping @Sendable () -> Void, on worker: Int) {
        workers[worker].async { [self] in
            job()
            // The next queued job, on this worker; or the worker goes idle.
            let next: (@Sendable () -> Void)? = state.withLock { state in
                if state.backlog.isEmpty {
                    state.idle.append(worker)
                    return nil
                }
                return state.backlog.removeFirst()
            }
            if let next { run(next, on: worker) }
        }
    }
}
