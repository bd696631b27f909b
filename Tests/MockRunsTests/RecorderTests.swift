import MockRunsHTTP
import Scenarios
import Testing

@testable import MockRuns

/// The scenario recorder on exchanges made by hand: what it folds, what it keeps out of the file, where it puts
/// faults, and that what it writes loads.
@Suite struct RecorderTests {
    static let loader = ScenarioLoader(apis: APIRegistry.fakes.map(\.descriptor))
    static let base = "/ga4gh/wes/v1"
    static let auth = HTTPHeaders([("X-SBG-Auth-Token", "very-secret")])

    static func exchange(_ method: String, _ path: String, _ status: Int, _ body: String, ms: Double = 10, headers: HTTPHeaders = auth)
        -> RecordedExchange
    {
        RecordedExchange(
            request: HTTPRequest(method: method, path: path, headers: headers), status: status,
            headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(body.utf8), milliseconds: ms)
    }

    static func status(_ id: String, _ state: String, ms: Double = 10) -> RecordedExchange {
        exchange("GET", base + "/runs/\(id)/status", 200, #"{"run_id":"\#(id)","state":"\#(state)"}"#, ms: ms)
    }

    static func written(_ recorder: ScenarioRecorder) throws -> (JSON, Scenario) {
        let json = recorder.scenario(description: "test")
        let scenario = try loader.load(json.bytes, file: "recorded.json")
        return (json, scenario)
    }

    @Test func statesFoldIntoPhasesByPollsAndAnEventStartsItsOwnTimeline() throws {
        var recorder = try #require(ScenarioRecorder(fake: WESFake()))
        recorder.record(Self.exchange("POST", Self.base + "/runs", 200, #"{"run_id":"r1"}"#, ms: 300))
        for state in ["QUEUED", "QUEUED", "RUNNING", "RUNNING", "RUNNING"] { recorder.record(Self.status("r1", state, ms: 20)) }
        recorder.record(Self.exchange("POST", Self.base + "/runs/r1/cancel", 200, #"{"run_id":"r1"}"#))
        for state in ["CANCELING", "CANCELED", "CANCELED"] { recorder.record(Self.status("r1", state, ms: 40)) }
        let (json, scenario) = try Self.written(recorder)
        let run = try #require(scenario.apis["wes"]?.runs.first)
        #expect(run.timeline == [Phase("QUEUED", .polls(2)), Phase("RUNNING", .hold)])
        #expect(run.events["cancel"]?.timeline == [Phase("CANCELING", .polls(1)), Phase("CANCELED", .hold)])
        // Medians per endpoint: 20 ms for the 8 status reads (20 x5, 40 x3), the one submission's 300 ms.
        #expect(json["apis"]?["wes"]?["latency"] == ["cancel_run": 10, "get_run_status": 20, "run_workflow": 300])
    }

    @Test func credentialsBecomePlaceholdersAndNeverReachTheFile() throws {
        var recorder = try #require(ScenarioRecorder(fake: WESFake()))
        recorder.record(Self.exchange("POST", Self.base + "/runs", 200, #"{"run_id":"r1"}"#))
        recorder.record(Self.exchange("GET", Self.base + "/runs", 200, #"{"runs":[]}"#, headers: HTTPHeaders([("Authorization", "Bearer other-secret")])))
        let (json, scenario) = try Self.written(recorder)
        let text = json.serialized()
        #expect(!text.contains("very-secret") && !text.contains("other-secret"))
        #expect(scenario.apis["wes"]?.auth.credentials?.map(\.key) == ["FILL-IN-CREDENTIAL-1", "FILL-IN-CREDENTIAL-2"])
        #expect(recorder.credentialsSeen.map(\.place) == ["X-SBG-Auth-Token", "Authorization: Bearer"])
        #expect(recorder.credentialsSeen[0].fingerprint == Fingerprint.of("very-secret"))
        // A Bearer token only replays with the setting that takes it.
        #expect(json["apis"]?["wes"]?["settings"]?["acceptBearer"] == true)
    }

    @Test func errorAnswersBecomeFaultsOnTheRunAndRequestWhereTheyHappened() throws {
        var recorder = try #require(ScenarioRecorder(fake: WESFake()))
        recorder.record(Self.exchange("POST", Self.base + "/runs", 200, #"{"run_id":"r1"}"#))
        recorder.record(Self.exchange("POST", Self.base + "/runs", 200, #"{"run_id":"r2"}"#))
        recorder.record(Self.status("r2", "QUEUED"))
        recorder.record(Self.exchange("GET", Self.base + "/runs/r2/status", 503, #"{"msg":"busy","status_code":503}"#))
        recorder.record(Self.exchange("GET", Self.base + "/runs", 500, #"{"msg":"boom","status_code":500}"#))
        let (json, scenario) = try Self.written(recorder)
        let faults = try #require(scenario.apis["wes"]?.faults)
        #expect(faults.count == 2)
        #expect(faults[0].endpoint == "get_run_status")
        #expect(faults[0].runIndex == 2)
        #expect(faults[0].trigger == .nth(2))
        #expect(faults[0].action.status == 503)
        #expect(faults[0].action.body == ["msg": "busy", "status_code": 503])
        #expect(faults[1].endpoint == "list_runs" && faults[1].runIndex == nil && faults[1].trigger == .nth(1))
        // The faulted read is no poll: the run's timeline has only the QUEUED read.
        #expect(json["apis"]?["wes"]?["runs"]?.arrayValue?.count == 2)
        #expect(scenario.apis["wes"]?.runs[1].timeline == [Phase("QUEUED", .hold)])
    }

    @Test func a404AfterTheEndIsTheRunGoingAwayAndACreationStateNoReadShowedLastsAMoment() throws {
        var recorder = try #require(ScenarioRecorder(fake: FoundryFake()))
        let query = [("apiKey", "k"), ("sourceID", "S1"), ("status2Match", "error"), ("stepName", "uuid")]
        func request(_ method: String, _ path: String) -> HTTPRequest {
            HTTPRequest(method: method, path: path, query: query)
        }
        func answer(_ request: HTTPRequest, _ status: Int, _ body: String) -> RecordedExchange {
            RecordedExchange(request: request, status: status, headers: HTTPHeaders(), body: Array(body.utf8), milliseconds: 5)
        }
        recorder.record(answer(request("POST", "/dashboard/run"), 200, #"{"status":"RUNNING","logMessage":"started"}"#))
        recorder.record(answer(request("GET", "/dashboard/run_status"), 200, #"{"status":"FINISHED","logMessage":"done"}"#))
        recorder.record(answer(request("GET", "/dashboard/run_status"), 200, #"{"status":"FINISHED","logMessage":"done"}"#))
        recorder.record(answer(request("GET", "/dashboard/run_status"), 404, "No run scheduled"))
        recorder.record(answer(request("GET", "/dashboard/run_status"), 404, "No run scheduled"))
        let (json, scenario) = try Self.written(recorder)
        let run = try #require(scenario.apis["foundry"]?.runs.first)
        #expect(run.timeline.map(\.state) == ["RUNNING", "FINISHED"])
        #expect(run.timeline[0].duration == .seconds(0.001))
        #expect(run.timeline[1].fields == ["logMessage": "done"])
        #expect(run.fields == ["runLogMessage": "started"])
        #expect(run.notFoundAfter == 2)
        #expect(scenario.apis["foundry"]?.faults.isEmpty == true)
        #expect(json["apis"]?["foundry"]?["settings"] == ["runStatusAfterFinish": "finished"])
    }

    @Test func whatItKeepsIsBounded() throws {
        var recorder = try #require(ScenarioRecorder(fake: WESFake()))
        recorder.record(Self.exchange("POST", Self.base + "/runs", 200, #"{"run_id":"r1"}"#))
        // Alternating states make a new phase per read: the phases stop growing at the limit.
        for index in 0..<(ScenarioRecorder.maximumPhases + 500) { recorder.record(Self.status("r1", index % 2 == 0 ? "RUNNING" : "PAUSED")) }
        for index in 0..<(ScenarioRecorder.maximumCredentials + 5) {
            recorder.record(Self.exchange("GET", Self.base + "/runs", 200, "{}", headers: HTTPHeaders([("X-SBG-Auth-Token", "t\(index)")])))
        }
        let (json, scenario) = try Self.written(recorder)
        #expect(scenario.apis["wes"]?.runs[0].timeline.count == ScenarioRecorder.maximumPhases)
        #expect(recorder.credentialsSeen.count == ScenarioRecorder.maximumCredentials)
        #expect(recorder.dropped.contains { $0.contains("credentials") })
        #expect(json["apis"]?["wes"]?["auth"]?["credentials"]?.arrayValue?.count == ScenarioRecorder.maximumCredentials)
    }

    /// An upstream answer a scenario cannot express (a state the fake has not, a status outside 200–599, a
    /// header it cannot send, a huge error body) is left out or cut and said so; the rest still makes a file
    /// that loads. One such answer used to make the whole recording refuse to load.
    @Test func whatAScenarioCannotExpressIsLeftOutAndTheFileStillLoads() throws {
        var recorder = try #require(ScenarioRecorder(fake: WESFake()))
        recorder.record(Self.exchange("POST", Self.base + "/runs", 200, #"{"run_id":"r1"}"#))
        recorder.record(Self.exchange("POST", Self.base + "/runs", 200, #"{"run_id":"r2"}"#))
        for state in ["QUEUED", "HIBERNATING", "RUNNING", "COMPLETE"] { recorder.record(Self.status("r1", state)) }
        recorder.record(Self.exchange("GET", Self.base + "/runs/r1/status", 999, #"{"msg":"odd","status_code":999}"#))
        var long = Self.exchange("GET", Self.base + "/runs/r2/status", 503, #"{"msg":"busy","status_code":503}"#)
        long.headers.add("Retry-After", String(repeating: "9", count: 5000))
        recorder.record(long)
        let big = #"{"msg":""# + String(repeating: "x", count: 100_000) + #"","status_code":500}"#
        recorder.record(Self.exchange("GET", Self.base + "/runs/r2", 500, big))

        let (json, scenario) = try Self.written(recorder)
        let runs = try #require(scenario.apis["wes"]?.runs)
        #expect(runs.count == 2)
        #expect(runs[0].timeline.map(\.state) == ["QUEUED", "RUNNING", "COMPLETE"])
        let faults = try #require(json["apis"]?["wes"]?["faults"]?.arrayValue)
        #expect(faults.map { $0["respond"]?["status"] } == [503, 500])
        #expect(faults[0]["respond"]?["headers"] == nil)
        #expect(faults[1]["respond"]?["body"]?.stringValue?.utf8.count == ScenarioRecorder.maximumBodyBytes)
        let notes = recorder.dropped.sorted().joined(separator: "\n")
        for said in ["\"HIBERNATING\"", "status 999", "Retry-After", "over 64 KiB"] {
            #expect(notes.contains(said), "\(said) in \(notes)")
        }
    }

    /// A run created in a state the fake has not is kept, without that first state.
    @Test func aRunCreatedInAnUnknownStateIsKeptWithoutIt() throws {
        var recorder = try #require(ScenarioRecorder(fake: WorkspaceFake()))
        let runs = "/api/v1/workspaces/3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10/runs"
        let id = "9b2f6f7e-0c1d-4e5f-8a9b-0c1d2e3f4a5b"
        let key = HTTPHeaders([("X-API-Key", "k")])
        recorder.record(Self.exchange("POST", runs, 201, #"{"id":"\#(id)","status":"warped"}"#, headers: key))
        recorder.record(Self.exchange("GET", runs + "/" + id, 200, #"{"id":"\#(id)","status":"running"}"#, headers: key))
        let (_, scenario) = try Self.written(recorder)
        #expect(scenario.apis["workspace"]?.runs.map { $0.timeline.map(\.state) } == [["running"]])
        #expect(recorder.dropped.contains { $0.contains("\"warped\"") })
    }

    @Test func theNotesOfWhatWasLeftOutAreBounded() throws {
        var recorder = try #require(ScenarioRecorder(fake: WESFake()))
        recorder.record(Self.exchange("POST", Self.base + "/runs", 200, #"{"run_id":"r1"}"#))
        for index in 0..<500 { recorder.record(Self.status("r1", "STATE\(index)")) }
        #expect(recorder.dropped.count == ScenarioRecorder.maximumDroppedLines + 1)
        #expect(recorder.dropped.contains { $0.hasPrefix("more that could not be kept") })
        _ = try Self.written(recorder)
    }

    @Test func onlyFakesWithARecordingCanBeRecorded() {
        #expect(ScenarioRecorder(fake: SolvexiaFake()) == nil)
        #expect(APIRegistry.fakes.filter { $0.recording != nil }.map(\.descriptor.name) == ["foundry", "workspace", "controller", "wes"])
    }
}
