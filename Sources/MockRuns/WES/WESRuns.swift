#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import MockRunsHTTP
import Scenarios

/// The WES answers, built from the engine's runs. Phase fields a scenario may set (all optional):
/// `outputs` (object), `exit_code`, `name`, `cmd` (array), `start_time`, `end_time`, `stdout` (string or lines),
/// `stderr` (string or lines; default: the run's log lines), `system_logs`, `request` (the echoed RunRequest of
/// a run scripted by id), `tasks` (array of `{id, name, cmd, start_time, end_time, exit_code, stdout, stderr,
/// system_logs, tes_uri}`).
struct WESRuns {
    let context: FakeContext
    let settings: [String: JSON]

    private var api: String { WESFake.api }
    private var base: String { context.baseURL + WESFake.base }

    // MARK: service-info

    static let engines = ["sbg-cwl-executor", "sbg-wdl-executor"]

    /// The GA4GH service-info `Service` fields WES 1.1 requires (id, name, type, organization, version) and the
    /// optional ones: fixed values, so every run of every scenario gets the same bytes (`serviceInfo` replaces them).
    static let service: [(String, JSON)] = [
        ("id", "org.cavatica.wes.mockruns"),
        ("name", "CAVATICA WES (mockruns)"),
        ("type", .object([("group", "org.ga4gh"), ("artifact", "wes"), ("version", "1.1.0")])),
        ("description", "GA4GH WES as CAVATICA (Seven Bridges) serves it, faked by mockruns"),
        ("organization", .object([("name", "Seven Bridges Genomics"), ("url", "https://www.cavatica.org")])),
        ("contactUrl", "mailto:support@cavatica.org"),
        ("documentationUrl", "https://docs.cavatica.org"),
        ("environment", "mock"),
        ("version", "1.1.0"),
    ]

    func serviceInfo() throws(APIError) -> HTTPResponse {
        let runs = context.scenario.withEngine { $0.runs(api: WESFake.api) }
        var counts: [(String, JSON)] = []
        for state in WESFake.states {
            counts.append((state, .int(runs.filter { !$0.gone && $0.state == state }.count)))
        }
        var info: JSON = .object(Self.service + [
            (
                "workflow_type_versions",
                .object(WESSubmission.workflowTypes.map { ($0.0, .object([("workflow_type_version", .array($0.1.map(JSON.string)))])) })
            ),
            ("supported_wes_versions", ["1.0.0", "1.1.0"]),
            ("supported_filesystem_protocols", ["http", "https", "s3", "gs", "drs"]),
            ("workflow_engine_versions", .object(Self.engines.map { ($0, .object([("workflow_engine_version", ["1.0"])])) })),
            (
                "default_workflow_engine_parameters",
                [
                    .object([("name", "use_interruptible_instances"), ("type", "bool"), ("default_value", "true")]),
                    .object([("name", "use_memoization"), ("type", "bool"), ("default_value", "false")]),
                ]
            ),
            ("system_state_counts", .object(counts)),
            ("auth_instructions_url", "https://docs.cavatica.org/docs/get-your-authentication-token"),
            ("contact_info_url", "mailto:support@cavatica.org"),
            ("tags", .object([("platform", "CAVATICA (Seven Bridges)"), ("served_by", "mockruns")])),
        ])
        if let overrides = settings["serviceInfo"]?.objectValue {
            for (key, value) in overrides { info = info.setting(key, value) }
        }
        return .json(200, info.bytes)
    }

    // MARK: runs

    func list(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let page = try Page(request, defaultSize: settings["defaultPageSize"]?.intValue ?? 50)
        let runs = context.scenario.withEngine { $0.runs(api: WESFake.api) }.filter { !$0.gone }
        let (slice, next) = page.slice(runs)
        let items: [JSON] = slice.map { .object([("run_id", .string($0.id)), ("state", .string($0.state))]) }
        return .json(200, JSON.object([("runs", .array(items)), ("next_page_token", .string(next))]).bytes)
    }

    func submit(_ request: HTTPRequest, memo: WESSubmission.Memo? = nil) throws(APIError) -> HTTPResponse {
        try WESContract.submission(request, context: context)
        let requireType = WESContract.workflowTypeRequired(request, settings: settings, context: context)
        let submission = try WESSubmission(request, requireType: requireType, memo: memo)
        let id = context.scenario.withEngine { $0.createRunID(api: WESFake.api, request: submission.runRequest) }
        var out = JSONWriter()
        out.openObject()
        out.key("run_id")
        out.string(id)
        out.closeObject()
        return .json(200, out.bytes)
    }

    /// GET /runs/{id}: counts as a status read, like /status (a client may poll either).
    func runLog(_ id: String) throws(APIError) -> HTTPResponse {
        let run = try read(id)
        let log = runLogObject(run)
        let body: JSON = .object([
            ("run_id", .string(run.id)),
            ("request", requestEcho(run)),
            ("state", .string(run.state)),
            ("run_log", log),
            ("task_logs", .array(tasks(of: run).map(\.json))),
            ("task_logs_url", .string("\(base)/runs/\(run.id)/tasks")),
            ("outputs", run.fields["outputs"] ?? .object([])),
        ])
        return .json(200, body.bytes)
    }

    /// `{"run_id", "state"}`, written straight as bytes (the most polled answer of all), or kept in `memo` from
    /// an earlier poll of the run in the same phase.
    func status(_ id: String, memo: RenderMemo) throws(APIError) -> HTTPResponse {
        let run = try read(id)
        let body = memo.body(for: RenderMemo.Key(run)) {
            var out = JSONWriter(capacity: 32 + run.id.utf8.count + run.state.utf8.count)
            out.openObject()
            out.key("run_id")
            out.string(run.id)
            out.key("state")
            out.string(run.state)
            out.closeObject()
            return out.bytes
        }
        return .json(200, body)
    }

    func cancel(_ id: String) throws(APIError) -> HTTPResponse {
        let result = context.scenario.withEngine { $0.send("cancel", api: WESFake.api, id: id) }
        switch result {
        case .accepted(let run):
            return .json(200, JSON.object([("run_id", .string(run.id))]).bytes)
        case .notFound:
            throw notFound(id)
        case .repeated(let run), .refused(let run):
            let status = settings["cancelRefusedStatus"]?.intValue ?? 400
            let allowed = run.script.events["cancel"]?.allowedFrom ?? WESFake.cancellable
            let states = WESFake.states.filter(allowed.contains)
            let list = states.count > 1
                ? states.dropLast().joined(separator: ", ") + " or " + states[states.count - 1] : states.joined()
            throw APIError(status, "run \(run.id) is \(run.state); only runs whose state is \(list) may be cancelled")
        }
    }

    // MARK: tasks (WES 1.1)

    func tasks(_ id: String, _ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let page = try Page(request, defaultSize: settings["defaultPageSize"]?.intValue ?? 50)
        let run = try peek(id)
        let (slice, next) = page.slice(tasks(of: run))
        return .json(200, JSON.object([("task_logs", .array(slice.map(\.json))), ("next_page_token", .string(next))]).bytes)
    }

    func task(_ id: String, _ taskID: String) throws(APIError) -> HTTPResponse {
        let run = try peek(id)
        guard let task = tasks(of: run).first(where: { $0.id == taskID }) else {
            throw APIError(404, "run \(id) has no task \"\(taskID)\"")
        }
        return .json(200, task.json.bytes)
    }

    // MARK: log texts

    /// The text behind a `stdout`/`stderr` URL of a run or task: text/plain.
    func logText(_ id: String, task taskID: String?, stream: String) throws(APIError) -> HTTPResponse {
        guard stream == "stdout" || stream == "stderr" else {
            throw APIError(404, "no log \"\(stream)\"; the logs are stdout and stderr")
        }
        let run = try peek(id)
        if let taskID {
            guard let task = tasks(of: run).first(where: { $0.id == taskID }) else {
                throw APIError(404, "run \(id) has no task \"\(taskID)\"")
            }
            return .text(200, stream == "stdout" ? task.stdoutText : task.stderrText)
        }
        let text: String
        if stream == "stderr" {
            text = Self.text(run.fields["stderr"]) ?? run.log.map { "\($0.at.iso8601()) \($0.line)\n" }.joined()
        } else if let given = Self.text(run.fields["stdout"]) {
            text = given
        } else if run.state == "COMPLETE" {
            // A CWL runner prints the output object on stdout when it finishes.
            text = (run.fields["outputs"] ?? .object([])).prettyPrinted() + "\n"
        } else {
            text = ""
        }
        return .text(200, text)
    }

    // MARK: helpers

    private func read(_ id: String) throws(APIError) -> RunView {
        switch context.scenario.withEngine({ $0.read(api: WESFake.api, id: id) }) {
        case .found(let run): return run
        case .gone, .notFound: throw notFound(id)
        }
    }

    private func peek(_ id: String) throws(APIError) -> RunView {
        guard let run = context.scenario.withEngine({ $0.peek(api: WESFake.api, id: id) }), !run.gone else {
            throw notFound(id)
        }
        return run
    }

    private func notFound(_ id: String) -> APIError {
        APIError(404, "The requested workflow run \(id) wasn't found")
    }

    /// The submission a run echoes: the client's, else a scripted run's `fields.request`, else (a run scripted by
    /// `id` that says nothing of it) `scriptedRequest`, so every RunLog has the RunRequest members WES requires.
    private func requestEcho(_ run: RunView) -> JSON {
        if case .object(let members) = run.request, !members.isEmpty { return run.request }
        return run.fields["request"] ?? Self.scriptedRequest
    }

    /// What a scripted run with no `fields.request` says it was submitted with.
    static let scriptedRequest: JSON = .object([
        ("workflow_params", .object([])), ("workflow_type", "CWL"), ("workflow_type_version", "v1.0"),
        ("workflow_url", "workflow.cwl"),
    ])

    private func runLogObject(_ run: RunView) -> JSON {
        // The name comes from what was really submitted or scripted, not from the placeholder.
        let workflowURL = (run.request["workflow_url"] ?? run.fields["request"]?["workflow_url"])?.stringValue
        let name = run.fields["name"] ?? .string(workflowURL.map { String($0.split(separator: "/").last ?? "") } ?? run.id)
        let started = run.history.first { !["QUEUED", "UNKNOWN"].contains($0.state) }?.at
        let ended = run.entered(anyOf: WESFake.terminalStates)
        // A time or exit code not known yet is left out: WES types them as string and int32, never null.
        let members: [(String, JSON?)] = [
            ("name", name),
            ("cmd", run.fields["cmd"] ?? .array([])),
            ("start_time", run.fields["start_time"] ?? started.map { .string($0.iso8601()) }),
            ("end_time", run.fields["end_time"] ?? ended.map { .string($0.iso8601()) }),
            ("stdout", .string("\(base)/runs/\(run.id)/logs/stdout")),
            ("stderr", .string("\(base)/runs/\(run.id)/logs/stderr")),
            ("exit_code", run.fields["exit_code"] ?? Self.exitCode(run.state)),
            ("system_logs", run.fields["system_logs"]),
        ]
        return .object(members.compactMap { name, value in value.map { (name, $0) } })
    }

    /// The exit code a run's state implies; nil while it has none (left out of the log).
    static func exitCode(_ state: String) -> JSON? {
        switch state {
        case "COMPLETE": .int(0)
        case "EXECUTOR_ERROR": .int(1)
        default: nil
        }
    }

    /// A string field, or an array of lines joined with newlines.
    static func text(_ json: JSON?) -> String? {
        switch json {
        case .string(let s)?: return s
        case .array(let lines)?: return lines.map { ($0.stringValue ?? $0.serialized()) + "\n" }.joined()
        default: return nil
        }
    }

    private func tasks(of run: RunView) -> [Task] {
        guard let items = run.fields["tasks"]?.arrayValue else { return [] }
        let started = run.history.first { !["QUEUED", "UNKNOWN"].contains($0.state) }?.at
        let ended = run.entered(anyOf: WESFake.terminalStates)
        return items.enumerated().map { index, item in
            let id = item["id"]?.stringValue ?? "task-\(index + 1)"
            let url = "\(base)/runs/\(run.id)/tasks/\(id)/logs"
            let members: [(String, JSON?)] = [
                ("id", .string(id)),
                ("name", item["name"] ?? .string(id)),
                ("cmd", item["cmd"] ?? .array([])),
                ("start_time", item["start_time"] ?? started.map { .string($0.iso8601()) }),
                ("end_time", item["end_time"] ?? ended.map { .string($0.iso8601()) }),
                ("stdout", .string(url + "/stdout")),
                ("stderr", .string(url + "/stderr")),
                ("exit_code", item["exit_code"] ?? (ended == nil ? nil : Self.exitCode(run.state))),
                ("system_logs", item["system_logs"] ?? .array([])),
                ("tes_uri", item["tes_uri"]),
            ]
            return Task(
                id: id, json: .object(members.compactMap { name, value in value.map { (name, $0) } }), stdoutText: Self.text(item["stdout"]) ?? "",
                stderrText: Self.text(item["stderr"]) ?? "")
        }
    }

    struct Task {
        var id: String
        var json: JSON
        var stdoutText: String
        var stderrText: String
    }
}

/// `page_size` and `page_token` of a list request. Tokens are opaque to clients (base64url of the offset).
struct Page {
    var size: Int
    var offset: Int

    init(_ request: HTTPRequest, defaultSize: Int) throws(APIError) {
        size = defaultSize
        offset = 0
        if let text = request.queryValue("page_size") {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw APIError(400, "page_size must be a whole number from 1 to 1000, got \"\(text)\"")
            }
            size = value
        }
        if let token = request.queryValue("page_token"), !token.isEmpty {
            guard let value = PageCursor.decode(token, minimum: 1) else {
                throw APIError(400, "page_token \"\(token)\" is not a token this server issued")
            }
            offset = value
        }
    }

    func slice<T>(_ items: [T]) -> ([T], String) {
        let start = min(offset, items.count)
        let end = min(start + size, items.count)
        let next = end < items.count ? PageCursor.encode(end) : ""
        return (Array(items[start..<end]), next)
    }
}
