import Scenarios

/// The Python Controller's contract as docs/apis/controller.md states it (the run_status body is inferred from the
/// sibling status endpoints, as the page says).
extension ControllerFake {
    public var documentation: APIDocumentation {
        let message = JSONSchema.object(["message": .string], required: ["message"]).named("ControllerMessage")
        let parameters = [
            APIDocumentation.Parameter("resourceID", in: .query, required: true, .string, "the source to re-process, e.g. SCR_017041-1"),
            APIDocumentation.Parameter(
                "userID", in: .query, .string,
                "an integer (default 4, the auto-run user); anything else is 400 (typed as a string so a non-integer can be sent to see the 400)"),
        ]
        let errors: [(Int, String)] = [
            (400, "resourceID is missing (Specify ResourceID), unknown (Invalid Resource) or userID is not an integer (Failed Request : ...)"),
            (401, "api_key is missing, unknown or revoked (Unauthorized access)"),
            (403, "the key lacks the permission (Access Denied)"),
            (500, "server error (a scenario fault)"),
        ]
        return APIDocumentation(
            title: "SciCrunch Python Controller (mockruns fake)",
            version: "controller",
            description: """
                SciCrunch's Python Controller (a Flask app): `POST /controller/run` re-processes a resource's documents \
                that ended in error; `GET /controller/run_status` reports on it. Every parameter travels in the query; \
                every answer is a JSON object, errors `{"message": ...}`.
                """,
            securitySchemes: [.apiKey("apiKey", parameter: "api_key", in: "query", "the controller API key")],
            security: ["apiKey"],
            errorBody: message,
            operations: [
                .init(
                    "POST", "run", summary: "Start re-processing a resource",
                    parameters: parameters,
                    responses: [
                        .json(200, "the run started", message, example: ["message": "Your Request started"]),
                        .json(
                            201, "the resource is on HOLD (the holdStatus setting; 201 as documented)", message,
                            example: ["message": .string(Self.holdMessage)]),
                    ],
                    errors: errors),
                .init(
                    "GET", "run_status", summary: "The resource's run status",
                    description: "The page documents no body; the fake answers as the sibling status endpoints do.",
                    parameters: parameters,
                    responses: [
                        .json(
                            200, "the run's status, or No ongoing run",
                            .object(["status": JSONSchema.strings(Self.states + [Self.noRun]).named("ControllerStatus")], required: ["status"]),
                            example: ["status": "Running"])
                    ],
                    errors: errors),
            ])
    }
}
