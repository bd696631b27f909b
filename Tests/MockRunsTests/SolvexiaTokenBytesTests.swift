import Foundation
import MockRunsHTTP
import Scenarios
import Testing

@testable import MockRuns

/// An issued Solvexia token is its bytes: a look-alike that Swift's String equality takes for it (U+212A KELVIN
/// SIGN for `K`) is another token, refused where only issued tokens are good.
@Suite struct SolvexiaTokenBytesTests {
    static let file = #"""
        {"seed": 5, "clock": {"mode": "virtual"},
         "apis": {"solvexia": {"auth": {"credentials": []}, "runs": [{"id": "pr-300", "timeline": [{"state": "Running"}]}]}}}
        """#

    @Test func aCanonicallyEqualTokenIsNotTheIssuedOne() throws {
        let scenario = LiveScenario(try SolvexiaStatusMemoTests.engine(Self.file))
        let fake = SolvexiaFake()
        let body = #"{"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"}"#
        var token = ""
        // Tokens are drawn from the seed; the first few hold a K.
        for _ in 0..<20 where !token.contains("K") {
            let issued = SolvexiaStatusMemoTests.answer(
                fake, SolvexiaStatusMemoTests.request("POST", "/oauth/token", token: nil, body: body), scenario: scenario)
            token = try #require(try JSON.parse(issued.body)["access_token"]?.stringValue)
        }
        try #require(token.contains("K"))
        let lookalike = token.replacingOccurrences(of: "K", with: "\u{212A}")
        #expect(lookalike == token && !lookalike.utf8.elementsEqual(token.utf8))
        func poll(_ token: String) -> (status: Int, body: String) {
            SolvexiaStatusMemoTests.answer(
                fake, SolvexiaStatusMemoTests.request("GET", "/api/v1/processruns/pr-300/runstatus", token: token), scenario: scenario)
        }
        #expect(poll(token).status == 200)
        let refused = poll(lookalike)
        #expect(refused.status == 403 && refused.body.contains("invalid token"))
        #expect(poll(token).status == 200)
    }
}
