import Scenarios
import Testing

@Suite struct ConcurrencyTests {
    /// Many threads creating and polling runs through one LiveScenario: no lost updates, every run complete.
    @Test func concurrentRequestsKeepStateConsistent() async throws {
        let live = LiveScenario(try engine("{}"))
        let ids = await withTaskGroup(of: String.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    let id = live.withEngine { $0.createRun(api: "jobs", request: [:]).id }
                    for _ in 0..<4 { _ = live.withEngine { $0.read(api: "jobs", id: id) } }
                    return id
                }
            }
            var ids: [String] = []
            for await id in group { ids.append(id) }
            return ids
        }
        #expect(Set(ids).count == 64)
        let runs = live.withEngine { $0.runs(api: "jobs") }
        #expect(runs.count == 64)
        #expect(runs.allSatisfy { $0.state == "DONE" && $0.reads == 4 })
    }
}
