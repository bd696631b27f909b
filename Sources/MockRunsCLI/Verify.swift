import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif
import Dispatch
import MockRuns
import MockRunsHTTP
import OutboundHTTP
import Scenarios

/// `mockruns verify --url URL`: asks a running mockruns how its client behaved, for shell-based CI.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a running mockruns to judge its client; exit 0 when every rule passes, 1 when one fails.")

    @Option(help: "The running server, e.g. http://127.0.0.1:8080 (https with --cacert for a --tls-self-signed one).")
    var url: String

    @Option(help: "For an https server: trust only the certificates in this PEM file (its ready line's tlsCert).")
    var cacert: String?

    @Option(help: "A JSON file of expectations: {\"rules\": {\"poll-interval\": {\"minMs\": 500}, ...}, \"api\": ..., \"run\": ...}.")
    var expect: String?

    @Option(help: "Also write the report here: JUnit XML when it ends in .xml, else JSON.")
    var report: String?

    @Option(help: "The server's admin token (or set MOCKRUNS_ADMIN_TOKEN).")
    var adminToken: String?

    func run() throws {
        if let cacert, let problem = InputFile.problem(cacert, option: "--cacert") {
            throw CommandFailure(message: problem, exitCode: 64)
        }
        if let report, let problem = OutputFile.problem(report, option: "--report") {
            throw CommandFailure(message: problem, exitCode: 64)
        }
        var body: [UInt8] = []
        if let expect {
            guard let data = FileManager.default.contents(atPath: expect) else {
                throw CommandFailure(message: "cannot read the expectations file \(expect)", exitCode: 2)
            }
            body = Array(data)
        }
        let token = adminToken ?? environmentValue("MOCKRUNS_ADMIN_TOKEN")  // as serve reads it
        let answer: OutboundResponse
        do {
            let server = try OutboundURL.parse(url).get()
            var headers = HTTPHeaders()
            if !body.isEmpty { headers.add("Content-Type", "application/json") }
            if let token { headers.add("Authorization", "Bearer \(token)") }
            // The whole answer within a minute: a server trickling a byte at a time would keep every read alive.
            let client = HTTPClient(configuration: .init(connectTimeout: 10, readTimeout: 30, caFile: cacert, totalTimeout: 60))
            answer = try client.send(
                OutboundRequest(method: "POST", url: server.with(target: "/__mockruns/verify"), headers: headers, body: body))
        } catch {
            throw CommandFailure(message: "\(error)", exitCode: 3)
        }
        let parsed = try? JSON.parse(answer.body)
        let excerpt = Console.escaped(String(decoding: answer.body.prefix(300), as: UTF8.self))
        guard answer.status == 200 || answer.status == 409, let json = parsed else {
            // The admin API's own error says what was wrong: shown as its text, not its JSON.
            if let message = parsed?["error"]?.stringValue {
                throw CommandFailure(message: "the server refused the expectations (\(answer.status)): \(Console.escaped(message))", exitCode: 2)
            }
            throw CommandFailure(message: "the server answered \(answer.status): \(excerpt)", exitCode: 2)
        }
        // A report, or no verdict at all: `{}` or a stray server must not read as "0 failed, passed".
        guard let served = Report(json: json), json["verdict"]?.stringValue == (answer.status == 409 ? "fail" : "pass") else {
            throw CommandFailure(
                message: "the server's answer (\(answer.status)) is no verification report (is \(url) a mockruns server?): \(excerpt)",
                exitCode: 2)
        }
        let results = json["results"]?.arrayValue ?? []
        for result in results {
            let verdict = result["verdict"]?.stringValue ?? "?"
            let run = result["run"]?.stringValue.map { " [\($0)]" } ?? ""
            let line = "\(verdict.uppercased()) \(result["api"]?.stringValue ?? "?") \(result["rule"]?.stringValue ?? "?")\(run): "
                + (result["message"]?.stringValue ?? "")
            Console.out(Console.escaped(line))
        }
        if let report {
            // The server's JSON is turned back into the same report shapes the server writes.
            let text: String
            if report.lowercased().hasSuffix(".xml") {
                text = served.junitXML
            } else {
                text = json.prettyPrinted() + "\n"
            }
            do {
                try ReportFile.write(text, to: report)
            } catch {
                throw CommandFailure(message: "cannot write the report to \(report): \(Console.reason(error))")
            }
        }
        let counts = json["counts"]
        let summary = "\(counts?["pass"]?.intValue ?? 0) passed, \(counts?["fail"]?.intValue ?? 0) failed, \(counts?["not-applicable"]?.intValue ?? 0) not applicable"
        if answer.status == 409 { throw CommandFailure(message: "verification failed: " + summary, exitCode: 1) }
        Console.out("verification passed: " + summary)
    }
}
