import Testing

@testable import MockRuns
@testable import Scenarios

/// The answers written straight as bytes (workspace RunResource and output, Solvexia ProcessRunStatus) must be the
/// bytes of the value trees they were built as before: the trees are written out here, as they were, and both are
/// compared for runs in every state, with scripted fields, fractions of a second and each setting that changes them.
@Suite struct AnswerBytesTests {
    // MARK: workspace

    /// The RunResource as a tree, as `WorkspaceRender.run` built it before it wrote bytes.
    func treeRun(_ render: WorkspaceRender, _ view: RunView) -> JSON {
        let f = view.fields
        let options = view.request["options"]
        let started = view.entered("running")
        let completed = view.isTerminal ? view.history.last?.at : nil
        var duration: JSON = .null
        if let started {
            let ms = (completed ?? render.now).milliseconds(since: started)
            duration = ms % 1000 == 0 ? .int(Int(ms / 1000)) : .double(Double(ms) / 1000)
        }
        var exitCode: JSON = .null
        var failure: JSON = .null
        switch view.state {
        case "succeeded": exitCode = f["exit_code"] ?? 0
        case "failed":
            exitCode = f["exit_code"] ?? 1
            failure = f["failure_message"] ?? "The run failed"
        default:
            if let message = f["failure_message"] { failure = message }
        }
        let self_ = render.path(view.id)
        return .object([
            ("id", .string(view.id)), ("object", "ade.run"),
            ("workspace_id", .string(WorkspaceRender.workspace(of: view) ?? render.workspace)),
            ("configuration_id", f["configuration_id"] ?? view.request["configuration_id"] ?? .null),
            ("operation", f["operation"] ?? view.request["operation"] ?? "process"), ("status", .string(view.state)),
            ("failure_message", failure), ("created_at", WorkspaceRender.time(view.createdAt)),
            ("started_at", WorkspaceRender.time(started)), ("completed_at", WorkspaceRender.time(completed)),
            ("duration_seconds", duration), ("exit_code", exitCode),
            (
                "input",
                .object([
                    ("document_id", f["document_id"] ?? view.request["document_id"] ?? .null),
                    ("input_sheet_names", options?["input_sheet_names"] ?? .null),
                    ("active_sheet_only", options?["active_sheet_only"] ?? false),
                ])
            ),
            ("output", .object(treeOutput(render, view))),
            (
                "links",
                .object([
                    ("self", .string(self_)), ("events", .string(self_ + "/events/stream")), ("output", .string(self_ + "/output")),
                    ("output_download", .string(self_ + "/output/download")), ("cancel", .string(self_ + "/cancel")),
                ])
            ),
        ])
    }

    func treeOutput(_ render: WorkspaceRender, _ view: RunView) -> [(String, JSON)] {
        guard render.outputReady(view) else {
            return [("ready", false), ("filename", .null), ("content_type", .null), ("size_bytes", .null), ("download_url", .null)]
        }
        let file = render.outputFile(view)
        return [
            ("ready", true), ("filename", .string(file.filename)), ("content_type", .string(file.contentType)),
            ("size_bytes", .int(file.bytes.count)), ("download_url", .string(render.path(view.id) + "/output/download")),
        ]
    }

    static let workspaceFile = #"""
        {"clock": {"mode": "polls", "tick": 0.25},
         "apis": {"workspace": {"runs": [
           {"id": "scripted-1", "fields": {"operation": "extract", "configuration_id": "cfg", "output_content": "a\"b\n"},
            "timeline": [{"state": "running", "polls": 1}, {"state": "failed", "fields": {"failure_message": "bad \"input\"", "exit_code": 3}}]},
           {"id": "scripted-2", "fields": {"workspace_id": "3F0C9A52-6C1E-4B8E-9D27-1A5E4C7B2F10", "output_ready": false},
            "timeline": [{"state": "succeeded"}]},
           {"id": "scripted-3", "fields": {"output_delay_seconds": 1.5, "output_filename": "r\u00e9sultat.csv"},
            "timeline": [{"state": "queued", "polls": 1}, {"state": "running", "seconds": 0.3}, {"state": "succeeded"}]}
         ]}}}
        """#

    @Test func workspaceAnswersAreTheTreesBytes() throws {
        let fake = WorkspaceFake()
        let loader = ScenarioLoader(apis: [fake.descriptor])
        var engine = Engine(
            scenario: try loader.load(Array(Self.workspaceFile.utf8), file: "t.json"), apis: [fake.descriptor],
            time: ManualTimeSource())
        let workspace = "3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10"
        let created = engine.createRun(
            api: "workspace",
            request: [
                "workspace_id": .string(workspace), "document_id": "doc-1", "operation": "process",
                "options": ["input_sheet_names": ["S1", "S\"2"], "active_sheet_only": true],
            ]).id
        var compared = 0
        for round in 0..<8 {
            for id in [created, "scripted-1", "scripted-2", "scripted-3"] {
                guard case .found(let view) = engine.read(api: "workspace", id: id) else { continue }
                for basePath in ["", "/__sessions/s-1"] {
                    let render = WorkspaceRender(workspace: workspace, now: engine.now, basePath: basePath)
                    #expect(render.run(view) == treeRun(render, view).bytes, "\(id) round \(round)")
                    #expect(
                        render.output(view) == JSON.object([("run_id", .string(view.id))] + treeOutput(render, view)).bytes,
                        "\(id) round \(round)")
                    compared += 1
                }
            }
            engine.advance(seconds: 0.4)
        }
        #expect(compared == 64)
    }

    // MARK: solvexia

    /// The ProcessRunStatus as a tree, as `SolvexiaRender.runStatus` built it before it wrote bytes.
    func treeRunStatus(_ render: SolvexiaRender, _ view: RunView, answer: SolvexiaRender.Answer) -> JSON {
        let start = render.started(view)
        let end = render.finished(view)
        let duration = SolvexiaRender.seconds(from: start, to: end ?? view.history.last?.at ?? view.createdAt)
        let key = render.durationKey(answer)
        if answer == .cancel {
            let documented = (render.settings["emptyDates"]?.stringValue ?? "documented") == "documented"
            return .object([
                ("id", .string(view.id)), ("dateFinished", documented ? .null : render.date(end, .runStatus)),
                ("dateStarted", render.date(start, .runStatus, emptyWhenDocumented: true)),
                (key, start == nil ? .null : SolvexiaRender.seconds(from: start, to: end ?? render.now)),
                ("status", .string(view.state)),
            ])
        }
        return .object([
            ("id", .string(view.id)), ("dateStarted", render.date(start, .runStatus)),
            ("dateFinished", render.date(end, .runStatus)),
            (key, end == nil ? (start == nil ? .null : SolvexiaRender.seconds(from: start, to: render.now)) : duration),
            ("status", .string(view.state)),
        ])
    }

    @Test func solvexiaRunStatusIsTheTreesBytes() throws {
        let fake = SolvexiaFake()
        let loader = ScenarioLoader(apis: [fake.descriptor])
        let file = #"{"clock": {"mode": "polls", "tick": 0.37}, "apis": {"solvexia": {"runs": [{"id": "pr-1"}]}}}"#
        var engine = Engine(
            scenario: try loader.load(Array(file.utf8), file: "t.json"), apis: [fake.descriptor], time: ManualTimeSource())
        var settingsList: [[String: JSON]] = [engine.settings(api: "solvexia")]
        for (key, values) in [
            ("timestampFormat", ["dotnet7", "millis", "trimmedZ", "iso8601Z"]), ("emptyDates", ["null", "empty"]),
            ("durationField", ["runDurationInSeconds", "runDurationInSec"]), ("runStatusShape", ["array"]),
        ] {
            for value in values {
                var settings = engine.settings(api: "solvexia")
                settings[key] = .string(value)
                settingsList.append(settings)
            }
        }
        var compared = 0
        for step in 0..<8 {
            if step == 1 { _ = engine.send("start", api: "solvexia", id: "pr-1") }
            if step == 6 { _ = engine.send("cancel", api: "solvexia", id: "pr-1") }
            guard case .found(let view) = engine.read(api: "solvexia", id: "pr-1") else { Issue.record("pr-1 gone"); return }
            for settings in settingsList {
                let render = SolvexiaRender(settings: settings, now: engine.now)
                for answer in [SolvexiaRender.Answer.start, .cancel, .runstatus] {
                    #expect(render.runStatus(view, answer: answer) == treeRunStatus(render, view, answer: answer).bytes)
                }
                var items = [treeRunStatus(render, view, answer: .runstatus)]
                for stepItem in render.steps(view) { items.append(stepItem.status(render, view: view, answer: .runstatus)) }
                let tree = settings["runStatusShape"] == "array" ? JSON.array(items) : items[0]
                #expect(render.runStatusAnswer(view) == tree.bytes, "\(view.state) \(settings)")
                compared += 1
            }
        }
        #expect(compared == 8 * settingsList.count)
    }
}
