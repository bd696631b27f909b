import MockRunsHTTP
import Scenarios
import MockRunsSync

/// `GET .../events/stream`: Server-Sent Events for one run, produced step by step as the host asks, never holding
/// a thread. First `ready`, then one `message` per run log line (event id = the line's 1-based number), then `end`
/// `{runId,status,reason}` once the run is terminal and every line was sent.
///
/// How the run moves while a client only streams: when the stream has nothing to send, it waits
/// `streamPollMilliseconds`, then makes one status read of its own (a poll, exactly as `GET .../runs/{id}`
/// counts one), so a streaming client drives a `polls` timeline like a polling one. After every
/// `keepaliveEvery` idle reads it sends a `keepalive`. What the stream sends is thus fixed by the scenario alone.
final class WorkspaceEventStream: ResponseStream {
    private struct State {
        var readySent = false
        var sentLines: Int
        var waited = false
        var idleReads = 0
        var ended = false
    }

    private let runID: String
    private let scenario: LiveScenario
    private let interval: Duration
    private let keepaliveEvery: Int
    private let state: Locked<State>

    init(runID: String, scenario: LiveScenario, render: WorkspaceRender, after: Int, interval: Duration, keepaliveEvery: Int) {
        self.runID = runID
        self.scenario = scenario
        self.interval = interval
        self.keepaliveEvery = max(1, keepaliveEvery)
        state = Locked(State(sentLines: after))
    }

    func next() -> StreamStep {
        state.withLock { state in
            while true {
                if state.ended { return .end }
                let view = scenario.withEngine { $0.peek(api: WorkspaceFake.api, id: runID) }
                guard let view, !view.gone else {
                    state.ended = true
                    return .data(event("end", data: end(status: nil, reason: "not_found")))
                }
                if !state.readySent {
                    state.readySent = true
                    let data: JSON = .object([("runId", .string(runID)), ("status", .string(view.state))])
                    return .data(event("ready", data: data))
                }
                if view.log.count > state.sentLines {
                    var bytes: [UInt8] = []
                    for index in state.sentLines..<view.log.count {
                        let line = view.log[index]
                        let data: JSON = .object([
                            ("runId", .string(runID)), ("sequence", .int(index + 1)),
                            ("timestamp", WorkspaceRender.time(line.at)), ("message", .string(line.line)),
                        ])
                        bytes += event("message", id: index + 1, data: data)
                    }
                    state.sentLines = view.log.count
                    state.idleReads = 0
                    return .data(bytes)
                }
                if view.isTerminal {
                    state.ended = true
                    return .data(event("end", data: end(status: view.state, reason: reason(view.state))))
                }
                if !state.waited {
                    state.waited = true
                    return .wait(interval)
                }
                state.waited = false
                _ = scenario.withEngine { $0.read(api: WorkspaceFake.api, id: runID) }
                state.idleReads += 1
                if state.idleReads % keepaliveEvery == 0 {
                    return .data(event("keepalive", data: .object([("runId", .string(runID))])))
                }
            }
        }
    }

    private func reason(_ status: String) -> String {
        switch status {
        case "succeeded": "completed"
        default: status
        }
    }

    private func end(status: String?, reason: String) -> JSON {
        .object([("runId", .string(runID)), ("status", status.map(JSON.string) ?? .null), ("reason", .string(reason))])
    }

    private func event(_ name: String, id: Int? = nil, data: JSON) -> [UInt8] {
        var text = "event: \(name)\n"
        if let id { text += "id: \(id)\n" }
        text += "data: \(data.serialized())\n\n"
        return Array(text.utf8)
    }
}
