import MockRunsHTTP
import Scenarios

/// Judges the client from the journal: did it stop polling once a run ended, back off, honour `Retry-After`,
/// bound its retries, avoid duplicate submissions, send its credential every time? Pure: entries in, report out.
public struct Verification: Sendable {
    /// Every rule, in report order.
    public static let rules = [
        "poll-after-terminal", "poll-after-cancel-confirmed", "poll-unknown-run", "poll-interval",
        "retry-after-honoured", "retries-bounded", "duplicate-submit", "auth-on-every-request", "contract-deviations",
    ]

    public var expectations: Expectations

    public init(_ expectations: Expectations = Expectations()) {
        self.expectations = expectations
    }

    /// What a test expects of its client; every field optional.
    public struct Expectations: Sendable {
        /// Only this API's requests.
        public var api: String?
        /// Only this run's requests (rules about runs), and nothing about other runs.
        public var run: String?
        /// Reads allowed after the client saw a run end (`poll-after-terminal`, `poll-after-cancel-confirmed`).
        public var allowReadsAfterTerminal = 0
        /// Shortest acceptable gap between two status reads of one run, in milliseconds (`poll-interval`).
        public var minIntervalMs: Double?
        /// Most consecutive retries of one request after 5xx answers or dropped connections (`retries-bounded`).
        public var maxRetries = 3
        /// Rules left out of the report.
        public var skipped: Set<String> = []

        public init() {}

        static let optionNames = ["poll-after-terminal.allow", "poll-after-cancel-confirmed.allow", "poll-interval.minMs", "retries-bounded.max"]

        /// Reads `{"api": ..., "run": ..., "rules": {"poll-interval": {"minMs": 500}, "retries-bounded": {"max": 3},
        /// "poll-after-terminal": {"allow": 1}, "duplicate-submit": false}}`; the error says what is wrong.
        public static func parse(_ json: JSON) -> Swift.Result<Expectations, VerificationError> {
            var e = Expectations()
            guard case .object(let members) = json else { return .failure(.init("expectations must be a JSON object")) }
            for (key, value) in members {
                switch key {
                case "api":
                    guard let s = value.stringValue else { return .failure(.init("\"api\" must be a string")) }
                    e.api = s
                case "run":
                    guard let s = value.stringValue else { return .failure(.init("\"run\" must be a string")) }
                    e.run = s
                case "rules":
                    guard case .object(let rules) = value else { return .failure(.init("\"rules\" must be an object")) }
                    for (rule, options) in rules {
                        guard Verification.rules.contains(rule) else {
                            return .failure(.init(
                                "unknown rule \(JSON.quotedForMessage(rule)); rules: \(Verification.rules.joined(separator: ", "))",
                                allowed: Verification.rules))
                        }
                        if options == .bool(false) {
                            e.skipped.insert(rule)
                            continue
                        }
                        if options == .bool(true) { continue }
                        guard case .object(let fields) = options else {
                            return .failure(.init("rules.\(rule) must be an object of options, true or false"))
                        }
                        for (name, v) in fields {
                            switch (rule, name) {
                            case ("poll-after-terminal", "allow"), ("poll-after-cancel-confirmed", "allow"):
                                guard let n = v.intValue, n >= 0 else { return .failure(.init("rules.\(rule).allow must be a whole number from 0")) }
                                e.allowReadsAfterTerminal = n
                            case ("poll-interval", "minMs"):
                                guard let n = v.doubleValue, n >= 0, n.isFinite else { return .failure(.init("rules.poll-interval.minMs must be a number from 0")) }
                                e.minIntervalMs = n
                            case ("retries-bounded", "max"):
                                guard let n = v.intValue, n >= 0 else { return .failure(.init("rules.retries-bounded.max must be a whole number from 0")) }
                                e.maxRetries = n
                            default:
                                return .failure(.init("rule \(rule) takes no option \(JSON.quotedForMessage(name)); options: \(optionNames.joined(separator: ", "))", allowed: optionNames))
                            }
                        }
                    }
                default:
                    return .failure(.init("unknown key \(JSON.quotedForMessage(key)); allowed: api, run, rules", allowed: ["api", "run", "rules"]))
                }
            }
            return .success(e)
        }
    }

    public enum Verdict: String, Sendable {
        case pass, fail
        case notApplicable = "not-applicable"
    }

    /// One rule judged for one API (and one run, for rules about runs).
    public struct Result: Sendable {
        public var rule: String
        public var api: String
        public var run: String?
        public var verdict: Verdict
        /// What was found, in a sentence.
        public var message: String
        /// The journal sequence numbers that show it.
        public var evidence: [Int]
        /// Rule-specific figures (gaps, counts).
        public var details: [(String, JSON)]

        var json: JSON {
            var members: [(String, JSON)] = [
                ("rule", .string(rule)), ("api", .string(api)), ("run", run.map(JSON.string) ?? .null),
                ("verdict", .string(verdict.rawValue)), ("message", .string(message)),
                ("evidence", .array(evidence.map(JSON.int))),
            ]
            if !details.isEmpty { members.append(("details", .object(details))) }
            return .object(members)
        }
    }

    /// Judges `entries` (oldest first).
    public func judge(_ entries: [Journal.Entry]) -> Report {
        let e = expectations
        let selected = entries.filter { entry in
            entry.api != nil && (e.api == nil || entry.api == e.api) && (e.run == nil || entry.run == nil || entry.run == e.run)
        }
        var results: [Result] = []
        let apis = Array(Set(selected.compactMap(\.api))).sorted()
        for api in apis {
            let mine = selected.filter { $0.api == api }
            let pollEndpoints = Set(mine.filter(\.observation.statusRead).compactMap(\.endpoint))
            let polls = mine.filter { $0.endpoint.map(pollEndpoints.contains) ?? false && $0.run != nil }
            let runs = orderedUnique(polls.compactMap(\.run) + mine.filter(\.observation.created).compactMap(\.run))
                .filter { e.run == nil || $0 == e.run }
            func add(_ rule: String, _ make: () -> [Result]) {
                if !e.skipped.contains(rule) { results += make() }
            }
            // Grouped once, so judging thousands of runs over a full journal stays linear.
            let entriesOf = Dictionary(grouping: mine.filter { $0.run != nil }, by: { $0.run! })
            let pollsOf = Dictionary(grouping: polls, by: { $0.run! })
            add("poll-after-terminal") { runs.map { pollAfterTerminal(api, $0, entriesOf[$0] ?? [], pollsOf[$0] ?? []) } }
            add("poll-after-cancel-confirmed") { runs.map { pollAfterCancel(api, $0, entriesOf[$0] ?? [], pollsOf[$0] ?? []) } }
            add("poll-unknown-run") { [pollUnknownRun(api, polls)] }
            add("poll-interval") { runs.map { pollInterval(api, $0, pollsOf[$0] ?? []) } }
            add("retry-after-honoured") { [retryAfterHonoured(api, mine)] }
            add("retries-bounded") { [retriesBounded(api, mine)] }
            add("duplicate-submit") { [duplicateSubmit(api, mine)] }
            add("auth-on-every-request") { [authOnEveryRequest(api, mine)] }
            add("contract-deviations") { [contractDeviations(api, mine)] }
        }
        return Report(results: results)
    }

    // MARK: rules

    private func pollAfterTerminal(_ api: String, _ run: String, _ all: [Journal.Entry], _ polls: [Journal.Entry]) -> Result {
        let pollSequences = Set(polls.map(\.sequence))
        var ended: Journal.Entry?
        var firstEnd: Journal.Entry?
        var after: [Int] = []
        // Once the run has ended, one read on each *other* status-read endpoint is the client fetching the result
        // (wes-client polls /runs/{id}/status, then reads the RunLog /runs/{id} once for the outputs): not a poll.
        var fetched: Set<String> = []
        var resultReads: [Int] = []
        for entry in all where entry.run == run {
            if entry.observation.created {
                ended = nil  // the run was started afresh: reads of the new run are not "after the end"
                fetched = []
                continue
            }
            guard pollSequences.contains(entry.sequence) else { continue }
            if let end = ended {
                if let endpoint = entry.endpoint, endpoint != end.endpoint, fetched.insert(endpoint).inserted {
                    resultReads.append(entry.sequence)
                } else {
                    after.append(entry.sequence)
                }
            } else if entry.observation.terminal, entry.status < 500 {
                ended = entry
                if firstEnd == nil { firstEnd = entry }
            }
        }
        guard let firstEnd else {
            return Result(rule: "poll-after-terminal", api: api, run: run, verdict: .notApplicable,
                message: "the client never saw run \(run) end", evidence: [], details: [])
        }
        let shown = ended ?? firstEnd
        let state = shown.observation.gone ? "not found after it finished" : (shown.observation.state ?? "terminal")
        let allowed = expectations.allowReadsAfterTerminal
        let verdict: Verdict = after.count > allowed ? .fail : .pass
        let message = after.isEmpty
            ? "the client stopped polling run \(run) once it showed \(state)"
            : "the client read run \(run) \(after.count) more time(s) after it showed \(state) (allowed: \(allowed))"
        return Result(rule: "poll-after-terminal", api: api, run: run, verdict: verdict, message: message,
            evidence: after.isEmpty ? [] : [shown.sequence] + after,
            details: [("readsAfter", .int(after.count)), ("allowed", .int(allowed)), ("resultReads", .array(resultReads.map(JSON.int)))])
    }

    private func pollAfterCancel(_ api: String, _ run: String, _ all: [Journal.Entry], _ polls: [Journal.Entry]) -> Result {
        guard let cancel = all.first(where: { $0.run == run && $0.observation.event == "cancel" && $0.observation.eventAccepted && $0.status < 400 }) else {
            return Result(rule: "poll-after-cancel-confirmed", api: api, run: run, verdict: .notApplicable,
                message: "the client did not cancel run \(run)", evidence: [], details: [])
        }
        let later = polls.filter { $0.run == run && $0.sequence > cancel.sequence }
        // Confirmed: the cancel's own answer already showed a terminal state, or a later read did.
        let confirmedAt = cancel.observation.terminal ? cancel : later.first(where: { $0.observation.terminal })
        guard let confirmedAt else {
            return Result(rule: "poll-after-cancel-confirmed", api: api, run: run, verdict: .notApplicable,
                message: "the client never saw the cancellation of run \(run) confirmed", evidence: [cancel.sequence], details: [])
        }
        let after = later.filter { $0.sequence > confirmedAt.sequence }.map(\.sequence)
        let allowed = expectations.allowReadsAfterTerminal
        return Result(
            rule: "poll-after-cancel-confirmed", api: api, run: run, verdict: after.count > allowed ? .fail : .pass,
            message: after.isEmpty
                ? "the client stopped polling run \(run) once its cancellation was confirmed"
                : "the client read run \(run) \(after.count) more time(s) after its cancellation was confirmed",
            evidence: [cancel.sequence, confirmedAt.sequence] + after, details: [("readsAfter", .int(after.count))])
    }

    private func pollUnknownRun(_ api: String, _ polls: [Journal.Entry]) -> Result {
        let unknown = polls.filter { $0.observation.unknownRun }
        guard !polls.isEmpty else {
            return Result(rule: "poll-unknown-run", api: api, run: nil, verdict: .notApplicable,
                message: "no status reads", evidence: [], details: [])
        }
        let ids = orderedUnique(unknown.compactMap(\.run))
        return Result(
            rule: "poll-unknown-run", api: api, run: nil, verdict: unknown.isEmpty ? .pass : .fail,
            message: unknown.isEmpty ? "every run the client read existed"
                : "the client read \(ids.count) run id(s) the server never issued: \(ids.prefix(5).joined(separator: ", "))",
            evidence: unknown.map(\.sequence), details: [("ids", .array(ids.map(JSON.string)))])
    }

    private func pollInterval(_ api: String, _ run: String, _ polls: [Journal.Entry]) -> Result {
        var reads = polls.filter { $0.run == run }
        // Only the polling while the run is under way: reads after it showed its end (the result fetch, or polling
        // after the end, which poll-after-terminal judges) are not gaps of the poll loop.
        if let end = reads.firstIndex(where: { $0.observation.terminal && $0.status < 500 }) { reads = Array(reads[...end]) }
        guard reads.count >= 2 else {
            return Result(rule: "poll-interval", api: api, run: run, verdict: .notApplicable,
                message: "fewer than two status reads of run \(run)", evidence: reads.map(\.sequence), details: [])
        }
        let gaps = zip(reads.dropFirst(), reads).map { ($0.wallMs - $1.wallMs).rounded() }
        let scenarioGaps = zip(reads.dropFirst(), reads).map { Double($0.at.milliseconds(since: $1.at)) / 1000 }
        let shortest = gaps.min() ?? 0
        // Backoff: the gaps never shrink (10 % jitter allowed) and grow by more than 20 % at least twice (once
        // when there are only two gaps), so one late read of a fixed-interval poller (a scheduling hiccup) at the
        // end does not look like backoff.
        let steps = zip(gaps.dropFirst(), gaps)
        let growing = gaps.count >= 2 && steps.allSatisfy { $0 >= $1 * 0.9 } && gaps.last! > gaps.first! * 1.2
            && steps.filter { $0 > $1 * 1.2 }.count >= min(2, gaps.count - 1)
        var verdict = Verdict.pass
        var message = "shortest gap between reads of run \(run): \(Int(shortest)) ms" + (growing ? "; the gaps grow (backoff)" : "; the gaps do not grow (no backoff)")
        var evidence: [Int] = []
        if let minimum = expectations.minIntervalMs, shortest < minimum {
            verdict = .fail
            message += "; under the expected \(Int(minimum)) ms"
            for (i, gap) in gaps.enumerated() where gap < minimum { evidence += [reads[i].sequence, reads[i + 1].sequence] }
        }
        return Result(rule: "poll-interval", api: api, run: run, verdict: verdict, message: message,
            evidence: orderedUnique(evidence),
            details: [
                ("shortestMs", .double(shortest)), ("gapsMs", .array(gaps.map(JSON.double))),
                ("scenarioGapsSeconds", .array(scenarioGaps.map(JSON.double))), ("backoff", .bool(growing)),
            ])
    }

    private func retryAfterHonoured(_ api: String, _ all: [Journal.Entry]) -> Result {
        var checked = 0
        var early: [Int] = []
        for (i, entry) in all.enumerated() {
            guard let text = entry.retryAfter, let wait = Self.seconds(retryAfter: text, answeredAt: entry.at) else { continue }
            guard let next = all[(i + 1)...].first else { continue }
            checked += 1
            // 50 ms of slack for timer and scheduling jitter.
            if next.wallMs - entry.wallMs < wait * 1000 - 50 { early += [entry.sequence, next.sequence] }
        }
        guard checked > 0 else {
            return Result(rule: "retry-after-honoured", api: api, run: nil, verdict: .notApplicable,
                message: "no answer carried Retry-After (or the client sent nothing after one)", evidence: [], details: [])
        }
        return Result(
            rule: "retry-after-honoured", api: api, run: nil, verdict: early.isEmpty ? .pass : .fail,
            message: early.isEmpty ? "after each of \(checked) Retry-After answer(s) the client waited as asked"
                : "the client came back sooner than Retry-After asked \(early.count / 2) time(s)",
            evidence: early, details: [("answers", .int(checked))])
    }

    /// `Retry-After` in seconds, or an HTTP date read against the scenario time the answer was given at.
    static func seconds(retryAfter text: String, answeredAt: Timestamp) -> Double? {
        if let n = Double(text.trimmingSpaces()), n >= 0, n.isFinite { return n }
        guard let date = Timestamp(httpDate: text) else { return nil }
        return max(0, Double(date.milliseconds(since: answeredAt)) / 1000)
    }

    private func retriesBounded(_ api: String, _ all: [Journal.Entry]) -> Result {
        var worst: [Int] = []
        var current: [Int] = []
        var previous: Journal.Entry?
        for entry in all {
            if let p = previous, p.method == entry.method, p.path == entry.path, p.status >= 500 || p.status == 0 || p.clientGone == true {
                if current.isEmpty { current = [p.sequence] }
                current.append(entry.sequence)
            } else {
                current = []
            }
            if current.count > worst.count { worst = current }
            previous = entry
        }
        let failures = all.filter { $0.status >= 500 || $0.status == 0 || $0.clientGone == true }.count
        guard failures > 0 else {
            return Result(rule: "retries-bounded", api: api, run: nil, verdict: .notApplicable,
                message: "no 5xx answers or dropped connections to retry", evidence: [], details: [])
        }
        let retries = max(0, worst.count - 1)
        let max = expectations.maxRetries
        return Result(
            rule: "retries-bounded", api: api, run: nil, verdict: retries > max ? .fail : .pass,
            message: "at most \(retries) consecutive retr\(retries == 1 ? "y" : "ies") of one request after a failure (allowed: \(max))",
            evidence: retries > max ? worst : [], details: [("retries", .int(retries)), ("allowed", .int(max))])
    }

    private func duplicateSubmit(_ api: String, _ all: [Journal.Entry]) -> Result {
        let created = all.filter { $0.observation.created && $0.submission != nil }
        guard !created.isEmpty else {
            return Result(rule: "duplicate-submit", api: api, run: nil, verdict: .notApplicable,
                message: "the client created no run", evidence: [], details: [])
        }
        var firstOf: [String: Journal.Entry] = [:]
        var duplicates: [Int] = []
        for entry in created {
            if let first = firstOf[entry.submission!], first.run != entry.run {
                // A retry after an answer the client never got (it hung up, or the connection was dropped) is the
                // classic duplicate; any identical second creation is reported.
                duplicates += [first.sequence, entry.sequence]
            } else {
                firstOf[entry.submission!] = entry
            }
        }
        return Result(
            rule: "duplicate-submit", api: api, run: nil, verdict: duplicates.isEmpty ? .pass : .fail,
            message: duplicates.isEmpty ? "no identical submission created a second run"
                : "identical submissions created \(duplicates.count / 2) extra run(s)",
            evidence: orderedUnique(duplicates), details: [])
    }

    private func authOnEveryRequest(_ api: String, _ all: [Journal.Entry]) -> Result {
        let checked = all.filter { $0.observation.auth != nil }
        guard !checked.isEmpty else {
            return Result(rule: "auth-on-every-request", api: api, run: nil, verdict: .notApplicable,
                message: "no request of this API was checked for a credential", evidence: [], details: [])
        }
        let missing = checked.filter { $0.observation.auth == .missing }.map(\.sequence)
        var creator: [String: String] = [:]
        var switched: [Int] = []
        for entry in checked {
            guard let run = entry.run, let credential = entry.credential else { continue }
            if entry.observation.created {
                creator[run] = credential
            } else if let first = creator[run], first != credential {
                switched.append(entry.sequence)
            }
        }
        var problems: [String] = []
        if !missing.isEmpty { problems.append("\(missing.count) request(s) without a credential") }
        if !switched.isEmpty { problems.append("\(switched.count) request(s) about a run with another credential than the one that created it") }
        return Result(
            rule: "auth-on-every-request", api: api, run: nil, verdict: problems.isEmpty ? .pass : .fail,
            message: problems.isEmpty ? "every request carried the credential" : problems.joined(separator: "; "),
            evidence: (missing + switched).sorted(), details: [("missing", .int(missing.count)), ("switched", .int(switched.count))])
    }

    private func contractDeviations(_ api: String, _ all: [Journal.Entry]) -> Result {
        var groups: [(String, [Int])] = []
        var index: [ExactKey: Int] = [:]
        for entry in all {
            for deviation in entry.deviations {
                if let i = index[ExactKey(deviation)] {
                    groups[i].1.append(entry.sequence)
                } else {
                    index[ExactKey(deviation)] = groups.count
                    groups.append((deviation, [entry.sequence]))
                }
            }
        }
        return Result(
            rule: "contract-deviations", api: api, run: nil, verdict: groups.isEmpty ? .pass : .fail,
            message: groups.isEmpty ? "no contract deviation" : groups.map { "\($0.0) (\($0.1.count)×)" }.joined(separator: "; "),
            evidence: groups.flatMap(\.1).sorted(),
            details: [("deviations", .array(groups.map { .object([("deviation", .string($0.0)), ("requests", .array($0.1.map(JSON.int)))]) }))])
    }

    private func orderedUnique<T: Hashable>(_ items: [T]) -> [T] {
        var seen = Set<T>()
        return items.filter { seen.insert($0).inserted }
    }
}

/// Expectations that cannot be read.
public struct VerificationError: Error, Sendable {
    public var message: String
    /// What the wrong key or value could have been (the admin API's `allowed`), when a list says it.
    public var allowed: [String]
    public init(_ message: String, allowed: [String] = []) {
        self.message = message
        self.allowed = allowed
    }
}

/// Every rule's verdict: passed when nothing failed.
public struct Report: Sendable {
    public var results: [Verification.Result]

    public init(results: [Verification.Result]) {
        self.results = results
    }

    /// The report read back from its JSON form (`json`), e.g. as `mockruns verify` receives it.
    public init?(json: JSON) {
        guard let items = json["results"]?.arrayValue else { return nil }
        var results: [Verification.Result] = []
        for item in items {
            guard let rule = item["rule"]?.stringValue, let api = item["api"]?.stringValue,
                let verdict = item["verdict"]?.stringValue.flatMap(Verification.Verdict.init(rawValue:))
            else { return nil }
            results.append(
                Verification.Result(
                    rule: rule, api: api, run: item["run"]?.stringValue, verdict: verdict,
                    message: item["message"]?.stringValue ?? "",
                    evidence: item["evidence"]?.arrayValue?.compactMap(\.intValue) ?? [],
                    details: item["details"]?.objectValue ?? []))
        }
        self.results = results
    }

    public var failed: Bool { results.contains { $0.verdict == .fail } }

    public var json: JSON {
        func count(_ v: Verification.Verdict) -> JSON { .int(results.filter { $0.verdict == v }.count) }
        return .object([
            ("verdict", .string(failed ? "fail" : "pass")),
            ("counts", .object([("pass", count(.pass)), ("fail", count(.fail)), ("not-applicable", count(.notApplicable))])),
            ("results", .array(results.map(\.json))),
        ])
    }

    /// JUnit XML, as CI systems read it: one testsuite per API, one testcase per rule (and run), a `failure` with
    /// the evidence for a failed rule, `skipped` for one that does not apply.
    public var junitXML: String {
        JUnitXML(name: "mockruns verify", cases: results.map { result in
            let outcome: JUnitXML.Outcome
            switch result.verdict {
            case .pass: outcome = .passed
            case .notApplicable: outcome = .skipped(result.message)
            case .fail:
                let evidence = "journal entries: " + result.evidence.map(String.init).joined(separator: ", ")
                outcome = .failed(message: result.message, type: result.rule, details: result.message + "\n" + evidence)
            }
            return JUnitXML.TestCase(
                suite: result.api, classname: "mockruns.\(result.api)",
                name: result.run.map { "\(result.rule) [\($0)]" } ?? result.rule, outcome: outcome)
        }).document
    }
}
