import MockRunsHTTP
import Scenarios

/// Where the WES fake is more lenient than Cavatica (docs/apis/wes.md, "Strict mode"): each leniency is a
/// contract deviation; in strict mode it gets Cavatica's answer as a WES ErrorResponse.
enum WESContract {
    /// The fields of a WES 1.0/1.1 RunRequest form (POST /runs).
    static let formFields = [
        "workflow_params", "workflow_type", "workflow_type_version", "tags", "workflow_engine_parameters",
        "workflow_url", "workflow_engine", "workflow_engine_version", "workflow_attachment",
    ]

    /// POST /runs without X-SBG-Auth-Token: let through (wes-client 5.0 sends none) unless `strictAuth` or strict
    /// mode, which answer 401 as Cavatica does. Throws the 401, or returns when the submission may pass.
    static func submissionWithoutToken(settings: [String: JSON], context: FakeContext) throws(APIError) {
        let refusal = APIError(401, "Unauthorized: the X-SBG-Auth-Token header is missing")
        // strictAuth alone refuses as before, without calling it a deviation: the scenario asked for the real answer.
        if settings["strictAuth"]?.boolValue == true, !context.strict { throw refusal }
        try context.contract(
            "POST /runs without X-SBG-Auth-Token (wes-client 5.0 sends none) — Cavatica answers 401; settings.strictAuth or strict mode make the mock do so too",
            refusal: refusal)
    }

    /// `Authorization: Bearer` taken because of the `acceptBearer` setting: Cavatica reads X-SBG-Auth-Token only.
    static func bearerToken(context: FakeContext) throws(APIError) {
        try context.contract(
            "token sent as Authorization: Bearer (settings.acceptBearer) — Cavatica reads the token from X-SBG-Auth-Token only and answers 401",
            refusal: APIError(
                401, "Unauthorized: send your token in the X-SBG-Auth-Token header (Authorization is not accepted here)"))
    }

    /// POST /runs without workflow_type or workflow_type_version, let through by the `optionalWorkflowType`
    /// setting: WES 1.1 requires both. Returns whether the submission must name them (strict mode: yes).
    static func workflowTypeRequired(_ request: HTTPRequest, settings: [String: JSON], context: FakeContext) -> Bool {
        guard settings["optionalWorkflowType"]?.boolValue == true else { return true }
        let form = request.form ?? []
        let missing = ["workflow_type", "workflow_type_version"].filter { name in
            !form.contains { $0.name == name && !$0.value.isEmpty }
        }
        guard !missing.isEmpty else { return false }
        context.deviation(
            "POST /runs without \(missing.joined(separator: " or ")) (settings.optionalWorkflowType) — a WES 1.1 RunRequest requires both and the service answers 400")
        return context.strict
    }

    /// POST /runs: WES takes multipart/form-data with the RunRequest's fields only; the fake also takes a
    /// form-encoded body and ignores fields it does not know.
    static func submission(_ request: HTTPRequest, context: FakeContext) throws(APIError) {
        if request.mediaType == "application/x-www-form-urlencoded" {
            try context.contract(
                "POST /runs body sent as application/x-www-form-urlencoded — the WES API takes multipart/form-data and answers 400",
                refusal: APIError(400, "POST /runs takes multipart/form-data, not application/x-www-form-urlencoded"))
        }
        var unknown: [String] = []
        var seen = Set<ExactKey>()  // a body may hold 10,000 fields: linear, not quadratic
        for field in request.form ?? [] where !formFields.contains(field.name) && seen.insert(ExactKey(field.name)).inserted {
            unknown.append(field.name)
        }
        guard !unknown.isEmpty else { return }
        let names = unknown.prefix(5).map { Credentials.printable($0, limit: 64) }.joined(separator: ", ")
            + (unknown.count > 5 ? " and \(unknown.count - 5) more" : "")
        try context.contract(
            "POST /runs with unknown form field(s) \(names) — a WES RunRequest has only \(formFields.joined(separator: ", ")); Cavatica answers 400",
            refusal: APIError(400, "unknown form field(s) \(names); a RunRequest takes \(formFields.joined(separator: ", "))"))
    }
}
