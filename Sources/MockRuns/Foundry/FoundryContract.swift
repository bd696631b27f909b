import MockRunsHTTP
import Scenarios

/// Where the Foundry fake is more lenient than Foundry (docs/apis/foundry.md, "Strict mode"): each leniency is a
/// contract deviation; in strict mode the request is read as Foundry reads it, so it gets Foundry's own answer
/// (403 `Unauthorized: apiKey is missing`, 400 `Missing required parameter(s): ...`).
enum FoundryContract {
    /// The parameters of `POST dashboard/run`. Foundry reads them from a JSON or form-encoded body; the fake also
    /// reads a JSON body sent without a Content-Type and fills parameters missing from the body from the query.
    static func runParameters(_ request: HTTPRequest, context: FakeContext) -> Result<[String: String], BodyProblem> {
        context.bodyOnlyParameters(
            request, named: ["apiKey"] + FoundryFake.requiredParameters,
            undeclaredJSON:
                "POST dashboard/run: JSON body sent without Content-Type: application/json — Foundry reads only a declared JSON or form-encoded body",
            inQuery: { names in
                "POST dashboard/run: \(names.joined(separator: ", ")) sent in the query — Foundry takes run parameters in the JSON or form body only"
            })
    }
}
