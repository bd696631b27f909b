import MockRunsHTTP
import Scenarios

/// Where the Solvexia fake is more lenient than Solvexia (docs/apis/solvexia.md, "Strict mode"): each leniency is
/// a contract deviation; in strict mode it gets Solvexia's answer (RFC 6749 errors on /oauth/token,
/// `{"message","supportId"}` elsewhere).
enum SolvexiaContract {
    static let tokenParameters = ["grant_type", "client_id", "client_secret", "scope"]

    /// The parameters of `POST /oauth/token`. RFC 6749 puts them in the request body (and forbids the client
    /// secret in the URI); the fake also reads a JSON body sent without a Content-Type and fills parameters missing
    /// from the body from the query.
    static func tokenRequest(_ request: HTTPRequest, context: FakeContext) -> Result<[String: String], BodyProblem> {
        context.bodyOnlyParameters(
            request, named: tokenParameters,
            undeclaredJSON:
                "POST /oauth/token: JSON body sent without a Content-Type — the token endpoint reads only a declared form or JSON body",
            inQuery: { names in
                "POST /oauth/token: \(names.joined(separator: ", ")) sent in the query — RFC 6749 takes token request parameters in the body only (never the client secret in the URI)"
            })
    }


    /// A JSON body (`POST /api/v1/requests`, the create body) sent as another media type or without one: the fake
    /// reads it anyway; ASP.NET Web API binds a `[FromBody]` object only from a media type it has a formatter for
    /// and answers 415.
    static func jsonBody(_ request: HTTPRequest, endpoint: String, context: FakeContext) throws(APIError) {
        guard !request.body.isEmpty, !request.declaresJSON else { return }
        let media = request.mediaType ?? "no Content-Type"
        try context.contract(
            "\(endpoint): JSON body sent with \(media) — Solvexia (ASP.NET Web API) reads the body only as application/json and answers 415",
            refusal: APIError(415, "The request entity's media type '\(request.mediaType ?? "application/octet-stream")' is not supported for this resource."))
    }
}
