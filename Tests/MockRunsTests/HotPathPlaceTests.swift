import Scenarios
import Testing

@testable import MockRuns

/// `MockRunsApp.place(ofPath:)`, the one look at a path's first bytes that sends it to a session, the admin API,
/// the health check or the APIs: every path goes where the separate checks it replaced sent it (kept here as
/// the reference), the edges of each prefix included.
@Suite struct HotPathPlaceTests {
    /// The checks before the one look, in their order.
    static func reference(_ path: String) -> MockRunsApp.PathPlace {
        guard Array(path.utf8.prefix(3)) == Array("/__".utf8) else { return .api }
        if path.hasBytePrefix("/__sessions/") { return .session }
        if path.hasASCIIPrefix("/__mockruns/") || path == "/__mockruns" {
            return path.hasSameUTF8(as: "/__mockruns/health") ? .health : .admin
        }
        return .api
    }

    @Test func eachPlace() {
        #expect(MockRunsApp.place(ofPath: "/__mockruns/health") == .health)
        #expect(MockRunsApp.place(ofPath: "/__mockruns/health/") == .admin)
        #expect(MockRunsApp.place(ofPath: "/__mockruns/journal") == .admin)
        #expect(MockRunsApp.place(ofPath: "/__mockruns") == .admin)
        #expect(MockRunsApp.place(ofPath: "/__mockruns/") == .admin)
        #expect(MockRunsApp.place(ofPath: "/__sessions/a/ga4gh/wes/v1/runs") == .session)
        #expect(MockRunsApp.place(ofPath: "/__sessions/") == .session)
        #expect(MockRunsApp.place(ofPath: "/ga4gh/wes/v1/runs/x/status") == .api)
        #expect(MockRunsApp.place(ofPath: "/__other") == .api)
        #expect(MockRunsApp.place(ofPath: "") == .api)
    }

    @Test func pathsGoWhereTheSeparateChecksSentThem() {
        let paths = [
            "", "/", "/_", "/__", "/___", "/__s", "/__sessions", "/__sessions/", "/__sessions/x", "/__Sessions/x",
            "/__mockruns", "/__mockrunz", "/__MOCKRUNS", "/__mockruns/", "/__mockruns/h", "/__mockruns/health",
            "/__mockruns/healthy", "/__mockruns/Health", "/__mockruns/healtH", "/__mockruns/health/", "/__mockruns/health\u{0}",
            "/__mockrun", "/__mockruns_", "/__mockrunsX/health", "/__mockruns/\u{301}health", "/__mockruns/é",
            "/__mockruns\u{301}", "/__mockruns/\u{301}", "/__sessions/\u{301}", "/\u{301}__mockruns/health",
            "/__mockruns/sessions/a/health", "/ga4gh/wes/v1/service-info", "/__\u{0}mockruns/", "x/__mockruns/",
        ]
        for path in paths {
            #expect(MockRunsApp.place(ofPath: path) == Self.reference(path), "\(path.debugDescription)")
        }
        // The combining mark joins the prefix's slash into another Character: not the admin API, as before.
        #expect(MockRunsApp.place(ofPath: "/__mockruns/\u{301}health") == .api)
        #expect(MockRunsApp.place(ofPath: "/__mockruns/é") == .admin)
    }
}
