import MockRunsHTTP
import Scenarios

/// `mockruns record` for workspace runs: `POST .../runs` creates (the RunResource's `id` and `status`),
/// `GET .../runs/{runId}` is the status read, an accepted `POST .../runs/{runId}/cancel` the `cancel` event.
/// A failed run's `failure_message` and `exit_code` become the phase's fields.
struct WorkspaceRecording: RunRecording {
    func observation(of exchange: RecordedExchange, at endpoint: Endpoint) -> RunObservation? {
        guard let json = exchange.json else { return nil }
        switch endpoint.name {
        case "create":
            guard let id = json["id"]?.stringValue else { return nil }
            return RunObservation(.created, run: id, state: json["status"]?.stringValue)
        case "get":
            guard let id = endpoint.runID, let state = json["status"]?.stringValue else { return nil }
            var fields: [(String, JSON)] = []
            for name in ["failure_message", "exit_code"] {
                if let value = json[name], value != .null { fields.append((name, value)) }
            }
            return RunObservation(.read, run: id, state: state, fields: fields)
        case "cancel":
            guard let id = endpoint.runID else { return nil }
            return RunObservation(.event("cancel"), run: id, state: json["status"]?.stringValue)
        default:
            return nil
        }
    }

    func credential(of request: HTTPRequest) -> (place: String, value: String)? {
        WorkspaceFake.apiKey(request).map { (request.headers["X-API-Key"] != nil ? "X-API-Key" : "Authorization: Api-Key", $0) }
    }
}

extension WorkspaceFake {
    public var recording: (any RunRecording)? { WorkspaceRecording() }
}
