import Testing

@testable import MockRunsHTTP

/// `HTTPHeaders.mediaType` remembers the last Content-Type value it cut (issue 10): a value that differs from
/// it in any byte (case, a blank, the boundary, a NUL, its length) must be cut anew.
@Suite struct MediaTypeMemoTests {
    /// The media type as the plain formula gives it: the bytes before the first `;`, blanks trimmed, ASCII
    /// letters made small.
    static func plain(_ value: String) -> String {
        var bytes = Array(value.utf8.prefix { $0 != UInt8(ascii: ";") })
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes.removeFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        return String(decoding: bytes.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    @Test func valuesReadOneAfterAnotherAreEachThePlainFormula() {
        let long = "multipart/form-data; boundary=" + String(repeating: "b", count: HTTPHeaders.MediaTypeMemo.valueLimit)
        let values = [
            "multipart/form-data; boundary=----X7MA4YWxkTrZu0gW", "multipart/form-data; boundary=----X7MA4YWxkTrZu0gW",
            "multipart/form-data; boundary=----X7MA4YWxkTrZu0gX", "Multipart/form-data; boundary=----X7MA4YWxkTrZu0gX",
            "application/json", "application/json ", "application/jsoN", "application/json\u{0}", "application/json",
            "", "", long, long, long + "c", "text/plain", "text/plain;", "text/plain", "application/json",
        ]
        for _ in 0..<2 {
            for value in values {
                #expect(HTTPHeaders([("Content-Type", value)]).mediaType == Self.plain(value), "\(value.prefix(60).debugDescription)")
            }
        }
    }

    @Test func theMemoAnswersOnlyForTheSameBytes() {
        let memo = HTTPHeaders.MediaTypeMemo(value: Array("Text/Plain; a=1".utf8), mediaType: "marked")
        func answer(_ value: String) -> String? {
            var value = value
            return value.withUTF8 { memo.answer(for: $0) }
        }
        #expect(answer("Text/Plain; a=1") == "marked")
        for other in ["text/Plain; a=1", "Text/Plain; a=2", "Text/Plain; a=1 ", "Text/Plain; a=", "", "Text/Plain; a=1\u{0}"] {
            #expect(answer(other) == nil, "\(other.debugDescription)")
        }
        #expect(HTTPHeaders.MediaTypeMemo(value: [], mediaType: "empty").answer(for: UnsafeBufferPointer(start: nil, count: 0)) == "empty")
    }
}
