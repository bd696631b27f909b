import Foundation
import MockRuns
import MockRunsHTTP
import MockRunsTesting
import Scenarios
import Testing

/// Where the WES fake disagreed with the GA4GH definitions (issue 13): service-info in the 1.1 shape with the
/// service-info `Service` fields, RunLog times and exit codes left out instead of null, and a RunRequest without
/// its workflow language refused. Each test failed before its fix.
@Suite struct WESSpecFixTests {
    typealias Harness = WESTests.Harness

    /// The fake's own ServiceInfo schema (the one `mockruns openapi` publishes) and the GA4GH 1.1 names it must hold.
    @Test func serviceInfoHasTheServiceFieldsAndTheEngineShapeOf11() async throws {
        let h = try Harness(bundled: "default")
        let r = try await h.get("/service-info")
        #expect(r.status == 200)
        let info = try #require(r.jsonObject)
        for field in ["id", "name", "type", "organization", "version"] {
            #expect(info[field] != nil, "service-info lacks \(field): \(r.text)")
        }
        let type = try #require(info["type"] as? [String: String])
        #expect(type == ["group": "org.ga4gh", "artifact": "wes", "version": "1.1.0"])
        let organization = try #require(info["organization"] as? [String: String])
        #expect(organization["name"]?.isEmpty == false)
        #expect(organization["url"]?.hasPrefix("https://") == true)
        // 1.1: each engine maps to {"workflow_engine_version": [...]}, not to a version string.
        let engines = try #require(info["workflow_engine_versions"] as? [String: Any])
        #expect(!engines.isEmpty)
        for (name, value) in engines {
            let versions = (value as? [String: Any])?["workflow_engine_version"] as? [String]
            #expect(versions?.isEmpty == false, "\(name): \(value)")
        }
        // The same bytes from a second server: nothing comes from the machine.
        let again = try await Harness(bundled: "default").get("/service-info")
        #expect(again.text == r.text)
        // And the answer is what the exported document says.
        let schema = try #require(OpenAPIComponents.schema("ServiceInfo", of: WESFake()))
        #expect(schema.validate(try JSON.parse(Array(r.body))) == [])
    }

    /// `serviceInfo` still replaces any member, the new ones too.
    @Test func serviceInfoSettingReplacesTheServiceFields() async throws {
        let h = try Harness(json: #"{"apis": {"wes": {"settings": {"serviceInfo": {"id": "org.example.wes", "version": "2.0"}}}}}"#)
        let info = try #require(try await h.get("/service-info").jsonObject)
        #expect(info["id"] as? String == "org.example.wes")
        #expect(info["version"] as? String == "2.0")
    }

    /// Before the run starts, and until it ends, `start_time`, `end_time` and `exit_code` are absent (the specs
    /// type them string and int32); once the run has ended all three are there. Task logs likewise.
    @Test func runLogLeavesOutTimesAndExitCodeNotKnownYet() async throws {
        let h = try Harness(json: #"""
            {"apis": {"wes": {"defaultRun": {
              "fields": {"tasks": [{"id": "t1", "name": "step one"}]},
              "timeline": [{"state": "QUEUED", "polls": 1}, {"state": "RUNNING", "polls": 1}, {"state": "COMPLETE"}]}}}}
            """#)
        let id = try await h.start()
        let schema = try #require(OpenAPIComponents.schema("RunLog", of: WESFake()))
        func log() async throws -> (run: [String: Any], task: [String: Any], problems: [JSONSchema.Problem]) {
            let r = try await h.get("/runs/\(id)")
            try #require(r.status == 200, "\(r.text)")
            let body = try #require(r.jsonObject)
            let task = try #require((body["task_logs"] as? [[String: Any]])?.first)
            return (try #require(body["run_log"] as? [String: Any]), task, schema.validate(try JSON.parse(Array(r.body))))
        }
        let queued = try await log()
        for key in ["start_time", "end_time", "exit_code"] {
            #expect(queued.run[key] == nil, "QUEUED run_log.\(key): \(queued.run)")
            #expect(queued.task[key] == nil, "QUEUED task log \(key): \(queued.task)")
        }
        #expect(queued.problems == [])
        let running = try await log()
        #expect(running.run["start_time"] is String)
        #expect(running.run["end_time"] == nil && running.run["exit_code"] == nil, "\(running.run)")
        #expect(running.problems == [])
        let complete = try await log()
        #expect(complete.run["end_time"] is String)
        #expect(complete.run["exit_code"] as? Int == 0)
        #expect(complete.task["exit_code"] as? Int == 0)
        #expect(complete.problems == [])
    }

    /// A run scripted by id without `fields.request` (no client submitted it) still echoes a whole RunRequest: the
    /// RunLog schema requires workflow_type, workflow_type_version and workflow_url (`mockruns contract` found it
    /// against `wes-403`, whose runs are such).
    @Test func aScriptedRunWithoutItsRequestEchoesAWholeRunRequest() async throws {
        let h = try Harness(json: #"{"apis": {"wes": {"runs": [{"id": "scripted-1", "timeline": [{"state": "COMPLETE"}]}]}}}"#)
        let r = try await h.get("/runs/scripted-1")
        #expect(r.status == 200, "\(r.text)")
        let schema = try #require(OpenAPIComponents.schema("RunLog", of: WESFake()))
        #expect(schema.validate(try JSON.parse(Array(r.body))) == [], "\(r.text)")
        let request = try #require(r.jsonObject?["request"] as? [String: Any])
        #expect(request["workflow_type"] as? String == "CWL" && request["workflow_type_version"] as? String == "v1.0")
        #expect(request["workflow_url"] as? String == "workflow.cwl")
        #expect((r.jsonObject?["run_log"] as? [String: Any])?["name"] as? String == "scripted-1", "the name stays the run id")
    }

    /// WES 1.1 requires workflow_type and workflow_type_version: a submission without either is a 400
    /// ErrorResponse naming the missing field (and what is supported), unless `optionalWorkflowType`.
    @Test func submissionWithoutItsWorkflowLanguageIsRefused() async throws {
        let h = try Harness(bundled: "default")
        var noType = WESTests.Multipart.workflow()
        noType.parts.removeAll { $0.name == "workflow_type" }
        WESTests().expectError(try await h.submit(noType), 400, containing: "workflow_type is required")
        #expect(try await h.submit(noType).text.contains("CWL, WDL"))
        var noVersion = WESTests.Multipart.workflow()
        noVersion.parts.removeAll { $0.name == "workflow_type_version" }
        WESTests().expectError(try await h.submit(noVersion), 400, containing: "workflow_type_version is required")
        #expect(try await h.submit(noVersion).text.contains("v1.0"))
        var emptyVersion = WESTests.Multipart.workflow()
        emptyVersion.parts = emptyVersion.parts.map { $0.name == "workflow_type_version" ? ($0.name, "", nil) : $0 }
        WESTests().expectError(try await h.submit(emptyVersion), 400, containing: "workflow_type_version is required")
        let runs = try #require(try await h.get("/runs").jsonObject?["runs"] as? [Any])
        #expect(runs.count == 1, "only the seed's run: nothing was created")

        let relaxed = try Harness(json: #"{"apis": {"wes": {"settings": {"optionalWorkflowType": true}}}}"#)
        let id = try await relaxed.start(noType)
        let request = try #require(try await relaxed.get("/runs/\(id)").jsonObject?["request"] as? [String: Any])
        #expect(request["workflow_type"] == nil)
        // The leniency is a contract deviation, journaled; a full submission is none.
        try await StrictModeTests.expectDeviation(relaxed.server, "POST", WESTests.base + "/runs", naming: "without workflow_type")
        _ = try await relaxed.start()
        #expect(try await StrictModeTests.deviations(relaxed.server, "POST", WESTests.base + "/runs").isEmpty)
    }

    /// Strict mode refuses what optionalWorkflowType lets through, as the real service does.
    @Test func strictModeRefusesTheRelaxedSubmission() async throws {
        let h = try Harness(json: #"{"strict": true, "apis": {"wes": {"settings": {"optionalWorkflowType": true}}}}"#)
        var noVersion = WESTests.Multipart.workflow()
        noVersion.parts.removeAll { $0.name == "workflow_type_version" }
        WESTests().expectError(try await h.submit(noVersion), 400, containing: "workflow_type_version is required")
        try await StrictModeTests.expectDeviation(h.server, "POST", WESTests.base + "/runs", naming: "without workflow_type_version")
    }
}

/// A named schema of a fake's exported document, as the model (to validate answers with).
enum OpenAPIComponents {
    static func schema(_ name: String, of fake: any APIFake) -> JSONSchema? {
        var found: JSONSchema?
        func visit(_ schema: JSONSchema) {
            if found != nil { return }
            if schema.name == name { found = schema; return }
            schema.properties.forEach { visit($0.schema) }
            if let items = schema.items?.schema { visit(items) }
            if let more = schema.additionalProperties?.schema { visit(more) }
            schema.oneOf.forEach(visit)
        }
        for operation in fake.documentation.operations {
            for response in operation.responses { response.content.forEach { visit($0.schema) } }
        }
        return found
    }
}
