import Testing

@testable import MockRuns

/// Route patterns are compiled at start-up; an ASCII pattern is cut as bytes (`PathPattern.asciiSegments`), which
/// must give exactly the segments the `Character` split gives it (`characterSegments`, the way before).
@Suite struct StartupRoutingTests {
    /// Every route of every fake, and patterns at the edges of the cut: empty, doubled and trailing slashes,
    /// braces alone, empty braces, braces inside a segment, mixed case.
    static let patterns: [String] =
        APIRegistry.fakes.flatMap { $0.routeTable.routes.map(\.path.pattern) }
        + [
            "", "/", "//", "a", "/a", "a/", "/a//b/", "{}", "/{}", "{", "}", "/{/", "/}/", "/{a", "/a}", "/{a}b",
            "/a{b}", "/{a}{b}", "/{{a}}", "/{a/b}", "/api/v1/processRuns/{id}/steps/{stepId}", "/X/{Y}/z",
        ]

    @Test(arguments: patterns, [false, true])
    func asciiPatternsAreCutAsTheCharacterSplitCutsThem(pattern: String, caseInsensitive: Bool) {
        let bytes = PathPattern.asciiSegments(Array(pattern.utf8), caseInsensitive: caseInsensitive)
        #expect(bytes == PathPattern.characterSegments(pattern, caseInsensitive: caseInsensitive))
        #expect(PathPattern(pattern, caseInsensitive: caseInsensitive).segments == bytes)
    }

    @Test func bracesCaptureAndLiteralsMatchAsCut() throws {
        let pattern = PathPattern("/Runs/{id}/{}/{x")
        let parameters = try #require(pattern.match(PathSegments("/Runs/r-1/two/{x/")))
        #expect(parameters["id"] == "r-1")
        #expect(parameters[""] == "two")
        #expect(pattern.match(PathSegments("/runs/r-1/two/{x")) == nil)  // case kept
        #expect(PathPattern("/Runs/{id}", caseInsensitive: true).match(PathSegments("/rUNS/7"))?["id"] == "7")
    }

    /// A non-ASCII pattern keeps the `Character` split: a combining mark after `/` or `}` joins it, so neither
    /// cuts nor closes a capture there.
    @Test func nonASCIIPatternsKeepTheCharacterSplit() {
        let joined = PathPattern("/a/\u{301}b")
        #expect(joined.segments == [.literal(Literal("a/\u{301}b", caseInsensitive: false))])
        #expect(joined.match(PathSegments("/a/\u{301}b")) == nil)  // the path is cut as bytes: two segments
        let notCapture = PathPattern("/\u{E9}/{id}\u{301}")
        #expect(notCapture.segments == [
            .literal(Literal("\u{E9}", caseInsensitive: false)), .literal(Literal("{id}\u{301}", caseInsensitive: false)),
        ])
        #expect(notCapture.match(PathSegments("/\u{E9}/{id}\u{301}")) == [:])
    }
}
