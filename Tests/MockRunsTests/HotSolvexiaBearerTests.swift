import MockRunsHTTP
import Testing

@testable import MockRuns

/// `SolvexiaAuth.bearer`, the token of the last Authorization value remembered: every answer is
/// `authorization(scheme: "Bearer")`'s for the same request, whatever came before it, and a value is found
/// again only for its very bytes.
@Suite struct HotSolvexiaBearerTests {
    static let values = [
        "Bearer tok", "Bearer tok", "bearer tok", "Bearer  tok ", "Bearer tok2", "Basic dXNlcjpwdw==", "Bearer", "Bearer ",
        "Bearer \u{212A}ey", "Bearer Key", "Bearer caf\u{E9}", "Bearer cafe\u{301}", "Bearer a\u{0}b", "Bearer\ttok",
        "Bearer tok",
    ]

    func request(_ authorization: String?) -> HTTPRequest {
        HTTPRequest(
            method: "GET", path: "/api/v1/processruns/pr-1/runstatus",
            headers: HTTPHeaders(authorization.map { [("Authorization", $0)] } ?? []))
    }

    @Test func everyTokenIsThePlainReadings() {
        // Forward, backward and each twice in a row: a remembered value never answers for another.
        for order in [Self.values, Self.values.reversed(), Self.values.flatMap { [$0, $0] }] {
            for value in order {
                let request = request(value)
                #expect(SolvexiaAuth.bearer(request) == request.authorization(scheme: "Bearer"), "\(Array(value.utf8))")
            }
        }
        #expect(SolvexiaAuth.bearer(request(nil)) == nil)
        #expect(SolvexiaAuth.bearer(request("Bearer cafe\u{301}")).map { Array($0.utf8) } == Array("cafe\u{301}".utf8))
        #expect(SolvexiaAuth.bearer(request("Bearer caf\u{E9}")).map { Array($0.utf8) } == Array("caf\u{E9}".utf8))
    }

    @Test func theEntryIsFoundOnlyForItsBytesAndBounded() throws {
        let last = try #require(SolvexiaAuth.LastBearer(header: "Bearer tok", token: "tok"))
        #expect(last.token(for: "Bearer tok") == .some("tok"))
        #expect(last.token(for: "bearer tok") == nil)
        #expect(last.token(for: "Bearer tok ") == nil)
        let none = try #require(SolvexiaAuth.LastBearer(header: "Basic x", token: nil))
        #expect(none.token(for: "Basic x") == .some(nil))
        #expect(SolvexiaAuth.LastBearer(header: "Bearer " + String(repeating: "t", count: 4096), token: nil) == nil)
    }
}
