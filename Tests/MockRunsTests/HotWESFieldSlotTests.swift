import MockRunsHTTP
import Scenarios
import Testing

@testable import MockRuns

/// A WES submission's fields are matched to the names it reads once each, by length and then as Strings
/// (`WESSubmission.slot(of:)`): every name must land where String equality puts it (look-alikes, one byte off,
/// text beyond ASCII), and the RunRequest must be what reading each name through the form gave, in any order.
@Suite struct HotWESFieldSlotTests {
    /// What `slot(of:)` stands for: the first of `fieldNames` the name equals as a String.
    private static func plainSlot(_ name: String) -> Int { WESSubmission.fieldNames.firstIndex(of: name) ?? -1 }

    @Test func everyNameLandsWhereStringEqualityPutsIt() {
        var names: [String] = ["", "x", "workflow_", "workflow", "tags ", " tags", "TAGS"]
        for known in WESSubmission.fieldNames {
            names.append(known)
            names.append(known.uppercased())
            names.append(String(known.dropLast()))
            names.append(String(known.dropFirst()))
            names.append(known + "_")
            names.append(known + "\u{301}")  // a combining mark: another last Character
            names.append("\u{FEFF}" + known)
            names.append(known.replacingFirst("w", with: "ｗ"))  // fullwidth
            let bytes = Array(known.utf8)
            // Every byte in turn replaced: the same length, other bytes (a NUL, a look-alike, beyond ASCII).
            for index in bytes.indices {
                for byte: UInt8 in [0, UInt8(ascii: "-"), UInt8(ascii: "a"), UInt8(ascii: "E"), 0xC3] {
                    guard byte != bytes[index] else { continue }
                    var changed = bytes
                    changed[index] = byte
                    names.append(String(decoding: changed, as: UTF8.self))
                }
            }
        }
        // workflow_params and workflow_engine share a length: each must still find itself, not the other.
        #expect(WESSubmission.slot(of: "workflow_params") == 0)
        #expect(WESSubmission.slot(of: "workflow_engine") == WESSubmission.Slot.workflowEngine)
        for (slot, known) in WESSubmission.fieldNames.enumerated() { #expect(WESSubmission.slot(of: known) == slot) }
        for name in names {
            #expect(WESSubmission.slot(of: name) == Self.plainSlot(name), "\(Array(name.utf8))")
        }
    }

    /// The fields in every order, with unknown and look-alike names between them: the same RunRequest, and a
    /// plain field read before a file part of its name wherever each comes.
    @Test func theRunRequestIsTheSameInAnyOrder() throws {
        func field(_ name: String, _ value: String, file: String? = nil) -> FormField {
            FormField(name: name, value: Array(value.utf8), filename: file)
        }
        let fields = [
            field("workflow_url", "https://x/app"), field("workflow_type", "CWL"), field("workflow_type_version", "v1.0"),
            field("workflow_params", #"{"a":1}"#), field("tags", #"{"t":"v"}"#), field("workflow_engine", "cwltool"),
            field("workflow_engine", "file-engine", file: "engine.txt"), field("workflow_engine_version", "3.1"),
            field("Workflow_url", "https://not/this"), field("workflow_urL", "https://nor/this"),
            field("workflow_url\u{301}", "https://nor/that"), field("workflow_engine_parameters", #"{"p":"q"}"#),
            field("workflow_attachment", "cwl", file: "main.cwl"),
        ]
        let expected =
            #"{"workflow_params":{"a":1},"workflow_type":"CWL","workflow_type_version":"v1.0","tags":{"t":"v"},"#
            + #""workflow_engine_parameters":{"p":"q"},"workflow_url":"https://x/app","workflow_engine":"cwltool","#
            + #""workflow_engine_version":"3.1"}"#
        var random = SeededRandom(seed: 7)
        for round in 0..<60 {
            var order = fields
            if round > 0 {
                for index in order.indices.reversed() { order.swapAt(index, Int(random.next() % UInt64(index + 1))) }
            }
            let request = HTTPRequest(
                method: "POST", path: "/ga4gh/wes/v1/runs",
                headers: HTTPHeaders([("Content-Type", "multipart/form-data; boundary=b")]), form: order)
            #expect(try WESSubmission(request).runRequest.serialized() == expected, "order \(order.map(\.name))")
        }
    }

    /// An attachment found by its slot is still checked: a parent directory in its name is refused.
    @Test func attachmentsAreStillChecked() {
        let request = HTTPRequest(
            method: "POST", path: "/ga4gh/wes/v1/runs",
            headers: HTTPHeaders([("Content-Type", "multipart/form-data; boundary=b")]),
            form: [
                FormField(name: "workflow_url", value: Array("main.cwl".utf8)),
                FormField(name: "workflow_attachment", value: [], filename: "main.cwl"),
                FormField(name: "workflow_attachment", value: [], filename: "../x"),
            ])
        #expect(throws: APIError(400, "workflow_attachment filename \"../x\" refers to a parent directory ('..')")) {
            try WESSubmission(request, requireType: false)
        }
    }
}

extension String {
    fileprivate func replacingFirst(_ letter: Character, with other: String) -> String {
        guard let at = firstIndex(of: letter) else { return self }
        return String(self[..<at]) + other + String(self[index(after: at)...])
    }
}
