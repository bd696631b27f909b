import Scenarios
import Testing

/// Per-request work must not grow with the number of runs or ids the engine has seen.
@Suite struct EngineScalingTests {
    static let faulted = """
        {"apis": {"jobs": {
          "faults": [{"endpoint": "status", "run": "watched", "nth": 3, "respond": {"status": 503}}],
          "auth": {"credentials": ["a", {"key": "k", "revokedWhen": {"state": "DONE", "run": "watched"}}]}}}}
        """

    /// Asking about unknown ids leaves nothing behind: only endpoint counters and those of fault-named runs.
    @Test func unknownIdsKeepNoCounters() throws {
        func counters(afterAsking ids: Int) throws -> Int {
            var e = try engine(Self.faulted)
            for i in 0..<ids {
                _ = e.admit(api: "jobs", endpoint: "status", runID: "unknown-\(i)")
                _ = e.admit(api: "other", endpoint: "status", runID: "unknown-\(i)")
                _ = e.read(api: "jobs", id: "unknown-\(i)")
            }
            return e.requestCounterCount
        }
        let few = try counters(afterAsking: 100)
        #expect(few == 4)  // status and * for each of the two APIs
        #expect(try counters(afterAsking: 100_000) == few)
    }

    /// Counting per run for the run a fault names still works among many other ids, and is counted per run.
    @Test func faultNamedRunIsStillCountedAmongOthers() throws {
        var e = try engine(Self.faulted)
        var hits: [Int] = []
        for i in 1...5 {
            for j in 0..<1_000 { _ = e.admit(api: "jobs", endpoint: "status", runID: "noise-\(i)-\(j)") }
            if e.admit(api: "jobs", endpoint: "status", runID: "watched").fault?.status == 503 { hits.append(i) }
        }
        #expect(hits == [3])
    }

    /// Re-creating an id many times keeps the creation order right (holes are compacted away).
    @Test func recreatedIdsKeepCreationOrder() throws {
        var e = try engine("{}")
        e.createRun(api: "jobs", request: [:], id: "a")
        e.createRun(api: "jobs", request: [:], id: "b")
        for _ in 0..<1_000 { e.createRun(api: "jobs", request: [:], id: "a") }
        e.createRun(api: "jobs", request: [:], id: "c")
        e.createRun(api: "jobs", request: [:], id: "b")
        #expect(e.runs(api: "jobs").map(\.id) == ["a", "c", "b"])
    }

    /// A revoked key stays revoked until reset, and checking it no longer settles every run.
    @Test func revocationStaysUntilReset() throws {
        var e = try engine(
            #"{"apis": {"jobs": {"auth": {"credentials": [{"key": "k", "revokedWhen": {"state": "DONE"}}]}}}}"#)
        let id = e.createRun(api: "jobs", request: [:]).id
        _ = e.states(id, reads: 4)
        #expect(e.authorize(api: "jobs", credential: "k", permission: "read") == .expired)
        // The run that reached DONE starts afresh under the same id: the key stays revoked.
        e.createRun(api: "jobs", request: [:], id: id)
        #expect(e.authorize(api: "jobs", credential: "k", permission: "read") == .expired)
        e.reset()
        #expect(e.authorize(api: "jobs", credential: "k", permission: "read") == .granted)
    }

    /// 50,000 runs and 150,000 requests about them. Before, each request copied the API's dictionaries
    /// (copy-on-write), so this took hours; the limit is only there to turn such a regression into a failure.
    @Test(.timeLimit(.minutes(1))) func requestsStayCheapWithManyRuns() throws {
        var e = try engine(Self.faulted)
        var ids: [String] = []
        for _ in 0..<50_000 { ids.append(e.createRun(api: "jobs", request: [:]).id) }
        var granted = 0
        for id in ids {
            _ = e.admit(api: "jobs", endpoint: "status", runID: id)
            if e.authorize(api: "jobs", credential: "k", permission: "read") == .granted { granted += 1 }
            _ = e.read(api: "jobs", id: id)
        }
        #expect(granted == ids.count)
        #expect(e.runs(api: "jobs").count == 50_000)
    }
}
