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
        // Read from the text's own UTF-8 buffer (an array of its bytes and one of the dash positions cost two
        // allocations on every request, and walking String.UTF8View ~80 instructions a byte).
        guard s.utf8.count == 36 else { return false }
        // The view's own contiguous bytes, lent without a copy of the text (`withUTF8` is mutating: the copy it
        // needed cost a bridge retain and release every workspace request); one without them is made contiguous.
        return s.utf8.withContiguousStorageIfAvailable(isUUID(bytes:)) ?? {
            var s = s
            return s.withUTF8(isUUID(bytes:))
        }()
    }

    /// `isUUID` of a text's 36 UTF-8 bytes.
    private static func isUUID(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // The dashes, then the five runs of digits between them through a table of the hex digits (a switch
        // on each byte's place and three range checks cost ~540 instructions a check, on every request).
        let dash = UInt8(ascii: "-")
        guard bytes[8] == dash, bytes[13] == dash, bytes[18] == dash, bytes[23] == dash else { return false }
        return hexDigits.withUnsafeBufferPointer { isHex in
            func digits(_ range: Range<Int>) -> Bool {
                for i in range where !isHex[Int(bytes[i])] { return false }
                return true
            }
            return digits(0..<8) && digits(9..<13) && digits(14..<18) && digits(19..<23) && digits(24..<36)
        }
    }

    /// Whether each byte value is a hex digit, either case.
    private static let hexDigits: [Bool] = (0..<256).map { byte in
        (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte)
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
        // Its parts' bytes copied straight into the string's storage (appended to a String with room reserved,
        // ~2,300 instructions of a workspace submission, bench/speed/instructions.sh submit-workspace).
        return String(unsafeUninitializedCapacity: pathLength(runID)) { out in
            // A cursor handed inout, not a count captured by a nested function: that one was checked for
            // exclusive access on every read and write (path 1,930 -> 1,013 instructions a submission, callgrind per function).
            var at = out.baseAddress!
            Self.put(basePath, at: &at)
            Self.put("/api/v1/workspaces/", at: &at)
            Self.put(workspace, at: &at)
            Self.put("/runs/", at: &at)
            Self.put(runID, at: &at)
            return at - out.baseAddress!
        }
    }

    /// The UTF-8 length of `path(runID)`: its parts and the 25 bytes of `/api/v1/workspaces/` and `/runs/`.
    private func pathLength(_ runID: String) -> Int {
        basePath.utf8.count + workspace.utf8.count + runID.utf8.count + 25
    }

    /// Copies `text`'s UTF-8 to `cursor` and moves the cursor past it.
    private static func put(_ text: String, at cursor: inout UnsafeMutablePointer<UInt8>) {
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            cursor.initialize(from: base, count: bytes.count)
            cursor += bytes.count
        }
    }

    /// The run's path in the links of one answer (each is the path and a fixed suffix): escaped and written with
    /// the first link, copied from there into the others.
    private struct Link {
        let runID: String
        var written: JSONWriter.Written? = nil
    }

    /// The string of `link`'s path and `suffix`.
    private func writeLink(_ link: inout Link, _ suffix: StaticString, to out: inout JSONWriter) {
        if let written = link.written { return out.string(written, suffix) }
        let start = out.openString()
        out.escaped(basePath)
        out.escaped("/api/v1/workspaces/" as StaticString)
        out.escaped(workspace)
        out.escaped("/runs/" as StaticString)
        out.escaped(link.runID)
        link.written = out.closeString(start, suffix)
    }

    /// Pydantic-style times: `2025-01-01T00:00:05Z`, with microseconds when there is a fraction.
    static func time(_ t: Timestamp?) -> JSON {
        guard let t else { return .null }
        return .string(t.iso8601(fractionDigits: fractionDigits(t)))
    }

    /// `time(t)` written into an answer, without making the String.
    static func time(_ t: Timestamp?, to out: inout JSONWriter) {
        guard let t else { return out.null() }
        out.iso8601(t, fractionDigits: fractionDigits(t))
    }

    private static func fractionDigits(_ t: Timestamp) -> Int { t.milliseconds % 1000 == 0 ? 0 : 6 }

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

    /// The output object's members, written into an object already open.
    private func writeOutputMembers(_ view: RunView, link: inout Link, to out: inout JSONWriter) {
        // Readiness first, and the file's size counted, not made: this is in every answer about the run.
        guard outputReady(view) else {
            // One write for the five (a key and a value each: ~1,000 instructions of a workspace submission).
            return out.members(#""ready":false,"filename":null,"content_type":null,"size_bytes":null,"download_url":null"#)
        }
        out.key("ready")
        out.bool(true)
        out.key("filename")
        out.string(filename(of: view))
        out.key("content_type")
        out.string(contentType(of: view))
        out.key("size_bytes")
        out.int(outputSize(view))
        out.key("download_url")
        writeLink(&link, "/output/download", to: &out)
    }

    /// GET .../output: `{"run_id", ready, filename, content_type, size_bytes, download_url}`.
    func output(_ view: RunView) -> [UInt8] {
        var out = JSONWriter()
        out.openObject()
        out.key("run_id")
        out.string(view.id)
        var link = Link(runID: view.id)
        writeOutputMembers(view, link: &link, to: &out)
        out.closeObject()
        return out.bytes
    }

    // MARK: run

    /// What `run(view)` reads besides the view's phase part, for `RenderMemo`: the workspace and base path its
    /// links echo, the clock while its duration runs, and whether its output is ready (which may change with the
    /// clock once it succeeded).
    func memoKey(_ view: RunView) -> RenderMemo.Key {
        // As `write` reads them: the duration runs from the start until the run completes.
        let completed = view.isTerminal ? view.history.last?.at : nil
        let running = view.entered("running") != nil && completed == nil
        return RenderMemo.Key(
            view, echoing: workspace, basePath, clock: running ? now.milliseconds : 0, variant: outputReady(view) ? 1 : 0)
    }

    /// The RunResource as its JSON text.
    func run(_ view: RunView) -> [UInt8] {
        // Room for the body at once: six links of the run's path and ~700 bytes besides (1,139 in all for the
        // bench's run, where the usual 1,000 made it grow once: ~1,700 instructions of a workspace submission).
        // The path's length before escaping: only text a client escapes makes it longer (and the room grow).
        var out = JSONWriter(capacity: 700 + 6 * pathLength(view.id))
        var link = Link(runID: view.id)
        write(view, link: &link, to: &out)
        return out.bytes
    }

    /// Writes the RunResource straight as bytes: building its two dozen members as a value tree, then walking it,
    /// with a String for each time and link, cost ~16,000 instructions of a workspace GET run (156,308 -> 140,054,
    /// bench/speed/instructions.sh workspace).
    func write(_ view: RunView, to out: inout JSONWriter) {
        var link = Link(runID: view.id)
        write(view, link: &link, to: &out)
    }

    /// `write(view, to:)` with the links' path as far as it has been written.
    private func write(_ view: RunView, link: inout Link, to out: inout JSONWriter) {
        let f = view.fields
        let request = view.request
        let options = request["options"]
        let started = view.entered("running")
        let completed = view.isTerminal ? view.history.last?.at : nil
        out.openObject()
        out.key("id")
        out.string(view.id)
        out.members(#""object":"ade.run""#)
        out.key("workspace_id")
        out.string(Self.workspace(of: view) ?? workspace)
        out.key("configuration_id")
        out.value(f["configuration_id"] ?? request["configuration_id"] ?? .null)
        out.key("operation")
        out.value(f["operation"] ?? request["operation"] ?? "process")
        out.key("status")
        out.string(view.state)
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
        out.key("failure_message")
        out.value(failure)
        out.key("created_at")
        Self.time(view.createdAt, to: &out)
        if started == nil, completed == nil {
            // A queued run (every submission's answer): one write for the three (~500 instructions).
            out.members(#""started_at":null,"completed_at":null,"duration_seconds":null"#)
        } else {
            out.key("started_at")
            Self.time(started, to: &out)
            out.key("completed_at")
            Self.time(completed, to: &out)
            out.key("duration_seconds")
            if let started {
                let ms = (completed ?? now).milliseconds(since: started)
                out.value(ms % 1000 == 0 ? .int(Int(ms / 1000)) : .double(Double(ms) / 1000))
            } else {
                out.null()
            }
        }
        out.key("exit_code")
        out.value(exitCode)
        out.key("input")
        out.openObject()
        out.key("document_id")
        out.value(f["document_id"] ?? request["document_id"] ?? .null)
        out.key("input_sheet_names")
        out.value(options?["input_sheet_names"] ?? .null)
        out.key("active_sheet_only")
        out.value(options?["active_sheet_only"] ?? false)
        out.closeObject()
        // Six links share the run's path: escaped once, then copied with each suffix (each written from its
        // parts, and the workspace id read through String.UTF8View, ~9,800 instructions more).
        out.key("output")
        out.openObject()
        writeOutputMembers(view, link: &link, to: &out)
        out.closeObject()
        out.key("links")
        out.openObject()
        out.key("self")
        writeLink(&link, "", to: &out)
        out.key("events")
        writeLink(&link, "/events/stream", to: &out)
        out.key("output")
        writeLink(&link, "/output", to: &out)
        out.key("output_download")
        writeLink(&link, "/output/download", to: &out)
        out.key("cancel")
        writeLink(&link, "/cancel", to: &out)
        out.closeObject()
        out.closeObject()
    }
}
