/// A JSON Schema (draft 2020-12) of scenario files for the given APIs, so editors validate and complete them.
/// `mockruns schema` prints it. It mirrors `ScenarioLoader`; the loader stays the judge (it also checks what a
/// schema cannot say, such as "a terminal phase must be last").
public enum ScenarioSchema {
    public static func document(apis: [APIDescriptor]) -> JSON {
        var defs: [(String, JSON)] = [("latency", latency)]
        var apiProperties: [(String, JSON)] = []
        for api in apis {
            defs.append(("\(api.name)Phase", phase(api)))
            defs.append(("\(api.name)Run", run(api, isDefault: false)))
            defs.append(("\(api.name)DefaultRun", run(api, isDefault: true)))
            apiProperties.append((api.name, apiScript(api)))
        }
        return .object([
            ("$schema", "https://json-schema.org/draft/2020-12/schema"),
            ("$id", "https://mockruns.invalid/scenario.schema.json"),
            ("title", "mockruns scenario"),
            ("description", "A scripted, deterministic behaviour of the faked run APIs. See docs/scenarios.md."),
            ("type", "object"),
            ("additionalProperties", false),
            (
                "properties",
                .object([
                    ("$schema", ["type": "string"]),
                    ("name", ["type": "string", "description": "Defaults to the file name without .json."]),
                    ("description", ["type": "string", "description": "One line, shown by `mockruns list`."]),
                    ("seed", ["type": "integer", "minimum": 0, "default": 0, "description": "Seeds ids, latency and probabilistic faults."]),
                    ("strict", ["type": "boolean", "default": false, "description": "The fakes refuse what the real services refuse (strict contract mode), instead of letting it pass as a recorded deviation."]),
                    ("clock", clock),
                    ("apis", .object([("type", "object"), ("additionalProperties", false), ("properties", .object(apiProperties))])),
                ])
            ),
            ("$defs", .object(defs)),
        ])
    }

    private static let clock: JSON = [
        "type": "object",
        "additionalProperties": false,
        "properties": [
            "mode": [
                "enum": .array(ClockSpec.Mode.allCases.map { .string($0.rawValue) }), "default": "polls",
                "description": "polls: time moves `tick` seconds per request; virtual: only via POST /__mockruns/clock/advance; wall: real time × timeScale.",
            ],
            "epoch": ["type": "string", "default": "2025-01-01T00:00:00Z", "description": "Scenario time at start."],
            "tick": ["type": "number", "minimum": 0, "default": 1],
            "timeScale": ["type": "number", "exclusiveMinimum": 0, "default": 1],
        ],
    ]

    private static let latency: JSON = [
        "description": "Milliseconds: a number, or one of fixed / uniform / lognormal.",
        "oneOf": [
            ["type": "number", "minimum": 0],
            ["type": "object", "additionalProperties": false, "required": ["fixed"], "properties": ["fixed": ["type": "number", "minimum": 0]]],
            [
                "type": "object", "additionalProperties": false, "required": ["uniform"],
                "properties": ["uniform": ["type": "array", "items": ["type": "number", "minimum": 0], "minItems": 2, "maxItems": 2]],
            ],
            [
                "type": "object", "additionalProperties": false, "required": ["lognormal"],
                "properties": [
                    "lognormal": [
                        "type": "object", "additionalProperties": false, "required": ["median", "sigma"],
                        "properties": ["median": ["type": "number", "exclusiveMinimum": 0], "sigma": ["type": "number", "minimum": 0]],
                    ]
                ],
            ],
        ],
    ]

    private static func strings(_ values: [String]) -> JSON {
        .array(values.map(JSON.string))
    }

    private static func ref(_ name: String) -> JSON {
        ["$ref": .string("#/$defs/\(name)")]
    }

    private static func fieldsSchema(_ api: APIDescriptor, _ description: String) -> JSON {
        guard let names = api.fields else { return ["type": "object", "description": .string(description)] }
        return .object([
            ("type", "object"), ("description", .string(description)), ("additionalProperties", false),
            ("properties", .object(names.map { ($0, JSON.object([])) })),
        ])
    }

    private static func phase(_ api: APIDescriptor) -> JSON {
        [
            "type": "object",
            "additionalProperties": false,
            "required": ["state"],
            "properties": [
                "state": ["enum": strings(api.states)],
                "polls": ["type": "integer", "minimum": 1, "description": "Status reads this phase is shown for."],
                "seconds": ["type": "number", "exclusiveMinimum": 0, "description": "Scenario-clock seconds this phase lasts."],
                "fields": fieldsSchema(api, "Fields the API shows in this phase."),
                "log": ["type": "array", "items": ["type": "string"], "description": "Log lines written on entering the phase."],
                "retryAfter": ["type": "integer", "minimum": 0, "maximum": 315_360_000, "description": "Status reads answered in this phase send Retry-After with these seconds."],
                "latency": ["$ref": "#/$defs/latency", "description": "The delay of status reads answered in this phase (instead of the endpoint's latency)."],
            ],
            "not": ["required": ["polls", "seconds"]],
        ]
    }

    private static func run(_ api: APIDescriptor, isDefault: Bool) -> JSON {
        let timeline: JSON = ["type": "array", "minItems": 1, "items": ref("\(api.name)Phase")]
        var properties: [(String, JSON)] = []
        if !isDefault {
            // A path names a run as one segment: its id cannot hold "/". A query can.
            let id: JSON =
                api.idsInPath
                ? [
                    "type": "string", "minLength": 1, "pattern": "^[^/\\u0000-\\u001f\\u007f-\\u009f]+$",
                    "description": "The run exists from the start under this id: printable text without \"/\".",
                ]
                : [
                    "type": "string", "minLength": 1, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
                    "description": "The run exists from the start under this id: printable text.",
                ]
            properties.append(("id", id))
            properties.append((
                "match",
                .object([
                    ("type", "object"), ("additionalProperties", false), ("minProperties", 1),
                    ("properties", .object(api.matchFields.map { ($0, ["type": ["string", "number", "boolean"]]) })),
                ])
            ))
        }
        properties += [
            ("fields", fieldsSchema(api, "Fields every phase shows.")),
            ("timeline", timeline),
            ("loop", ["type": "boolean", "default": false]),
            ("notFoundAfter", ["type": "integer", "minimum": 0, "description": "Terminal reads before the run answers not found."]),
        ]
        if !isDefault {
            properties.append(("faults", .object([("type", "array"), ("items", fault(api, inRun: true)), ("description", "Faults for requests about this run only.")])))
        }
        if !api.events.isEmpty {
            let event: JSON = [
                "type": "object", "additionalProperties": false,
                "properties": ["timeline": timeline, "allowedFrom": ["type": "array", "items": ["enum": strings(api.states)]]],
            ]
            properties.append((
                "on",
                .object([
                    ("type", "object"), ("additionalProperties", false),
                    ("properties", .object(api.events.keys.sorted().map { ($0, event) })),
                ])
            ))
        }
        return .object([("type", "object"), ("additionalProperties", false), ("properties", .object(properties))])
    }

    /// A fault's schema; a scripted run's own faults cannot aim at another run.
    private static func fault(_ api: APIDescriptor, inRun: Bool) -> JSON {
        let endpoints = strings(["*"] + api.endpoints)
        var fault: JSON = [
            "type": "object", "additionalProperties": false,
            "properties": [
                "endpoint": ["enum": endpoints, "default": "*"],
                "nth": ["type": "integer", "minimum": 1],
                "every": ["type": "integer", "minimum": 1],
                "probability": ["type": "number", "minimum": 0, "maximum": 1],
                "when": [
                    "type": "object", "additionalProperties": false, "minProperties": 1,
                    "description": "Only requests with these headers and query parameters (exact values) and body text; the fault counts only these.",
                    "properties": [
                        "header": ["type": "object", "minProperties": 1, "additionalProperties": ["type": "string"]],
                        "query": ["type": "object", "minProperties": 1, "additionalProperties": ["type": "string"]],
                        "bodyContains": ["type": "string", "minLength": 1],
                    ],
                ],
                "from": ["type": "integer", "minimum": 1, "description": "Only matching requests from the Nth on; the trigger counts from there."],
                "times": ["type": "integer", "minimum": 1, "description": "The fault answers at most this many requests."],
                "respond": [
                    "type": "object", "additionalProperties": false, "required": ["status"],
                    "properties": [
                        "status": ["type": "integer", "minimum": 200, "maximum": 599],
                        "body": ["description": "JSON, a string (text/plain), or {\"html\": title} for a proxy's text/html error page."],
                        "headers": ["type": "object", "additionalProperties": ["type": "string"]],
                        "retryAfter": [
                            "description": "Retry-After: seconds, or {\"httpDate\": seconds} for an HTTP date that long after the scenario's now.",
                            "oneOf": [
                                ["type": "integer", "minimum": 0, "maximum": 315_360_000],
                                [
                                    "type": "object", "additionalProperties": false, "required": ["httpDate"],
                                    "properties": ["httpDate": ["type": "integer", "minimum": 0, "maximum": 315_360_000]],
                                ],
                            ],
                        ],
                        "contentType": ["type": "string", "minLength": 1, "description": "Replaces the answer's Content-Type."],
                        "truncate": ["type": "boolean", "default": false, "description": "Cut the body in half (Content-Length stays honest)."],
                    ],
                ],
                "drop": ["enum": ["reset", "empty"]],
                "hang": ["const": true, "description": "Never answer: held until the client hangs up or the server stops."],
                "delay": [
                    "type": "number", "minimum": 0, "maximum": 600_000,
                    "description": "Milliseconds this request's answer is held back; alone, the normal answer comes late.",
                ],
                "trickle": [
                    "type": "object", "additionalProperties": false, "required": ["bytesPerSecond"],
                    "properties": [
                        "bytesPerSecond": ["type": "integer", "minimum": 1, "maximum": 10_000_000]
                    ],
                    "description": "The answer's body (normal or `respond`) arrives this slowly.",
                ],
            ],
            "anyOf": [
                ["required": ["nth"]], ["required": ["every"]], ["required": ["probability"]], ["required": ["from"]],
                ["required": ["times"]],
            ],
            "not": [
                "anyOf": [
                    ["required": ["nth", "every"]], ["required": ["nth", "probability"]], ["required": ["every", "probability"]],
                    ["required": ["respond", "drop"]], ["required": ["respond", "hang"]], ["required": ["drop", "hang"]],
                    ["required": ["hang", "delay"]], ["required": ["hang", "trickle"]], ["required": ["drop", "trickle"]],
                    ["required": ["run", "runIndex"]], ["required": ["run", "match"]],
                    ["required": ["runIndex", "match"]],
                ]
            ],
            "allOf": [["anyOf": [["required": ["respond"]], ["required": ["drop"]], ["required": ["hang"]], ["required": ["delay"]], ["required": ["trickle"]]]]],
        ]
        guard !inRun, case .object(var members) = fault,
            let at = members.firstIndex(where: { $0.0 == "properties" }), case .object(var properties) = members[at].1
        else { return fault }
        let match: JSON = .object([
            ("type", "object"), ("additionalProperties", false), ("minProperties", 1),
            ("properties", .object(api.matchFields.map { ($0, ["type": ["string", "number", "boolean"]]) })),
            ("description", "Only requests about the first created run whose request has these fields."),
        ])
        let targets: [(String, JSON)] = [
            ("run", ["type": "string", "description": "Only requests about this run id (a warning when no run has it)."]),
            ("runIndex", ["type": "integer", "minimum": 1, "description": "Only requests about the Nth run created since the start or reset."]),
            ("match", match),
        ]
        properties.insert(contentsOf: targets, at: 1)
        members[at].1 = .object(properties)
        fault = .object(members)
        return fault
    }

    private static func apiScript(_ api: APIDescriptor) -> JSON {
        let credential: JSON = [
            "oneOf": [
                ["type": "string", "minLength": 1],
                [
                    "type": "object", "additionalProperties": false, "required": ["key"],
                    "properties": [
                        "key": ["type": "string", "minLength": 1],
                        "permissions": ["type": "array", "items": ["enum": strings(api.permissions)]],
                        "scopes": ["type": "array", "items": ["type": "string"]],
                        "validForRequests": [
                            "description": "Requests the key works for; {\"requests\": N, \"then\": 401|403} sets the status it gets after.",
                            "oneOf": [
                                ["type": "integer", "minimum": 0],
                                [
                                    "type": "object", "additionalProperties": false, "required": ["requests"],
                                    "properties": ["requests": ["type": "integer", "minimum": 0], "then": ["enum": [401, 403]]],
                                ],
                            ],
                        ],
                        "revokedWhen": [
                            "type": "object", "additionalProperties": false, "required": ["state"],
                            "properties": ["state": ["enum": strings(api.states)], "run": ["type": "string"], "then": ["enum": [401, 403]]],
                        ],
                        "expiresAfterSeconds": [
                            "type": "number", "minimum": 0, "maximum": 315_360_000,
                            "description": "The key is refused once this many scenario seconds have passed since the start.",
                        ],
                    ],
                ],
            ]
        ]
        let fault = fault(api, inRun: false)
        var settings: [(String, JSON)] = []
        for setting in api.settings {
            var schema: [(String, JSON)] = [("description", .string(setting.summary)), ("default", setting.defaultValue)]
            switch setting.kind {
            case .bool: schema.append(("type", "boolean"))
            case .integer(let r): schema += [("type", "integer"), ("minimum", .int(r.lowerBound)), ("maximum", .int(r.upperBound))]
            case .oneOf(let values): schema.append(("enum", strings(values)))
            case .strings: schema += [("type", "array"), ("items", ["type": "string"])]
            case .any: break
            }
            settings.append((setting.name, .object(schema)))
        }
        return .object([
            ("description", .string(api.summary)),
            ("type", "object"),
            ("additionalProperties", false),
            (
                "properties",
                .object([
                    ("auth", .object([
                        ("type", "object"), ("additionalProperties", false),
                        ("properties", .object([("credentials", .object([("type", "array"), ("items", credential)]))])),
                    ])),
                    ("latency", .object([("type", "object"), ("additionalProperties", false),
                        ("properties", .object((["*"] + api.endpoints).map { ($0, ref("latency")) }))])),
                    ("faults", .object([("type", "array"), ("items", fault)])),
                    ("runs", .object([("type", "array"), ("items", ref("\(api.name)Run"))])),
                    ("defaultRun", ref("\(api.name)DefaultRun")),
                    ("settings", .object([("type", "object"), ("additionalProperties", false), ("properties", .object(settings))])),
                ])
            ),
        ])
    }
}
