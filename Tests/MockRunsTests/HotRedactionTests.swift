import MockRunsHTTP
import Testing

@testable import MockRuns

/// `Redaction.LastRedaction`, the remembered header list and query: found again only for the same names and
/// values as bytes and the same fingerprint handed in, never stale after the list it was made from changes, and
/// every answer the plain field-by-field formula's.
@Suite struct HotRedactionTests {
    typealias Fields = [(name: String, value: String)]

    func flat(_ fields: Fields) -> [String] { fields.map { "\($0.name)=\($0.value)" } }
    func plainHeaders(_ fields: Fields) -> [String] { fields.map { "\($0.name)=\(Redaction.headerValue($0.name, $0.value))" } }
    func plainQuery(_ fields: Fields) -> [String] { fields.map { "\($0.name)=\(Redaction.queryValue($0.name, $0.value))" } }

    let fields: Fields = [("Host", "h"), ("X-SBG-Auth-Token", "tok"), ("Accept", "*/*")]

    @Test func foundAgainForTheSameStorageOrTheSameBytes() throws {
        var last = try #require(Redaction.LastRedaction(fields: fields, known: "sha256:1", redacted: [("a", "b")]))
        #expect(last.redacted(for: fields, known: "sha256:1").map(flat) == ["a=b"])
        // Another array of the same bytes: found, and it takes the kept one's place.
        let copy = Array(fields.map { (name: String($0.name.utf8), value: String($0.value.utf8)) })
        #expect(last.redacted(for: copy, known: "sha256:1").map(flat) == ["a=b"])
        #expect(last.fields.withUnsafeBufferPointer { kept in copy.withUnsafeBufferPointer { kept.baseAddress == $0.baseAddress } })
        // Asked by storage alone (before a list is looked through for credentials): the same bytes elsewhere are
        // not found, the same storage is, and its fingerprint must still be the one handed in.
        var byStorage = try #require(Redaction.LastRedaction(fields: fields, known: "sha256:1", redacted: [("a", "b")]))
        let elsewhere = Array(fields.map { (name: String($0.name.utf8), value: String($0.value.utf8)) })
        #expect(byStorage.redacted(for: elsewhere, known: "sha256:1", byBytes: false) == nil)
        #expect(byStorage.redacted(for: fields, known: "sha256:2", byBytes: false) == nil)
        #expect(byStorage.redacted(for: fields, known: "sha256:1", byBytes: false).map(flat) == ["a=b"])
    }

    @Test func anythingElseIsAnotherList() throws {
        var last = try #require(Redaction.LastRedaction(fields: fields, known: "sha256:1", redacted: [("a", "b")]))
        var value = fields
        value[1].value = "tok2"
        var name = fields
        name[1].name = "x-sbg-auth-token"  // a header name of another case is another list here
        var canonical = fields
        canonical[2].value = "caf\u{E9}"
        var canonicalOther = fields
        canonicalOther[2].value = "cafe\u{301}"
        for other in [value, name, Array(fields.dropLast()), fields + [("Accept", "*/*")], [], canonical] {
            #expect(last.redacted(for: other, known: "sha256:1") == nil, "\(flat(other))")
        }
        #expect(last.redacted(for: fields, known: nil) == nil)
        #expect(last.redacted(for: fields, known: "sha256:2") == nil)
        #expect(last.redacted(for: fields, known: "sha256:1") != nil)
        var accented = try #require(Redaction.LastRedaction(fields: canonical, known: nil, redacted: []))
        #expect(accented.redacted(for: canonicalOther, known: nil) == nil)
        var unknown = try #require(Redaction.LastRedaction(fields: fields, known: nil, redacted: []))
        #expect(unknown.redacted(for: fields, known: "sha256:1") == nil)
        #expect(unknown.redacted(for: fields, known: nil) != nil)
    }

    @Test func boundedInBytes() {
        let large: Fields = [("Cookie", String(repeating: "c", count: Redaction.LastRedaction.byteLimit))]
        #expect(Redaction.LastRedaction(fields: large, known: nil, redacted: large) == nil)
        let fits: Fields = [("Cookie", String(repeating: "c", count: Redaction.LastRedaction.byteLimit - 6))]
        #expect(Redaction.LastRedaction(fields: fits, known: nil, redacted: fits) != nil)
    }

    /// The server's way: one list handed in again and again, then changed where it lies (a copy written, so its
    /// storage moves), then back; every answer the formula's.
    @Test func headersNeverStale() {
        var list: Fields = [("Host", "h"), ("Authorization", "Bearer one"), ("X-Api-Key", "k1")]
        let first = list
        for round in 0..<3 {
            #expect(flat(Redaction.headers(list)) == plainHeaders(list), "round \(round)")
        }
        list[1].value = "Bearer two"
        #expect(flat(Redaction.headers(list)) == plainHeaders(list))
        list[2].value = "k2"
        #expect(flat(Redaction.headers(list)) == plainHeaders(list))
        #expect(flat(Redaction.headers(first)) == plainHeaders(first))
        #expect(flat(Redaction.headers(list)) == plainHeaders(list))
        // The fingerprint handed in is taken for its own bytes only, with or without the list remembered.
        let marked = flat(Redaction.headers(first, known: ("k1", "sha256:marked!!")))
        #expect(marked == ["Host=h", "Authorization=" + Redaction.headerValue("Authorization", "Bearer one"), "X-Api-Key=sha256:marked!!"])
        #expect(flat(Redaction.headers(first, known: ("k1", "sha256:marked!!"))) == marked)
        #expect(flat(Redaction.headers(first)) == plainHeaders(first))
    }

    @Test func queryNeverStale() {
        var query: Fields = [("api_key", "k"), ("resourceID", "SCR_1")]
        for _ in 0..<3 { #expect(flat(Redaction.query(query)) == plainQuery(query)) }
        query[0].value = "k2"
        #expect(flat(Redaction.query(query)) == plainQuery(query))
        query[0].name = "token"
        #expect(flat(Redaction.query(query)) == plainQuery(query))
        let known = Redaction.query(query, known: ("k2", "sha256:marked!!"))
        #expect(flat(known) == ["token=sha256:marked!!", "resourceID=SCR_1"])
        #expect(flat(Redaction.query(query)) == plainQuery(query))
        // No credential: the list itself, not a remembered one.
        let plain: Fields = [("resourceID", "SCR_1")]
        #expect(flat(Redaction.query(plain)) == ["resourceID=SCR_1"])
    }
}
