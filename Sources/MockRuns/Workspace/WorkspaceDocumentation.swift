import Scenarios

/// The workspace runs contract as docs/apis/workspace.md and the seed page "Create and Monitor Runs via API"
/// state it; errors are problem+json as `response(for:to:settings:)` renders them.
extension WorkspaceFake {
    public var documentation: APIDocumentation {
        let time = JSONSchema.string(format: "date-time").orNull
        let uuid = JSONSchema.string(format: "uuid")
        let output = JSONSchema.object(
            [
                "ready": .boolean, "filename": JSONSchema.string.orNull, "content_type": JSONSchema.string.orNull,
                "size_bytes": JSONSchema.integer.orNull, "download_url": JSONSchema.string.orNull,
            ], required: ["ready", "filename", "content_type", "size_bytes", "download_url"])
        let run = JSONSchema.object(
            [
                "id": .string, "object": .strings(["ade.run"]), "workspace_id": .string,
                "configuration_id": JSONSchema.string.orNull, "operation": .strings(WorkspaceCreateBody.operations),
                "status": JSONSchema.strings(Self.states).named("RunStatus"), "failure_message": JSONSchema.string.orNull,
                "created_at": JSONSchema.string(format: "date-time"), "started_at": time, "completed_at": time,
                "duration_seconds": JSONSchema.number.orNull, "exit_code": JSONSchema.integer.orNull,
                "input": .object(
                    [
                        "document_id": JSONSchema.string.orNull, "input_sheet_names": JSONSchema.array(.string).orNull,
                        "active_sheet_only": .boolean,
                    ], required: ["document_id"]),
                "output": output,
                "links": .object(
                    ["self": .string, "events": .string, "output": .string, "output_download": .string, "cancel": .string],
                    required: ["self"]),
            ],
            required: [
                "id", "object", "workspace_id", "operation", "status", "created_at", "started_at", "completed_at",
                "input", "output", "links",
            ]
        ).named("RunResource")
        let problem = JSONSchema.object(
            [
                "type": .string, "title": .string, "status": .integer, "detail": .string, "instance": .string,
                "requestId": JSONSchema.string.orNull,
                "errors": .array(.object(["path": .string, "message": .string, "code": .string], required: ["path", "message", "code"])),
            ], required: ["type", "title", "status", "detail"]
        ).named("Problem")
        let options = JSONSchema.object(
            [
                "operation": .strings(WorkspaceCreateBody.operations), "dry_run": .boolean,
                "log_level": .strings(WorkspaceCreateBody.logLevels), "input_sheet_names": .array(.string),
                "active_sheet_only": JSONSchema.boolean.described("not together with input_sheet_names (422)"),
                "metadata": .of(.object),
            ], closed: true)
        let createBody = JSONSchema.object(
            [
                "inputDocumentId": uuid.described("the seed page's spelling (bodyStyle seed)"),
                "input_document_id": uuid.described("the server's spelling (bodyStyle strict takes only this)"),
                "configurationId": uuid, "configuration_id": uuid, "options": options,
            ])
        let workspace = APIDocumentation.Parameter("workspaceId", in: .path, uuid, "the workspace (a UUID; another string is 422)")
        let runID = APIDocumentation.Parameter("runId", in: .path, .string, "the run's id")
        let auth: [(Int, String)] = [
            (401, "the API key is missing, unknown or revoked"),
            (403, "the key lacks the permission or the workspace"),
            (422, "the workspace id is not a UUID"),
            (500, "server error (a scenario fault)"),
        ]
        let notFound: (Int, String) = (404, "the workspace or the run is unknown (a run of another workspace too)")
        let requestID = ("X-Request-Id", "on every answer (errors too), from the scenario's seed")
        return APIDocumentation(
            title: "Workspace runs of a document-processing service (mockruns fake)",
            version: "v1",
            description: """
                Document-processing runs of a workspace: create one, poll it, cancel it, fetch its output, follow \
                its events. The key in X-API-Key (or Authorization: Api-Key KEY); every error is \
                application/problem+json; every answer carries X-Request-Id.
                """,
            securitySchemes: [
                .apiKey("apiKey", parameter: "X-API-Key", in: "header", "the API key (Authorization: Api-Key KEY is taken too)")
            ],
            security: ["apiKey"],
            errorBody: problem,
            operations: [
                .init(
                    "POST", "create", summary: "Create a run", parameters: [workspace],
                    requestBody: .init(
                        required: true,
                        [
                            .init(
                                "application/json", createBody,
                                example: ["inputDocumentId": "5b0c3f9e-8a43-4d9b-9a76-2c1f0e7d4a18", "options": ["operation": "process"]])
                        ]),
                    responses: [
                        .init(
                            201, "the run, queued", [.init("application/json", run)],
                            headers: [("Location", "the run's URL"), requestID])
                    ],
                    errors: [
                        (400, "the body is not JSON"), notFound,
                        (413, "the body is larger than --max-body-bytes"),
                        (422, "the body is not an object, the document id is missing or not a UUID, an option is unknown or bad, active_sheet_only with input_sheet_names, or the workspace id is not a UUID"),
                    ] + auth.filter { $0.0 != 422 }),
                .init(
                    "GET", "list", summary: "List the workspace's runs, newest first",
                    parameters: [
                        workspace,
                        .init("limit", in: .query, JSONSchema.integer.range(1...200), "page size, 1-200 (default 50)"),
                        .init("cursor", in: .query, .string, "nextCursor of the previous page"),
                        .init("includeTotal", in: .query, .boolean, "count totalCount (default false)"),
                    ],
                    responses: [
                        .init(
                            200, "a page of runs",
                            [
                                .init(
                                    "application/json",
                                    .object(
                                        [
                                            "items": .array(run),
                                            "meta": .object(
                                                [
                                                    "limit": .integer, "hasMore": .boolean, "nextCursor": JSONSchema.string.orNull,
                                                    "totalIncluded": .boolean, "totalCount": JSONSchema.integer.orNull,
                                                ], required: ["limit", "hasMore", "nextCursor"]),
                                        ], required: ["items", "meta"]))
                            ], headers: [requestID])
                    ],
                    errors: [notFound, (422, "limit, cursor or includeTotal is malformed, or the workspace id is not a UUID")] + auth.filter { $0.0 != 422 }),
                .init(
                    "GET", "get", summary: "Get a run (the polling endpoint: each GET is a status read)",
                    parameters: [workspace, runID],
                    responses: [.init(200, "the run", [.init("application/json", run)], headers: [requestID])],
                    errors: [notFound] + auth),
                .init(
                    "POST", "cancel", summary: "Cancel a run (a cancelled run again: 200)", parameters: [workspace, runID],
                    responses: [.init(200, "the run", [.init("application/json", run)], headers: [requestID])],
                    errors: [notFound, (409, "the run already succeeded or failed")] + auth),
                .init(
                    "GET", "output", summary: "The run's output (ready false until it exists)", parameters: [workspace, runID],
                    responses: [
                        .init(
                            200, "the output", [.init("application/json", JSONSchema.object(["run_id": .string], required: ["run_id"]).merging(output))],
                            headers: [requestID])
                    ],
                    errors: [notFound] + auth),
                .init(
                    "GET", "download", summary: "Download the output file", parameters: [workspace, runID],
                    responses: [
                        .init(
                            200, "the file, with Content-Disposition: attachment (text/csv unless the scenario says otherwise)",
                            [.init("text/csv", .string), .init("*/*", .string)], headers: [("Content-Disposition", "attachment; filename=..."), requestID])
                    ],
                    errors: [notFound, (409, "the output is not ready (code OUTPUT_NOT_READY)")] + auth),
                .init(
                    "GET", "events", summary: "The run's events as Server-Sent Events",
                    description: "Events: ready {runId,status}; message {runId,sequence,timestamp,message} with id N; keepalive {runId}; end {runId,status,reason}; then the stream closes.",
                    parameters: [
                        workspace, runID,
                        .init("cursor", in: .query, JSONSchema.integer, "resume after log line N (or Last-Event-ID: N)"),
                    ],
                    responses: [
                        .init(
                            200, "the event stream, each event as below (its data is JSON text)",
                            [
                                .init(
                                    "text/event-stream",
                                    JSONSchema.object(
                                        [
                                            "event": .strings(["ready", "message", "keepalive", "end"]), "data": .string, "id": .string,
                                            "retry": .integer,
                                        ], required: ["event", "data"]
                                    ).named("ServerSentEvent"))
                            ], headers: [requestID])
                    ],
                    errors: [notFound, (422, "cursor is not a whole number, or the workspace id is not a UUID")] + auth.filter { $0.0 != 422 }),
            ])
    }
}

