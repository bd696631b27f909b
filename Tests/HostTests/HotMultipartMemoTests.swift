import Testing

@testable import MockRunsHTTP

/// `FormField.multipart` keeps the last form it read with the bytes it read it from (`LastForm`): it may hand that
/// form out again only for the same body, boundary and field limit, and what it hands out must be what reading the
/// body gives.
@Suite struct HotMultipartMemoTests {
    private static func body(_ boundary: String, _ fields: [(String, String)]) -> [UInt8] {
        Array(
            (fields.map { "--\(boundary)\r\nContent-Disposition: form-data; name=\"\($0.0)\"\r\n\r\n\($0.1)\r\n" }.joined()
                + "--\(boundary)--\r\n").utf8)
    }

    private static func read(_ body: [UInt8], _ boundary: String, maxFields: Int = .max) -> Result<[FormField], MultipartError> {
        FormField.multipart(body, boundary: Array(boundary.utf8), maxFields: maxFields)
    }

    private static func kept(_ body: [UInt8], _ boundary: String, _ fields: [FormField], maxFields: Int = .max) -> FormField.LastForm {
        FormField.LastForm(body: body, boundary: Array(boundary.utf8), maxFields: maxFields, fields: fields)
    }

    @Test func theSameBodyReadTwiceGivesTheSameFields() throws {
        let body = Self.body("memoAAA", [("workflow_url", "https://x/1"), ("workflow_type", "CWL")])
        let first = try Self.read(body, "memoAAA").get()
        // A copy of the bytes in another buffer: the memo compares bytes, not buffers.
        let again = try Self.read(Array(body), "memoAAA").get()
        #expect(first == again)
        #expect(again == [FormField(name: "workflow_url", value: Array("https://x/1".utf8)), FormField(name: "workflow_type", value: Array("CWL".utf8))])
    }

    /// One byte changed at the very end of a value, after the same body was read: the new value, not the kept one.
    @Test func aBodyOneByteOffIsReadAgain() throws {
        let body = Self.body("memoBBB", [("a", "value-1")])
        _ = try Self.read(body, "memoBBB").get()
        let changed = Self.body("memoBBB", [("a", "value-2")])
        #expect(try Self.read(changed, "memoBBB").get() == [FormField(name: "a", value: Array("value-2".utf8))])
    }

    /// The same bytes under a shorter boundary are malformed (`--memoCC` is followed by `C`), and under no limit
    /// of one field too many: neither may be answered with the form read before.
    @Test func anotherBoundaryOrFieldLimitIsReadAgain() throws {
        let body = Self.body("memoCCC", [("a", "1"), ("b", "2")])
        #expect(try Self.read(body, "memoCCC").get().count == 2)
        #expect(Self.read(body, "memoCC") == .failure(MultipartError(kind: .malformed)))
        #expect(try Self.read(body, "memoCCC").get().count == 2)
        #expect(Self.read(body, "memoCCC", maxFields: 1) == .failure(MultipartError(kind: .tooManyFields(limit: 1))))
    }

    @Test func aKeptFormAnswersOnlyItsOwnBytes() {
        let body = Self.body("k", [("a", "1")])
        let fields = [FormField(name: "a", value: [0x31])]
        let memo = Self.kept(body, "k", fields)
        #expect(memo.fields(Array(body), boundary: Array("k".utf8), maxFields: .max) == fields)
        #expect(memo.fields(body, boundary: Array("j".utf8), maxFields: .max) == nil)
        #expect(memo.fields(body, boundary: Array("kk".utf8), maxFields: .max) == nil)
        #expect(memo.fields(body, boundary: Array("k".utf8), maxFields: 5) == nil)
        #expect(memo.fields(body + [0x0A], boundary: Array("k".utf8), maxFields: .max) == nil)
        var last = body
        last[last.count - 1] ^= 1
        #expect(memo.fields(last, boundary: Array("k".utf8), maxFields: .max) == nil)
        #expect(memo.fields([], boundary: Array("k".utf8), maxFields: .max) == nil)
        #expect(Self.kept([], "k", []).fields([], boundary: Array("k".utf8), maxFields: .max) == [])
    }

    /// A failed read is not kept: the last good form stays what the memo holds, and a body over the limit is
    /// read (correctly) without replacing it.
    @Test func failuresAndLargeBodiesAreReadEveryTime() throws {
        let truncated = Array("--memoDDD\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end".utf8)
        for _ in 0..<2 { #expect(Self.read(truncated, "memoDDD") == .failure(MultipartError(kind: .truncated))) }
        let large = String(repeating: "x", count: FormField.LastForm.bodyLimit)
        let body = Self.body("memoEEE", [("big", large)])
        #expect(body.count > FormField.LastForm.bodyLimit)
        for _ in 0..<2 { #expect(try Self.read(body, "memoEEE").get() == [FormField(name: "big", value: Array(large.utf8))]) }
    }
}
