import MockRuns
import Testing

/// The session table's rules without a server: names, the cap, creation order, idle expiry on a told clock.
@Suite struct SessionTableTests {
    func make(_ name: String, _ id: Int) -> String { "\(name)#\(id)" }

    @Test func namesPickedInCreationOrderSkippingTakenOnes() throws {
        var table = SessionTable<String>(maximum: 10, ttl: nil)
        #expect(try table.create(name: nil, now: 0, make: make).name == "s1")
        #expect(try table.create(name: "s2", now: 0, make: make).name == "s2")
        #expect(try table.create(name: nil, now: 0, make: make).name == "s3")
        let removed = table.remove("s1")
        #expect(removed)
        #expect(try table.create(name: nil, now: 0, make: make).name == "s4", "a picked name is never picked again")
        let listed = table.list(now: 0)
        #expect(listed.map(\.name) == ["s2", "s3", "s4"])
        #expect(listed.map(\.id) == [2, 3, 4])
        #expect(table.entry(id: 1) == nil, "a deleted session's id finds nothing")
        #expect(table.entry(id: 3)?.value == "s3#3")
    }

    @Test func takenNamesAndTheCap() throws {
        var table = SessionTable<String>(maximum: 2, ttl: nil)
        _ = try table.create(name: "a", now: 0, make: make)
        for taken in ["a", "default"] {
            do {
                _ = try table.create(name: taken, now: 0, make: make)
                Issue.record("\(taken) was taken")
            } catch {
                #expect(error.status == 409)
            }
        }
        _ = try table.create(name: "b", now: 0, make: make)
        do {
            _ = try table.create(name: "c", now: 0, make: make)
            Issue.record("past the cap")
        } catch {
            #expect(error.status == 429)
            #expect(error.message.hasPrefix("2 sessions exist, the cap is --max-sessions 2"))
        }
        #expect(table.count == 2)
    }

    @Test func idleSessionsEndOnlyAfterTheTTL() throws {
        var table = SessionTable<String>(maximum: 10, ttl: 5)
        _ = try table.create(name: "a", now: 0, make: make)
        _ = try table.create(name: "b", now: 0, make: make)
        let early = table.use("a", now: 4.9), b = table.use("b", now: 5)
        #expect(early != nil)
        #expect(b == nil, "idle 5 s of 5")
        let later = table.use("a", now: 9.8)
        #expect(later != nil, "used at 4.9")
        let left = table.list(now: 14.8)
        #expect(left.isEmpty)
        // Without a TTL nothing ends.
        var forever = SessionTable<String>(maximum: 10, ttl: nil)
        _ = try forever.create(name: "a", now: 0, make: make)
        let kept = forever.use("a", now: 1e9)
        #expect(kept != nil)
    }

    @Test func whatANameMayBe() {
        for good in ["a", "s1", "A.b_c-9", String(repeating: "x", count: 64), "..a"] {
            #expect(SessionName.problem(with: good) == nil, "\(good)")
        }
        for bad in ["", String(repeating: "x", count: 65), "default", ".", "..", "../x", "a/b", "a\u{0}b", "a b", "\u{212A}", "é", "a%2Fb"] {
            #expect(SessionName.problem(with: bad) != nil, "\(bad)")
        }
    }
}
