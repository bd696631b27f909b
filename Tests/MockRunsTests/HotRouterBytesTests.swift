import Testing

@testable import MockRuns

/// `Router.sameBytes`, the memo's key comparison: equal exactly when the UTF-8 bytes are, whatever Unicode says.
@Suite struct HotRouterBytesTests {
    @Test(arguments: [
        ("", ""), ("", "a"), ("a", ""), ("GET", "GET"), ("GET", "get"), ("GET", "GETS"),
        ("caf\u{E9}", "cafe\u{301}"),  // canonically equal, other bytes
        ("a\u{0}b", "a\u{0}b"), ("a\u{0}b", "a\u{0}c"), ("a\u{0}", "a"),
        ("/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status", "/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status"),
        ("/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status", "/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/statuS"),
        ("/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status", "/Ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status"),
    ])
    func equalExactlyForTheSameBytes(_ pair: (String, String)) {
        let (a, b) = pair
        #expect(Router.sameBytes(a, b) == (Array(a.utf8) == Array(b.utf8)), "\(Array(a.utf8)) \(Array(b.utf8))")
        #expect(Router.sameBytes(b, a) == Router.sameBytes(a, b))
    }

    /// A string made from a Substring (a slice of a longer native one) compares by its own bytes.
    @Test func slicedStringsCompareByTheirBytes() {
        let long = "xx/ga4gh/wes/v1/runs/abc/statusyy"
        let cut = String(long.dropFirst(2).dropLast(2))
        #expect(Router.sameBytes(cut, "/ga4gh/wes/v1/runs/abc/status"))
        #expect(!Router.sameBytes(cut, "/ga4gh/wes/v1/runs/abd/status"))
    }
}
