import MockRunsHTTP
import Testing

@testable import MockRuns

/// The router compiled from every fake's table must pick exactly what trying each fake's table in turn picks
/// (the behaviour before it existed), for every path a client can send.
@Suite struct RoutingTests {
    let fakes = APIRegistry.fakes
    var router: Router { Router(fakes.map(\.routeTable)) }

    /// The old way: every table in registry order, the first that matches or claims the path answers.
    func oracle(_ request: HTTPRequest) -> String {
        for (index, fake) in fakes.enumerated() {
            do {
                if let endpoint = try fake.routeTable.endpoint(for: request, path: PathSegments(request.path)) {
                    return "\(index) \(endpoint.name) \(endpoint.runID ?? "-") \(endpoint.parameters.sorted { $0.key < $1.key })"
                }
            } catch {
                return "\(index) error \(error.status) \(error.message)"
            }
        }
        return "none"
    }

    func describe(_ match: Router.Match?) -> String {
        switch match {
        case .endpoint(let index, let endpoint)?:
            "\(index) \(endpoint.name) \(endpoint.runID ?? "-") \(endpoint.parameters.sorted { $0.key < $1.key })"
        case .error(let index, let error)?: "\(index) error \(error.status) \(error.message)"
        case nil: "none"
        }
    }

    func index(of api: String) -> Int { fakes.firstIndex { $0.descriptor.name == api }! }

    @Test func eachAPIsStatusPollFindsItsFakeAndRun() throws {
        let cases: [(String, String, String, String?)] = [
            ("GET", "/ga4gh/wes/v1/runs/abc/status", "wes", "abc"),
            ("GET", "/dashboard/run_status", "foundry", nil),
            ("GET", "/foundry/api/dashboard/run_status", "foundry", nil),
            ("GET", "/controller/run_status", "controller", nil),
            ("GET", "/api/v1/processruns/pr-1/runstatus", "solvexia", "pr-1"),
            ("GET", "/API/V1/ProcessRuns/pr-1/RunStatus", "solvexia", "pr-1"),
            ("GET", "/api/v1/workspaces/ws/runs/r-9", "workspace", "r-9"),
            ("POST", "/oauth/token", "solvexia", nil),
        ]
        for (method, path, api, run) in cases {
            guard case .endpoint(let fake, let endpoint)? = router.match(HTTPRequest(method: method, path: path)) else {
                Issue.record("\(method) \(path) matched nothing")
                continue
            }
            #expect(fake == index(of: api), "\(path)")
            #expect(endpoint.runID == run, "\(path)")
        }
    }

    @Test func aCaptureKeepsTheClientsBytesAndCase() {
        let match = router.match(HTTPRequest(method: "GET", path: "/API/v1/processruns/PR-Ünï/steps/S1/runstatus"))
        guard case .endpoint(_, let endpoint)? = match else { Issue.record("no match"); return }
        #expect(endpoint.parameters == ["id": "PR-Ünï", "stepId": "S1"])
    }

    @Test func wrongMethodAndClaimedPrefixAreTheOwningAPIsErrors() {
        guard case .error(let fake, let error)? = router.match(HTTPRequest(method: "DELETE", path: "/ga4gh/wes/v1/runs")) else {
            Issue.record("no 405"); return
        }
        #expect(fake == index(of: "wes"))
        #expect(error.status == 405)
        #expect(error.headers["Allow"] == "GET, POST")
        guard case .error(let owner, let notFound)? = router.match(HTTPRequest(method: "GET", path: "/GA4GH/WES/v1/nothing")) else {
            Issue.record("no 404"); return
        }
        #expect(owner == index(of: "wes"))
        #expect(notFound.status == 404)
        #expect(router.match(HTTPRequest(method: "GET", path: "/ga4ghx/wes/v1/runs")) == nil)
        #expect(router.match(HTTPRequest(method: "GET", path: "/")) == nil)
    }

    @Test func aTableStartingWithACaptureStillSeesEveryPathInRegistryOrder() {
        let first = RouteTable([Route("GET", "/{tenant}/jobs", endpoint: "jobs")], claiming: [])
        let second = RouteTable([Route("GET", "/ga4gh/jobs", endpoint: "ga4gh-jobs")], claiming: [])
        let router = Router([first, second])
        guard case .endpoint(let fake, let endpoint)? = router.match(HTTPRequest(method: "GET", path: "/ga4gh/jobs")) else {
            Issue.record("no match"); return
        }
        #expect(fake == 0)
        #expect(endpoint.parameters == ["tenant": "ga4gh"])
        let reversed = Router([second, first])
        guard case .endpoint(let other, _)? = reversed.match(HTTPRequest(method: "GET", path: "/ga4gh/jobs")) else {
            Issue.record("no match"); return
        }
        #expect(other == 0)
    }

    /// Paths built from every route's own pieces, mistyped, re-cased, doubled slashes and stray bytes: the
    /// router and the table-by-table oracle agree on every one (seeded, so a failure repeats).
    @Test func theRouterAgreesWithTryingEveryTableInTurn() {
        var pieces = Set<String>()
        for fake in fakes {
            for route in fake.routeTable.routes {
                for part in route.path.pattern.split(separator: "/") { pieces.insert(String(part)) }
            }
        }
        let words = pieces.sorted() + ["x", "", "RUNS", "Dashboard", "%00", "é", "run_status/"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let methods = ["GET", "POST", "HEAD", "DELETE", "PUT"]
        var checked = 0
        for _ in 0..<4000 {
            var path = ""
            for _ in 0..<(1 + next(7)) { path += (next(10) == 0 ? "//" : "/") + words[next(words.count)] }
            if next(4) == 0 { path += "/" }
            let request = HTTPRequest(method: methods[next(methods.count)], path: path)
            #expect(describe(router.match(request)) == oracle(request), "\(request.method) \(path)")
            checked += 1
        }
        // And every route's own pattern, with its captures filled in.
        for fake in fakes {
            for route in fake.routeTable.routes {
                let path = route.path.pattern.replacing("{", with: "v-").replacing("}", with: "")
                let request = HTTPRequest(method: route.method, path: path)
                #expect(describe(router.match(request)) == oracle(request))
                #expect(describe(router.match(request)).contains(" \(route.endpoint) "), "\(path)")
                checked += 1
            }
        }
        #expect(checked > 4000)
    }
}
