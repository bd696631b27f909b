import MockRunsHTTP
import Scenarios
import Testing

@testable import MockRuns

/// `WESSubmission.Memo` keeps the last accepted form and its RunRequest echo: it may answer only a form of the
/// same names, values and filenames (as bytes) under the same `requireType`, and what it answers must be what
/// reading the form gives; a refused form is refused with the memo as without it.
@Suite struct HotSubmissionMemoTests {
    private static let fields = [
        FormField(name: "workflow_url", value: Array("https://x/app".utf8)),
        FormField(name: "workflow_type", value: Array("CWL".utf8)),
        FormField(name: "workflow_type_version", value: Array("v1.0".utf8)),
        FormField(name: "workflow_params", value: Array(#"{"a":1}"#.utf8)),
    ]

    private static func request(_ form: [FormField], type: String = "multipart/form-data; boundary=b") -> HTTPRequest {
        HTTPRequest(method: "POST", path: "/ga4gh/wes/v1/runs", headers: HTTPHeaders([("Content-Type", type)]), form: form)
    }

    private static func echo(_ form: [FormField], requireType: Bool = true, memo: WESSubmission.Memo? = nil) throws -> String {
        try WESSubmission(request(form), requireType: requireType, memo: memo).runRequest.serialized()
    }

    /// Each form in turn through one memo, twice over: every echo (and every refusal) is the one read without it.
    @Test func everyAnswerIsTheOneReadWithoutTheMemo() throws {
        var changed = Self.fields
        changed[3].value = Array(#"{"a":2}"#.utf8)
        var renamed = Self.fields
        renamed[1].name = "workflow_typ\u{65}\u{301}"  // another name, another slot: an unknown field
        var noType = Self.fields
        noType.remove(at: 1)
        var withFile = Self.fields
        withFile[0].filename = ""
        let forms = [Self.fields, changed, renamed, noType, withFile, Self.fields + [Self.fields[0]], [], Self.fields]
        let memo = WESSubmission.Memo()
        for _ in 0..<2 {
            for form in forms {
                for requireType in [true, false] {
                    let plain = Result { try Self.echo(form, requireType: requireType) }
                    let memoised = Result { try Self.echo(form, requireType: requireType, memo: memo) }
                    #expect("\(plain)" == "\(memoised)", "\(form.map(\.name)) requireType \(requireType)")
                }
            }
        }
    }

    @Test func aKeptFormAnswersOnlyTheSameBytes() {
        let memo = WESSubmission.Memo()
        let echo: JSON = .object([("kept", .bool(true))])
        memo.keep(Self.fields, requireType: true, echo)
        // Another array of the same fields: compared field by field.
        #expect(memo.runRequest(for: Self.fields.map { $0 }, requireType: true) == echo)
        #expect(memo.runRequest(for: Self.fields, requireType: false) == nil)
        #expect(memo.runRequest(for: Array(Self.fields.dropLast()), requireType: true) == nil)
        var form = Self.fields
        form[2].value[0] ^= 0x20  // "V1.0"
        #expect(memo.runRequest(for: form, requireType: true) == nil)
        form = Self.fields
        form[0].filename = "app"
        #expect(memo.runRequest(for: form, requireType: true) == nil)
        form = Self.fields
        form[0].name = "Workflow_url"
        #expect(memo.runRequest(for: form, requireType: true) == nil)
        // Canonically equal, other bytes: told apart.
        let composed = [FormField(name: "caf\u{E9}", value: [])]
        let decomposed = [FormField(name: "cafe\u{301}", value: [])]
        memo.keep(composed, requireType: true, echo)
        #expect(composed[0].name == decomposed[0].name)
        #expect(memo.runRequest(for: decomposed, requireType: true) == nil)
        #expect(memo.runRequest(for: composed, requireType: true) == echo)
        // The content type of a part is no part of the echo: the same answer.
        form = composed
        form[0].contentType = "text/plain"
        #expect(memo.runRequest(for: form, requireType: true) == echo)
    }

    /// The media type is checked before the memo is asked: a kept form under another type is still refused.
    @Test func theMediaTypeIsCheckedFirst() throws {
        let memo = WESSubmission.Memo()
        _ = try Self.echo(Self.fields, memo: memo)
        #expect(throws: APIError(400, "POST /runs takes multipart/form-data (or application/x-www-form-urlencoded), not application/json")) {
            try WESSubmission(Self.request(Self.fields, type: "application/json"), memo: memo)
        }
    }
}
