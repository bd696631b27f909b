import MockRunsHTTP
import Scenarios

/// Where the workspace fake is more lenient than the ADE server (docs/apis/workspace.md, "Strict mode"): each
/// leniency is a contract deviation; in strict mode it gets the server's 422 problem+json.
enum WorkspaceContract {
    /// The create body's top-level names in the `seed` body style: the how-to page's camelCase and the server's
    /// snake_case.
    static let seedTopLevel = ["inputDocumentId", "input_document_id", "configurationId", "configuration_id", "options"]

    /// `POST .../runs`, before the body is read. FastAPI reads the body as JSON when its Content-Type is JSON
    /// (`application/json`, `*+json`) or absent; any other (`text/plain`, a form) leaves it a string the model
    /// refuses with 422. The `seed` body style also ignores unknown top-level fields and takes camelCase option
    /// names, where the server's model forbids extra fields (422 `extra_forbidden`). The `strict` body style
    /// refuses those already.
    /// `body` is `request.jsonBody()`, read once by the caller.
    static func create(
        _ request: HTTPRequest, body: Result<JSON, BodyProblem>, bodyStyle: String, context: FakeContext
    ) throws(APIError) {
        if let media = request.mediaType, !request.declaresJSON {
            try context.contract(
                "POST .../runs: JSON body sent as \(media) — the server reads the body as JSON only with Content-Type application/json and answers 422",
                refusal: APIError(
                    422, "body: Input should be a valid dictionary or object to extract fields from",
                    fieldErrors: [
                        .init(
                            path: "body", message: "Input should be a valid dictionary or object to extract fields from",
                            code: "model_attributes_type")
                    ]))
        }
        guard bodyStyle != "strict", case .success(.object(let members)) = body else { return }
        var extra: [APIError.FieldError] = []
        for (key, _) in members where !seedTopLevel.contains(key) {
            extra.append(.init(path: key, message: "Extra inputs are not permitted", code: "extra_forbidden"))
        }
        if case .object(let options)? = members.first(where: { $0.0 == "options" })?.1 {
            for (key, _) in options {
                guard let name = WorkspaceCreateBody.optionNames.first(where: { $0.camel == key && $0.snake != key }) else { continue }
                extra.append(
                    .init(path: "options." + key, message: "Extra inputs are not permitted (the option is \(name.snake))", code: "extra_forbidden"))
            }
        }
        guard !extra.isEmpty else { return }
        let names = extra.prefix(5).map { Credentials.printable($0.path, limit: 64) }.joined(separator: ", ")
            + (extra.count > 5 ? " and \(extra.count - 5) more" : "")
        try context.contract(
            "POST .../runs: field(s) \(names) the server's model does not have (unknown fields, camelCase option names) — it forbids extra fields and answers 422 extra_forbidden",
            refusal: WorkspaceCreateBody.problem(extra))
    }
}
