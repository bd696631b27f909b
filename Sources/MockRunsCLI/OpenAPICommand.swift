import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import MockRuns
import Scenarios

/// `mockruns openapi`: each fake's contract as an OpenAPI 3.1 document, made from the route tables, descriptors
/// and error renderers the server runs on.
struct OpenAPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Print each faked API's contract as an OpenAPI 3.1 document (YAML; --json for JSON).",
        discussion: """
            With no --api, prints all five as one YAML stream (a `---` document each, in the order foundry, \
            solvexia, workspace, controller, wes), or with --out DIR writes one file per API: DIR/NAME.openapi.yaml \
            (or .json). --json needs --api or --out: JSON has no stream of documents.
            """)

    @Option(help: "One API: \(APIRegistry.fakes.map(\.descriptor.name).joined(separator: ", ")).")
    var api: String?

    @Flag(help: "JSON instead of YAML.")
    var json = false

    @Option(help: "Write one file per API into this folder (made if missing) instead of printing.")
    var out: String?

    func validate() throws {
        if let api, !APIRegistry.fakes.contains(where: { $0.descriptor.name == api }) {
            let names = APIRegistry.fakes.map(\.descriptor.name).joined(separator: ", ")
            throw ValidationError("unknown API \"\(Console.escaped(api))\"; the APIs are \(names)")
        }
        if json, api == nil, out == nil {
            throw ValidationError("--json needs --api NAME or --out DIR (JSON has no stream of documents; YAML does)")
        }
    }

    func run() throws {
        let fakes = APIRegistry.fakes.filter { api == nil || $0.descriptor.name == api }
        var rendered: [(name: String, text: String)] = []
        for fake in fakes {
            let document: JSON
            do {
                document = try OpenAPIDocument.render(fake, version: MockRunsCommand.version)
            } catch {
                throw CommandFailure(message: "the \(error.api) document is incomplete: \(error.description)")
            }
            rendered.append((fake.descriptor.name, json ? document.prettyPrinted() + "\n" : YAMLWriter.document(document)))
        }
        guard let out else {
            for document in rendered { Console.print(document.text) }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(message: "cannot make the folder \(out): \(Console.reason(error))")
        }
        for document in rendered {
            let path = (out.hasSuffix("/") ? out : out + "/") + document.name + ".openapi." + (json ? "json" : "yaml")
            do {
                try ReportFile.write(document.text, to: path)
            } catch {
                throw CommandFailure(message: "cannot write \(path): \(Console.reason(error))")
            }
            Console.out(path)
        }
    }
}
