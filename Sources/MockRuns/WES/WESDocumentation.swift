import Scenarios

/// WES as Cavatica serves it (docs/apis/wes.md), in the GA4GH definitions' own schema names (ServiceInfo, RunLog,
/// Log, TaskLog, ErrorResponse ...), so a WES client generator sees the types it knows. Where Cavatica differs from
/// the GA4GH definitions the schema follows Cavatica and says so.
extension WESFake {
    public var documentation: APIDocumentation {
        let state = JSONSchema.strings(Self.states).named("State")
        let strings = JSONSchema.map(.string)
        let error = JSONSchema.object(["msg": .string, "status_code": JSONSchema.integer.format("int32")], required: ["msg", "status_code"])
            .named("ErrorResponse")
        let runRequest = JSONSchema.object(
            [
                "workflow_params": JSONSchema.of(.object).described("the workflow's inputs"),
                "workflow_type": JSONSchema.string.described("CWL or WDL"),
                "workflow_type_version": .string,
                "tags": strings,
                "workflow_engine_parameters": strings,
                "workflow_engine": .string,
                "workflow_engine_version": .string,
                "workflow_url": .string,
            ], required: ["workflow_type", "workflow_type_version", "workflow_url"]
        ).named("RunRequest")
        let logFields: KeyValuePairs<String, JSONSchema> = [
            "name": .string, "cmd": .array(.string),
            "start_time": JSONSchema.string.described("ISO 8601; absent until the run starts"),
            "end_time": JSONSchema.string.described("ISO 8601; absent until the run ends"),
            "stdout": JSONSchema.string.described("a URL this server serves as text/plain"),
            "stderr": JSONSchema.string.described("a URL this server serves as text/plain"),
            "exit_code": JSONSchema.integer.format("int32").described("absent until the run ends"),
            "system_logs": .array(.string),
        ]
        let log = JSONSchema.object(logFields).named("Log")
        var taskLog = JSONSchema.object(logFields, required: ["id", "name"])
        taskLog.properties += [
            .init(name: "id", schema: .string), .init(name: "tes_uri", schema: .string),
        ]
        taskLog = taskLog.named("TaskLog")
        let runLog = JSONSchema.object(
            [
                "run_id": .string, "request": runRequest, "state": state, "run_log": log, "task_logs_url": .string,
                "task_logs": .array(taskLog), "outputs": .of(.object),
            ], required: ["run_id", "state"]
        ).named("RunLog")
        let runStatus = JSONSchema.object(["run_id": .string, "state": state], required: ["run_id", "state"]).named("RunStatus")
        let runIDAnswer = JSONSchema.object(["run_id": .string], required: ["run_id"]).named("RunId")
        let serviceInfo = JSONSchema.object(
            [
                "id": .string, "name": .string,
                "type": JSONSchema.object(["group": .string, "artifact": .string, "version": .string], required: ["group", "artifact", "version"])
                    .named("ServiceType"),
                "description": .string,
                "organization": JSONSchema.object(["name": .string, "url": .string(format: "uri")], required: ["name", "url"]),
                "contactUrl": .string(format: "uri"), "documentationUrl": .string(format: "uri"),
                "createdAt": .string(format: "date-time"), "updatedAt": .string(format: "date-time"),
                "environment": .string, "version": .string,
                "workflow_type_versions": .map(JSONSchema.object(["workflow_type_version": .array(.string)]).named("WorkflowTypeVersion")),
                "supported_wes_versions": .array(.string),
                "supported_filesystem_protocols": .array(.string),
                "workflow_engine_versions": .map(
                    JSONSchema.object(["workflow_engine_version": .array(.string)]).named("WorkflowEngineVersion")),
                "default_workflow_engine_parameters": .array(
                    JSONSchema.object(["name": .string, "type": .string, "default_value": .string]).named("DefaultWorkflowEngineParameter")),
                "system_state_counts": .map(JSONSchema.integer.format("int64")),
                "auth_instructions_url": .string,
                "contact_info_url": JSONSchema.string.described("WES 1.0.0's field, kept beside contactUrl"),
                "tags": strings,
            ],
            required: [
                "id", "name", "type", "organization", "version", "workflow_type_versions", "supported_wes_versions",
                "supported_filesystem_protocols", "workflow_engine_versions", "default_workflow_engine_parameters",
                "system_state_counts", "auth_instructions_url", "tags",
            ]
        ).named("ServiceInfo")
        let form = JSONSchema.object(
            [
                "workflow_params": JSONSchema.string.described("a JSON object, as text"),
                "workflow_type": JSONSchema.string.described("CWL or WDL (see service-info)"),
                "workflow_type_version": JSONSchema.string.described("one of service-info's workflow_type_versions"),
                "tags": JSONSchema.string.described("a JSON object of strings, as text"),
                "workflow_engine_parameters": JSONSchema.string.described("a JSON object of strings, as text"),
                "workflow_engine": .string,
                "workflow_engine_version": .string,
                "workflow_url": JSONSchema.string.described("absolute, or the filename of a workflow_attachment"),
                "workflow_attachment": .array(JSONSchema.string.format("binary")),
            ],
            required: ["workflow_type", "workflow_type_version", "workflow_url"])
        let page = [
            APIDocumentation.Parameter("page_size", in: .query, JSONSchema.integer.range(1...1000), "runs per page (default: the defaultPageSize setting, 50)"),
            APIDocumentation.Parameter("page_token", in: .query, .string, "next_page_token of the previous page"),
        ]
        let runID = APIDocumentation.Parameter("run_id", in: .path, .string, "the run's id")
        let auth: [(Int, String)] = [
            (401, "the X-SBG-Auth-Token is missing, unknown or revoked, or the token came in an Authorization header"),
            (403, "the token lacks the permission"),
            (500, "server error (a scenario fault)"),
        ]
        let unknownRun: (Int, String) = (404, "no run has that id (or it is gone after notFoundAfter reads)")
        let text = APIDocumentation.Content("text/plain", .string)
        return APIDocumentation(
            title: "GA4GH Workflow Execution Service as Cavatica serves it (mockruns fake)",
            version: "1.1.0",
            description: """
                GA4GH WES 1.0 with the 1.1 task endpoints and service-info, under /ga4gh/wes/v1, as Cavatica \
                (Seven Bridges) serves it: the token in X-SBG-Auth-Token (Authorization: Bearer only with the \
                acceptBearer setting), every error a WES ErrorResponse. Cavatica's differences from the GA4GH \
                definitions: a run list item is {run_id, state} only (no RunSummary tags or times); cancelling a run \
                that is not QUEUED, INITIALIZING or RUNNING is 400; stdout/stderr URLs are served as text/plain by \
                /runs/{run_id}/logs/... (mockruns' own); POST /runs without a token passes unless strictAuth.
                """,
            securitySchemes: [
                .apiKey("sbgToken", parameter: "X-SBG-Auth-Token", in: "header", "the Cavatica (Seven Bridges) authentication token"),
                .bearer("bearer", "Authorization: Bearer <token>, taken only when the scenario sets acceptBearer"),
            ],
            security: ["sbgToken"],
            errorBody: error,
            operations: [
                .init(
                    "GET", "service_info", summary: "GetServiceInfo", responses: [.json(200, "the service", serviceInfo)],
                    errors: auth),
                .init(
                    "GET", "list_runs", summary: "ListRuns", parameters: page,
                    responses: [
                        .json(
                            200, "a page of runs (empty next_page_token on the last)",
                            JSONSchema.object(["runs": .array(runStatus), "next_page_token": .string], required: ["runs", "next_page_token"])
                                .named("RunListResponse"))
                    ],
                    errors: [(400, "page_size is not a whole number from 1 to 1000, or page_token was not issued here")] + auth),
                .init(
                    "POST", "run_workflow", summary: "RunWorkflow",
                    description: "multipart/form-data, as the GA4GH definition; a form-encoded body is a contract deviation the fake takes outside strict mode. Without a token it passes (wes-client 5.0 sends none) unless strictAuth.",
                    requestBody: .init(
                        required: true,
                        [
                            .init(
                                "multipart/form-data", form,
                                encoding: [("workflow_attachment", "application/octet-stream")]),
                            .init("application/x-www-form-urlencoded", form),
                        ]),
                    responses: [
                        .json(
                            200, "the new run's id", runIDAnswer,
                            example: ["run_id": "40a9c1a6-9263-4982-a574-e494f7c4b621"])
                    ],
                    errors: [
                        (400, "the body is not a form, workflow_url, workflow_type or workflow_type_version is missing (see the optionalWorkflowType setting) or not supported, a JSON field is not a JSON object, or an attachment has no filename or a '..'"),
                        (413, "the body is larger than --max-body-bytes"),
                    ] + auth),
                .init(
                    "GET", "get_run_log", summary: "GetRunLog (a status read, like /status)", parameters: [runID],
                    responses: [.json(200, "the run's log", runLog)], errors: [unknownRun] + auth),
                .init(
                    "GET", "get_run_status", summary: "GetRunStatus", parameters: [runID],
                    responses: [
                        .json(
                            200, "the run's state", runStatus,
                            example: ["run_id": "40a9c1a6-9263-4982-a574-e494f7c4b621", "state": "COMPLETE"])
                    ],
                    errors: [unknownRun] + auth),
                .init(
                    "POST", "cancel_run", summary: "CancelRun", parameters: [runID],
                    responses: [.json(200, "the cancel is accepted", runIDAnswer)],
                    errors: [(400, "the run is not QUEUED, INITIALIZING or RUNNING (Cavatica; the cancelRefusedStatus setting picks another 4xx)"), unknownRun] + auth),
                .init(
                    "GET", "list_tasks", summary: "ListTasks (WES 1.1)", parameters: [runID] + page,
                    responses: [
                        .json(
                            200, "a page of the run's tasks",
                            JSONSchema.object(["task_logs": .array(taskLog), "next_page_token": .string], required: ["task_logs", "next_page_token"])
                                .named("TaskListResponse"))
                    ],
                    errors: [(400, "page_size or page_token is malformed"), unknownRun] + auth),
                .init(
                    "GET", "get_task", summary: "GetTask (WES 1.1)",
                    parameters: [runID, .init("task_id", in: .path, .string, "the task's id")],
                    responses: [.json(200, "the task", taskLog)],
                    errors: [(404, "no run has that id, or the run has no such task")] + auth.filter { $0.0 != 404 }),
                .init(
                    "GET", "logs", summary: "A run's or a task's stdout or stderr (the URLs in run_log and task logs)",
                    parameters: [
                        runID, .init("task_id", in: .path, .string, "the task's id"),
                        .init("stream", in: .path, .strings(["stdout", "stderr"]), "which log"),
                    ],
                    responses: [.init(200, "the log text", [text])],
                    errors: [(404, "no run has that id, no such task, or the log is not stdout or stderr")] + auth),
            ])
    }
}
