import MockRunsHTTP
import Testing

@testable import MockRuns

/// How a request's credential is read (`authorization(scheme:)`), how the journal hides it (`Redaction`), and
/// how its media type is read: all work on bytes, so what matches and what is kept does not depend on Unicode
/// case mapping or graphemes.
@Suite struct CredentialParsingTests {
    func request(authorization: String) -> HTTPRequest {
        HTTPRequest(method: "GET", path: "/", headers: HTTPHeaders([("Authorization", authorization)]))
    }

    @Test func theSchemeMatchesWithoutRegardToASCIICaseAndTheCredentialIsTrimmed() {
        #expect(request(authorization: "Bearer tok").authorization(scheme: "Bearer") == "tok")
        #expect(request(authorization: "bEARER   tok \t").authorization(scheme: "Bearer") == "tok")
        #expect(request(authorization: "Api-Key k1").authorization(scheme: "api-key") == "k1")
        #expect(request(authorization: "Bearer").authorization(scheme: "Bearer") == nil)
        #expect(request(authorization: "Bearer   ").authorization(scheme: "Bearer") == nil)
        #expect(request(authorization: "Bearerx tok").authorization(scheme: "Bearer") == nil)
        #expect(request(authorization: "Basic dG9r").authorization(scheme: "Bearer") == nil)
        #expect(HTTPRequest(method: "GET", path: "/").authorization(scheme: "Bearer") == nil)
    }

    /// `"K".lowercased()` is `"k"` (U+212A KELVIN SIGN): compared by Unicode lower-casing, `Api-Key` would
    /// accept a scheme spelled with another character.
    @Test func noOtherCharacterStandsForALetterOfTheScheme() {
        #expect(request(authorization: "Api-\u{212A}ey k1").authorization(scheme: "Api-Key") == nil)
        #expect(request(authorization: "Bearer\u{0}x tok").authorization(scheme: "Bearer") == nil)
    }

    @Test func theMediaTypeIsTheLowerCasedTokenBeforeTheParameters() {
        func type(_ value: String) -> String? { HTTPHeaders([("Content-Type", value)]).mediaType }
        #expect(type("multipart/form-data; boundary=----X7MA4YWxkTrZu0gW") == "multipart/form-data")
        #expect(type(" Application/JSON ;charset=utf-8") == "application/json")
        #expect(type("text/plain") == "text/plain")
        #expect(type(";charset=utf-8") == "")
        #expect(type("APPLICATION/\u{212A}") == "application/\u{212A}")  // only ASCII letters change case
        #expect(HTTPHeaders().mediaType == nil)
        // Odd and hostile values: always the bytes before the first ';', blanks trimmed, nothing invented.
        let odd: [(String, String)] = [
            (";;a;b", ""), (" ; a", ""), ("a;", "a"), ("\ttext/plain\t;\tq=1", "text/plain"), (" \t \t", ""),
            ("TEXT/PLAIN\r\n; x", "text/plain\r\n"), ("Ä/Ö; x", "Ä/Ö"), (" \u{301}text/plain", "\u{301}text/plain"),
            ("text/\u{0}plain; a", "text/\u{0}plain"), ("\u{1F600}/X; y", "\u{1F600}/x"),
        ]
        for (value, expected) in odd { #expect(type(value) == expected, "\(value.debugDescription)") }
        // The first Content-Type is the one read.
        #expect(HTTPHeaders([("content-type", "A/B"), ("Content-Type", "c/d")]).mediaType == "a/b")
    }

    @Test func trimmingCutsSpacesAndTabsAsBytes() {
        #expect(" \t a b \t".trimmingSpaces() == "a b")
        #expect("ab".trimmingSpaces() == "ab")
        #expect(" \t ".trimmingSpaces() == "")
        #expect(" \u{301}x".trimmingSpaces() == "\u{301}x")  // a space before a combining mark is a space
    }

    @Test func redactionKeepsTheSchemeAndFingerprintsTheRest() {
        let fingerprint = Fingerprint.of("tok")
        #expect(Redaction.headerValue("Authorization", "Bearer tok") == "Bearer " + fingerprint)
        #expect(Redaction.headerValue("authorization", "Bearer  tok") == "Bearer " + Fingerprint.of(" tok"))
        #expect(Redaction.headerValue("Authorization", "tok") == fingerprint)
        #expect(Redaction.headerValue("Authorization", "Bearer ") == Fingerprint.of("Bearer "))
        #expect(Redaction.headerValue("X-SBG-Auth-Token", "tok") == fingerprint)
        #expect(Redaction.headerValue("X-Api-Key", "Bearer tok") == Fingerprint.of("Bearer tok"))  // a token header: whole
        #expect(Redaction.headerValue("Accept", "Bearer tok") == "Bearer tok")
        #expect(Redaction.headerValue("X-Api-Kez", "tok") == "tok")  // same length as a credential header, not one
        #expect(Redaction.queryValue("API_KEY", "k") == Fingerprint.of("k"))
        #expect(Redaction.queryValue("apikeys", "k") == "k")
    }

    /// Repeated credentials are remembered; large texts (a submitted body) are hashed each time, never kept, so
    /// a client posting new bodies cannot grow the memo by a body each.
    @Test func theFingerprintMemoKeepsNoLargeText() {
        var memo = Fingerprint.Memo()
        memo.keep(Array(repeating: 0x61, count: Fingerprint.memoKeyLimit), "small enough")
        memo.keep(Array(repeating: 0x62, count: Fingerprint.memoKeyLimit + 1), "too large")
        #expect(memo.table.values.sorted() == ["small enough"])
        let large = String(repeating: "b", count: 100_000)
        #expect(Fingerprint.of(large) == Fingerprint.of(large))  // the same answer, hashed again
        #expect(Fingerprint.of(large) != Fingerprint.of(large + "c"))
    }

    /// The journal's lists: every credential redacted wherever it stands, everything else as sent, in order.
    @Test func redactedListsChangeOnlyTheCredentials() {
        let headers = [("Host", "h"), ("X-SBG-Auth-Token", "t1"), ("Accept", "a"), ("Cookie", "c=1"), ("Authorization", "Bearer t2")]
        let journalled = Redaction.headers(headers.map { (name: $0.0, value: $0.1) })
        #expect(journalled.map(\.name) == headers.map(\.0))
        #expect(journalled.map(\.value) == ["h", Fingerprint.of("t1"), "a", Fingerprint.of("c=1"), "Bearer " + Fingerprint.of("t2")])
        let plain = [(name: "Host", value: "h"), (name: "Accept", value: "a")]
        #expect(Redaction.headers(plain).map(\.value) == ["h", "a"])
        let query = Redaction.query([(name: "sourceID", value: "s"), (name: "apiKey", value: "k"), (name: "token", value: "t")])
        #expect(query.map(\.value) == ["s", Fingerprint.of("k"), Fingerprint.of("t")])
        #expect(Redaction.query([(name: "resourceID", value: "r")]).map(\.value) == ["r"])
    }
}
