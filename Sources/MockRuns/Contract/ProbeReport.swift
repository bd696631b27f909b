import Scenarios

/// What `mockruns contract` found: every check's result, for one API at one URL. Pure: results in, text out.
/// Every string in it went through the session's redaction already.
public struct ProbeReport: Sendable {
    public var api: String
    public var url: String
    public var results: [ProbeResult]
    /// Why the run stopped early (server unreachable, time out), if it did.
    public var incomplete: String?

    public init(api: String, url: String, results: [ProbeResult], incomplete: String? = nil) {
        self.api = api
        self.url = url
        self.results = results
        self.incomplete = incomplete
    }

    public func count(_ verdict: ProbeVerdict) -> Int { results.filter { $0.verdict == verdict }.count }

    public var failed: Bool { results.contains { $0.verdict == .fail } }

    public var summary: String {
        "\(api) at \(url): \(count(.pass)) passed, \(count(.fail)) failed, \(count(.skipped)) skipped"
            + (incomplete.map { " (incomplete: \($0))" } ?? "")
    }

    /// One line per check (`PASS wes.service-info.shape`, `FAIL ...: why`), each failure's evidence indented
    /// under it, then the summary.
    public var text: String {
        var lines: [String] = []
        for result in results {
            switch result.verdict {
            case .pass:
                lines.append("PASS \(result.id)")
            case .skipped:
                lines.append("SKIP \(result.id): \(result.message)")
            case .fail:
                lines.append("FAIL \(result.id): \(result.message)")
                lines += result.exchanges.map { "     \($0)" }
                lines += result.problems.dropFirst().prefix(5).map { "     \($0.path) \($0.message)" }
                if result.problems.count > 6 { lines.append("     … and \(result.problems.count - 6) more (--format json lists them)") }
            }
        }
        lines.append("contract: " + summary)
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: JSON {
        .object([
            ("api", .string(api)),
            ("url", .string(url)),
            ("verdict", .string(failed ? "fail" : "pass")),
            ("counts", .object([("pass", .int(count(.pass))), ("fail", .int(count(.fail))), ("skipped", .int(count(.skipped)))])),
            ("incomplete", incomplete.map(JSON.string) ?? .null),
            ("checks", .array(results.map { result in
                .object([
                    ("id", .string(result.id)),
                    ("summary", .string(result.summary)),
                    ("verdict", .string(result.verdict.rawValue)),
                    ("message", .string(result.message)),
                    ("requests", .array(result.exchanges.map(JSON.string))),
                    ("problems", .array(result.problems.map {
                        .object([("path", .string($0.path)), ("message", .string($0.message))])
                    })),
                ])
            })),
        ])
    }

    /// One testsuite (the API), one testcase per check.
    public var junitXML: String {
        JUnitXML(name: "mockruns contract", cases: results.map { result in
            let outcome: JUnitXML.Outcome
            switch result.verdict {
            case .pass: outcome = .passed
            case .skipped: outcome = .skipped(result.message)
            case .fail:
                let details = ([result.message] + result.exchanges
                    + result.problems.map { "\($0.path) \($0.message)" }).joined(separator: "\n")
                outcome = .failed(message: result.message, type: result.id, details: details)
            }
            return JUnitXML.TestCase(suite: api, classname: "mockruns.contract.\(api)", name: result.id, outcome: outcome)
        }).document
    }
}
