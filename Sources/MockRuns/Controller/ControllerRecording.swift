import MockRunsHTTP
import Scenarios

/// `mockruns record` for the Python Controller: `POST /controller/run` creates the run of its resourceID,
/// `GET /controller/run_status` is the status read (`"No ongoing run"` is no state of a run and is skipped).
struct ControllerRecording: RunRecording {
    func observation(of exchange: RecordedExchange, at endpoint: Endpoint) -> RunObservation? {
        guard let id = endpoint.runID else { return nil }
        switch endpoint.name {
        case "run":
            return RunObservation(.created, run: id)
        case "run_status":
            guard let status = exchange.json?["status"]?.stringValue, ControllerFake.states.contains(status) else { return nil }
            return RunObservation(.read, run: id, state: status)
        default:
            return nil
        }
    }

    func credential(of request: HTTPRequest) -> (place: String, value: String)? {
        request.queryValue("api_key").map { ("api_key", $0) }
    }
}

extension ControllerFake {
    public var recording: (any RunRecording)? { ControllerRecording() }
}
