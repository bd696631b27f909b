import MockRunsHTTP
import Testing

/// `FormField.multipart` over bytes: the host's reading of multipart/form-data bodies, which libmicrohttpd 0.9.75's
/// post processor did before. Each expectation was checked against that post processor (a C harness feeding it the
/// same bytes) unless its comment names a difference.
@Suite("Multipart parser")
struct MultipartParserTests {
    static let type = "multipart/form-data; boundary=XB"

    private func parse(_ body: [UInt8], type: String = Self.type, maxFields: Int = .max) -> Result<[FormField], MultipartError> {
        FormField.multipart(body, contentType: type, maxFields: maxFields)
    }

    private func fields(_ body: String, type: String = Self.type, sourceLocation: SourceLocation = #_sourceLocation) -> [FormField] {
        fields(Array(body.utf8), type: type, sourceLocation: sourceLocation)
    }

    private func fields(_ body: [UInt8], type: String = Self.type, sourceLocation: SourceLocation = #_sourceLocation) -> [FormField] {
        switch parse(body, type: type) {
        case .success(let fields): return fields
        case .failure(let error):
            Issue.record("expected a form, got \(error.message)", sourceLocation: sourceLocation)
            return []
        }
    }

    private func failure(_ body: String, type: String = Self.type, maxFields: Int = .max) -> MultipartError.Kind? {
        if case .failure(let error) = parse(Array(body.utf8), type: type, maxFields: maxFields) { return error.kind }
        return nil
    }

    private func part(_ disposition: String, _ value: String, headers: String = "") -> String {
        "--XB\r\nContent-Disposition: form-data; \(disposition)\r\n\(headers)\r\n\(value)\r\n"
    }

    private func field(_ name: String, _ value: String, filename: String? = nil, type: String? = nil) -> FormField {
        FormField(name: name, value: Array(value.utf8), filename: filename, contentType: type)
    }

    @Test func aSubmitsFieldsComeInOrderWithFilenameAndType() {
        let body = part(#"name="workflow_params""#, #"{"x": 1}"#) + part(#"name="workflow_type""#, "CWL")
            + part(#"name="workflow_attachment"; filename="main.cwl""#, "class: Tool\n", headers: "Content-Type: application/octet-stream\r\n")
            + "--XB--\r\n"
        #expect(fields(body) == [
            field("workflow_params", #"{"x": 1}"#), field("workflow_type", "CWL"),
            field("workflow_attachment", "class: Tool\n", filename: "main.cwl", type: "application/octet-stream"),
        ])
    }

    @Test func repeatedNamesStaySeparateFields() {
        let body = part(#"name="a""#, "1") + part(#"name="a""#, "") + part(#"name="a""#, "3") + "--XB--\r\n"
        #expect(fields(body) == [field("a", "1"), field("a", ""), field("a", "3")])
    }

    @Test func valuesKeepEveryByteAndWhatOnlyLooksLikeABoundary() {
        // A delimiter is CRLF "--XB" and nothing else: a bare LF before it, text before it on its line, one dash,
        // or a shorter boundary is value. A CR just before the delimiter's CRLF is the value's.
        var binary: [UInt8] = Array(0...255)
        binary += Array("\n--XB\r\nx--XB\r\n-XB\r\n--X\r\n\r\n--\r\n\r".utf8)
        let head = Array("--XB\r\nContent-Disposition: form-data; name=\"bin\"; filename=\"b\"\r\n\r\n".utf8)
        let body = head + binary + Array("\r\n--XB--\r\n".utf8)
        #expect(fields(body) == [FormField(name: "bin", value: binary, filename: "b")])
    }

    @Test func aBoundaryFollowedByMoreThanALineEndIsMalformed() {
        // "\r\n--XBC" in a value: the post processor took the delimiter and then found no line end after it.
        #expect(failure(part(#"name="a""#, "x\r\n--XBC") + "--XB--\r\n") == .malformed)
        #expect(failure("--XB-\r\n" + part(#"name="a""#, "x") + "--XB--\r\n") == .malformed)
        // A lone CR after a boundary must be followed by a line end (or "--").
        #expect(failure("--XB\rContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XB--\r\n") == .malformed)
    }

    @Test func thePreambleIsSkippedWhereverTheFirstBoundaryIs() {
        let rest = "Content-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XB--\r\n"
        #expect(fields("a preamble\r\n\r\n--XB\r\n" + rest) == [field("a", "1")])
        // Not only at a line start, as the post processor looked.
        #expect(fields("xx--XB\r\n" + rest) == [field("a", "1")])
        // A preamble of near misses (dashes, a boundary's start) before the real one.
        #expect(fields(String(repeating: "-", count: 1_000) + "--X--XB\r\n" + rest) == [field("a", "1")])
    }

    @Test func aBodyWithoutAnyBoundaryIsAnEmptyForm() {
        #expect(fields("") == [])
        #expect(fields("no boundary here\r\n--X\r\n") == [])
        #expect(fields("--XB--\r\n") == [])
    }

    /// Differs from the post processor, which refused any byte after the closing delimiter: RFC 2046 has
    /// receivers ignore the epilogue.
    @Test func theEpilogueIsIgnored() {
        let body = part(#"name="a""#, "1")
        #expect(fields(body + "--XB--") == [field("a", "1")])
        #expect(fields(body + "--XB--\r\n\r\nan epilogue\r\n--XB\r\nnot a part") == [field("a", "1")])
        #expect(fields(body + "--XB--junk") == [field("a", "1")])
    }

    @Test func aBodyEndingInsideAPartIsTruncated() {
        let open = part(#"name="a""#, "1")
        #expect(failure(open) == .truncated)  // no closing delimiter
        #expect(failure(open + "--XB") == .truncated)
        #expect(failure(open + "--XB-") == .truncated)
        #expect(failure(open + "--XB\r\n") == .truncated)
        #expect(failure(open + "--XB\r\nContent-Disposition: form-data; name=\"b\"\r\n") == .truncated)
        #expect(failure(open + "--XB\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n") == .truncated)
        #expect(failure(open + "--XB\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nvalue") == .truncated)
        // A value's delimiter needs its CR: a bare LF before it does not end the value.
        #expect(failure("--XB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\n--XB--\r\n") == .truncated)
    }

    @Test func partHeadersMatchWithoutRegardToCase() {
        let body = "--XB\r\ncontent-DISPOSITION: form-data; name=\"a\"; filename=\"f.txt\"\r\ncONTENT-type: text/plain \r\n\r\nv\r\n--XB--\r\n"
        // The type is the rest of its line, blanks and all.
        #expect(fields(body) == [field("a", "v", filename: "f.txt", type: "text/plain ")])
    }

    @Test func partHeadersAreReadAsThePostProcessorReadThem() {
        func only(_ headers: String) -> FormField? {
            fields("--XB\r\n\(headers)\r\nv\r\n--XB--\r\n").first
        }
        // No name (no Content-Disposition, no space after its colon, an unquoted or upper-case name): "".
        #expect(only("") == field("", "v"))
        #expect(only("Content-Disposition:form-data; name=\"a\"\r\n") == field("", "v"))
        #expect(only("Content-Disposition: form-data; name=a\r\n") == field("", "v"))
        #expect(only("Content-Disposition: form-data; name=a; name=\"b\"\r\n") == field("", "v"))
        #expect(only("Content-Disposition: form-data; NAME=\"a\"\r\n") == field("", "v"))
        #expect(only("Content-Disposition: form-data; name = \"a\"\r\n") == field("", "v"))
        #expect(only("Content-Disposition: form-data;\tname=\"a\"\r\n") == field("", "v"))
        // filename first; a quoted value holds anything but a quote; the first Disposition and Type win.
        #expect(only("Content-Disposition: form-data; filename=\"f\"; name=\"n\"\r\n") == field("n", "v", filename: "f"))
        #expect(only("Content-Disposition: form-data; name=\"a;b\\\"\r\n") == field("a;b\\", "v"))
        #expect(only("Content-Disposition: name=\"b\"\r\n") == field("b", "v"))
        #expect(
            only("Content-Disposition: form-data; name=\"n\"\r\nContent-Disposition: form-data; name=\"m\"; filename=\"g\"\r\n")
                == field("n", "v", filename: "g"))
        #expect(only("Content-Disposition: form-data; name=\"a\"\r\nContent-Type: one\r\nContent-Type: two\r\n") == field("a", "v", type: "one"))
        #expect(only("Content-Disposition: form-data; name=\"a\"\r\nContent-Type: \r\n") == field("a", "v", type: ""))
        #expect(only("Content-Disposition: form-data; name=\"a\"\r\nContent-Type:text/plain\r\n") == field("a", "v"))
        // "Content-Type: " anywhere on another header's line counts, as the post processor searched.
        #expect(only("Content-Disposition: form-data; name=\"a\"\r\nX-Note: Content-Type: evil\r\nContent-Type: good\r\n") == field("a", "v", type: "evil"))
        #expect(only("Content-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: base64\r\n") == field("a", "v"))
    }

    @Test func lineEndsMayBeCRLFOrLFOrCRRuns() {
        #expect(fields("--XB\nContent-Disposition: form-data; name=\"a\"\n\nval\r\n--XB--\r\n") == [field("a", "val")])
        // After a bare LF blank line the value starts at once; "\r\r\n" is one line end.
        #expect(fields("--XB\r\nContent-Disposition: form-data; name=\"a\"\n\n\nv\r\n--XB--\r\n") == [field("a", "\nv")])
        #expect(fields("--XB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\r\nv\r\n--XB--\r\n") == [field("a", "v")])
        // A header line ending in a lone CR must be followed by another line end.
        #expect(failure("--XB\r\nContent-Disposition: form-data; name=\"a\"\rX: y\r\n\r\nv\r\n--XB--\r\n") == .malformed)
    }

    /// Differs from the post processor, which refused blanks after a boundary: RFC 2046's transport padding.
    @Test func blanksAfterABoundaryArePadding() {
        let body = "--XB \t\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XB  \r\n"
            + "Content-Disposition: form-data; name=\"b\"\r\n\r\nw\r\n--XB--\r\n"
        #expect(fields(body) == [field("a", "v"), field("b", "w")])
        #expect(failure("--XB \t-\r\n") == .malformed)
    }

    /// Differs from the post processor: it read a part header as a C string, so a NUL ended a name or a type early
    /// (`name="ab"\0; filename="f"` was "ab" with no file). A NUL in a part header is now malformed.
    @Test func aNULInAPartHeaderIsMalformed() {
        #expect(failure("--XB\r\nContent-Disposition: form-data; name=\"ab\"\0; filename=\"f\"\r\n\r\nv\r\n--XB--\r\n") == .malformed)
        #expect(failure("--XB\r\nContent-Disposition: form-data; name=\"a\"\r\nX: \0\r\n\r\nv\r\n--XB--\r\n") == .malformed)
        #expect(fields("--XB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\0\r\n--XB--\r\n") == [field("a", "\0")])
    }

    @Test func aPartHeaderLineHoldsAtMostTheBound() {
        let limit = FormField.maximumHeaderLineBytes
        #expect(limit == 4_099)
        func line(_ count: Int) -> String {
            // The line less its filler: the 52 bytes up to the filename's opening quote, and its closing one.
            let filler = count - 53
            return "Content-Disposition: form-data; name=\"a\"; filename=\"" + String(repeating: "f", count: filler) + "\""
        }
        #expect(line(limit).utf8.count == limit)
        #expect(fields("--XB\r\n\(line(limit))\r\n\r\nv\r\n--XB--\r\n").first?.filename?.utf8.count == limit - 53)
        #expect(failure("--XB\r\n\(line(limit + 1))\r\n\r\nv\r\n--XB--\r\n") == .malformed)
        // Over the bound with nothing after it: too long already, not truncated.
        #expect(failure("--XB\r\n\(line(limit + 1))") == .malformed)
        #expect(failure("--XB\r\n\(line(limit))") == .truncated)
        // Any header line, not only the Disposition.
        #expect(failure("--XB\r\nX: " + String(repeating: "p", count: limit - 2) + "\r\n\r\nv\r\n--XB--\r\n") == .malformed)
    }

    @Test func moreFieldsThanTheLimitIsItsError() {
        let three = part(#"name="a""#, "1") + part(#"name="b""#, "2") + part(#"name="c""#, "3")
        #expect(failure(three + "--XB--\r\n", maxFields: 3) == nil)
        #expect(failure(three + part(#"name="d""#, "4") + "--XB--\r\n", maxFields: 3) == .tooManyFields(limit: 3))
        // Counted when the fourth value starts, as the post processor's callback was: a body ending right after
        // its headers is truncated, with one byte of value it is too many (even without a delimiter).
        #expect(failure(three + "--XB\r\nContent-Disposition: form-data; name=\"d\"\r\n\r\n", maxFields: 3) == .truncated)
        #expect(failure(three + "--XB\r\nContent-Disposition: form-data; name=\"d\"\r\n\r\nx", maxFields: 3) == .tooManyFields(limit: 3))
        #expect(failure(three, maxFields: 2) == .tooManyFields(limit: 2))
    }

    @Test func theBoundaryIsTheContentTypesParameter() {
        let body = "--a b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--a b--\r\n"
        #expect(fields(body, type: #"multipart/form-data; boundary="a b""#) == [field("a", "v")])
        let plain = part(#"name="a""#, "v") + "--XB--\r\n"
        #expect(fields(plain, type: "multipart/form-data;boundary=XB") == [field("a", "v")])
        #expect(fields(plain, type: "multipart/form-data; boundary=XB ") == [field("a", "v")])
        #expect(fields(plain, type: #"multipart/form-data; boundary="X\B""#) == [field("a", "v")])
        // Differences from the post processor, which took the text after the first "boundary=" to the end:
        // other parameters after it, a name in any case, a one-byte boundary, and no look inside other names.
        #expect(fields(plain, type: "multipart/form-data; boundary=XB; charset=utf-8") == [field("a", "v")])
        #expect(fields(plain, type: "multipart/form-data; charset=\"x;y\"; BOUNDARY=XB") == [field("a", "v")])
        #expect(fields("--B\r\n\r\nv\r\n--B--", type: "multipart/form-data; boundary=B") == [field("", "v")])
        #expect(failure(plain, type: "multipart/form-data; xboundary=XB") == .noBoundary)
        for type in [
            "multipart/form-data", "multipart/form-data; boundary=", #"multipart/form-data; boundary="""#,
            "multipart/form-data; charset=utf-8", "multipart/form-data; boundary",
            "multipart/form-data; boundary=" + String(repeating: "b", count: FormField.maximumBoundaryBytes + 1),
        ] {
            #expect(failure(plain, type: type) == .noBoundary, "\(type.prefix(60))")
        }
        let longest = String(repeating: "b", count: FormField.maximumBoundaryBytes)
        #expect(fields("--\(longest)\r\n\r\nv\r\n--\(longest)--\r\n", type: "multipart/form-data; boundary=\(longest)") == [field("", "v")])
        #expect(FormField.multipartBoundary(ofContentType: #"multipart/form-data; a=1; boundary="q\"r"; b=2"#) == Array(#"q"r"#.utf8))
    }

    @Test func nestedMixedPartsAreFieldsOfTheOuterName() {
        let body = "--XB\r\nContent-Disposition: form-data; name=\"files\"\r\nContent-Type: multipart/mixed; boundary=NB\r\n\r\n"
            + "--NB\r\nContent-Disposition: file; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nAAA\r\n"
            + "--NB\r\nContent-Disposition: file; filename=\"b.txt\"\r\n\r\nBBB\r\n--NB--\r\n"
            + part(#"name="after""#, "z") + "--XB--\r\n"
        // The post processor gave "after" the last file's name and filename ("files", "b.txt"): a plain bug.
        #expect(fields(body) == [
            field("files", "AAA", filename: "a.txt", type: "text/plain"), field("files", "BBB", filename: "b.txt"),
            field("after", "z"),
        ])
        #expect(failure("--XB\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Type: multipart/mixed\r\n\r\nv\r\n--XB--\r\n") == .malformed)
        #expect(failure(part(#"name="f""#, "--NB\r\n\r\nunclosed", headers: "Content-Type: multipart/mixed; boundary=NB\r\n") + "--XB--") == .truncated)
    }

    @Test func theMessagesAreTheHostsOwn() {
        #expect(MultipartError(kind: .noBoundary).message == "multipart/form-data body without a boundary parameter in Content-Type")
        #expect(MultipartError(kind: .malformed).message == "cannot parse the multipart/form-data body")
        #expect(MultipartError(kind: .truncated).message == "cannot parse the multipart/form-data body (truncated or malformed)")
        #expect(MultipartError(kind: .tooManyFields(limit: 10_000)).message == "the body has more than 10000 form fields")
        #expect(failure("x", type: "multipart/form-data") == .noBoundary)
        if case .failure(let error) = FormField.multipart([], contentType: nil) { #expect(error.kind == .noBoundary) } else {
            Issue.record("no Content-Type, no boundary")
        }
    }
}
