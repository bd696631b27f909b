#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import MockRunsHTTP
import Scenarios

/// Renders the RunResource and output bodies of one workspace from a run view.
///
/// Run and phase fields a scenario may set (snake_case, as the RunResource spells them): `workspace_id`,
/// `document_id`, `configuration_id`, `operation` (for runs scripted by id), `failure_message`, `exit_code`,
/// `output_ready` (bool; default: true once succeeded), `output_delay_seconds` (scenario seconds after success
/// before the output is ready), `output_filename`, `output_content_type`, `output_content` (the file's text).
struct WorkspaceRender {
    let workspace: String
    let now: Timestamp
    /// The session's path prefix (`FakeContext.basePath`): links keep it, so a client follows them into its session.
    var basePath = ""

    static func isUUID(_ s: String) -> Bool {
        let chars = Array(s.utf8)
        guard chars.count == 36 else { return false }
        for (i, c) in chars.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                guard c == UInt8(ascii: "-") else { return false }
            } else {
                let hex = (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
                guard hex else { return false }
            }
        }
        return true
    }

    /// The workspace a run belongs to: scripted `workspace_id`, else the one it was created in; a scripted run
    /// that names none shows in every workspace.
    static func workspace(of view: RunView) -> String? {
        view.fields["workspace_id"]?.stringValue ?? view.request["workspace_id"]?.stringValue
    }

    static func belongs(_ view: RunView, to workspace: String) -> Bool {
        guard let owner = self.workspace(of: view) else { return true }
        // The same bytes but for ASCII case are the same lower-cased: the usual answer, found without making two
        // lower-cased copies on every read. Only text beyond ASCII may differ in bytes and still match.
        if HTTPHeaders.sameName(owner, workspace) { return true }
        if owner.utf8.allSatisfy({ $0 < 0x80 }) && workspace.utf8.allSatisfy({ $0 < 0x80 }) { return false }
        return owner.lowercased() == workspace.lowercased()
    }

    func path(_ runID: String) -> String {
        // Concatenated into room made once (an interpolation grew its buffer piece by piece, on every answer).
        var path = ""
        path.reserveCapacity(basePath.utf8.count + workspace.utf8.count + runID.utf8.count + 24)
        path += basePath
        path += "/api/v1/workspaces/"
        path += workspace
        path += "/runs/"
        path += runID
        return path
    }

    /// Pydantic-style times: `2025-01-01T00:00:05Z`, with microseconds when there is a fraction.
    static func time(_ t: Timestamp?) -> JSON {
        guard let t else { return .null }
        return .string(t.iso8601(fractionDigits: t.milliseconds % 1000 == 0 ? 0 : 6))
    }

    // MARK: output

    struct OutputFile {
        var ready: Bool
        var filename: String
        var contentType: String
        var bytes: [UInt8]
    }

    /// Whether the run's output can be downloaded now (see the fields above).
    func outputReady(_ view: RunView) -> Bool {
        let f = view.fields
        if let explicit = f["output_ready"]?.boolValue { return explicit }
        guard view.state == "succeeded", let done = view.entered("succeeded") else { return false }
        return now >= done.adding(seconds: f["output_delay_seconds"]?.doubleValue ?? 0)
    }

    func outputFile(_ view: RunView) -> OutputFile {
        let f = view.fields
        let ready = outputReady(view)
        let content = f["output_content"]?.stringValue ?? defaultContent(view)
        return OutputFile(ready: ready, filename: filename(of: view), contentType: contentType(of: view), bytes: Array(content.utf8))
    }

    private func filename(of view: RunView) -> String { view.fields["output_filename"]?.stringValue ?? "output.csv" }
    private func contentType(of view: RunView) -> String { view.fields["output_content_type"]?.stringValue ?? "text/csv" }

    /// The CSV a run's output holds when the scenario gives none.
    private func defaultContent(_ view: RunView) -> String {
        "document_id,run_id,status\n\(document(of: view)),\(view.id),\(view.state)\n"
    }

    private func document(of view: RunView) -> String {
        view.fields["document_id"]?.stringValue ?? view.request["document_id"]?.stringValue ?? ""
    }

    /// `outputFile(view).bytes.count`, without making the file: the run's answer tells the size on every poll.
    private func outputSize(_ view: RunView) -> Int {
        if let content = view.fields["output_content"]?.stringValue { return content.utf8.count }
        // "document_id,run_id,status\n" then "DOCUMENT,ID,STATE\n"
        return 26 + document(of: view).utf8.count + 1 + view.id.utf8.count + 1 + view.state.utf8.count + 1
    }

    func outputObject(_ view: RunView) -> [(String, JSON)] {
        // Readiness first, and the file's size counted, not made: this is in every answer about the run.
        guard outputReady(view) else {
            return [
                ("ready", false), ("filename", .null), ("content_type", .null), ("size_bytes", .null), ("download_url", .null),
            ]
        }
        return [
            ("ready", true), ("filename", .string(filename(of: view))), ("content_type", .string(contentType(of: view))),
            ("size_bytes", .int(outputSize(view))), ("download_url", .string(path(view.id) + "/output/download")),
        ]
    }

    func output(_ view: RunView) -> JSON {
        .object([("run_id", .string(view.id))] + outputObject(view))
    }

    // MARK: run

    func run(_ view: RunView) -> JSON {
        let f = view.fields
        let options = view.request["options"]
        let started = view.entered("running")
        let completed = view.isTerminal ? view.history.last?.at : nil
        var duration: JSON = .null
        if let started {
            let ms = (completed ?? now).milliseconds(since: started)
            duration = ms % 1000 == 0 ? .int(Int(ms / 1000)) : .double(Double(ms) / 1000)
        }
        var exitCode: JSON = .null
        var failure: JSON = .null
        switch view.state {
        case "succeeded": exitCode = f["exit_code"] ?? 0
        case "failed":
            exitCode = f["exit_code"] ?? 1
            failure = f["failure_message"] ?? "The run failed"
        default:
            if let message = f["failure_message"] { failure = message }
        }
        let document = f["document_id"] ?? view.request["document_id"] ?? .null
        let configuration = f["configuration_id"] ?? view.request["configuration_id"] ?? .null
        let self_ = path(view.id)
        return .object([
            ("id", .string(view.id)),
            ("object", "ade.run"),
            ("workspace_id", .string(Self.workspace(of: view) ?? workspace)),
            ("configuration_id", configuration),
            ("operation", f["operation"] ?? view.request["operation"] ?? "process"),
            ("status", .string(view.state)),
            ("failure_message", failure),
            ("created_at", Self.time(view.createdAt)),
            ("started_at", Self.time(started)),
            ("completed_at", Self.time(completed)),
            ("duration_seconds", duration),
            ("exit_code", exitCode),
            (
                "input",
                .object([
                    ("document_id", document),
                    ("input_sheet_names", options?["input_sheet_names"] ?? .null),
                    ("active_sheet_only", options?["active_sheet_only"] ?? false),
                ])
            ),
            ("output", .object(outputObject(view))),
            (
                "links",
                .object([
                    ("self", .string(self_)), ("events", .string(self_ + "/events/stream")),
                    ("output", .string(self_ + "/output")), ("output_download", .string(self_ + "/output/download")),
                    ("cancel", .string(self_ + "/cancel")),
                ])
            ),
        ])
    }
}
