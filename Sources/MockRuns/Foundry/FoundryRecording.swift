import MockRunsHTTP
import Scenarios

/// `mockruns record` for Foundry: `POST dashboard/run` creates the run keyed by sourceID/status2Match/stepName
/// (its answer's `logMessage` is kept as `runLogMessage`), `GET dashboard/run_status` is the status read
/// (`logMessage`, `errMessage` become the phase's fields). A 404 after FINISHED is recorded as the run's
/// `notFoundAfter`, so the file sets `runStatusAfterFinish: finished` and says when the run goes away itself.
struct FoundryRecording: RunRecording {
    func observation(of exchange: RecordedExchange, at endpoint: Endpoint) -> RunObservation? {
        guard let id = endpoint.runID, let json = exchange.json else { return nil }
        switch endpoint.name {
        case "run":
            var fields: [(String, JSON)] = []
            if let message = json["logMessage"], case .string = message { fields.append(("runLogMessage", message)) }
            return RunObservation(.created, run: id, state: json["status"]?.stringValue, fields: fields)
        case "run_status":
            guard let state = json["status"]?.stringValue else { return nil }
            var fields: [(String, JSON)] = []
            for name in ["logMessage", "errMessage"] {
                if let value = json[name], case .string = value { fields.append((name, value)) }
            }
            return RunObservation(.read, run: id, state: state, fields: fields)
        default:
            return nil
        }
    }

    func credential(of request: HTTPRequest) -> (place: String, value: String)? {
        guard case .success(let values) = request.parameters(), let key = values["apiKey"] else { return nil }
        return ("apiKey", key)
    }

    func replaySettings(credentialPlaces: [String]) -> [(String, JSON)] { [("runStatusAfterFinish", "finished")] }
}

extension FoundryFake {
    public var recording: (any RunRecording)? { FoundryRecording() }
}
