import MockRunsHTTP
import MockRunsSync
import Scenarios

/// A POST /runs body (multipart/form-data, or application/x-www-form-urlencoded), checked and turned into the
/// RunRequest the run log echoes.
struct WESSubmission {
    /// The workflow languages and versions GET /service-info advertises; a submission naming another is refused.
    static let workflowTypes: [(String, [String])] = [
        ("CWL", ["sbg:draft-2", "v1.0", "v1.1", "v1.2"]),
        ("WDL", ["draft-2", "1.0", "1.1"]),
    ]
    static let jsonFields = ["workflow_params", "tags", "workflow_engine_parameters"]

    /// The echo, in the RunRequest's field order.
    var runRequest: JSON

    /// `requireType`: refuse a submission without workflow_type or workflow_type_version (WES 1.1 requires both;
    /// the `optionalWorkflowType` setting turns it off).
    /// `memo`: where the last submission's echo is kept, and looked up before the form is read.
    init(_ request: HTTPRequest, requireType: Bool = true, memo: Memo? = nil) throws(APIError) {
        let media = request.mediaType ?? "(none)"
        guard media == "multipart/form-data" || media == "application/x-www-form-urlencoded" else {
            throw APIError(
                400, "POST /runs takes multipart/form-data (or application/x-www-form-urlencoded), not \(media)")
        }
        if let problem = request.formError { throw APIError(400, "the form body could not be read: \(problem)") }
        let form = request.form ?? []
        if let memo, let known = memo.runRequest(for: form, requireType: requireType) {
            runRequest = known
            return
        }
        runRequest = try Self.echo(of: form, requireType: requireType)
        memo?.keep(form, requireType: requireType, runRequest)
    }

    /// The RunRequest echo of the fields of `form`, checked.
    private static func echo(of form: [FormField], requireType: Bool) throws(APIError) -> JSON {
        // Each field's name matched once against the names read here (eight look-ups of a name through the
        // whole form, then the attachments', compared 30-odd names: ~1,800 instructions a submission,
        // bench/speed/instructions.sh submit-wes).
        let slots = form.map { Self.slot(of: $0.name) }
        // The first plain field of that name, else the first file part of it: one pass, not two.
        func first(_ slot: Int) -> FormField? {
            var filePart: FormField?
            for index in form.indices where slots[index] == slot {
                if form[index].filename == nil { return form[index] }
                if filePart == nil { filePart = form[index] }
            }
            return filePart
        }

        // The three objects and five strings held in locals, not dictionaries keyed by name (hashing each name
        // twice per submission).
        var objects: [JSON?] = [nil, nil, nil]
        for (slot, name) in Self.jsonFields.enumerated() {
            guard let field = first(slot) else { continue }
            let parsed: JSON
            do {
                // Bounded as a JSON body is: the run keeps the parsed tree, ~10 bytes for each byte of `[[],[],…]`.
                parsed = try JSON.parse(field.value, maxValues: HTTPRequest.maximumBodyValues)
            } catch {
                throw APIError(400, "\(name) is not valid JSON: \(error)")
            }
            guard case .object(let members) = parsed else {
                throw APIError(400, "\(name) must be a JSON object, got \(parsed.kindName)")
            }
            if name != "workflow_params", let bad = members.first(where: { $0.1.stringValue == nil }) {
                throw APIError(400, "\(name) must map names to strings; \"\(bad.0)\" is \(bad.1.kindName)")
            }
            objects[slot] = parsed
        }
        let type = first(Slot.workflowType)?.text
        let version = first(Slot.workflowTypeVersion)?.text
        guard let url = first(Slot.workflowURL)?.text, !url.isEmpty else {
            throw APIError(400, "workflow_url is required")
        }
        let engine = first(Slot.workflowEngine)?.text
        let engineVersion = first(Slot.workflowEngineVersion)?.text
        let attachments = form.indices.lazy.filter { slots[$0] == Slot.workflowAttachment }.map { form[$0] }
        for file in attachments {
            guard let filename = file.filename, !filename.isEmpty else {
                throw APIError(400, "each workflow_attachment part needs a filename in its Content-Disposition")
            }
            if Self.asciiContains(filename, "..") ?? filename.contains("..") {
                throw APIError(400, "workflow_attachment filename \"\(filename)\" refers to a parent directory ('..')")
            }
        }
        if !(Self.asciiContains(url, ":") ?? url.contains(":")), !attachments.contains(where: { $0.filename == url }) {
            throw APIError(400, "workflow_url \"\(url)\" is a relative URL but no workflow_attachment has that filename")
        }
        if requireType {
            guard let type, !type.isEmpty else {
                let known = Self.workflowTypes.map(\.0).joined(separator: ", ")
                throw APIError(400, "workflow_type is required (a WES RunRequest names its workflow language); supported: \(known)")
            }
            if (version ?? "").isEmpty {
                let versions = Self.workflowTypes.first { $0.0 == type }?.1 ?? []
                throw APIError(
                    400,
                    "workflow_type_version is required (a WES RunRequest names its language version)"
                        + (versions.isEmpty ? "" : "; supported for \(type): \(versions.joined(separator: ", "))"))
            }
        }
        if let type {
            guard let versions = Self.workflowTypes.first(where: { $0.0 == type })?.1 else {
                let known = Self.workflowTypes.map(\.0).joined(separator: ", ")
                throw APIError(400, "workflow_type \"\(type)\" is not supported; supported: \(known)")
            }
            if let version, !versions.contains(version) {
                throw APIError(
                    400, "workflow_type_version \"\(version)\" of \(type) is not supported; supported: \(versions.joined(separator: ", "))")
            }
        }
        // Room for all seven made first (reserved after a one-member literal, the array was made twice).
        var members: [(String, JSON)] = []
        members.reserveCapacity(7)
        members.append(("workflow_params", objects[0] ?? .object([])))
        if let type { members.append(("workflow_type", .string(type))) }
        if let version { members.append(("workflow_type_version", .string(version))) }
        members.append(("tags", objects[1] ?? .object([])))
        members.append(("workflow_engine_parameters", objects[2] ?? .object([])))
        members.append(("workflow_url", .string(url)))
        if let engine { members.append(("workflow_engine", .string(engine))) }
        if let engineVersion { members.append(("workflow_engine_version", .string(engineVersion))) }
        return .object(members)
    }

    /// The last submission's form and the echo it gave, for a client that submits the same form over and over (a
    /// CI fixture, a load test): reading it again cost ~10,000 instructions and ~70 reference counting calls of a
    /// WES multipart submission (a JSON parse of workflow_params, a String per field, the echo's members). The
    /// echo depends on nothing but the fields' names, values and filenames and `requireType`; only a form that
    /// passed is kept, and only one (its fields are the request's own, up to the body limit).
    final class Memo: Sendable {
        struct Entry: Sendable {
            let form: [FormField]
            let requireType: Bool
            let runRequest: JSON
        }

        private let last = Locked<Entry?>(nil)

        init() {}

        func runRequest(for form: [FormField], requireType: Bool) -> JSON? {
            last.withLock { entry -> JSON? in
                guard let entry, entry.requireType == requireType, FormField.sameFields(entry.form, form) else { return nil }
                return entry.runRequest
            }
        }

        func keep(_ form: [FormField], requireType: Bool, _ runRequest: JSON) {
            let entry = Entry(form: form, requireType: requireType, runRequest: runRequest)
            last.withLock { $0 = entry }
        }
    }

    /// The names a submission's fields are read by: `jsonFields` first, in their order (their slots are their
    /// indices there), then the strings and the attachments.
    static let fieldNames = jsonFields + [
        "workflow_type", "workflow_type_version", "workflow_url", "workflow_engine", "workflow_engine_version",
        "workflow_attachment",
    ]

    /// The slots of the names read one by one, found in `fieldNames` (not numbered by hand beside it).
    enum Slot {
        static let workflowType = slot(of: "workflow_type")
        static let workflowTypeVersion = slot(of: "workflow_type_version")
        static let workflowURL = slot(of: "workflow_url")
        static let workflowEngine = slot(of: "workflow_engine")
        static let workflowEngineVersion = slot(of: "workflow_engine_version")
        static let workflowAttachment = slot(of: "workflow_attachment")
    }

    /// The index in `fieldNames` of the name `name` equals (as Strings compare), -1 for any other. Told apart by
    /// length first (only workflow_params and workflow_engine share one), then compared; a name of no known
    /// length equals none unless it has bytes beyond ASCII, which may be canonically equivalent to one.
    static func slot(of name: String) -> Int {
        let length = name.utf8.count
        for (index, known) in fieldNames.enumerated() where known.utf8.count == length && known == name {
            return index
        }
        // Checked over the name's own buffer: `utf8.allSatisfy` walked String.UTF8View, ~500 instructions a name.
        let ascii = name.utf8.withContiguousStorageIfAvailable { bytes in bytes.allSatisfy { $0 < 0x80 } } ?? false
        return ascii ? -1 : fieldNames.firstIndex(of: name) ?? -1
    }

    /// Whether ASCII `text` holds `part` (ASCII, no CR or LF), by bytes; nil when `text` is not ASCII.
    /// In ASCII every Character but CR LF is one byte, so this answers what `text.contains(part)` answers, without
    /// its walk by grapheme; other text is left to that walk (a combining mark after ':' makes another Character).
    static func asciiContains(_ text: String, _ part: String) -> Bool? {
        var text = text
        return text.withUTF8 { bytes -> Bool? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            guard let head = part.utf8.first else { return true }
            var start = 0
            while let at = bytes[start...].firstIndex(of: head) {
                if bytes[at...].starts(with: part.utf8) { return true }
                start = at + 1
            }
            return false
        }
    }
}
