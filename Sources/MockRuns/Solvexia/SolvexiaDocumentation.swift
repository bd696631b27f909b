import Scenarios

/// Solvexia's process-run contract as docs/apis/solvexia.md states it. The documented spelling quirks (the
/// duration key, empty dates, three timestamp formats) are all allowed by the schemas, since the seed examples show
/// each; the settings pick one.
extension SolvexiaFake {
    public var documentation: APIDocumentation {
        let date = JSONSchema.of(.string, .null).described("a timestamp as the documented example of this answer writes it (see timestampFormat), null or \"\" when unset (see emptyDates)")
        let runState = JSONSchema.strings(Self.runStates).named("ProcessRunStatusValue")
        let stepState = JSONSchema.strings(Self.stepStates + ["cancelled"]).named("StepRunStatusValue")
        let duration = JSONSchema.of(.integer, .null).described("whole seconds; null before the run starts")
        let runStatus = JSONSchema.object(
            [
                "id": .string, "dateStarted": date, "dateFinished": date,
                "runDurationInSeconds": duration.described("the key in the start and runstatus examples (see durationField)"),
                "runDurationInSec": duration.described("the key in the cancel example (see durationField)"),
                "status": runState,
            ], required: ["id", "dateStarted", "dateFinished", "status"]
        ).named("ProcessRunStatus")
        let stepStatus = JSONSchema.object(
            [
                "id": .string, "dateStarted": date, "dateFinished": date, "runDurationInSec": duration,
                "runDurationInSeconds": duration, "status": stepState, "completionMessage": .string,
            ], required: ["id", "dateStarted", "dateFinished", "status", "completionMessage"]
        ).named("StepRunStatus")
        let processRun = JSONSchema.object(
            [
                "id": .string, "name": .string, "process": .string, "description": .string,
                "alertEmailAddress": .string, "alertSMS": .string, "lastModifiedBy": .string,
                "dateModified": .string, "dateCreated": .string,
            ], required: ["id", "name", "process", "dateCreated"]
        ).named("ProcessRun")
        let error = JSONSchema.object(["message": .string, "supportId": .string], required: ["message", "supportId"])
            .named("SolvexiaError")
        let oauthError = JSONSchema.object(
            ["error": .strings(["invalid_request", "invalid_client", "unsupported_grant_type", "invalid_scope"]), "error_description": .string],
            required: ["error"]
        ).named("OAuthError")
        let tokenRequest = JSONSchema.object(
            [
                "grant_type": .strings(["client_credentials"]), "client_id": .string, "client_secret": .string,
                "scope": .string,
            ], required: ["grant_type", "client_id", "client_secret"])
        let token = JSONSchema.object(
            ["access_token": .string, "token_type": .strings(["Bearer"]), "expires_in": .integer, "scope": .string],
            required: ["access_token", "token_type", "expires_in"]
        ).named("AccessToken")
        let id = APIDocumentation.Parameter("id", in: .path, .string, "the process run's id (pr-...)")
        let stepID = APIDocumentation.Parameter("stepId", in: .path, .string, "the step's id (ds-... or as-...)")
        let auth: [(Int, String)] = [
            (401, "only with the unauthenticatedStatus setting 401 (undocumented)"),
            (403, "no Bearer token, an unknown or expired one, or no access (documented: 403)"),
            (500, "server error (a scenario fault)"),
        ]
        let unknown: (Int, String) = (404, "the process run doesn't exist or has been deleted")
        let json415: (Int, String) = (415, "strict mode only: the JSON body was sent as another media type")
        return APIDocumentation(
            title: "Solvexia process runs (mockruns fake)",
            version: "v1",
            description: """
                Solvexia's process-run API under /api/v1 (paths match whatever their case, as `processRuns` and \
                `processruns` both appear in the docs), with OAuth 2 client-credentials tokens from /oauth/token. \
                Errors are {"message","supportId"} (RFC 6749 errors on the token endpoint).
                """,
            securitySchemes: [
                .clientCredentials("oauth2", tokenURL: "/oauth/token", "client credentials; send the token as Authorization: Bearer")
            ],
            security: ["oauth2"],
            errorBody: error,
            operations: [
                .init(
                    "POST", "token", summary: "Get an access token (client credentials)",
                    requestBody: .init(
                        required: true,
                        [
                            .init("application/x-www-form-urlencoded", tokenRequest),
                            .init("application/json", tokenRequest),
                        ]),
                    responses: [.json(200, "a Bearer token", token)],
                    errors: [
                        (400, "a parameter is missing or too long, or grant_type is not client_credentials"),
                        (401, "the client credentials are not valid"),
                        (413, "the body is larger than --max-body-bytes"),
                    ],
                    security: [], errorBody: oauthError),
                .init(
                    "GET", "processrun", summary: "Get a process run", parameters: [id],
                    responses: [.json(200, "the process run", processRun)], errors: [unknown] + auth),
                .init(
                    "POST", "start", summary: "Start a process run", parameters: [id],
                    responses: [.json(200, "the run's status, Scheduled", runStatus)],
                    errors: [(400, "the run cannot be started from its status"), unknown] + auth),
                .init(
                    "POST", "cancel", summary: "Cancel a process run", parameters: [id],
                    responses: [.json(200, "the run's status, Cancelled", runStatus)],
                    errors: [(400, "the run cannot be cancelled from its status"), unknown] + auth),
                .init(
                    "POST", "requests", summary: "Start or cancel a run (deprecated)",
                    requestBody: .init(
                        required: true,
                        [
                            .init(
                                "application/json",
                                .object(
                                    [
                                        "request": .strings(["ProcessRun_StartRq", "ProcessRun_CancelRq", "startRun", "cancelRun"]),
                                        "processRunId": .string,
                                    ], required: ["request", "processRunId"]),
                                example: ["request": "ProcessRun_StartRq", "processRunId": "pr-114278"])
                        ]),
                    responses: [.json(200, "the run's status, as start or cancel", runStatus)],
                    errors: [(400, "the body is malformed or names no known request, or the run cannot start or cancel"), unknown, json415, (413, "the body is larger than --max-body-bytes")] + auth),
                .init(
                    "GET", "runstatus", summary: "A process run's status (a status read)", parameters: [id],
                    responses: [
                        .json(
                            200, "the run's status (an array of it and its steps' with runStatusShape array)",
                            .oneOf([runStatus, .array(.of(.object))]))
                    ],
                    errors: [unknown] + auth),
                .init(
                    "GET", "steps", summary: "A process run's data steps", parameters: [id],
                    responses: [
                        .json(
                            200, "the data steps",
                            .array(
                                JSONSchema.object(["isEnabled": .boolean, "stepOrder": .string, "id": .string, "name": .string], required: ["id", "name"])
                                    .named("Step")),
                            example: [["isEnabled": true, "stepOrder": "1.1", "id": "ds-114279", "name": "New data step"]])
                    ],
                    errors: [unknown] + auth),
                .init(
                    "GET", "step_runstatus", summary: "A step's status", parameters: [id, stepID],
                    responses: [.json(200, "the step's status", stepStatus)],
                    errors: [(400, "the run has not started"), (404, "the run or the step doesn't exist")] + auth),
                .init(
                    "POST", "restartfromhere", summary: "Restart the run from a step", parameters: [id, stepID],
                    responses: [.json(200, "the step's status, Running", stepStatus)],
                    errors: [(400, "the run never ran, or is not in a state to restart"), (404, "the run or the step doesn't exist")] + auth),
                .init(
                    "POST", "create", summary: "Create a process run of a process",
                    parameters: [.init("processId", in: .path, .string, "the process (p-...)")],
                    requestBody: .init(
                        required: false,
                        [.init("application/json", .object(["namePrefix": .string]), example: ["namePrefix": "nightly"])]),
                    responses: [.json(200, "the new process run", processRun)],
                    errors: [(400, "the body is malformed or namePrefix is not a short string"), (404, "the process doesn't exist"), json415, (413, "the body is larger than --max-body-bytes")] + auth),
            ])
    }
}
