@testable import MicroHTTPDHost
import MockRunsHTTP
import Testing

/// The host works out a request's media type on bytes (`RequestContext.mediaType(of:)`); it must give exactly
/// what `HTTPHeaders.mediaType` gives, which the fakes see, for every value a client can send.
@Suite struct MediaTypeTests {
    static let values: [String] = [
        "application/json", "Application/JSON", "multipart/form-data; boundary=----x7MA4YWxkTrZu0gW",
        "MULTIPART/Form-Data;boundary=abc", "  text/plain ; charset=utf-8", "\ttext/plain\t", " \t \t",
        "", ";", ";;", ";a", ";;a;b", " ; a", "a;", "a;b;c", "x/y ;", "a b/c d ; e", "text/plain\t;\tq=1",
        // Not ASCII, or with CR LF (one Character of two bytes): left to HTTPHeaders, the same answer.
        "TEXT/PLAIN\r\n; x", "a\r\n", "\r\n", "Ä/Ö; x", "text/plain;\u{301}charset=utf-8", " \u{301}text/plain",
        "text/plain \u{301}", "İ/x", "\u{1F600}/x; y", "text/\u{0}plain; a",
    ]

    @Test(arguments: values)
    func sameAsTheHeadersOwn(_ value: String) {
        let headers = HTTPHeaders([("X-Other", "1"), ("content-type", value), ("Content-Type", "ignored/second")])
        #expect(RequestContext.mediaType(of: headers) == headers.mediaType)
    }

    @Test func noContentTypeIsNone() {
        #expect(RequestContext.mediaType(of: HTTPHeaders([("Content-Length", "3")])) == nil)
        #expect(RequestContext.mediaType(of: HTTPHeaders()) == nil)
    }

    @Test func theCommonCasesByName() {
        let multipart = HTTPHeaders([("Content-Type", " Multipart/Form-Data ; boundary=XyZ")])
        #expect(RequestContext.mediaType(of: multipart) == "multipart/form-data")
        #expect(RequestContext.mediaType(of: HTTPHeaders([("Content-Type", ";;a;b")])) == "a")
    }
}

/// `RequestContext.trimmingSpaces` skips the Character walk when neither end is a blank byte; it must give what
/// `String.trimmingSpaces()` gives for every value (a Content-Length is the client's).
@Suite struct TrimmingSpacesTests {
    static let values: [String] = [
        "", " ", "\t", "12", " 12", "12 ", "\t12\t", " \t 12 \t ", "1 2", "00012", "-3", "+4", "1e3", "12\r\n",
        "\u{301}12", "12\u{301}", " \u{301}12", "12 \u{301}", "١٢", "\u{0}12", "12\u{0}", "x", "\t \t",
    ]

    @Test(arguments: values)
    func sameAsTheStringsOwn(_ value: String) {
        #expect(RequestContext.trimmingSpaces(value) == value.trimmingSpaces())
    }
}
