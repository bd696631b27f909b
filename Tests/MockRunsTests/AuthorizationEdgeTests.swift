import MockRunsHTTP
import Testing

@testable import MockRuns

/// `authorization(scheme:)` read as one walk over the header's bytes: the white space it trims, where the scheme
/// ends, and that the credential comes back byte for byte.
@Suite struct AuthorizationEdgeTests {
    func credential(_ header: String, scheme: String = "Bearer") -> String? {
        HTTPRequest(method: "GET", path: "/", headers: HTTPHeaders([("Authorization", header)])).authorization(scheme: scheme)
    }

    @Test func whiteSpaceAroundTheHeaderAndBeforeTheCredentialIsTrimmed() {
        #expect(credential(" \tBearer tok") == "tok")
        #expect(credential("Bearer \t tok\t ") == "tok")
        #expect(credential("Bearer a b") == "a b")
        #expect(credential("Bearer a\tb") == "a\tb")
        #expect(credential("Bearer \t ") == nil)
        #expect(credential("") == nil)
        #expect(credential(" \t ") == nil)
    }

    /// Only a space ends the scheme (the old form looked for the first space): a tab does not, nor does the end.
    @Test func onlyASpaceEndsTheScheme() {
        #expect(credential("Bearer\ttok") == nil)
        #expect(credential("Bearer\ttok x") == nil)
        #expect(credential("Bear tok") == nil)
        #expect(credential("Bearer") == nil)
        #expect(credential("tok", scheme: "") == nil)
        #expect(credential("Bearer tok", scheme: "") == nil)
        #expect(credential("Bearer tok", scheme: "Bearer tok") == nil)
        #expect(credential("a b c", scheme: "a b") == nil)
    }

    @Test func theCredentialComesBackByteForByte() {
        #expect(credential("Bearer tök\u{301}") == "tök\u{301}")
        #expect(credential("Bearer \u{301}x")?.utf8.elementsEqual("\u{301}x".utf8) == true)
        #expect(credential("BEARER x\u{0}y") == "x\u{0}y")
        #expect(credential("bearer 日本") == "日本")
        #expect(credential("Bearér tok") == nil)
    }
}
