import Scenarios
import Testing

/// Seeded, bounded fuzzing of the loader and a short drive of every engine it accepts: any bytes a scenario file
/// can hold must give a `Scenario` or a `ScenarioError` whose issues all say where and what, never a trap.
@Suite struct LoaderFuzzTests {
    /// The test's own generator (SplitMix64), so a failing case is the same on every run and machine.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    static let bundledDirectory: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // ScenariosTests/LoaderFuzzTests.swift, Tests
        return parts.joined(separator: "/") + "/Scenarios"
    }()

    static let bundledNames = [
        "controller-auth", "controller-error", "controller-happy", "default", "foundry-403", "foundry-404-after-finish",
        "foundry-error", "foundry-flaky", "foundry-happy", "foundry-key-expires", "foundry-slow", "foundry-virtual-clock",
        "solvexia-403", "solvexia-cancel-mid-run", "solvexia-happy", "solvexia-step-failed-restart", "solvexia-timeout",
        "wes-403", "wes-cancel-mid-run", "wes-executor-error", "wes-happy", "wes-slow", "workspace-auth",
        "workspace-cancel-mid-run", "workspace-failed", "workspace-happy", "workspace-invalid-options",
        "workspace-output-not-ready",
    ]

    static let handMade = [
        "{}",
        #"{"seed": 3, "clock": {"mode": "virtual", "epoch": "2025-01-01T00:00:00.1234Z"}, "apis": {"jobs": {"defaultRun": {"loop": true, "timeline": [{"state": "QUEUED", "seconds": 0.001}, {"state": "RUNNING", "seconds": 0.002}]}}}}"#,
        #"{"clock": {"mode": "wall", "timeScale": 1000000}, "apis": {"jobs": {"latency": {"*": {"lognormal": {"median": 600000, "sigma": 5}}, "status": {"uniform": [0, 600000]}}, "faults": [{"run": "r1", "every": 1, "drop": "empty"}, {"nth": 1, "respond": {"status": 599, "headers": {"x": "y"}, "body": [1, {"a": null}]}}], "runs": [{"id": "r1", "notFoundAfter": 0, "timeline": [{"state": "DONE"}]}, {"match": {"name": "n"}, "on": {"cancel": {"allowedFrom": ["QUEUED"], "timeline": [{"state": "CANCELLED"}]}}}]}}}"#,
        #"{"clock": {"tick": 86400}, "apis": {"jobs": {"auth": {"credentials": ["k", {"key": "w", "permissions": ["read"], "scopes": ["s"], "validForRequests": 0, "revokedWhen": {"state": "RUNNING", "run": "r"}}]}, "settings": {"style": "snake"}, "runs": [{"id": "r", "timeline": [{"state": "QUEUED", "polls": 9223372036854775807}, {"state": "RUNNING", "seconds": 315360000, "fields": {"pct": 1e308}}, {"state": "FAILED", "log": ["x"]}]}]}, "other": {"defaultRun": {"notFoundAfter": 9223372036854775807}}}}"#,
    ]

    static let extremeNumbers = [
        "1e308", "-1e308", "-0", "0", "-1", "0.5", "1.5", "99999999999999999999", "-99999999999999999999",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "9007199254740993", "8999999999999999",
        "1e-300", "4.9e-324", "1e400", "315360000", "315360000.5", "86400", "600000", "1000000", "1e15", "-1e15",
    ]

    static let oddStrings = [
        "2025-01-01T00:00:00.1234Z", "2025-01-01T00:00:00." + String(repeating: "9", count: 300) + "Z",
        "9999-12-31T23:59:60.9999999-99:99", "0000-01-01T00:00:00+99:99", "0000-02-31T23:59:59Z",
        "2025-01-01t00:00:00z", "2025-01-01T00:00:00.Z", "2025-13-01T00:00:00Z", "", "\u{0}", "a\u{1b}[2Jb\nc\"d",
        "\u{85}\u{2028}\u{202e}", String(repeating: "x", count: 2_000), "*", "reset", "DONE", "RUNNING", "cancel",
    ]

    /// Every API named in a document, with the states, endpoints, events and settings the documents use, so
    /// the bundled files (written for the real fakes, which this module does not know) load and run here too.
    static func descriptors(for docs: [JSON]) -> [APIDescriptor] {
        var names: Set<String> = ["jobs", "other"]
        var states: Set<String> = []
        var notLast: Set<String> = []
        var last: Set<String> = []
        var endpoints: Set<String> = []
        var events: Set<String> = []
        var settings: Set<String> = []
        var matchFields: Set<String> = []
        var permissions: Set<String> = []
        func visit(_ json: JSON, key: String?) {
            switch json {
            case .object(let members):
                for (k, v) in members {
                    switch k {
                    case "apis": v.objectValue?.forEach { names.insert($0.0) }
                    case "state": if let s = v.stringValue { states.insert(s) }
                    case "allowedFrom": v.arrayValue?.compactMap(\.stringValue).forEach { states.insert($0) }
                    case "latency": v.objectValue?.forEach { endpoints.insert($0.0) }
                    case "endpoint": if let s = v.stringValue { endpoints.insert(s) }
                    case "on": v.objectValue?.forEach { events.insert($0.0) }
                    case "settings": v.objectValue?.forEach { settings.insert($0.0) }
                    case "match": v.objectValue?.forEach { matchFields.insert($0.0) }
                    case "permissions": v.arrayValue?.compactMap(\.stringValue).forEach { permissions.insert($0) }
                    case "timeline":
                        let phases = v.arrayValue?.compactMap { $0["state"]?.stringValue } ?? []
                        if let final = phases.last { last.insert(final) }
                        phases.dropLast().forEach { notLast.insert($0) }
                    default: break
                    }
                    visit(v, key: k)
                }
            case .array(let items): items.forEach { visit($0, key: key) }
            default: break
            }
        }
        docs.forEach { visit($0, key: nil) }
        states.formUnion(["QUEUED", "RUNNING", "DONE", "FAILED", "CANCELLING", "CANCELLED"])
        let terminal = last.subtracting(notLast).union(["DONE", "FAILED", "CANCELLED"])
        endpoints.remove("*")
        let stateList = states.sorted()
        let first = stateList.first { !terminal.contains($0) } ?? "QUEUED"
        let finalState = terminal.sorted().first ?? "DONE"
        let eventScripts = Dictionary(
            uniqueKeysWithValues: events.union(["cancel"]).map { ($0, EventScript(timeline: [Phase(finalState)])) })
        return names.sorted().map { name in
            APIDescriptor(
                name: name, summary: "fuzz", states: stateList, terminalStates: terminal,
                endpoints: endpoints.union(["status", "create", "cancel"]).sorted(), matchFields: matchFields.union(["name"]).sorted(),
                permissions: permissions.union(["read", "write"]).sorted(), events: eventScripts,
                defaultTimeline: [Phase(first, .polls(1)), Phase(finalState)],
                settings: settings.union(["style"]).sorted().map { APIDescriptor.Setting($0, .any, default: .null, "fuzz") },
                makeID: { random, ordinal in "run-\(ordinal)-\(random.int(in: 0...Int.max))" })
        }
    }

    /// A copy of `json` with its `target`-th node (pre-order) replaced by `replace(node)`.
    static func replacing(_ json: JSON, at target: Int, counter: inout Int, _ replace: (JSON) -> JSON) -> JSON {
        defer { counter += 1 }
        if counter == target { return replace(json) }
        switch json {
        case .object(let members):
            return .object(members.map { k, v in (k, replacing(v, at: target, counter: &counter, replace)) })
        case .array(let items):
            return .array(items.map { replacing($0, at: target, counter: &counter, replace) })
        default: return json
        }
    }

    static func nodeCount(_ json: JSON) -> Int {
        switch json {
        case .object(let m): 1 + m.reduce(0) { $0 + nodeCount($1.1) }
        case .array(let a): 1 + a.reduce(0) { $0 + nodeCount($1) }
        default: 1
        }
    }

    static func mutate(_ source: [UInt8], _ doc: JSON?, _ g: inout Generator) -> [UInt8] {
        var bytes = source
        switch g.below(9) {
        case 0:  // byte flips
            for _ in 0...g.below(4) where !bytes.isEmpty {
                bytes[g.below(bytes.count)] = g.pick([0, 0x1b, 0x0a, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x2c, 0x2d, 0x30, 0x39, 0x80, 0xc3, 0xff, UInt8(truncatingIfNeeded: g.next())])
            }
        case 1:  // truncation
            bytes = Array(bytes.prefix(g.below(bytes.count + 1)))
        case 2:  // a number token replaced by an extreme one
            let digits = bytes.indices.filter { (0x30...0x39).contains(bytes[$0]) && ($0 == 0 || !(0x30...0x39).contains(bytes[$0 - 1])) }
            guard !digits.isEmpty else { break }
            let start = g.pick(digits)
            var end = start
            while end < bytes.count, (0x30...0x39).contains(bytes[end]) || bytes[end] == 0x2e || bytes[end] == 0x65 { end += 1 }
            bytes.replaceSubrange(start..<end, with: Array(g.pick(extremeNumbers).utf8))
        case 3:  // deep nesting somewhere
            let depth = 150 + g.below(120)
            let nest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            if let colon = bytes.indices.filter({ bytes[$0] == 0x3a }).randomElement(using: &g) {
                bytes.insert(contentsOf: Array(nest.utf8) + [0x2c], at: colon + 1)
                bytes.insert(contentsOf: Array(#""deep":"#.utf8), at: colon + 1)
                bytes.insert(contentsOf: [0x7b], at: colon + 1)
                bytes.insert(contentsOf: Array(#","x":1}"#.utf8), at: colon + 8 + nest.utf8.count + 2)
            }
        case 4:  // a duplicated key
            if let open = bytes.indices.filter({ bytes[$0] == 0x7b }).randomElement(using: &g),
                let quote = bytes[open...].firstIndex(of: 0x22), let close = bytes[(quote + 1)...].firstIndex(of: 0x22)
            {
                bytes.insert(contentsOf: Array(bytes[quote...close]) + Array(":1,".utf8), at: open + 1)
            }
        default:  // structured: a node replaced by an extreme number, an odd string, a key with controls
            guard let doc else { break }
            var counter = 0
            let target = g.below(nodeCount(doc))
            let choice = g.below(4)
            let number = g.pick(extremeNumbers)
            let string = g.pick(oddStrings)
            let mode = g.pick(["polls", "virtual", "wall"])
            let mutated = replacing(doc, at: target, counter: &counter) { node in
                switch choice {
                case 0: return (try? JSON.parse(number)) ?? .double(1e308)
                case 1: return .string(string)
                case 2:
                    guard case .object(let m) = node, !m.isEmpty else { return .string(string) }
                    return .object(m.enumerated().map { i, kv in (i == 0 ? kv.0 + "\u{0}\u{1b}\n\"" : kv.0, kv.1) })
                default:
                    return ["clock": ["mode": .string(mode), "epoch": .string(string), "tick": 86400]]
                }
            }
            bytes = Array(mutated.serialized().utf8)
            if choice == 1, string.hasPrefix("2") || string.hasPrefix("9") || string.hasPrefix("0") {
                // And the epoch itself, often.
                bytes = Array(mutated.setting("clock", ["mode": "virtual", "epoch": .string(string)]).serialized().utf8)
            }
        }
        return bytes
    }

    static func drive(_ scenario: Scenario, _ apis: [APIDescriptor]) {
        let time = ManualTimeSource(0)
        var engine = Engine(scenario: scenario, apis: apis, time: time)
        for api in apis where scenario.apis[api.name] != nil {
            let script = scenario.apis[api.name]
            let credential = script?.auth.credentials?.first?.key ?? "k"
            let scripted = script?.runs.compactMap(\.id) ?? []
            for endpoint in api.endpoints.prefix(3) + ["*"] {
                _ = engine.admit(api: api.name, endpoint: endpoint, runID: scripted.first ?? "unknown")
            }
            _ = engine.authorize(api: api.name, credential: credential, permission: "read", scope: "s")
            let created = engine.createRun(api: api.name, request: ["name": "n"]).id
            for id in scripted + [created, "unknown"] {
                _ = engine.read(api: api.name, id: id)
                for event in api.events.keys.sorted() { _ = engine.send(event, api: api.name, id: id) }
                _ = engine.rewind(api: api.name, id: id, toPhase: 1)
            }
            engine.advance(seconds: Engine.maximumAdvanceSeconds)
            engine.advance(seconds: .greatestFiniteMagnitude)
            time.advance(by: 1e15)
            for id in scripted + [created] {
                _ = engine.read(api: api.name, id: id)
                _ = engine.peek(api: api.name, id: id)
            }
            _ = engine.runs(api: api.name)
            _ = engine.authorize(api: api.name, credential: credential, permission: "write")
            _ = engine.now.iso8601(fractionDigits: 7)
            _ = engine.now.httpDate
        }
    }

    @Test func mutatedScenariosLoadOrFailCleanly() throws {
        var sources: [[UInt8]] = Self.handMade.map { Array($0.utf8) }
        for name in Self.bundledNames {
            let path = Self.bundledDirectory + "/" + name + ".json"
            sources.append(try #require(Self.readFile(path), "cannot read \(path)"))
        }
        let docs = sources.compactMap { try? JSON.parse($0) }
        #expect(docs.count == sources.count)
        let apis = Self.descriptors(for: docs)
        let loader = ScenarioLoader(apis: apis)
        // The unmutated sources must all load with these descriptors, or the fuzzing below tests little.
        for (i, source) in sources.enumerated() {
            #expect(throws: Never.self, "source \(i)") { _ = try loader.load(source, file: "source-\(i).json") }
        }

        var g = Generator(state: 0x5EED_2025)
        var loaded = 0
        var refused = 0
        for caseNumber in 0..<3_000 {
            let index = g.below(sources.count)
            var bytes = sources[index]
            for _ in 0...g.below(3) {
                bytes = Self.mutate(bytes, try? JSON.parse(bytes), &g)
            }
            do {
                let scenario = try loader.load(bytes, file: "case-\(caseNumber).json")
                loaded += 1
                Self.drive(scenario, apis)
            } catch {
                refused += 1
                #expect(!error.issues.isEmpty, "case \(caseNumber)")
                #expect(error.issues.count <= 101, "case \(caseNumber)")
                for issue in error.issues {
                    #expect(!issue.message.isEmpty, "case \(caseNumber)")
                    #expect(!issue.description.contains("\n"), "case \(caseNumber): \(issue)")
                }
            }
        }
        #expect(loaded > 300)
        #expect(refused > 300)
    }

    static func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return bytes
    }
}

extension LoaderFuzzTests.Generator: RandomNumberGenerator {}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
