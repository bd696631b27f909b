import MockRunsHTTP
import Scenarios
import Testing

@testable import MockRuns

/// `WorkspaceCreateBody.Memo` keeps the last creation body accepted with what it gave: it may answer only the same
/// bytes under the same body style in the same workspace, and a submission answered from it must get the bytes one
/// read afresh gets. The known documents and the contract check are looked at on every submission.
@Suite struct HotWorkspaceCreateMemoTests {
    static let workspace = "3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10"
    static let document = "c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33"
    static let camel = #"{"inputDocumentId":"\#(document)","options":{"operation":"process"}}"#
    static let snake = #"{"input_document_id":"\#(document)","options":{"operation":"validate"}}"#

    func app(_ settings: String = "{}") throws -> MockRunsApp {
        let file = #"{"seed": 3, "clock": {"mode": "virtual"}, "apis": {"workspace": {"settings": \#(settings)}}}"#
        let scenario = try ScenarioLoader(apis: APIRegistry.fakes.map(\.descriptor)).load(Array(file.utf8), file: "w.json")
        return MockRunsApp(scenario: scenario, time: ManualTimeSource())
    }

    /// Status, Location and body of one submission.
    func submit(_ app: MockRunsApp, _ body: String, workspace: String = workspace) -> String {
        let reply = app.respond(
            to: HTTPRequest(
                method: "POST", path: "/api/v1/workspaces/\(workspace)/runs",
                headers: HTTPHeaders([("X-API-Key", "k"), ("Content-Type", "application/json")]), body: Array(body.utf8)))
        guard case .bytes(let bytes) = reply.response.body else { return "\(reply.response.status)" }
        return "\(reply.response.status) \(reply.response.headers["Location"] ?? "-") \(String(decoding: bytes, as: UTF8.self))"
    }

    /// Two apps of one scenario: the first one's submissions read afresh or not, the second's answered from the
    /// memo the first filled (the fakes are shared); every answer the same bytes, run after run.
    @Test func aRememberedBodyGetsTheAnswerOfAFreshRead() throws {
        let first = try app(), second = try app()
        for body in [Self.camel, Self.snake, Self.camel] {
            let a = submit(first, body), b = submit(second, body)
            #expect(a == b)
            #expect(a.hasPrefix("201 /api/v1/workspaces/\(Self.workspace)/runs/"), "\(a)")
        }
        // Another workspace: the run's request echoes it.
        let other = "0a0b0c0d-0000-4000-8000-000000000001"
        #expect(submit(first, Self.snake, workspace: other).contains(#""workspace_id":"\#(other)""#))
        #expect(submit(second, Self.snake, workspace: other).contains(#""workspace_id":"\#(other)""#))
        #expect(submit(second, Self.snake).contains(#""workspace_id":"\#(Self.workspace)""#))
    }

    /// The same bodies, one after another, to apps whose settings tell them apart: a strict body style refuses the
    /// camelCase body the seed style took, and a list of known documents refuses a body it took before.
    @Test func settingsStillDecide() throws {
        let seed = try app(), strict = try app(#"{"bodyStyle": "strict"}"#)
        let known = try app(#"{"documents": ["00000000-0000-4000-8000-000000000000"]}"#)
        for _ in 0..<2 {
            #expect(submit(seed, Self.camel).hasPrefix("201 "))
            #expect(submit(strict, Self.camel).hasPrefix("422 "))
            #expect(submit(seed, Self.camel).hasPrefix("201 "))
            #expect(submit(known, Self.camel).hasPrefix("404 "))
            #expect(submit(known, Self.camel).contains("Document \(Self.document) not found"))
            #expect(submit(strict, Self.snake).hasPrefix("201 "))
            #expect(submit(strict, Self.snake).hasPrefix("201 "))
        }
    }

    @Test func aKeptBodyAnswersOnlyTheSameBytes() throws {
        let memo = WorkspaceCreateBody.Memo()
        let bytes = Array(Self.camel.utf8)
        let json = try JSON.parse(bytes)
        let creation = WorkspaceCreateBody.Creation(
            bytes: bytes, strict: false, workspace: Self.workspace, json: json,
            parsed: try WorkspaceCreateBody.parse(json, strict: false), runRequest: .null)
        memo.keep(creation)
        #expect(memo.creation(of: Array(Self.camel.utf8), strict: false, workspace: Self.workspace) === creation)
        #expect(memo.creation(of: bytes, strict: true, workspace: Self.workspace) == nil)
        #expect(memo.creation(of: bytes, strict: false, workspace: Self.workspace.uppercased()) == nil)
        #expect(memo.creation(of: bytes + [0x20], strict: false, workspace: Self.workspace) == nil)
        var last = bytes
        last[last.count - 2] ^= 1
        #expect(memo.creation(of: last, strict: false, workspace: Self.workspace) == nil)
        #expect(memo.creation(of: [], strict: false, workspace: Self.workspace) == nil)
        // A body over the limit is not kept: the last one stays.
        let large = [UInt8](repeating: 0x20, count: WorkspaceCreateBody.Memo.bodyLimit + 1)
        memo.keep(
            WorkspaceCreateBody.Creation(
                bytes: large, strict: false, workspace: Self.workspace, json: json, parsed: creation.parsed, runRequest: .null))
        #expect(memo.creation(of: large, strict: false, workspace: Self.workspace) == nil)
        #expect(memo.creation(of: bytes, strict: false, workspace: Self.workspace) === creation)
    }
}
