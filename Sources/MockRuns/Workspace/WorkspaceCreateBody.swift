import MockRunsHTTP
import MockRunsSync
import Scenarios

/// The body of `POST .../runs`, read the seed's way (camelCase `inputDocumentId`, snake_case also taken, unknown
/// top-level fields ignored) or the server's strict way (snake_case only, unknown fields refused). Options are
/// checked in both: unknown option, bad operation or log_level, active_sheet_only with input_sheet_names → 422.
struct WorkspaceCreateBody {
    var documentID: String
    /// Where the document id was given, for error paths.
    var documentPath: String
    var configurationID: String?
    var operation: String
    /// The options, normalised to snake_case with defaults filled in.
    var options: JSON

    static let operations = ["validate", "process", "publish"]
    static let logLevels = ["DEBUG", "INFO", "WARNING", "ERROR"]
    /// snake_case option name → the camelCase spelling the seed mode also takes.
    static let optionNames: [(snake: String, camel: String)] = [
        ("operation", "operation"), ("dry_run", "dryRun"), ("log_level", "logLevel"),
        ("input_sheet_names", "inputSheetNames"), ("active_sheet_only", "activeSheetOnly"), ("metadata", "metadata"),
    ]

    static func parse(_ body: JSON, strict: Bool) throws(APIError) -> WorkspaceCreateBody {
        guard case .object(let members) = body else {
            throw APIError(
                422, "The request body must be a JSON object",
                fieldErrors: [.init(path: "body", message: "Input should be a valid dictionary", code: "model_attributes_type")])
        }
        var errors: [APIError.FieldError] = []
        func value(_ names: [String]) -> (String, JSON)? {
            for name in names { if let v = members.first(where: { $0.0 == name }) { return (name, v.1) } }
            return nil
        }
        let documentNames = strict ? ["input_document_id"] : ["inputDocumentId", "input_document_id"]
        let configurationNames = strict ? ["configuration_id"] : ["configurationId", "configuration_id"]
        if strict {
            for (key, _) in members where !["input_document_id", "configuration_id", "options"].contains(key) {
                errors.append(.init(path: key, message: "Extra inputs are not permitted", code: "extra_forbidden"))
            }
        }
        var documentID = ""
        var documentPath = documentNames[0]
        if let (name, v) = value(documentNames) {
            documentPath = name
            if let s = v.stringValue, WorkspaceRender.isUUID(s) {
                documentID = s
            } else {
                errors.append(.init(path: name, message: "Input should be a valid UUID", code: "uuid_parsing"))
            }
        } else {
            errors.append(.init(path: documentNames[0], message: "Field required", code: "missing"))
        }
        var configurationID: String?
        if let (name, v) = value(configurationNames), v != .null {
            if let s = v.stringValue, WorkspaceRender.isUUID(s) {
                configurationID = s
            } else {
                errors.append(.init(path: name, message: "Input should be a valid UUID", code: "uuid_parsing"))
            }
        }

        var operation = "process"
        var dryRun = false
        var logLevel = "INFO"
        var sheetNames: [String]?
        var activeSheetOnly = false
        var metadata: JSON = .object([])
        if let options = members.first(where: { $0.0 == "options" })?.1, options != .null {
            guard case .object(let given) = options else {
                errors.append(.init(path: "options", message: "Input should be a valid dictionary", code: "model_attributes_type"))
                throw problem(errors)
            }
            for (key, v) in given {
                // Made only for an error: joined on every option, it cost ~800 instructions a submission.
                var path: String { "options." + key }
                guard let name = optionNames.first(where: { $0.snake == key || (!strict && $0.camel == key) })?.snake else {
                    errors.append(.init(path: path, message: "Unknown option \"\(key)\"", code: "extra_forbidden"))
                    continue
                }
                switch name {
                case "operation":
                    if let s = v.stringValue, operations.contains(s) {
                        operation = s
                    } else {
                        errors.append(.init(path: path, message: "Input should be 'validate', 'process' or 'publish'", code: "enum"))
                    }
                case "dry_run":
                    if let b = v.boolValue { dryRun = b } else { errors.append(.init(path: path, message: "Input should be a valid boolean", code: "bool_type")) }
                case "log_level":
                    if let s = v.stringValue, logLevels.contains(s) {
                        logLevel = s
                    } else {
                        errors.append(.init(path: path, message: "Input should be 'DEBUG', 'INFO', 'WARNING' or 'ERROR'", code: "enum"))
                    }
                case "input_sheet_names":
                    if v == .null { continue }
                    if let items = v.arrayValue, items.allSatisfy({ $0.stringValue?.isEmpty == false }) {
                        sheetNames = items.compactMap(\.stringValue)
                    } else {
                        errors.append(.init(path: path, message: "Input should be a list of non-empty sheet names", code: "list_type"))
                    }
                case "active_sheet_only":
                    if let b = v.boolValue { activeSheetOnly = b } else { errors.append(.init(path: path, message: "Input should be a valid boolean", code: "bool_type")) }
                default:
                    if case .object = v { metadata = v } else { errors.append(.init(path: path, message: "Input should be a valid dictionary", code: "dict_type")) }
                }
            }
            if activeSheetOnly, let sheetNames, !sheetNames.isEmpty {
                let key = given.contains(where: { $0.0 == "activeSheetOnly" }) ? "activeSheetOnly" : "active_sheet_only"
                errors.append(
                    .init(path: "options." + key, message: "active_sheet_only cannot be combined with input_sheet_names", code: "invalid_combination"))
            }
        }
        guard errors.isEmpty else { throw problem(errors) }
        let options: JSON = .object([
            ("operation", .string(operation)), ("dry_run", .bool(dryRun)), ("log_level", .string(logLevel)),
            ("input_sheet_names", sheetNames.map { .array($0.map(JSON.string)) } ?? .null),
            ("active_sheet_only", .bool(activeSheetOnly)), ("metadata", metadata),
        ])
        return WorkspaceCreateBody(
            documentID: documentID, documentPath: documentPath, configurationID: configurationID, operation: operation,
            options: options)
    }

    static func problem(_ errors: [APIError.FieldError]) -> APIError {
        let detail = errors.count == 1 ? "\(errors[0].path): \(errors[0].message)" : "\(errors.count) problems with the request body"
        return APIError(422, detail, fieldErrors: errors)
    }
}

extension WorkspaceCreateBody {
    /// A creation body read and accepted: its bytes and what they gave (the run's request echoes the workspace).
    /// A class: handed out of the memo with one retain, not one for each of its references.
    final class Creation: Sendable {
        let bytes: [UInt8]
        let strict: Bool
        let workspace: String
        let json: JSON
        let parsed: WorkspaceCreateBody
        let runRequest: JSON

        init(bytes: [UInt8], strict: Bool, workspace: String, json: JSON, parsed: WorkspaceCreateBody, runRequest: JSON) {
            self.bytes = bytes
            self.strict = strict
            self.workspace = workspace
            self.json = json
            self.parsed = parsed
            self.runRequest = runRequest
        }
    }

    /// The last creation body accepted, for a client that sends the same one over and over (a CI fixture, a load
    /// test): reading it again (a JSON parse, the checks, the run's request) cost ~7,000 instructions and a dozen
    /// reference counting calls of a workspace submission; comparing its bytes is one `memcmp`. Only one is kept,
    /// of up to `bodyLimit` bytes. What depends on the scenario's settings besides the body style (the known
    /// documents) and the contract check are done on every request, as before.
    final class Memo: Sendable {
        static let bodyLimit = 64 * 1024

        private let last = Locked<Creation?>(nil)

        init() {}

        /// What `bytes` gave under the same body style in the same workspace (compared as bytes).
        func creation(of bytes: [UInt8], strict: Bool, workspace: String) -> Creation? {
            last.withLock { kept -> Creation? in
                guard let kept, kept.strict == strict, kept.bytes.hasSameBytes(as: bytes), kept.workspace.hasSameUTF8(as: workspace)
                else { return nil }
                return kept
            }
        }

        func keep(_ creation: Creation) {
            guard creation.bytes.count <= Self.bodyLimit else { return }
            last.withLock { $0 = creation }
        }
    }
}
