import MockRunsHTTP
import Scenarios

/// `mockruns record` for WES: `POST /runs` creates (its `run_id`), `GET /runs/{id}` and `/runs/{id}/status` are
/// the status reads (as the fake counts them), an accepted `POST /runs/{id}/cancel` is the `cancel` event. A
/// RunLog's `outputs` become the phase's field.
struct WESRecording: RunRecording {
    func observation(of exchange: RecordedExchange, at endpoint: Endpoint) -> RunObservation? {
        switch endpoint.name {
        case "run_workflow":
            guard let id = exchange.json?["run_id"]?.stringValue else { return nil }
            return RunObservation(.created, run: id)
        case "get_run_status", "get_run_log":
            guard let id = endpoint.runID, let json = exchange.json, let state = json["state"]?.stringValue else { return nil }
            var fields: [(String, JSON)] = []
            if let outputs = json["outputs"], case .object(let members) = outputs, !members.isEmpty {
                fields.append(("outputs", outputs))
            }
            return RunObservation(.read, run: id, state: state, fields: fields)
        case "cancel_run":
            guard let id = endpoint.runID else { return nil }
            return RunObservation(.event("cancel"), run: id)
        default:
            return nil
        }
    }

    func credential(of request: HTTPRequest) -> (place: String, value: String)? {
        if let token = request.headers["X-SBG-Auth-Token"] { return ("X-SBG-Auth-Token", token.trimmingSpaces()) }
        return request.authorization(scheme: "Bearer").map { ("Authorization: Bearer", $0) }
    }

    func replaySettings(credentialPlaces: [String]) -> [(String, JSON)] {
        credentialPlaces.contains("Authorization: Bearer") ? [("acceptBearer", true)] : []
    }
}

extension WESFake {
    public var recording: (any RunRecording)? { WESRecording() }
}
