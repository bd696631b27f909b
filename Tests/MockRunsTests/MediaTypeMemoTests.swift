import MockRunsHTTP
import Testing

/// `HTTPRequest.mediaType` is worked out when the headers are set (issue 10): it must follow every change of
/// them, whichever way they are changed, and be what `HTTPHeaders.mediaType` says.
@Suite struct MediaTypeMemoTests {
    /// The media type as the plain formula gives it: the bytes before the first `;`, blanks trimmed, ASCII
    /// letters made small.
    static func plain(_ value: String) -> String {
        var bytes = Array(value.utf8.prefix { $0 != UInt8(ascii: ";") })
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes.removeFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        return String(decoding: bytes.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    static let values = [
        "multipart/form-data; boundary=----X7MA4YWxkTrZu0gW", "Multipart/form-data; boundary=----X7MA4YWxkTrZu0gX",
        "application/json", "application/json ", "application/jsoN", "application/json\u{0}", "", "text/plain;",
        " \ttext/plain ; charset=utf-8",
    ]

    @Test func aRequestsMediaTypeIsThePlainFormulaOfItsContentType() {
        for value in Self.values {
            let request = HTTPRequest(method: "POST", path: "/", headers: HTTPHeaders([("Content-Type", value)]))
            #expect(request.mediaType == Self.plain(value), "\(value.debugDescription)")
            #expect(request.mediaType == request.headers.mediaType)
        }
        #expect(HTTPRequest(method: "GET", path: "/").mediaType == nil)
        // What the host hands in (worked out from the same headers) is taken as it is; nil is "work it out".
        let headers = HTTPHeaders([("Content-Type", "text/plain")])
        #expect(HTTPRequest(method: "POST", path: "/", headers: headers, mediaType: .some(nil)).mediaType == nil)
        #expect(HTTPRequest(method: "POST", path: "/", headers: headers, mediaType: nil).mediaType == "text/plain")
    }

    @Test func itFollowsEveryChangeOfTheHeaders() {
        var request = HTTPRequest(method: "POST", path: "/", headers: HTTPHeaders([("Content-Type", "text/plain")]))
        for value in Self.values {
            request.headers = HTTPHeaders([("Content-Type", value)])  // replaced whole
            #expect(request.mediaType == Self.plain(value), "\(value.debugDescription)")
        }
        request.headers = HTTPHeaders()
        #expect(request.mediaType == nil)
        request.headers.add("Content-Type", "Application/JSON; charset=utf-8")  // changed in place
        #expect(request.mediaType == "application/json")
        request.headers = HTTPHeaders([("X-A", "1")])
        #expect(request.mediaType == nil)
    }
}
