import Scenarios

/// A small API made up for the engine's tests, so they depend on no real fake.
let testAPI: APIDescriptor = {
    var descriptor = testAPIBase
    descriptor.headerFields = ["label"]
    return descriptor
}()

private let testAPIBase = APIDescriptor(
    name: "jobs",
    summary: "a test API",
    states: ["QUEUED", "RUNNING", "DONE", "FAILED", "CANCELLING", "CANCELLED"],
    terminalStates: ["DONE", "FAILED", "CANCELLED"],
    endpoints: ["create", "status", "cancel"],
    matchFields: ["name"],
    fields: ["pct", "error", "label"],
    permissions: ["read", "write"],
    events: ["cancel": EventScript(timeline: [Phase("CANCELLING", .polls(1)), Phase("CANCELLED")])],
    defaultTimeline: [Phase("QUEUED", .polls(1)), Phase("RUNNING", .polls(2)), Phase("DONE")],
    settings: [.init("style", .oneOf(["camel", "snake"]), default: "camel", "a switch")],
    makeID: { random, ordinal in "job-\(ordinal)-\(random.int(in: 1000...9999))" }
)

let otherAPI = APIDescriptor(
    name: "other",
    summary: "a second test API",
    states: ["ON", "OFF"],
    terminalStates: ["OFF"],
    endpoints: ["status"],
    matchFields: [],
    permissions: [],
    defaultTimeline: [Phase("ON", .polls(1)), Phase("OFF")],
    makeID: { random, _ in random.uuid() }
)

let loader = ScenarioLoader(apis: [testAPI, otherAPI])

func scenario(_ text: String, file: String = "test.json") throws -> Scenario {
    try loader.load(Array(text.utf8), file: file)
}

func engine(_ text: String, time: any TimeSource = ManualTimeSource()) throws -> Engine {
    Engine(scenario: try scenario(text), apis: [testAPI, otherAPI], time: time)
}

extension ReadResult {
    var state: String? {
        if case .found(let run) = self { return run.state }
        return nil
    }

    var isGone: Bool {
        if case .gone = self { return true }
        return false
    }
}

extension Engine {
    /// Reads a run `count` times and returns the states shown ("404" for gone or unknown).
    mutating func states(_ id: String, reads count: Int, api: String = "jobs") -> [String] {
        (0..<count).map { _ in
            switch read(api: api, id: id) {
            case .found(let run): run.state
            case .gone, .notFound: "404"
            }
        }
    }
}
