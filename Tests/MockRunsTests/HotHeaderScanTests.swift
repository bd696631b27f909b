import MockRunsHTTP
import Testing

/// `HTTPHeaders.stamping` and `dateAndRetryAfter` read the fields in place: they must say what a plain walk over
/// copies of the fields says, names compared without regard to ASCII case, "stamped" only for the exact bytes.
@Suite struct HotHeaderScanTests {
    /// What `stamping` should be, worked out the plain way.
    func expected(_ headers: HTTPHeaders) -> (hasDate: Bool, nosniffs: Int, isStamped: Bool) {
        let fields = headers.fields
        let hasDate = fields.contains { $0.name.lowercased() == "date" }
        let nosniffs = fields.filter { $0.name.lowercased() == "x-content-type-options" }.count
        let last = fields.last.map { Array($0.name.utf8) == Array("X-Content-Type-Options".utf8) && Array($0.value.utf8) == Array("nosniff".utf8) }
        return (hasDate, nosniffs, hasDate && nosniffs == 1 && last == true)
    }

    @Test(arguments: [
        [],
        [("Date", "Mon, 01 Jan 2024 00:00:00 GMT"), ("X-Content-Type-Options", "nosniff")],
        [("date", "x"), ("X-Content-Type-Options", "nosniff")],
        [("DATE", "x"), ("x-content-type-options", "nosniff")],  // the name not as `stamp` writes it
        [("Date", "x"), ("X-Content-Type-Options", "NoSniff")],
        [("Date", "x"), ("X-Content-Type-Options", "nosniff\u{0}")],
        [("Date", "x"), ("X-Content-Type-Options", "nosniff "), ],
        [("X-Content-Type-Options", "nosniff")],  // no Date
        [("Date", "x"), ("X-Content-Type-Options", "nosniff"), ("X-Content-Type-Options", "nosniff")],
        [("X-Content-Type-Options", "nosniff"), ("Date", "x")],  // not last
        [("Date", "x"), ("Content-Type", "text/plain"), ("X-Content-Type-Option", "nosniff")],  // a name a byte short
        [("Datf", "x"), ("X-Content-Type-Options", "nosniff")],
        [("Date", "x"), ("X-Content-Type-Options", "nosniff"), ("Content-Type", "a")],
        [("Date", "x"), ("X-Content-Type-Optionś", "nosniff")],  // a look-alike, one byte longer
    ])
    func stampingIsWhatAWalkSays(_ fields: [(String, String)]) {
        let headers = HTTPHeaders(fields)
        let scanned = headers.stamping
        let wanted = expected(headers)
        #expect(scanned.hasDate == wanted.hasDate && scanned.nosniffs == wanted.nosniffs && scanned.isStamped == wanted.isStamped, "\(fields)")
    }

    @Test func onlyTheExactStampIsStamped() {
        #expect(HTTPHeaders([("Date", "x"), ("X-Content-Type-Options", "nosniff")]).stamping.isStamped)
        #expect(!HTTPHeaders([("Date", "x"), ("x-content-type-options", "nosniff")]).stamping.isStamped)
        #expect(!HTTPHeaders([("Date", "x"), ("X-Content-Type-Options", "nosnifff")]).stamping.isStamped)
        #expect(HTTPHeaders([("X-Content-Type-Options", "a"), ("x-content-type-options", "b")]).stamping.nosniffs == 2)
    }

    @Test func dateAndRetryAfterTakeTheFirstRetryAfter() {
        let none = HTTPHeaders([("Content-Type", "a")]).dateAndRetryAfter
        #expect(!none.dated && none.retryAfter == nil)
        let both = HTTPHeaders([("retry-after", "5"), ("DATE", "x"), ("Retry-After", "7")]).dateAndRetryAfter
        #expect(both.dated && both.retryAfter == "5")
        let near = HTTPHeaders([("Retry-Afte", "1"), ("Retry-Afterr", "2"), ("Dates", "x")]).dateAndRetryAfter
        #expect(!near.dated && near.retryAfter == nil)
        let empty = HTTPHeaders([("Retry-After", ""), ("Retry-After", "3")]).dateAndRetryAfter
        #expect(!empty.dated && empty.retryAfter == "")
    }
}
