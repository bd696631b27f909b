/// Turns scenario file bytes into a `Scenario`, or into a `ScenarioError` naming the file, the JSON path of each
/// problem, what is wrong and what is allowed. Unknown keys are errors: a typo must not pass silently.
public struct ScenarioLoader: Sendable {
    public let apis: [APIDescriptor]

    public init(apis: [APIDescriptor]) {
        self.apis = apis
    }

    /// Reads `bytes` as the scenario file `file` (the name used in messages and as the default scenario name).
    /// `unnamed`: the name of a scenario without `name` (default: the file's, without `.json`).
    public func load(_ bytes: [UInt8], file: String, unnamed: String? = nil) throws(ScenarioError) -> Scenario {
        let json: JSON
        do {
            json = try JSON.parse(bytes)
        } catch {
            throw ScenarioError(file: file, issues: [ScenarioIssue(path: "", message: "not valid JSON: \(error)")])
        }
        return try load(json, file: file, unnamed: unnamed)
    }

    /// Reads an already parsed scenario document (one a request body holds inside other JSON).
    public func load(_ json: JSON, file: String, unnamed: String? = nil) throws(ScenarioError) -> Scenario {
        var reader = Reader(descriptors: apis)
        let scenario = reader.scenario(json, defaultName: unnamed ?? Self.stem(of: file))
        guard reader.failures == 0, let scenario else {
            var issues = reader.issues
            let unlisted = reader.failures - issues.count
            if unlisted > 0 {
                issues.append(ScenarioIssue(path: "", message: "… and \(unlisted) more issue\(unlisted == 1 ? "" : "s")"))
            }
            throw ScenarioError(file: file, issues: issues)
        }
        return scenario
    }

    static func stem(of file: String) -> String {
        let last = file.split(separator: "/").last.map(String.init) ?? file
        return last.hasSuffix(".json") ? String(last.dropLast(5)) : last
    }
}

/// File-controlled text as it appears in messages: a JSON string literal, cut short when long.
private func quoted(_ text: String) -> String {
    JSON.quotedForMessage(text)
}

/// Walks the JSON, collecting every issue it finds rather than stopping at the first.
private struct Reader {
    /// Issues listed in full; the rest are only counted, so a hostile file (say 100k unknown keys, each
    /// message listing the allowed ones) cannot make `validate` output or memory explode.
    static let issueLimit = 100

    let descriptors: [APIDescriptor]
    var issues: [ScenarioIssue] = []
    /// Every issue found, listed or not: what decides whether the file (or a part of it) is good.
    var failures = 0

    init(descriptors: [APIDescriptor]) {
        self.descriptors = descriptors
    }

    /// Records an issue; past `issueLimit` neither the path nor the message is even made.
    mutating func fail(_ path: JSONPath, _ message: @autoclosure () -> String) {
        failures += 1
        guard issues.count < Reader.issueLimit else { return }
        issues.append(ScenarioIssue(path: path.description, message: message()))
    }

    /// The members of an object, after reporting keys not in `allowed`.
    mutating func object(_ json: JSON, _ path: JSONPath, allowed: [String], what: String) -> [String: JSON]? {
        guard case .object(let members) = json else {
            fail(path, "expected \(what) (a JSON object), found \(json.kindName)")
            return nil
        }
        var result: [String: JSON] = [:]
        // Room for every member at once: grown one by one, the dictionary was re-made at 1, 2, 3, 6 ... members
        // (42 re-hashes of the default scenario's keys at each start, ~35,000 instructions).
        result.reserveCapacity(members.count)
        for (key, value) in members {
            if allowed.contains(where: { JSON.sameKey($0, key) }) {
                result[key] = value
            } else {
                fail(path.key(key), "unknown key \(quoted(key)); allowed here: \(allowed.joined(separator: ", "))")
            }
        }
        return result
    }

    mutating func string(_ json: JSON?, _ path: JSONPath) -> String? {
        guard let json else { return nil }
        guard case .string(let s) = json else {
            fail(path, "expected a string, found \(json.kindName)")
            return nil
        }
        return s
    }

    mutating func integer(_ json: JSON?, _ path: JSONPath, min: Int) -> Int? {
        guard let json else { return nil }
        guard let value = json.intValue else {
            if case .double(let d) = json, d.rounded() == d {
                fail(path, "\(json.serialized()) is too large: a whole number here is at most \(Int.max)")
            } else if case .double = json {
                fail(path, "expected a whole number, found \(json.serialized())")
            } else {
                fail(path, "expected a whole number, found \(json.kindName)")
            }
            return nil
        }
        guard value >= min else {
            fail(path, "must be at least \(min), found \(value)")
            return nil
        }
        return value
    }

    mutating func number(
        _ json: JSON?, _ path: JSONPath, above: Double? = nil, atLeast: Double? = nil, atMost: Double? = nil
    ) -> Double? {
        guard let json else { return nil }
        guard let value = json.doubleValue else {
            fail(path, "expected a number, found \(json.kindName)")
            return nil
        }
        if let above, !(value > above) {
            fail(path, "must be greater than \(JSON.double(above).serialized()), found \(json.serialized())")
            return nil
        }
        if let atLeast, !(value >= atLeast) {
            fail(path, "must be at least \(JSON.double(atLeast).serialized()), found \(json.serialized())")
            return nil
        }
        if let atMost, !(value <= atMost) {
            fail(path, "must be at most \(JSON.double(atMost).serialized()), found \(json.serialized())")
            return nil
        }
        return value
    }

    mutating func bool(_ json: JSON?, _ path: JSONPath) -> Bool? {
        guard let json else { return nil }
        guard case .bool(let b) = json else {
            fail(path, "expected true or false, found \(json.kindName)")
            return nil
        }
        return b
    }

    mutating func strings(_ json: JSON?, _ path: JSONPath, allowed: [String]? = nil, what: String = "value")
        -> [String]?
    {
        guard let json else { return nil }
        guard case .array(let items) = json else {
            fail(path, "expected an array of strings, found \(json.kindName)")
            return nil
        }
        var result: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = string(item, path.index(i)) else { continue }
            if let allowed, !allowed.contains(s) {
                fail(path.index(i), "\(quoted(s)) is not a \(what); allowed: \(allowed.joined(separator: ", "))")
                continue
            }
            result.append(s)
        }
        return result
    }

    // MARK: scenario

    mutating func scenario(_ json: JSON, defaultName: String) -> Scenario? {
        let keys = ["$schema", "name", "description", "seed", "strict", "clock", "apis"]
        guard let top = object(json, .root, allowed: keys, what: "a scenario") else { return nil }
        let root = JSONPath.root
        let name = string(top["name"], root.key("name")) ?? defaultName
        let description = string(top["description"], root.key("description")) ?? ""
        _ = string(top["$schema"], root.key("$schema"))
        var seed: UInt64 = 0
        if let s = integer(top["seed"], root.key("seed"), min: 0) { seed = UInt64(s) }
        let clock = top["clock"].map { clockSpec($0, root.key("clock")) } ?? ClockSpec()

        var scripted: [String: JSON] = [:]
        if let apisJSON = top["apis"] {
            let names = descriptors.map(\.name)
            if let members = object(apisJSON, root.key("apis"), allowed: names, what: "the scripted APIs") {
                scripted = members
            }
        }
        var apis: [String: APIScript] = [:]
        for descriptor in descriptors {
            let path = root.key("apis").key(descriptor.name)
            apis[descriptor.name] = apiScript(scripted[descriptor.name] ?? .object([]), path, descriptor)
        }
        let strict = bool(top["strict"], root.key("strict")) ?? false
        var scenario = Scenario(
            name: name, description: description, seed: seed, clock: clock ?? ClockSpec(), apis: apis, strict: strict)
        scenario.warnings = unknownFaultRuns(apis, seed: seed)
        return scenario
    }

    /// How many of the ids an API issues are looked through for a fault's `run`.
    static let issuedIDsChecked = 1_000

    /// Faults naming a run id that no scripted run has and that the API does not issue in its first
    /// `issuedIDsChecked` runs with this seed: such a fault never hits (a typo, or an id from another seed).
    /// APIs whose ids come from the client's request (Foundry's keys) are not checked.
    func unknownFaultRuns(_ apis: [String: APIScript], seed: UInt64) -> [ScenarioIssue] {
        var warnings: [ScenarioIssue] = []
        for d in descriptors where !d.idsFromRequests {
            guard let script = apis[d.name] else { continue }
            let named = script.faults.enumerated().compactMap { i, rule in rule.run.map { (i, $0) } }
            guard !named.isEmpty else { continue }
            var known = Set(script.runs.compactMap(\.id))
            var random = SeededRandom(seed: seed, stream: "ids/\(d.name)")
            for ordinal in 0..<Self.issuedIDsChecked { known.insert(d.makeID(&random, ordinal)) }
            for (i, run) in named where !known.contains(run) {
                let path = JSONPath.root.key("apis").key(d.name).key("faults").index(i).key("run")
                warnings.append(
                    ScenarioIssue(
                        path: path.description,
                        message: "no run has the id \(quoted(run)): no scripted run, and not one of the first \(Self.issuedIDsChecked) ids \(d.name) issues with seed \(seed); the fault will never hit (aim with \"runIndex\" or \"match\" instead)"))
            }
        }
        // Listed like issues: the first `issueLimit`, then how many more (20,000 were 20,000 lines).
        if warnings.count > Reader.issueLimit {
            let more = warnings.count - Reader.issueLimit
            warnings.removeLast(more)
            warnings.append(ScenarioIssue(path: JSONPath.root.description, message: "and \(more) more faults that name no run"))
        }
        return warnings
    }

    mutating func clockSpec(_ json: JSON, _ path: JSONPath) -> ClockSpec? {
        guard let members = object(json, path, allowed: ["mode", "epoch", "tick", "timeScale"], what: "a clock")
        else { return nil }
        var spec = ClockSpec()
        if let mode = string(members["mode"], path.key("mode")) {
            if let m = ClockSpec.Mode(rawValue: mode) {
                spec.mode = m
            } else {
                let allowed = ClockSpec.Mode.allCases.map(\.rawValue).joined(separator: ", ")
                fail(path.key("mode"), "unknown clock mode \(quoted(mode)); allowed: \(allowed)")
            }
        }
        if let epoch = string(members["epoch"], path.key("epoch")) {
            if let t = Timestamp.parse(epoch) {
                spec.epoch = t
            } else {
                fail(path.key("epoch"), "\(quoted(epoch)) is not a timestamp; write e.g. \"2025-01-01T00:00:00Z\"")
            }
        }
        if let tick = number(members["tick"], path.key("tick"), atLeast: 0, atMost: 86_400) { spec.tickSeconds = tick }
        if let scale = number(members["timeScale"], path.key("timeScale"), above: 0, atMost: ClockSpec.maximumTimeScale) { spec.timeScale = scale }
        return spec
    }

    // MARK: API

    mutating func apiScript(_ json: JSON, _ path: JSONPath, _ d: APIDescriptor) -> APIScript {
        let keys = ["auth", "latency", "faults", "runs", "defaultRun", "settings"]
        let defaultRun = RunScript(timeline: d.defaultTimeline)
        var script = APIScript(defaultRun: defaultRun)
        for setting in d.settings { script.settings[setting.name] = setting.defaultValue }
        guard let members = object(json, path, allowed: keys, what: "the script of API \(d.name)") else {
            return script
        }
        if let auth = members["auth"] { script.auth = authScript(auth, path.key("auth"), d) }
        if let latency = members["latency"] { script.latency = latencies(latency, path.key("latency"), d) }
        if let faults = members["faults"] {
            if case .array(let items) = faults {
                script.faults = items.enumerated().compactMap { fault($1, path.key("faults").index($0), d) }
            } else {
                fail(path.key("faults"), "expected an array of faults, found \(faults.kindName)")
            }
        }
        if let run = members["defaultRun"], let parsed = runScript(run, path.key("defaultRun"), d, isDefault: true) {
            script.defaultRun = parsed
        }
        if let runs = members["runs"] {
            if case .array(let items) = runs {
                var seen: [String: Int] = [:]
                for (i, item) in items.enumerated() {
                    guard let run = runScript(item, path.key("runs").index(i), d, isDefault: false) else { continue }
                    if let id = run.id {
                        if let first = seen[id] {
                            fail(path.key("runs").index(i).key("id"), "run id \(quoted(id)) is already used by runs[\(first)]")
                            continue
                        }
                        seen[id] = i
                    }
                    script.runs.append(run)
                }
            } else {
                fail(path.key("runs"), "expected an array of runs, found \(runs.kindName)")
            }
        }
        if let settings = members["settings"] { settingsValues(settings, path.key("settings"), d, into: &script.settings) }
        return script
    }

    mutating func settingsValues(_ json: JSON, _ path: JSONPath, _ d: APIDescriptor, into values: inout [String: JSON]) {
        let names = d.settings.map(\.name)
        if names.isEmpty {
            fail(path, "API \(d.name) has no settings")
            return
        }
        guard let members = object(json, path, allowed: names, what: "settings") else { return }
        for setting in d.settings {
            guard let value = members[setting.name] else { continue }
            let p = path.key(setting.name)
            switch setting.kind {
            case .bool:
                if let b = bool(value, p) { values[setting.name] = .bool(b) }
            case .integer(let range):
                if let i = integer(value, p, min: range.lowerBound) {
                    if i > range.upperBound {
                        fail(p, "must be at most \(range.upperBound), found \(i)")
                    } else {
                        values[setting.name] = .int(i)
                    }
                }
            case .oneOf(let allowed):
                guard case .string = value else {
                    fail(p, "expected one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")) (a string), found \(value.kindName)")
                    continue
                }
                if let s = string(value, p) {
                    if allowed.contains(s) {
                        values[setting.name] = .string(s)
                    } else {
                        fail(p, "\(quoted(s)) is not allowed; allowed: \(allowed.joined(separator: ", "))")
                    }
                }
            case .strings:
                if let list = strings(value, p) { values[setting.name] = .array(list.map(JSON.string)) }
            case .any:
                values[setting.name] = value
            }
        }
    }

    mutating func authScript(_ json: JSON, _ path: JSONPath, _ d: APIDescriptor) -> AuthScript {
        guard let members = object(json, path, allowed: ["credentials"], what: "an auth script") else {
            return AuthScript()
        }
        guard let list = members["credentials"] else { return AuthScript() }
        guard case .array(let items) = list else {
            fail(path.key("credentials"), "expected an array of credentials, found \(list.kindName)")
            return AuthScript()
        }
        var credentials: [Credential] = []
        for (i, item) in items.enumerated() {
            let p = path.key("credentials").index(i)
            if case .string(let key) = item {
                if credentialProblem(key, p) == nil { credentials.append(Credential(key: key)) }
                continue
            }
            let keys = ["key", "permissions", "scopes", "validForRequests", "revokedWhen", "expiresAfterSeconds"]
            if case .object = item {} else {
                fail(p, "expected a credential: a string, or an object with \"key\"; found \(item.kindName)")
                continue
            }
            guard let m = object(item, p, allowed: keys, what: "a credential") else { continue }
            guard let key = string(m["key"], p.key("key")) else {
                if m["key"] == nil { fail(p, "a credential object needs \"key\"") }
                continue
            }
            if credentialProblem(key, p.key("key")) != nil { continue }
            var credential = Credential(key: key)
            if let perms = strings(m["permissions"], p.key("permissions"), allowed: d.permissions, what: "\(d.name) permission") {
                credential.permissions = Set(perms)
            }
            if let scopes = strings(m["scopes"], p.key("scopes")) { credential.scopes = Set(scopes) }
            if case .object = m["validForRequests"] {
                let vp = p.key("validForRequests")
                if let v = object(m["validForRequests"] ?? .null, vp, allowed: ["requests", "then"], what: "a request limit") {
                    credential.validForRequests = integer(v["requests"], vp.key("requests"), min: 0)
                    if v["requests"] == nil { fail(vp, "needs \"requests\": how many requests the key works for") }
                    credential.validForRequestsThen = refusalStatus(v["then"], vp.key("then"))
                }
            } else {
                credential.validForRequests = integer(m["validForRequests"], p.key("validForRequests"), min: 0)
            }
            credential.expiresAfterSeconds = number(
                m["expiresAfterSeconds"], p.key("expiresAfterSeconds"), atLeast: 0, atMost: Engine.maximumAdvanceSeconds)
            if let revoked = m["revokedWhen"],
                let r = object(revoked, p.key("revokedWhen"), allowed: ["state", "run", "then"], what: "a revocation")
            {
                if let state = self.state(r["state"], p.key("revokedWhen").key("state"), d) {
                    credential.revokedWhen = Credential.Revocation(
                        state: state, run: string(r["run"], p.key("revokedWhen").key("run")),
                        then: refusalStatus(r["then"], p.key("revokedWhen").key("then")))
                } else if r["state"] == nil {
                    fail(p.key("revokedWhen"), "needs \"state\": the state whose reaching revokes the key")
                }
            }
            credentials.append(credential)
        }
        return AuthScript(credentials: credentials)
    }

    /// A `then`: the status a worn-out or revoked key gets.
    mutating func refusalStatus(_ json: JSON?, _ path: JSONPath) -> Int? {
        guard let json else { return nil }
        guard let status = json.intValue, status == 401 || status == 403 else {
            fail(path, "expected 401 or 403, found \(json.serialized())")
            return nil
        }
        return status
    }

    /// A credential is sent in a header or a query: it cannot be empty or hold control characters (no client
    /// could present it, and the server never lets a NUL or a control character match).
    @discardableResult
    mutating func credentialProblem(_ key: String, _ path: JSONPath) -> String? {
        let problem: String?
        if key.isEmpty {
            problem = "a credential must not be empty"
        } else if key.containsControlCharacters {
            problem = "a credential must not hold control characters"
        } else {
            problem = nil
        }
        if let problem { fail(path, problem) }
        return problem
    }

    mutating func state(_ json: JSON?, _ path: JSONPath, _ d: APIDescriptor) -> String? {
        guard let s = string(json, path) else { return nil }
        guard d.states.contains(s) else {
            fail(path, "\(quoted(s)) is not a \(d.name) state; allowed: \(d.states.joined(separator: ", "))")
            return nil
        }
        return s
    }

    mutating func latencies(_ json: JSON, _ path: JSONPath, _ d: APIDescriptor) -> [String: Latency] {
        let names = ["*"] + d.endpoints
        guard let members = object(json, path, allowed: names, what: "latencies by endpoint") else { return [:] }
        var result: [String: Latency] = [:]
        for (endpoint, value) in members {
            if let l = latency(value, path.key(endpoint)) { result[endpoint] = l }
        }
        return result
    }

    mutating func latency(_ json: JSON, _ path: JSONPath) -> Latency? {
        if json.doubleValue != nil {
            return number(json, path, atLeast: 0, atMost: Latency.maximumMilliseconds).map(Latency.fixed)
        }
        let forms = "a number of milliseconds, {\"fixed\": ms}, {\"uniform\": [min, max]} or {\"lognormal\": {\"median\": ms, \"sigma\": s}}"
        guard case .object(let members) = json, members.count == 1, let (kind, value) = members.first else {
            fail(path, "expected \(forms)")
            return nil
        }
        switch kind {
        case "fixed":
            return number(value, path.key("fixed"), atLeast: 0, atMost: Latency.maximumMilliseconds).map(Latency.fixed)
        case "uniform":
            guard case .array(let pair) = value, pair.count == 2 else {
                fail(path.key("uniform"), "expected [min, max] in milliseconds")
                return nil
            }
            let most = Latency.maximumMilliseconds
            guard let lo = number(pair[0], path.key("uniform").index(0), atLeast: 0, atMost: most),
                let hi = number(pair[1], path.key("uniform").index(1), atLeast: 0, atMost: most)
            else { return nil }
            guard lo <= hi else {
                fail(path.key("uniform"), "min (\(lo)) must not be above max (\(hi))")
                return nil
            }
            return .uniform(min: lo, max: hi)
        case "lognormal":
            guard let m = object(value, path.key("lognormal"), allowed: ["median", "sigma"], what: "lognormal parameters")
            else { return nil }
            guard let median = number(m["median"], path.key("lognormal").key("median"), above: 0, atMost: Latency.maximumMilliseconds),
                let sigma = number(m["sigma"], path.key("lognormal").key("sigma"), atLeast: 0, atMost: 5)
            else {
                if m["median"] == nil || m["sigma"] == nil {
                    fail(path.key("lognormal"), "needs both \"median\" (ms) and \"sigma\"")
                }
                return nil
            }
            return .lognormal(median: median, sigma: sigma)
        default:
            fail(path.key(kind), "unknown latency form \(quoted(kind)); expected \(forms)")
            return nil
        }
    }

    /// A fault: which requests it picks, when it fires, what it does. Each part is checked even when another
    /// is wrong, so one run of `validate` shows every problem.
    /// - Parameter inRun: a scripted run's own fault, which cannot aim at another run.
    mutating func fault(_ json: JSON, _ path: JSONPath, _ d: APIDescriptor, inRun: Bool = false) -> FaultRule? {
        let targets = inRun ? [] : ["run", "runIndex", "match"]
        let keys = ["endpoint"] + targets + ["when", "nth", "every", "probability", "from", "times", "respond", "drop", "hang", "delay", "trickle"]
        guard let m = object(json, path, allowed: keys, what: inRun ? "a fault of this run" : "a fault") else { return nil }
        let endpoint = faultEndpoint(m["endpoint"], path.key("endpoint"), d)
        let trigger = faultTrigger(m, path)
        let from = m["from"].map { integer($0, path.key("from"), min: 1) }
        let times = m["times"].map { integer($0, path.key("times"), min: 1) }
        let action = faultAction(m, path)
        let run = string(m["run"], path.key("run"))
        let runIndex = m["runIndex"].map { integer($0, path.key("runIndex"), min: 1) }
        let match = m["match"].map { matchFields($0, path.key("match"), d) }
        let when = m["when"].map { requestCondition($0, path.key("when")) }
        let named = targets.filter { m[$0] != nil }
        if named.count > 1 {
            fail(path, "aims at a run one way: \"run\" (an id), \"runIndex\" or \"match\"; found \(named.joined(separator: ", "))")
            return nil
        }
        guard let endpoint, let trigger, let action, from != .some(nil), times != .some(nil), runIndex != .some(nil),
            match != .some(nil), when != .some(nil)
        else { return nil }
        return FaultRule(
            endpoint: endpoint, run: run, trigger: trigger, action: action, from: from ?? nil, times: times ?? nil,
            runIndex: runIndex ?? nil, match: match ?? nil, when: when ?? nil)
    }

    /// A fault's `when`: headers, query parameters (name → exact value) and text the body contains.
    mutating func requestCondition(_ json: JSON, _ p: JSONPath) -> RequestCondition? {
        guard let m = object(json, p, allowed: ["header", "query", "bodyContains"], what: "a request condition") else { return nil }
        var condition = RequestCondition()
        var ok = true
        for (key, what) in [("header", "header"), ("query", "query parameter")] {
            guard let value = m[key] else { continue }
            guard case .object(let members) = value, !members.isEmpty else {
                fail(p.key(key), "expected \(what) names with their values (a JSON object with at least one member), found \(value.kindName)")
                ok = false
                continue
            }
            var values: [String: String] = [:]
            for (name, v) in members {
                if name.isEmpty || name.containsControlCharacters {
                    fail(p.key(key).key(name), "not a \(what) name")
                    ok = false
                } else if let s = string(v, p.key(key).key(name)) {
                    values[name] = s
                } else {
                    ok = false
                }
            }
            if key == "header" { condition.headers = values } else { condition.query = values }
        }
        if let body = m["bodyContains"] {
            if let text = string(body, p.key("bodyContains")), !text.isEmpty {
                condition.bodyContains = text
            } else {
                if case .string = body { fail(p.key("bodyContains"), "must not be empty") }
                ok = false
            }
        }
        if m.isEmpty {
            fail(p, "names nothing to match; allowed: header, query, bodyContains")
            ok = false
        }
        return ok ? condition : nil
    }

    /// Request fields to match a created run on (a scripted run's or a fault's `match`).
    mutating func matchFields(_ match: JSON, _ p: JSONPath, _ d: APIDescriptor) -> [String: String]? {
        guard let fields = object(match, p, allowed: d.matchFields, what: "request fields to match") else { return nil }
        var values: [String: String] = [:]
        var ok = true
        for (field, value) in fields {
            switch value {
            case .string(let s): values[field] = s
            case .int, .double, .bool: values[field] = value.serialized()
            default:
                fail(p.key(field), "expected a string or number to compare, found \(value.kindName)")
                ok = false
            }
        }
        if fields.isEmpty {
            fail(p, "names no field; allowed: \(d.matchFields.joined(separator: ", "))")
            ok = false
        }
        return ok ? values : nil
    }

    private mutating func faultEndpoint(_ json: JSON?, _ path: JSONPath, _ d: APIDescriptor) -> String? {
        guard let json else { return "*" }
        guard let e = string(json, path) else { return nil }
        let endpoints = ["*"] + d.endpoints
        guard endpoints.contains(e) else {
            fail(path, "\(quoted(e)) is not a \(d.name) endpoint; allowed: \(endpoints.joined(separator: ", "))")
            return nil
        }
        return e
    }

    private mutating func faultTrigger(_ m: [String: JSON], _ path: JSONPath) -> FaultRule.Trigger? {
        let triggers = ["nth", "every", "probability"].filter { m[$0] != nil }
        // A range alone (`from`, `times`) hits every request in it.
        if triggers.isEmpty, m["from"] != nil || m["times"] != nil { return .every(1) }
        guard triggers.count == 1 else {
            fail(path, "needs exactly one of \"nth\", \"every\" or \"probability\", or a range (\"from\", \"times\")" + (triggers.isEmpty ? "" : "; found \(triggers.joined(separator: ", "))"))
            return nil
        }
        switch triggers[0] {
        case "nth":
            return integer(m["nth"], path.key("nth"), min: 1).map(FaultRule.Trigger.nth)
        case "every":
            return integer(m["every"], path.key("every"), min: 1).map(FaultRule.Trigger.every)
        default:
            guard let p = number(m["probability"], path.key("probability"), atLeast: 0) else { return nil }
            guard p <= 1 else {
                fail(path.key("probability"), "must be between 0 and 1, found \(p)")
                return nil
            }
            return .probability(p)
        }
    }

    private mutating func faultAction(_ m: [String: JSON], _ path: JSONPath) -> FaultAction? {
        let actions = ["respond", "drop", "hang"].filter { m[$0] != nil }
        guard actions.count == 1 || (actions.isEmpty && (m["delay"] != nil || m["trickle"] != nil)) else {
            fail(
                path,
                "needs exactly one of \"respond\" ({\"status\": 500}), \"drop\" (\"reset\" or \"empty\") or \"hang\" (true), or only \"delay\" (ms) and/or \"trickle\" ({\"bytesPerSecond\": N})"
                    + (actions.count > 1 ? "; found \(actions.joined(separator: ", "))" : ""))
            return nil
        }
        var action = FaultAction()
        var ok = true
        if let delay = m["delay"] {
            if let ms = number(delay, path.key("delay"), atLeast: 0, atMost: Latency.maximumMilliseconds) {
                action.delay = ms
            } else {
                ok = false
            }
        }
        if let trickle = m["trickle"] {
            let p = path.key("trickle")
            if let t = object(trickle, p, allowed: ["bytesPerSecond"], what: "a trickle") {
                if let rate = integer(t["bytesPerSecond"], p.key("bytesPerSecond"), min: 1) {
                    if rate > FaultAction.maximumTrickleBytesPerSecond {
                        fail(p.key("bytesPerSecond"), "must be at most \(FaultAction.maximumTrickleBytesPerSecond), found \(rate)")
                        ok = false
                    } else {
                        action.trickleBytesPerSecond = rate
                    }
                } else {
                    if t["bytesPerSecond"] == nil { fail(p, "needs \"bytesPerSecond\" (a whole number from 1)") }
                    ok = false
                }
            } else {
                ok = false
            }
            if m["hang"] != nil || m["drop"] != nil {
                fail(p, "a hanging or dropped request sends no body to trickle")
                ok = false
            }
        }
        if let hang = m["hang"] {
            switch bool(hang, path.key("hang")) {
            case true?:
                action.hang = true
                if m["delay"] != nil {
                    fail(path.key("delay"), "a hanging request is never answered; \"delay\" has nothing to delay")
                    ok = false
                }
            case false?:
                fail(path.key("hang"), "only true is allowed (leave \"hang\" out for an answer)")
                ok = false
            case nil:
                ok = false
            }
        }
        if let drop = m["drop"] {
            guard let text = string(drop, path.key("drop")) else { return nil }
            guard let value = FaultAction.Drop(rawValue: text) else {
                fail(path.key("drop"), "\(quoted(text)) is not a way to drop a connection; allowed: reset, empty")
                return nil
            }
            action.drop = value
        }
        if let respond = m["respond"] {
            let p = path.key("respond")
            let keys = ["status", "body", "headers", "retryAfter", "contentType", "truncate"]
            guard let r = object(respond, p, allowed: keys, what: "a response") else { return nil }
            // A final answer: a 1xx is interim (the client waits on for the final one, a 101 switches protocols
            // it never asked for).
            if let status = integer(r["status"], p.key("status"), min: Int.min) {
                if (200...599).contains(status) {
                    action.status = status
                } else {
                    fail(p.key("status"), "must be a final HTTP status from 200 to 599 (a 1xx answer is interim: the client waits for another), found \(status)")
                    ok = false
                }
            } else {
                if r["status"] == nil { fail(p, "needs \"status\" (200–599)") }
                ok = false
            }
            if case .object(let members)? = r["body"], members.count == 1, members[0].0 == "html" {
                if let title = string(members[0].1, p.key("body").key("html")) { action.html = title } else { ok = false }
            } else {
                action.body = r["body"]
            }
            if let headers = r["headers"] {
                // Any names are allowed, so the members are read directly (checking each against all the others'
                // names would be quadratic in a large object).
                if case .object(let h) = headers {
                    for (name, value) in h {
                        let hp = p.key("headers").key(name)
                        guard let s = string(value, hp) else {
                            ok = false
                            continue
                        }
                        if let problem = ScenarioLoader.headerProblem(name: name, value: s) {
                            fail(hp, problem)
                            ok = false
                        } else {
                            action.headers[name] = s
                        }
                    }
                } else {
                    fail(p.key("headers"), "expected headers (a JSON object), found \(headers.kindName)")
                }
            }
            if let retryAfter = r["retryAfter"] {
                // Ten years at most: a date past that is no test a client needs, and it keeps the date in range.
                let limit = 315_360_000
                let rp = p.key("retryAfter")
                if case .object = retryAfter {
                    if let o = object(retryAfter, rp, allowed: ["httpDate"], what: "a Retry-After date"),
                        let seconds = integer(o["httpDate"], rp.key("httpDate"), min: 0)
                    {
                        if seconds > limit { fail(rp.key("httpDate"), "must be at most \(limit) (ten years), found \(seconds)") }
                        action.retryAfter = .httpDate(seconds)
                    } else {
                        if case .object(let o) = retryAfter, o.isEmpty { fail(rp, "needs \"httpDate\" (seconds after the scenario's now)") }
                        ok = false
                    }
                } else if retryAfter.intValue != nil {
                    if let seconds = integer(retryAfter, rp, min: 0) {
                        if seconds > limit { fail(rp, "must be at most \(limit) (ten years), found \(seconds)") }
                        action.retryAfter = .seconds(seconds)
                    } else {
                        ok = false
                    }
                } else {
                    fail(rp, "expected seconds (a whole number) or {\"httpDate\": seconds}, found \(retryAfter.kindName)")
                    ok = false
                }
            }
            if let contentType = r["contentType"] {
                if let text = string(contentType, p.key("contentType")) {
                    if text.isEmpty || text.utf8.count > 255 || text.containsControlCharacters {
                        fail(p.key("contentType"), "expected a media type such as \"text/html\", found \(quoted(text))")
                        ok = false
                    } else {
                        action.contentType = text
                    }
                } else {
                    ok = false
                }
            }
            if let truncate = r["truncate"] {
                if let b = bool(truncate, p.key("truncate")) { action.truncate = b } else { ok = false }
            }
        }
        guard ok else { return nil }
        return action
    }

    // MARK: runs

    mutating func runScript(_ json: JSON, _ path: JSONPath, _ d: APIDescriptor, isDefault: Bool) -> RunScript? {
        let common = ["fields", "timeline", "loop", "notFoundAfter", "on"]
        let keys = isDefault ? common : ["id", "match"] + common + ["faults"]
        guard let m = object(json, path, allowed: keys, what: isDefault ? "the default run" : "a run") else { return nil }
        var run = RunScript(timeline: d.defaultTimeline)
        if let id = string(m["id"], path.key("id")) {
            if id.isEmpty {
                fail(path.key("id"), "a run id must not be empty")
            } else if id.containsControlCharacters {
                // A request could only name it with a control character, and none may match anything.
                fail(path.key("id"), "run id \(quoted(id)) holds a control character; a run id is printable text")
            } else if d.idsInPath, id.contains("/") {
                fail(path.key("id"), "run id \(quoted(id)) holds \"/\", which no request can name: a path segment ends at \"/\" (even as %2F)")
            } else {
                run.id = id
            }
        }
        if let match = m["match"] {
            run.match = matchFields(match, path.key("match"), d)
            if run.id != nil { fail(path, "set \"id\" (a run that exists from the start) or \"match\" (a run the client creates), not both") }
        }
        if let fields = m["fields"], self.fields(fields, path.key("fields"), d) { run.fields = fields }
        if let faults = m["faults"] {
            if case .array(let items) = faults {
                run.faults = items.enumerated().compactMap { fault($1, path.key("faults").index($0), d, inRun: true) }
            } else {
                fail(path.key("faults"), "expected an array of faults, found \(faults.kindName)")
            }
        }
        run.loop = bool(m["loop"], path.key("loop")) ?? false
        run.notFoundAfter = integer(m["notFoundAfter"], path.key("notFoundAfter"), min: 0)
        if let timeline = m["timeline"], let phases = self.timeline(timeline, path.key("timeline"), d, loop: run.loop) {
            run.timeline = phases
        }
        if run.loop, run.notFoundAfter != nil {
            fail(path.key("notFoundAfter"), "a looping run never reaches a terminal state, so it never answers not found")
        }
        if let on = m["on"] {
            let names = d.events.keys.sorted()
            if names.isEmpty {
                fail(path.key("on"), "API \(d.name) has no client events")
            } else if let events = object(on, path.key("on"), allowed: names, what: "event scripts") {
                for (name, value) in events {
                    if let e = eventScript(value, path.key("on").key(name), d, default: d.events[name]) {
                        run.events[name] = e
                    }
                }
            }
        }
        return run
    }

    /// Checks a `fields` object: an object whose names the API reads (a typo must not pass silently).
    mutating func fields(_ json: JSON, _ path: JSONPath, _ d: APIDescriptor) -> Bool {
        guard case .object(let members) = json else {
            fail(path, "expected an object of fields, found \(json.kindName)")
            return false
        }
        var ok = true
        for (name, value) in members where d.headerFields.contains(name) {
            let limit = APIDescriptor.headerFieldBytes
            guard case .string(let text) = value else {
                fail(path.key(name), "expected text (it goes into a header), found \(value.kindName)")
                ok = false
                continue
            }
            if text.isEmpty || text.utf8.count > limit || text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
                fail(path.key(name), "goes into a header: it must be 1 to \(limit) bytes of text without control characters (a line break, NUL, …), found \(quoted(text))")
                ok = false
            }
        }
        guard let known = d.fields else { return ok }
        for (name, _) in members where !known.contains(name) {
            fail(path.key(name), "\(d.name) shows no field \(quoted(name)); allowed: \(known.joined(separator: ", "))")
            ok = false
        }
        return ok
    }

    /// An event script; a missing `timeline` keeps the API's own (so `allowedFrom` alone can be changed).
    mutating func eventScript(_ json: JSON, _ path: JSONPath, _ d: APIDescriptor, default base: EventScript?)
        -> EventScript?
    {
        guard let m = object(json, path, allowed: ["timeline", "allowedFrom"], what: "an event script") else { return nil }
        guard let base = base ?? m["timeline"].map({ _ in EventScript(timeline: []) }) else {
            fail(path, "needs \"timeline\": the phases the event starts")
            return nil
        }
        var script = base
        if let timeline = m["timeline"] {
            guard let phases = self.timeline(timeline, path.key("timeline"), d, loop: false) else { return nil }
            script.timeline = phases
        }
        if let from = strings(m["allowedFrom"], path.key("allowedFrom"), allowed: d.states, what: "\(d.name) state") {
            script.allowedFrom = Set(from)
        }
        return script
    }

    mutating func timeline(_ json: JSON, _ path: JSONPath, _ d: APIDescriptor, loop: Bool) -> [Phase]? {
        guard case .array(let items) = json else {
            fail(path, "expected an array of phases, found \(json.kindName)")
            return nil
        }
        guard !items.isEmpty else {
            fail(path, "a timeline needs at least one phase")
            return nil
        }
        var phases: [Phase] = []
        let before = failures
        for (i, item) in items.enumerated() {
            let p = path.index(i)
            let keys = ["state", "polls", "seconds", "fields", "log", "retryAfter", "latency"]
            guard let m = object(item, p, allowed: keys, what: "a phase") else { continue }
            // A bad state is reported, and the rest of the phase is still checked.
            let state = self.state(m["state"], p.key("state"), d)
            if m["state"] == nil { fail(p, "a phase needs \"state\"; allowed: \(d.states.joined(separator: ", "))") }
            var phase = Phase(state ?? "")
            if m["polls"] != nil, m["seconds"] != nil {
                fail(p, "set \"polls\" or \"seconds\", not both")
            } else if let polls = integer(m["polls"], p.key("polls"), min: 1) {
                phase.duration = .polls(polls)
            } else if let seconds = number(m["seconds"], p.key("seconds"), above: 0, atMost: Engine.maximumAdvanceSeconds) {
                phase.duration = .seconds(seconds)
            }
            if let fields = m["fields"], self.fields(fields, p.key("fields"), d) { phase.fields = fields }
            phase.log = strings(m["log"], p.key("log")) ?? []
            if let seconds = integer(m["retryAfter"], p.key("retryAfter"), min: 0) {
                if seconds > 315_360_000 {
                    fail(p.key("retryAfter"), "must be at most 315360000 (ten years), found \(seconds)")
                } else {
                    phase.retryAfter = seconds
                }
            }
            if let latency = m["latency"] { phase.latency = self.latency(latency, p.key("latency")) }
            let isLast = i == items.count - 1
            let timed = m["polls"] != nil || m["seconds"] != nil
            if let state, d.terminalStates.contains(state) {
                if !isLast {
                    fail(p.key("state"), "\(state) is terminal, so the phases after it could never be reached; make it the last phase")
                } else if loop {
                    fail(p.key("state"), "a looping timeline cannot end in the terminal state \(state)")
                }
                if phase.duration != .hold, isLast, !loop {
                    fail(p, "the terminal phase holds forever; remove \"polls\"/\"seconds\" (use the run's \"notFoundAfter\" to end it)")
                }
            } else if loop, isLast, !timed {
                fail(p, "the last phase of a looping timeline needs \"polls\" or \"seconds\" so the loop can start again")
            }
            if !loop, !isLast, !timed {
                fail(p, "only the last phase may hold forever; give this one \"polls\" or \"seconds\"")
            }
            phases.append(phase)
        }
        return failures == before ? phases : nil
    }
}

extension ScenarioLoader {
    /// The longest scripted header value.
    public static let maximumHeaderValueBytes = 4096

    /// What keeps a scripted header from reaching the client as written, or nil. libmicrohttpd refuses a header
    /// whose name is not a token or whose value is empty or holds a line break: the answer would go out without
    /// it (and an empty `Date` would be replaced by the machine's clock), so the file is refused instead.
    public static func headerProblem(name: String, value: String) -> String? {
        // (Each connection's memory holds the answer's headers with the request's: --max-header-bytes, 16 KiB by
        // default; a 16,000-byte value went out as nothing at all.)
        let tokenPunctuation = Array("!#$%&'*+-.^_`|~".utf8)
        func isTokenByte(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || tokenPunctuation.contains(b)
        }
        if name.isEmpty { return "a header needs a name" }
        if !name.utf8.allSatisfy(isTokenByte) {
            return "is not a header name: allowed are letters, digits and !#$%&'*+-.^_`|~"
        }
        if value.isEmpty { return "a header value must not be empty (libmicrohttpd would leave the header out)" }
        if name.utf8.count > 256 || value.utf8.count > maximumHeaderValueBytes {
            return "a header must be short enough to go out beside the answer's others: a name of at most 256 bytes, a value of at most \(maximumHeaderValueBytes)"
        }
        if value.utf8.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            return "a header value must not hold control characters (a line break, NUL, …); a tab is allowed"
        }
        return nil
    }
}
