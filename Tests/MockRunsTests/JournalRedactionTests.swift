import MockRunsHTTP
import Testing

@testable import MockRuns

/// The journal's copy of a request's headers and query: every credential value fingerprinted, the rest as sent,
/// in order; a fingerprint handed in (`known`) is taken only for a value of the very same bytes.
@Suite struct JournalRedactionTests {
    typealias Fields = [(name: String, value: String)]

    /// Field by field with `headerValue`/`queryValue`, the plain formula.
    func plain(_ fields: Fields, query: Bool = false) -> [String] {
        fields.map { "\($0.name)=\(query ? Redaction.queryValue($0.name, $0.value) : Redaction.headerValue($0.name, $0.value))" }
    }

    func flat(_ fields: Fields) -> [String] { fields.map { "\($0.name)=\($0.value)" } }

    let headerSets: [Fields] = [
        [],
        [("Host", "h"), ("Accept", "*/*")],
        [("Host", "h"), ("X-SBG-Auth-Token", "tok"), ("Accept", "*/*")],
        [("X-SBG-Auth-Token", "tok")],
        [("Accept", "a"), ("Authorization", "Bearer tok"), ("Cookie", "c=1"), ("authorization", "tok"), ("X", "tok")],
        [("Proxy-Authorization", "Basic  tok"), ("X-API-Key", "tok"), ("X-Api-Kez", "tok"), ("Cookie", "")],
        [("Authorization", "Bearer caf\u{E9}"), ("X-API-Key", "cafe\u{301}")],
    ]

    @Test func headersAreThePlainFormulaWhateverIsKnown() {
        let knowns: [(secret: String, fingerprint: String)?] = [
            nil, ("tok", Fingerprint.of("tok")), ("caf\u{E9}", Fingerprint.of("caf\u{E9}")), ("other", Fingerprint.of("other")),
        ]
        for fields in headerSets {
            for known in knowns {
                #expect(flat(Redaction.headers(fields, known: known)) == plain(fields), "\(fields) \(String(describing: known))")
            }
        }
    }

    @Test func aKnownFingerprintIsTakenOnlyForTheSameBytes() {
        // A made-up fingerprint shows where it was taken.
        let marked = (secret: "caf\u{E9}", fingerprint: "sha256:marked!!")
        let fields: Fields = [("X-API-Key", "caf\u{E9}"), ("Authorization", "Bearer caf\u{E9}"), ("Cookie", "cafe\u{301}")]
        #expect(
            flat(Redaction.headers(fields, known: marked))
                == ["X-API-Key=sha256:marked!!", "Authorization=Bearer sha256:marked!!", "Cookie=" + Fingerprint.of("cafe\u{301}")])
        let query: Fields = [("a", "caf\u{E9}"), ("apikey", "cafe\u{301}"), ("token", "caf\u{E9}")]
        #expect(flat(Redaction.query(query, known: marked)) == ["a=caf\u{E9}", "apikey=" + Fingerprint.of("cafe\u{301}"), "token=sha256:marked!!"])
    }

    @Test func queryIsThePlainFormula() {
        let sets: [Fields] = [[], [("a", "1")], [("apiKey", "k"), ("x", "y"), ("TOKEN", "t"), ("api_key", "")], [("x", "1"), ("client_secret", "s")]]
        for pairs in sets {
            #expect(flat(Redaction.query(pairs)) == plain(pairs, query: true))
            #expect(flat(Redaction.query(pairs, known: ("k", Fingerprint.of("k")))) == plain(pairs, query: true))
        }
    }

    /// The last Authorization value redacted is remembered (issue 10): values one after another, each differing
    /// from the one before in a byte, a space, a composed letter or the fingerprint handed in, are each the plain
    /// formula (or take the handed-in fingerprint), and a value too large is not kept.
    @Test func theRememberedAuthorizationIsThePlainFormulaForEveryNextValue() {
        let values = [
            "Bearer tok123", "Bearer tok123", "Bearer tok124", "Bearer tok123", "bearer tok123", "Bearer  tok123",
            "Bearer tok123 ", "Bearer", "Bearer ", "Bearer caf\u{E9}", "Bearer cafe\u{301}", "Bearer caf\u{E9}",
            "Bearer\u{0}tok123", "Basic dXNlcjpwdw==", "Bearer tok123",
        ]
        for _ in 0..<2 {
            for value in values {
                let fields: Fields = [("Host", "h"), ("Authorization", value)]
                #expect(flat(Redaction.headers(fields)) == plain(fields), "\(value.debugDescription)")
                #expect(flat(Redaction.headers(fields, known: ("tok123", Fingerprint.of("tok123")))) == plain(fields))
            }
        }
        // A fingerprint handed in is taken even right after the same value was redacted without it.
        let fields: Fields = [("Authorization", "Bearer tok123")]
        _ = Redaction.headers(fields)
        #expect(flat(Redaction.headers(fields, known: ("tok123", "sha256:marked!!"))) == ["Authorization=Bearer sha256:marked!!"])
        #expect(flat(Redaction.headers(fields)) == plain(fields))
        let last = Redaction.LastAuthorization(value: "Bearer t", known: nil, redacted: "marked")
        #expect(last?.redacted(for: "Bearer t", known: nil) == "marked")
        #expect(last?.redacted(for: "Bearer t", known: "sha256:1") == nil)
        #expect(last?.redacted(for: "Bearer u", known: nil) == nil)
        #expect(Redaction.LastAuthorization(value: "Bearer " + String(repeating: "t", count: 4096), known: nil, redacted: "") == nil)
    }

    /// Credentials compare as bytes (the journal's known fingerprint is reused only for the same bytes).
    @Test func credentialsEqualIsByteEquality() {
        let texts = ["", "a", "tok", "tok2", "caf\u{E9}", "cafe\u{301}", "a\u{0}b", "a\u{0}c", String(repeating: "x", count: 300), "long token value 1234"]
        for a in texts {
            for b in texts { #expect(Credentials.equal(a, b) == (Array(a.utf8) == Array(b.utf8)), "\(a) \(b)") }
        }
    }
}
