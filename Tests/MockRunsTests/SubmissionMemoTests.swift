import MockRunsHTTP
import Testing

@testable import MockRuns

/// `submissionFingerprint` remembers the last submission (issue 10): a request whose method, path, fields or body
/// differ from it in any byte must be fingerprinted anew, and every answer is the plain formula's.
@Suite struct SubmissionMemoTests {
    static func form(_ fields: [FormField], method: String = "POST", path: String = "/ga4gh/wes/v1/runs") -> HTTPRequest {
        HTTPRequest(method: method, path: path, form: fields)
    }

    static let url = FormField(name: "workflow_url", value: Array("https://x/1".utf8))
    static let type = FormField(name: "workflow_type", value: Array("CWL".utf8))

    /// Each differs from the one before it in one thing.
    static let requests: [HTTPRequest] = [
        form([url, type]), form([url, type]),
        form([url, FormField(name: "workflow_type", value: Array("CWM".utf8))]),
        form([url, FormField(name: "workflow_typE", value: Array("CWM".utf8))]),
        form([url, FormField(name: "workflow_typE", value: Array("CWM".utf8), filename: "a.cwl")]),
        form([url, FormField(name: "workflow_typE", value: Array("CWM".utf8), filename: "b.cwl")]),
        form([url, FormField(name: "workflow_typE", value: Array("CWM".utf8), filename: "")]),
        form([url]), form([url, type, type]), form([]), form([url, type], method: "PUT"),
        form([url, type], path: "/ga4gh/wes/v1/runz"),
        form([FormField(name: "caf\u{E9}", value: [0xFF])]), form([FormField(name: "cafe\u{301}", value: [0xFF])]),
        form([FormField(name: "cafe\u{301}", value: [0xFF, 0x00])]),
        HTTPRequest(method: "POST", path: "/ga4gh/wes/v1/runs", body: []),
        HTTPRequest(method: "POST", path: "/api/v1/x", body: Array(#"{"a":1}"#.utf8)),
        HTTPRequest(method: "POST", path: "/api/v1/x", body: Array(#"{"a":1}"#.utf8)),
        HTTPRequest(method: "POST", path: "/api/v1/x", body: Array(#"{"a":2}"#.utf8)),
        HTTPRequest(method: "POST", path: "/api/v1/x", body: Array(#"{"a":2} "#.utf8)),
        HTTPRequest(method: "POST", path: "/api/v1/x", body: [0x7B, 0xC3, 0x28, 0x7D]),
        form([url, type]),
    ]

    @Test func submissionsOneAfterAnotherAreEachThePlainFormula() {
        for _ in 0..<2 {
            for request in Self.requests {
                #expect(
                    MockRunsApp.submissionFingerprint(request) == SubmissionFingerprintTests.plainSubmissionFingerprint(request),
                    "\(request.method) \(request.path) \(request.form.map { $0.map(\.name) } ?? []) \(request.body)")
            }
        }
    }

    @Test func theLastSubmissionAnswersOnlyForTheSameBytes() throws {
        let kept = try #require(MockRunsApp.LastSubmission(Self.requests[0], "sha256:marked!!"))
        #expect(kept.fingerprint(for: Self.requests[1]) == "sha256:marked!!")
        for request in Self.requests.dropFirst(2).dropLast() {
            #expect(kept.fingerprint(for: request) == nil, "\(request.method) \(request.path)")
        }
        #expect(kept.fingerprint(for: Self.requests.last!) == "sha256:marked!!")
        let body = try #require(MockRunsApp.LastSubmission(Self.requests[16], "sha256:body!!"))
        #expect(body.fingerprint(for: Self.requests[17]) == "sha256:body!!")
        #expect(body.fingerprint(for: Self.requests[18]) == nil && body.fingerprint(for: Self.requests[0]) == nil)
    }

    /// Only what a retry would send again is kept, and not without bound: a large body or form is never kept.
    @Test func aLargeSubmissionIsNotKept() {
        let limit = Fingerprint.memoKeyLimit
        let large = HTTPRequest(method: "POST", path: "/p", body: Array(repeating: 0x61, count: limit + 1))
        let largeForm = Self.form([FormField(name: "f", value: Array(repeating: 0x61, count: limit))])
        #expect(MockRunsApp.LastSubmission(large, "x") == nil)
        #expect(MockRunsApp.LastSubmission(largeForm, "x") == nil)
        #expect(MockRunsApp.LastSubmission(HTTPRequest(method: "POST", path: "/p", body: Array(repeating: 0x61, count: limit)), "x") != nil)
        #expect(MockRunsApp.submissionFingerprint(large) == SubmissionFingerprintTests.plainSubmissionFingerprint(large))
    }
}
