import MockRunsHTTP
import Scenarios

/// One request `mockruns contract` sends. `path` is the path under the server's URL, query included.
public struct ProbeRequest: Sendable {
    public var method: String
    public var path: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }

    /// A JSON body with its Content-Type.
    public static func json(_ method: String, _ path: String, _ body: JSON, headers: [(String, String)] = []) -> ProbeRequest {
        ProbeRequest(method, path, headers: headers + [("Content-Type", "application/json")], body: body.bytes)
    }

    /// A multipart/form-data body of text fields and files (`filename` set), as WES `POST /runs` takes it.
    public static func multipart(
        _ path: String, fields: [(name: String, filename: String?, value: String)], boundary: String = "mockruns-contract-7d1f3a"
    ) -> ProbeRequest {
        var text = ""
        for field in fields {
            text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field.name)\""
            if let filename = field.filename { text += "; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream" }
            text += "\r\n\r\n\(field.value)\r\n"
        }
        text += "--\(boundary)--\r\n"
        return ProbeRequest(
            "POST", path, headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: Array(text.utf8))
    }
}

/// The server's answer to a probe.
public struct ProbeAnswer: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header of that name (without case).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }

    /// The media type of `Content-Type`, lower case, without parameters.
    public var mediaType: String? {
        header("Content-Type").map { String($0.split(separator: ";", maxSplits: 1).first ?? "").trimmingSpaces().lowercased() }
    }

    /// The body as JSON, or nil when it does not parse (bounded: a hostile body cannot nest without end).
    public var json: JSON? { try? JSON.parse(body, maxDepth: 64, maxValues: 1_000_000) }

    /// `Retry-After` in seconds: a whole number of them, or an HTTP date counted from the answer's own `Date`
    /// (so no wall clock is read). Nil when absent or unreadable.
    public var retryAfterSeconds: Int? {
        guard let value = header("Retry-After")?.trimmingSpaces() else { return nil }
        if let seconds = Int(value) { return seconds >= 0 ? seconds : nil }
        guard let then = Self.httpDate(value), let now = header("Date").flatMap(Self.httpDate) else { return nil }
        return max(0, then - now)
    }

    /// Seconds since 1970 of an IMF-fixdate (`Wed, 01 Jan 2025 00:00:30 GMT`), the form HTTP/1.1 servers send;
    /// read by the engine's own parser of the form (`Timestamp(httpDate:)`), years from 1970 on.
    static func httpDate(_ text: String) -> Int? {
        guard let time = Timestamp(httpDate: text.trimmingSpaces()), time.milliseconds >= 0 else { return nil }
        return Int(time.milliseconds / 1000)
    }
}

/// Why a request got no answer.
public struct ProbeTransportError: Error, Sendable, Equatable {
    public var message: String
    /// No connection could be made at all (the server is not there), as opposed to a broken answer.
    public var unreachable: Bool

    public init(_ message: String, unreachable: Bool = false) {
        self.message = message
        self.unreachable = unreachable
    }
}

/// Sends one request and waits for its whole answer, at most the given seconds.
public typealias ProbeTransport = (ProbeRequest, _ timeout: Double) -> Result<ProbeAnswer, ProbeTransportError>

/// Time as the runner sees it: a monotonic reading in seconds and a way to wait. Injected, so unit tests run on
/// a manual clock and nothing reads the machine's clock behind the runner's back.
public struct ProbeClock {
    public var now: () -> Double
    public var sleep: (Double) -> Void

    public init(now: @escaping () -> Double, sleep: @escaping (Double) -> Void) {
        self.now = now
        self.sleep = sleep
    }
}

/// What the user told `mockruns contract`.
public struct ProbeOptions: Sendable {
    /// The API's credential: a token placed where the API takes it (`--token`).
    public var token: String?
    /// Headers sent as given on every authenticated request (`--header 'Name: value'`), instead of the token.
    public var headers: [(String, String)] = []
    /// OAuth2 client credentials (Solvexia), exchanged for a token.
    public var clientID: String?
    public var clientSecret: String?
    /// A run that exists on the server, for the checks that read one.
    public var runID: String?
    /// Submit, poll and cancel runs (off: only reads and refused requests are sent).
    public var allowWrites = false
    /// API-specific values (`--param workspace=UUID`), named in each API's checks.
    public var parameters: [String: String] = [:]
    /// Most status reads of one run while waiting for it to end.
    public var maxPolls = 60
    /// Most requests per second.
    public var rate = 5.0
    /// Total time for every check, in seconds.
    public var timeout = 120.0

    public init() {}

    /// Every value that must never be printed or written.
    public var secrets: [String] {
        ([token, clientSecret, clientID].compactMap { $0 } + headers.map(\.1)).filter { !$0.isEmpty }
    }
}

/// A check's verdict.
public enum ProbeVerdict: String, Sendable {
    case pass, fail, skipped
}

/// One named check's outcome, with its evidence: the requests it sent (`GET /runs/x/status → 200`) and what
/// differed from the contract.
public struct ProbeResult: Sendable {
    public var id: String
    public var summary: String
    public var verdict: ProbeVerdict
    /// Why it failed (the first difference) or was skipped.
    public var message: String
    /// Where the body differs from its schema (the first 20).
    public var problems: [JSONSchema.Problem]
    public var exchanges: [String]

    public init(id: String, summary: String, verdict: ProbeVerdict, message: String, problems: [JSONSchema.Problem] = [], exchanges: [String] = []) {
        self.id = id
        self.summary = summary
        self.verdict = verdict
        self.message = message
        self.problems = problems
        self.exchanges = exchanges
    }
}

/// A check ended early: skipped (`needs --run-id`) or stopped by a failure that makes the rest moot.
public enum ProbeStop: Error {
    case skip(String)
    case failed
}

/// Runs one API's named checks against a live server, one request at a time, at most `rate` requests a second
/// and within `timeout` seconds in all. The probing is a function of the injected transport and clock, so it
/// runs the same against a socket or a test's closure.
public final class ProbeSession {
    public let options: ProbeOptions
    private let transport: ProbeTransport
    private let clock: ProbeClock
    private let started: Double
    private var nextStart: Double
    public private(set) var results: [ProbeResult] = []
    /// The server could not be reached at all; every later check is skipped.
    public private(set) var unreachable: String?
    /// The time ran out; every later check is skipped.
    public private(set) var ranOutOfTime = false
    private var answered = false
    private var extraSecrets: [String] = []
    public private(set) var requestCount = 0

    public init(options: ProbeOptions, transport: @escaping ProbeTransport, clock: ProbeClock) {
        self.options = options
        self.transport = transport
        self.clock = clock
        started = clock.now()
        nextStart = started
    }

    /// A value learnt while probing (an issued OAuth token) that must never be shown either.
    public func addSecret(_ value: String) {
        if !value.isEmpty { extraSecrets.append(value) }
    }

    /// Two checks where the second works on what the first makes (a run's id: one check creates a run, the next
    /// polls or reads it): the second is skipped, naming the first, when the first made nothing, and both are
    /// skipped for `needs`. `what` says what the first makes (`a submitted run`). Returns what it made.
    @discardableResult
    public func check(
        _ id: String, _ summary: String, needs: String? = nil, makes what: String, _ make: (ProbeCheck) throws -> String,
        then next: (id: String, summary: String), _ use: (ProbeCheck, String) throws -> Void
    ) -> String? {
        var made: String?
        check(id, summary, needs: needs) { c in made = try make(c) }
        check(next.id, next.summary, needs: needs ?? (made == nil ? "needs \(what) (\(id) failed)" : nil)) { c in
            if let made { try use(c, made) }
        }
        return made
    }

    /// Runs the check `id` (`wes.status.unknown-run-404`) unless `needs` names what it lacks, recording its result.
    /// `body` records differences through the check; throwing `ProbeStop.skip` skips it.
    @discardableResult
    public func check(_ id: String, _ summary: String, needs: String? = nil, _ body: (ProbeCheck) throws -> Void) -> ProbeVerdict {
        if let reason = unreachable.map({ "not run: the server could not be reached (\($0))" })
            ?? (ranOutOfTime ? "not run: the --timeout of \(Self.seconds(options.timeout)) s ran out" : nil) ?? needs
        {
            record(ProbeResult(id: id, summary: summary, verdict: .skipped, message: reason))
            return .skipped
        }
        let check = ProbeCheck(session: self)
        var skipReason: String?
        do {
            try body(check)
        } catch ProbeStop.skip(let reason) {
            skipReason = reason
        } catch {
            // ProbeStop.failed: the differences are recorded already.
        }
        if skipReason == nil, check.failures.isEmpty, let transportFailure = check.transportFailure {
            skipReason = transportFailure
        }
        let verdict: ProbeVerdict = !check.failures.isEmpty ? .fail : (skipReason != nil ? .skipped : .pass)
        let message = check.failures.first ?? skipReason ?? check.notes.first ?? "as the contract says"
        record(ProbeResult(
            id: id, summary: summary, verdict: verdict, message: redact(message),
            problems: check.problems.map { JSONSchema.Problem(path: redact($0.path), message: redact($0.message)) },
            exchanges: check.exchanges.map(redact)))
        return verdict
    }

    private func record(_ result: ProbeResult) { results.append(result) }

    /// Sends a request when the rate allows, if time is left. nil when the time ran out or the server is gone
    /// (the check is then skipped, not failed).
    func send(_ request: ProbeRequest) -> Result<ProbeAnswer, ProbeTransportError>? {
        guard unreachable == nil, !ranOutOfTime else { return nil }
        let deadline = started + options.timeout
        let wait = nextStart - clock.now()
        if clock.now() + max(wait, 0) >= deadline {
            ranOutOfTime = true
            return nil
        }
        if wait > 0 { clock.sleep(wait) }
        let start = clock.now()
        requestCount += 1
        // One request may take 30 s at most, and never past the deadline.
        let result = transport(request, min(30, max(1, deadline - start)))
        // The next request starts a rate interval after this one ENDED: the server then sees two requests at
        // least that far apart, however long either took to arrive.
        let end = clock.now()
        nextStart = end + 1 / options.rate
        switch result {
        case .success(let answer):
            answered = true
            // Honoured for every request, not just polls: a paid service asking for a pause gets it.
            if let seconds = answer.retryAfterSeconds { nextStart = max(nextStart, end + Double(seconds)) }
        case .failure(let error):
            if error.unreachable, !answered { unreachable = error.message }
        }
        if end >= deadline { ranOutOfTime = true }
        return result
    }

    /// `text` with every secret replaced, also in the forms a request or an echoing body carries it:
    /// percent-encoded (a query) and JSON-escaped (a body). A short secret (a test token such as `t`) is replaced
    /// where it stands as a value of its own, not inside a word: replaced everywhere, it turned every `t` of the
    /// report into `<redacted>` ("expec<redacted>ed 200").
    public func redact(_ text: String) -> String {
        var out = text
        for secret in (options.secrets + extraSecrets).sorted(by: { $0.count > $1.count }) {
            let escaped = String(JSON.string(secret).serialized().dropFirst().dropLast())
            for form in Set([secret, Self.percentEncoded(secret), escaped]) where !form.isEmpty {
                out = out.replacingAll(form, with: "<redacted>", wholeOnly: form.utf8.count < Self.shortSecretBytes)
            }
        }
        return out
    }

    /// Secrets shorter than this are replaced only where they are not part of a longer word (see `redact`).
    static let shortSecretBytes = 16

    /// Query-safe form of `text`: unreserved characters kept, every other byte `%XX`.
    public static func percentEncoded(_ text: String) -> String { PercentEncoding.encode(text) }

    public static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

extension String {
    /// Every occurrence of `target` replaced, left to right, in one pass; with `wholeOnly`, only those not
    /// glued to a letter, digit, `_` or `'` on a side where `target` itself ends in one (a word's inside).
    func replacingAll(_ target: String, with replacement: String, wholeOnly: Bool = false) -> String {
        let needle = Array(target.utf8)
        guard let head = needle.first, let tail = needle.last else { return self }
        func isWordByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "'"):
                true
            default: false
            }
        }
        let guardHead = wholeOnly && isWordByte(head)
        let guardTail = wholeOnly && isWordByte(tail)
        let hay = Array(utf8)
        var out: [UInt8] = []
        out.reserveCapacity(hay.count)
        var i = 0
        while i < hay.count {
            let end = i + needle.count
            if hay[i] == head, end <= hay.count, hay[i..<end].elementsEqual(needle),
                !(guardHead && i > 0 && isWordByte(hay[i - 1])), !(guardTail && end < hay.count && isWordByte(hay[end]))
            {
                out += replacement.utf8
                i = end
            } else {
                out.append(hay[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// What one check records while it runs: its requests and the differences from the contract.
public final class ProbeCheck {
    unowned let session: ProbeSession
    public private(set) var failures: [String] = []
    public private(set) var problems: [JSONSchema.Problem] = []
    /// Request lines with their answers; a line repeated at once (a poll) is kept once with its count.
    private var lines: [(line: String, times: Int)] = []
    public var exchanges: [String] { lines.map { $0.times == 1 ? $0.line : "\($0.line) (×\($0.times))" } }
    public private(set) var notes: [String] = []
    /// A request of this check got no answer (the check cannot pass).
    fileprivate(set) var transportFailure: String?

    init(session: ProbeSession) { self.session = session }

    public var options: ProbeOptions { session.options }

    /// Sends `request`; returns its answer, or throws `ProbeStop` when there is none (transport failure: the check
    /// fails; time out or server gone: skipped).
    public func send(_ request: ProbeRequest) throws(ProbeStop) -> ProbeAnswer {
        let line = "\(request.method) \(Self.trimmed(request.path, 200))"
        guard let result = session.send(request) else {
            exchange("\(line) → not sent")
            transportFailure = session.unreachable.map { "not run: the server could not be reached (\($0))" }
                ?? "not run: the --timeout of \(ProbeSession.seconds(session.options.timeout)) s ran out"
            throw .skip(transportFailure!)
        }
        switch result {
        case .success(let answer):
            exchange("\(line) → \(answer.status)")
            return answer
        case .failure(let error):
            exchange("\(line) → no answer: \(error.message)")
            if let gone = session.unreachable { throw .skip("not run: the server could not be reached (\(gone))") }
            fail("\(line) got no answer: \(error.message)")
            throw .failed
        }
    }

    private func exchange(_ line: String) {
        if lines.last?.line == line { lines[lines.count - 1].times += 1 } else { lines.append((line, 1)) }
    }

    /// Records a difference from the contract.
    public func fail(_ message: String) { failures.append(message) }

    /// Records something worth saying about a check that passed.
    public func note(_ message: String) { notes.append(message) }

    /// The answer has one of `statuses`; otherwise records it, with the start of the body, and stops the check.
    public func expectStatus(_ answer: ProbeAnswer, _ statuses: Set<Int>, _ what: String) throws(ProbeStop) {
        guard !statuses.contains(answer.status) else { return }
        let wanted = statuses.sorted().map(String.init).joined(separator: " or ")
        fail("\(what): expected \(wanted), got \(answer.status) \(Self.bodyStart(answer))")
        throw .failed
    }

    /// The answer is JSON (`application/json` or a `+json` type, or exactly `mediaType`) and fits `schema`, the
    /// body the API's documentation gives for it (nil: it gives none, a mockruns bug the check reports).
    /// Returns the parsed body.
    @discardableResult
    public func expectJSON(_ answer: ProbeAnswer, _ schema: JSONSchema?, _ what: String, mediaType: String? = nil) -> JSON? {
        let media = answer.mediaType
        if let mediaType {
            if media != mediaType { fail("\(what): Content-Type is \(media.map { "\"\($0)\"" } ?? "missing"), expected \(mediaType)") }
        } else if !(media == "application/json" || (media?.hasPrefix("application/") == true && media?.hasSuffix("+json") == true)) {
            fail("\(what): Content-Type is \(media.map { "\"\($0)\"" } ?? "missing"), expected application/json")
        }
        guard let json = answer.json else {
            fail("\(what): the body is not JSON: \(Self.bodyStart(answer))")
            return nil
        }
        guard let schema else {
            fail("\(what): mockruns documents no JSON body for a \(answer.status) here (a mockruns bug: see its documentation)")
            return json
        }
        // At most 20: a hostile server's huge body gets its first problems, not one per element.
        let found = schema.validate(json, at: "$").prefix(20)
        if let first = found.first {
            problems += found
            fail("\(what): \(first.path) \(first.message)"
                + (found.count > 1 ? " (and \(found.count - 1) more difference\(found.count > 2 ? "s" : ""))" : ""))
        }
        return json
    }

    /// `json[member]` is there (a member the documented answer has, which the schema leaves optional because
    /// a scenario setting may drop it).
    public func expectMember(_ json: JSON?, _ member: String, _ what: String, because: String) {
        guard let json, case .object = json else { return }
        if json[member] == nil { fail("\(what): $.\(member) is missing (\(because))") }
    }

    /// A text body (`text/plain`, non-empty unless `allowEmpty`), as plain-text APIs answer errors.
    public func expectText(_ answer: ProbeAnswer, _ what: String, allowEmpty: Bool = false) {
        if answer.mediaType != "text/plain" {
            fail("\(what): Content-Type is \(answer.mediaType.map { "\"\($0)\"" } ?? "missing"), expected text/plain")
        }
        if !allowEmpty, answer.body.isEmpty { fail("\(what): the body is empty, expected a plain-text message") }
    }

    /// Reads `request` until `done` says the answer is final, at most `options.maxPolls` times, waiting at least
    /// the rate's interval and any `Retry-After` between reads. Returns the last answer, or nil (recorded as a
    /// failure) when the run did not end in time.
    public func poll(_ request: ProbeRequest, _ what: String, done: (ProbeAnswer) -> Bool) throws(ProbeStop) -> ProbeAnswer {
        var last: ProbeAnswer?
        for _ in 0..<max(options.maxPolls, 1) {
            let answer = try send(request)
            if done(answer) { return answer }
            last = answer
        }
        fail("\(what): not finished after \(options.maxPolls) reads; the last answered \(last.map { "\($0.status) " + Self.bodyStart($0) } ?? "nothing")")
        throw .failed
    }

    /// The first bytes of a body, for evidence.
    public static func bodyStart(_ answer: ProbeAnswer) -> String {
        if answer.body.isEmpty { return "(empty body)" }
        // On one line: runs of white space (a pretty-printed body's newlines) become one space, other control
        // characters U+FFFD, so a server's body cannot split or forge a report line.
        var text = ""
        var space = false
        for scalar in String(decoding: answer.body.prefix(400), as: UTF8.self).unicodeScalars {
            if scalar == " " || scalar == "\n" || scalar == "\r" || scalar == "\t" {
                space = true
                continue
            }
            if space, !text.isEmpty { text += " " }
            space = false
            if text.unicodeScalars.count >= 160 { return "(body " + text + "…)" }
            text.unicodeScalars.append(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? "\u{FFFD}" : scalar)
        }
        return "(body " + text + (answer.body.count > 400 ? "…" : "") + ")"
    }

    static func trimmed(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit)) + "…" : text
    }
}
