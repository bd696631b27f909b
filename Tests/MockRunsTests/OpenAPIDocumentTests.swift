import MockRuns
import MockRunsHTTP
import Scenarios
import Testing

/// Each fake's exported document against the fake itself: the route check (every route in the document and
/// nothing else), each documented example against its own schema, and a fake with a route nobody documented
/// refused instead of exported with a hole.
@Suite struct OpenAPIDocumentTests {
    static let names = APIRegistry.fakes.map(\.descriptor.name)

    static func fake(_ name: String) -> any APIFake { APIRegistry.fakes.first { $0.descriptor.name == name }! }

    @Test(arguments: names) func everyRouteIsInTheDocumentAndNothingElse(_ name: String) throws {
        let fake = Self.fake(name)
        let document = try OpenAPIDocument.render(fake)
        var documented: Set<String> = []
        for (path, item) in document["paths"]?.objectValue ?? [] {
            for (method, _) in item.objectValue ?? [] where !method.hasPrefix("x-") {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        #expect(documented == Set(fake.routeTable.summaries))
        #expect(documented.count == fake.routeTable.routes.count, "no route documented twice")
    }

    @Test(arguments: names) func statesSettingsAndAuthAreInTheDocument(_ name: String) throws {
        let fake = Self.fake(name)
        let document = try OpenAPIDocument.render(fake)
        #expect(document["openapi"] == "3.1.0")
        #expect(document["x-mockruns-states"]?["states"] == .array(fake.descriptor.states.map(JSON.string)))
        let settings = document["x-mockruns-settings"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(settings == fake.descriptor.settings.map(\.name))
        let schemes = document["components"]?["securitySchemes"]?.objectValue?.map(\.0) ?? []
        #expect(!schemes.isEmpty)
        for requirement in document["security"]?.arrayValue ?? [] {
            for (scheme, _) in requirement.objectValue ?? [] { #expect(schemes.contains(scheme)) }
        }
    }

    /// Every example, the seed pages' and the error renderer's, fits the schema published beside it.
    @Test(arguments: names) func everyExampleFitsItsSchema(_ name: String) throws {
        let fake = Self.fake(name)
        let doc = fake.documentation
        var checked = 0
        for operation in doc.operations {
            let contents = operation.responses.flatMap(\.content) + (operation.requestBody?.content ?? [])
            for content in contents {
                guard let example = content.example else { continue }
                #expect(content.schema.validate(example) == [], "\(operation.endpoint) \(content.mediaType)")
                checked += 1
            }
        }
        let document = try OpenAPIDocument.render(fake)
        for (_, item) in document["paths"]?.objectValue ?? [] {
            for (method, operation) in item.objectValue ?? [] where !method.hasPrefix("x-") {
                let endpoint = operation["x-mockruns-endpoint"]?.stringValue ?? ""
                let declared = try #require(doc.operation(endpoint: endpoint, method: method.uppercased()))
                for (status, response) in operation["responses"]?.objectValue ?? [] where status.first != "2" {
                    let (media, content) = try #require(response["content"]?.objectValue?.first, "\(endpoint) \(status)")
                    let example = try #require(content["example"], "\(endpoint) \(status) has an example")
                    let schema = declared.errorBody ?? doc.errorBody
                    #expect(schema.validate(example) == [], "\(endpoint) \(status) \(media): \(example.serialized())")
                    checked += 1
                }
            }
        }
        #expect(checked > 0)
    }

    @Test func errorBodiesTakeTheRenderersMediaType() throws {
        func media(_ api: String, _ path: String, _ status: String) throws -> [String] {
            let document = try OpenAPIDocument.render(Self.fake(api))
            let operation = document["paths"]?[path]?.objectValue?.first { !$0.0.hasPrefix("x-") }?.1
            return operation?["responses"]?[status]?["content"]?.objectValue?.map(\.0) ?? []
        }
        #expect(try media("foundry", "/dashboard/run_status", "404") == ["text/plain"])
        #expect(try media("controller", "/controller/run", "401") == ["application/json"])
        #expect(try media("wes", "/ga4gh/wes/v1/runs/{run_id}", "404") == ["application/json"])
        #expect(try media("workspace", "/api/v1/workspaces/{workspaceId}/runs/{runId}", "404") == ["application/problem+json"])
        #expect(try media("solvexia", "/oauth/token", "401") == ["application/json"])
    }

    /// A fake whose route has no documentation, and documentation with no route: both named.
    @Test func anUndocumentedRouteIsAGapNotAHole() {
        struct Half: APIFake {
            var descriptor: APIDescriptor {
                APIDescriptor(
                    name: "half", summary: "", states: ["A"], terminalStates: [], endpoints: ["one", "two"], matchFields: [],
                    permissions: [], defaultTimeline: [Phase("A")], makeID: { _, n in "\(n)" })
            }
            let routeTable = RouteTable([Route("GET", "/half/one", endpoint: "one"), Route("GET", "/half/two", endpoint: "two")], claiming: ["/half"])
            var documentation: APIDocumentation {
                APIDocumentation(
                    title: "half", version: "0", description: "", securitySchemes: [], security: [], errorBody: .string,
                    operations: [
                        .init("GET", "one", summary: "one", responses: [.json(200, "ok", .string)], errors: []),
                        .init("POST", "three", summary: "three", responses: [.json(200, "ok", .string)], errors: []),
                    ])
            }
            func handle(_ request: HTTPRequest, at endpoint: Endpoint, context: FakeContext) throws(APIError) -> HTTPResponse {
                HTTPResponse(status: 200)
            }
            func response(for error: APIError, to request: HTTPRequest, settings: [String: JSON]) -> HTTPResponse {
                .text(error.status, error.message)
            }
            func probeContract(_ session: ProbeSession) {}  // no live server is ever checked against this one
        }
        #expect(throws: OpenAPIDocument.Gap.self) { try OpenAPIDocument.render(Half()) }
        do {
            _ = try OpenAPIDocument.render(Half())
        } catch {
            #expect(error.problems.count == 2, "\(error)")
            #expect(error.description.contains("GET /half/two"))
            #expect(error.description.contains("POST three"))
        }
    }
}
