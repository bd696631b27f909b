import MockRunsHTTP
import Testing

@testable import MockRuns

/// The router's memo of the last request matched answers exactly what matching anew answers, whatever came
/// before: repeats, other methods, paths that differ only in case or in bytes (canonically equal), long paths.
@Suite struct RouterMemoTests {
    let router = Router(APIRegistry.fakes.map(\.routeTable))

    func describe(_ match: Router.Match?) -> String {
        switch match {
        case .endpoint(let index, let endpoint)?:
            "\(index) \(endpoint.name) \(endpoint.runID.map { Array($0.utf8) } ?? []) \(endpoint.parameters.sorted { $0.key < $1.key }.map { [$0.key, $0.value].map { Array($0.utf8) } })"
        case .error(let index, let error)?: "\(index) error \(error.status) \(error.message) \(error.headers)"
        case nil: "none"
        }
    }

    @Test func everyAnswerIsWhatMatchingAnewGives() {
        let long = "/ga4gh/wes/v1/runs/" + String(repeating: "x", count: 3000) + "/status"
        let paths = [
            "/ga4gh/wes/v1/runs/abc/status", "/ga4gh/wes/v1/runs/abc/status", "/ga4gh/wes/v1/runs/abd/status",
            "/GA4GH/wes/v1/runs/abc/status", "/ga4gh/wes/v1/runs/abc/status/", "/ga4gh/wes/v1/runs/caf\u{E9}/status",
            "/ga4gh/wes/v1/runs/cafe\u{301}/status", "/ga4gh/wes/v1/runs/caf\u{E9}/status", "/ga4gh/wes/v1/nothing", "/nothing",
            "", "/", long, long, "/api/v1/processruns/pr-263/runstatus", "/api/v1/processRuns/pr-263/runstatus",
            "/dashboard/run_status", "/dashboard/run_status", "/ga4gh/wes/v1/runs/abc/status",
        ]
        let methods = ["GET", "GET", "HEAD", "DELETE", "POST", "GET"]
        var checked = 0
        for (index, path) in paths.enumerated() {
            for method in [methods[index % methods.count], "GET", "GET", "PATCH"] {
                let request = HTTPRequest(method: method, path: path)
                #expect(describe(router.match(request)) == describe(router.matchAnew(request)), "\(method) \(path)")
                checked += 1
            }
        }
        #expect(checked == paths.count * 4)
        // The canonically equal run ids are kept apart.
        let composed = router.match(HTTPRequest(method: "GET", path: "/ga4gh/wes/v1/runs/caf\u{E9}/status"))
        let decomposed = router.match(HTTPRequest(method: "GET", path: "/ga4gh/wes/v1/runs/cafe\u{301}/status"))
        #expect(describe(composed) != describe(decomposed))
    }
}
