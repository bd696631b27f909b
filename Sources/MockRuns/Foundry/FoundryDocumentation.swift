import Scenarios

/// Foundry's contract as docs/apis/foundry.md and the seed page "Foundry API: Run a Source" state it.
extension FoundryFake {
    public var documentation: APIDocumentation {
        let state = JSONSchema.strings(Self.states).named("FoundryRunStatus")
        let parameters = JSONSchema.object(
            [
                "apiKey": JSONSchema.string.described("the Foundry API key (Foundry answers 403 when it is missing or wrong; it has no 401)"),
                "sourceID": JSONSchema.string.described("the source whose records are re-run, e.g. SCR_017041-1"),
                "status2Match": JSONSchema.strings(Self.statusMatches).described("re-run the records in this status"),
                "stepName": JSONSchema.string.described("the pipeline step to start from, e.g. uuid, transform, index"),
            ], required: Self.requiredParameters)
        let seedRequest: JSON = [
            "apiKey": "KEY", "sourceID": "SCR_017041-1", "status2Match": "error", "stepName": "transform",
        ]
        let runAnswer = JSONSchema.object(["status": state, "logMessage": .string], required: ["status", "logMessage"])
        let statusAnswer = JSONSchema.object(
            [
                "status": state, "logMessage": .string,
                "errMessage": JSONSchema.string.described("only in the ERROR status"),
            ], required: ["status", "logMessage"]
        ).named("FoundryRunStatusAnswer")
        let query = [
            APIDocumentation.Parameter("sourceID", in: .query, required: true, .string, "the source, e.g. SCR_017041-1"),
            APIDocumentation.Parameter("status2Match", in: .query, required: true, .strings(Self.statusMatches), "the records' status to re-run"),
            APIDocumentation.Parameter("stepName", in: .query, required: true, .string, "the pipeline step, e.g. transform"),
        ]
        return APIDocumentation(
            title: "SciCrunch Foundry (mockruns fake)",
            version: "dashboard",
            description: """
                SciCrunch Foundry's `dashboard/run` and `dashboard/run_status`, served both at the root and under \
                `/foundry/api/`. A run is keyed by sourceID + status2Match + stepName. Errors are plain text. \
                `run_status` answers 404 once a run has finished (after one FINISHED read by default; the \
                `runStatusAfterFinish` setting keeps FINISHED).
                """,
            securitySchemes: [
                .apiKey("apiKeyQuery", parameter: "apiKey", in: "query", "the Foundry API key as the apiKey query parameter (run_status)"),
            ],
            security: ["apiKeyQuery"],
            errorBody: JSONSchema.string.described("a plain-text message (\"Response Body: (error message)\")"),
            operations: [
                .init(
                    "POST", "run", summary: "Run a source's pipeline from a step",
                    description: "The four parameters travel in a JSON or form-encoded body, apiKey among them (OpenAPI has no security scheme for a credential in a body). Reading them from the query is a contract deviation the fake allows outside strict mode.",
                    requestBody: .init(
                        required: true,
                        [
                            .init("application/json", parameters, example: seedRequest),
                            .init("application/x-www-form-urlencoded", parameters, example: seedRequest),
                        ]),
                    responses: [
                        .json(
                            200, "the run is scheduled", runAnswer,
                            example: ["status": "RUNNING", "logMessage": "updating status of 14 records to new.1"])
                    ],
                    errors: [
                        (400, "sourceID, status2Match or stepName is missing, status2Match is not error or finished, or the body is malformed"),
                        (403, "apiKey is missing, unknown, expired or lacks the run permission"),
                        (413, "the body is larger than --max-body-bytes"),
                        (500, "server error (a scenario fault)"),
                    ], security: []),
                .init(
                    "GET", "run_status", summary: "Poll a run's status",
                    parameters: query,
                    responses: [
                        .json(
                            200, "the run's status (errMessage only when ERROR)", statusAnswer,
                            example: ["status": "RUNNING", "logMessage": "updating status of 14 records to new.1"])
                    ],
                    errors: [
                        (400, "sourceID, status2Match or stepName is missing, or status2Match is not error or finished"),
                        (403, "apiKey is missing, unknown, expired or lacks the status permission"),
                        (404, "no run is scheduled for the key, or the run already finished"),
                        (500, "server error (a scenario fault)"),
                    ]),
            ])
    }
}
