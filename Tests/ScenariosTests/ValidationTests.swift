import Scenarios
import Testing

/// A corpus of broken scenario files: each must be refused with the file name, the JSON path and a message
/// that says what is allowed.
@Suite struct ValidationTests {
    struct Broken: CustomStringConvertible, Sendable {
        var text: String
        var path: String
        var says: String
        var description: String { "\(path): \(says)" }
    }

    static let corpus: [Broken] = [
        Broken(text: "", path: "", says: "the file is empty"),
        Broken(text: "{", path: "", says: "line 1, column 2"),
        Broken(text: "{\n  \"seed\": 1,\n}", path: "", says: "line 3, column 1"),
        Broken(text: "[]", path: "", says: "expected a scenario (a JSON object), found an array"),
        Broken(text: #"{"sead": 1}"#, path: "sead", says: "unknown key \"sead\"; allowed here: $schema, name, description, seed, strict, clock, apis"),
        Broken(text: #"{"seed": -1}"#, path: "seed", says: "must be at least 0"),
        Broken(text: #"{"seed": "x"}"#, path: "seed", says: "expected a whole number, found a string"),
        Broken(text: #"{"clock": {"mode": "fast"}}"#, path: "clock.mode", says: "allowed: polls, virtual, wall"),
        Broken(text: #"{"clock": {"epoch": "yesterday"}}"#, path: "clock.epoch", says: "is not a timestamp"),
        Broken(text: #"{"clock": {"epoch": "2025-02-31T00:00:00Z"}}"#, path: "clock.epoch", says: "is not a timestamp"),
        Broken(text: #"{"seed": 123456789012345678901234567890}"#, path: "seed", says: "is too large: a whole number here is at most 9223372036854775807"),
        Broken(text: #"{"seed": 1.5}"#, path: "seed", says: "expected a whole number, found 1.5"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"id": "a/b"}]}}}"#, path: "apis.jobs.runs[0].id", says: "holds \"/\", which no request can name"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"id": "a\u0000b"}]}}}"#, path: "apis.jobs.runs[0].id", says: "run id \"a\\u0000b\" holds a control character"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"id": "a\u0085b"}]}}}"#, path: "apis.jobs.runs[0].id", says: "holds a control character"),
        Broken(text: #"{"clock": {"timeScale": 0}}"#, path: "clock.timeScale", says: "must be greater than 0"),
        Broken(text: #"{"apis": {"wes": {}}}"#, path: "apis.wes", says: "allowed here: jobs, other"),
        Broken(
            text: #"{"apis": {"jobs": {"runs": [{"timeline": [{"state": "QUEUED", "polls": 1}, {"state": "FINISHED"}]}]}}}"#,
            path: "apis.jobs.runs[0].timeline[1].state",
            says: "\"FINISHED\" is not a jobs state; allowed: QUEUED, RUNNING, DONE, FAILED, CANCELLING, CANCELLED"),
        Broken(
            text: #"{"apis": {"jobs": {"runs": [{"timeline": [{"state": "DONE"}, {"state": "RUNNING"}]}]}}}"#,
            path: "apis.jobs.runs[0].timeline[0].state", says: "DONE is terminal"),
        Broken(
            text: #"{"apis": {"jobs": {"runs": [{"timeline": [{"state": "QUEUED"}, {"state": "DONE"}]}]}}}"#,
            path: "apis.jobs.runs[0].timeline[0]", says: "only the last phase may hold forever"),
        Broken(
            text: #"{"apis": {"jobs": {"runs": [{"timeline": [{"state": "QUEUED", "polls": 0}]}]}}}"#,
            path: "apis.jobs.runs[0].timeline[0].polls", says: "must be at least 1"),
        Broken(
            text: #"{"apis": {"jobs": {"runs": [{"timeline": [{"state": "QUEUED", "polls": 1, "seconds": 2}]}]}}}"#,
            path: "apis.jobs.runs[0].timeline[0]", says: "not both"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"timeline": []}]}}}"#, path: "apis.jobs.runs[0].timeline", says: "at least one phase"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"timeline": [{"polls": 1}]}]}}}"#, path: "apis.jobs.runs[0].timeline[0]", says: "needs \"state\""),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"id": "a"}, {"id": "a"}]}}}"#, path: "apis.jobs.runs[1].id", says: "already used by runs[0]"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"id": "a", "match": {"name": "x"}}]}}}"#, path: "apis.jobs.runs[0]", says: "not both"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"match": {"colour": "x"}}]}}}"#, path: "apis.jobs.runs[0].match.colour", says: "allowed here: name"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"on": {"pause": {"timeline": [{"state": "DONE"}]}}}]}}}"#, path: "apis.jobs.runs[0].on.pause", says: "allowed here: cancel"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"loop": true, "notFoundAfter": 1}]}}}"#, path: "apis.jobs.runs[0].notFoundAfter", says: "looping"),
        Broken(text: #"{"apis": {"jobs": {"latency": {"status": "slow"}}}}"#, path: "apis.jobs.latency.status", says: "expected a number of milliseconds"),
        Broken(text: #"{"apis": {"jobs": {"latency": {"poll": 5}}}}"#, path: "apis.jobs.latency.poll", says: "allowed here: *, create, status, cancel"),
        Broken(text: #"{"apis": {"jobs": {"latency": {"*": {"uniform": [5, 1]}}}}}"#, path: #"apis.jobs.latency["*"].uniform"#, says: "must not be above max"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"endpoint": "status", "respond": {"status": 500}}]}}}"#, path: "apis.jobs.faults[0]", says: "exactly one of \"nth\", \"every\" or \"probability\""),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1}]}}}"#, path: "apis.jobs.faults[0]", says: "exactly one of \"respond\""),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "drop": "slam"}]}}}"#, path: "apis.jobs.faults[0].drop", says: "allowed: reset, empty"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 700}}]}}}"#, path: "apis.jobs.faults[0].respond.status", says: "200 to 599"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 100}}]}}}"#, path: "apis.jobs.faults[0].respond.status", says: "1xx answer is interim"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 101}}]}}}"#, path: "apis.jobs.faults[0].respond.status", says: "200 to 599"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 500, "headers": {"X-A": "\#(String(repeating: "a", count: 4097))"}}}]}}}"#, path: #"apis.jobs.faults[0].respond.headers["X-A"]"#, says: "at most 4096"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 500, "contentType": "\#(String(repeating: "a", count: 256))"}}]}}}"#, path: "apis.jobs.faults[0].respond.contentType", says: "a media type"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"fields": {"label": "a\u0000b"}}]}}}"#, path: "apis.jobs.runs[0].fields.label", says: "goes into a header"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"fields": {"label": "a\r\nX: 1"}}]}}}"#, path: "apis.jobs.runs[0].fields.label", says: "without control characters"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"timeline": [{"state": "DONE", "fields": {"label": "\#(String(repeating: "n", count: 256))"}}]}]}}}"#, path: "apis.jobs.runs[0].timeline[0].fields.label", says: "1 to 255 bytes"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"fields": {"label": 5}}]}}}"#, path: "apis.jobs.runs[0].fields.label", says: "expected text"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"probability": 1.5, "drop": "empty"}]}}}"#, path: "apis.jobs.faults[0].probability", says: "between 0 and 1"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "hang": false}]}}}"#, path: "apis.jobs.faults[0].hang", says: "only true is allowed"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "hang": true, "delay": 5}]}}}"#, path: "apis.jobs.faults[0].delay", says: "never answered"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "hang": true, "drop": "empty"}]}}}"#, path: "apis.jobs.faults[0]", says: "found drop, hang"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "delay": 600001}]}}}"#, path: "apis.jobs.faults[0].delay", says: "at most 600000"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "delay": "1s"}]}}}"#, path: "apis.jobs.faults[0].delay", says: "expected a number"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "trickle": {"bytesPerSecond": 0}}]}}}"#, path: "apis.jobs.faults[0].trickle.bytesPerSecond", says: "must be at least 1"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "trickle": {}}]}}}"#, path: "apis.jobs.faults[0].trickle", says: "needs \"bytesPerSecond\""),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "trickle": {"bytesPerSecond": 5, "burst": 1}}]}}}"#, path: "apis.jobs.faults[0].trickle.burst", says: "unknown key"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "hang": true, "trickle": {"bytesPerSecond": 5}}]}}}"#, path: "apis.jobs.faults[0].trickle", says: "no body to trickle"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 429, "retryAfter": "5"}}]}}}"#, path: "apis.jobs.faults[0].respond.retryAfter", says: "expected seconds (a whole number) or {\"httpDate\": seconds}"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 429, "retryAfter": -1}}]}}}"#, path: "apis.jobs.faults[0].respond.retryAfter", says: "must be at least 0"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 429, "retryAfter": {"date": 5}}}]}}}"#, path: "apis.jobs.faults[0].respond.retryAfter.date", says: "allowed here: httpDate"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 429, "retryAfter": {"httpDate": 1e12}}}]}}}"#, path: "apis.jobs.faults[0].respond.retryAfter.httpDate", says: "at most 315360000"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 200, "contentType": ""}}]}}}"#, path: "apis.jobs.faults[0].respond.contentType", says: "a media type"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 200, "truncate": "yes"}}]}}}"#, path: "apis.jobs.faults[0].respond.truncate", says: "expected true or false"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 502, "body": {"html": 5}}}]}}}"#, path: "apis.jobs.faults[0].respond.body.html", says: "expected a string"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"runIndex": 0, "nth": 1, "drop": "empty"}]}}}"#, path: "apis.jobs.faults[0].runIndex", says: "must be at least 1"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"run": "a", "runIndex": 2, "nth": 1, "drop": "empty"}]}}}"#, path: "apis.jobs.faults[0]", says: "aims at a run one way"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"match": {"nope": "x"}, "nth": 1, "drop": "empty"}]}}}"#, path: "apis.jobs.faults[0].match.nope", says: "unknown key \"nope\""),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"match": {}, "nth": 1, "drop": "empty"}]}}}"#, path: "apis.jobs.faults[0].match", says: "names no field"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"faults": [{"run": "x", "nth": 1, "drop": "empty"}]}]}}}"#, path: "apis.jobs.runs[0].faults[0].run", says: "unknown key \"run\""),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"faults": {"nth": 1}}]}}}"#, path: "apis.jobs.runs[0].faults", says: "expected an array of faults"),
        Broken(text: #"{"apis": {"jobs": {"defaultRun": {"faults": []}}}}"#, path: "apis.jobs.defaultRun.faults", says: "unknown key \"faults\""),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"when": {"headers": {"a": "b"}}, "nth": 1, "drop": "empty"}]}}}"#, path: "apis.jobs.faults[0].when.headers", says: "allowed here: header, query, bodyContains"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"when": {}, "nth": 1, "drop": "empty"}]}}}"#, path: "apis.jobs.faults[0].when", says: "names nothing to match"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"when": {"header": {"X-Id": 5}}, "nth": 1, "drop": "empty"}]}}}"#, path: #"apis.jobs.faults[0].when.header["X-Id"]"#, says: "expected a string"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"when": {"query": []}, "nth": 1, "drop": "empty"}]}}}"#, path: "apis.jobs.faults[0].when.query", says: "expected query parameter names"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"when": {"bodyContains": ""}, "nth": 1, "drop": "empty"}]}}}"#, path: "apis.jobs.faults[0].when.bodyContains", says: "must not be empty"),
        Broken(text: #"{"apis": {"jobs": {"auth": {"credentials": [{"key": "k", "revokedWhen": {"state": "DONE", "then": 402}}]}}}}"#, path: "apis.jobs.auth.credentials[0].revokedWhen.then", says: "expected 401 or 403, found 402"),
        Broken(text: #"{"apis": {"jobs": {"auth": {"credentials": [{"key": "k", "validForRequests": {"then": 403}}]}}}}"#, path: "apis.jobs.auth.credentials[0].validForRequests", says: "needs \"requests\""),
        Broken(text: #"{"apis": {"jobs": {"auth": {"credentials": [{"key": "k", "validForRequests": {"requests": 2, "then": "403"}}]}}}}"#, path: "apis.jobs.auth.credentials[0].validForRequests.then", says: "expected 401 or 403"),
        Broken(text: #"{"apis": {"jobs": {"auth": {"credentials": [{"key": "k", "expiresAfterSeconds": -1}]}}}}"#, path: "apis.jobs.auth.credentials[0].expiresAfterSeconds", says: "must be at least 0"),
        Broken(text: #"{"apis": {"jobs": {"defaultRun": {"timeline": [{"state": "DONE", "retryAfter": -2}]}}}}"#, path: "apis.jobs.defaultRun.timeline[0].retryAfter", says: "must be at least 0"),
        Broken(text: #"{"apis": {"jobs": {"defaultRun": {"timeline": [{"state": "DONE", "latency": {"gauss": 1}}]}}}}"#, path: "apis.jobs.defaultRun.timeline[0].latency.gauss", says: "unknown latency form"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"from": 0, "drop": "empty"}]}}}"#, path: "apis.jobs.faults[0].from", says: "must be at least 1"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"times": "2", "drop": "empty"}]}}}"#, path: "apis.jobs.faults[0].times", says: "expected a whole number, found a string"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"from": 2, "nth": 1, "every": 2, "drop": "empty"}]}}}"#, path: "apis.jobs.faults[0]", says: "or a range (\"from\", \"times\"); found nth, every"),
        Broken(text: #"{"apis": {"jobs": {"auth": {"credentials": [""]}}}}"#, path: "apis.jobs.auth.credentials[0]", says: "must not be empty"),
        Broken(text: #"{"apis": {"jobs": {"auth": {"credentials": [{"key": "k", "permissions": ["admin"]}]}}}}"#, path: "apis.jobs.auth.credentials[0].permissions[0]", says: "allowed: read, write"),
        Broken(text: #"{"apis": {"jobs": {"auth": {"keys": ["k"]}}}}"#, path: "apis.jobs.auth.keys", says: "allowed here: credentials"),
        Broken(text: #"{"apis": {"jobs": {"settings": {"style": "kebab"}}}}"#, path: "apis.jobs.settings.style", says: "allowed: camel, snake"),
        Broken(text: #"{"apis": {"other": {"settings": {}}}}"#, path: "apis.other.settings", says: "has no settings"),
        Broken(
            text: #"{"apis": {"jobs": {"runs": [{"timeline": [{"state": "DONE", "fields": {"eror": "x"}}]}]}}}"#,
            path: "apis.jobs.runs[0].timeline[0].fields.eror", says: "jobs shows no field \"eror\"; allowed: pct, error"),
        Broken(text: #"{"apis": {"jobs": {"runs": [{"fields": {"pcts": 1}}]}}}"#, path: "apis.jobs.runs[0].fields.pcts", says: "allowed: pct, error"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 500, "headers": {"Date": ""}}}]}}}"#, path: "apis.jobs.faults[0].respond.headers.Date", says: "a header value must not be empty"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 500, "headers": {"X-A": "a\r\nSet-Cookie: b"}}}]}}}"#, path: #"apis.jobs.faults[0].respond.headers["X-A"]"#, says: "must not hold control characters"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 500, "headers": {"X-A": "a\u0000b"}}}]}}}"#, path: #"apis.jobs.faults[0].respond.headers["X-A"]"#, says: "must not hold control characters"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 500, "headers": {"X A:": "v"}}}]}}}"#, path: #"apis.jobs.faults[0].respond.headers["X A:"]"#, says: "is not a header name: allowed are letters, digits and"),
        Broken(text: #"{"apis": {"jobs": {"faults": [{"nth": 1, "respond": {"status": 500, "headers": {"": "v"}}}]}}}"#, path: #"apis.jobs.faults[0].respond.headers[""]"#, says: "a header needs a name"),
        Broken(text: #"{"apis": {"jobs": {"auth": {"credentials": [7]}}}}"#, path: "apis.jobs.auth.credentials[0]", says: "expected a credential: a string, or an object with \"key\"; found a number"),
    ]

    @Test(arguments: corpus)
    func brokenFileIsRefusedWithPathAndReason(_ broken: Broken) {
        do {
            _ = try loader.load(Array(broken.text.utf8), file: "broken.json")
            Issue.record("accepted: \(broken.text)")
        } catch {
            #expect(error.file == "broken.json")
            let match = error.issues.first { $0.path == broken.path && $0.message.contains(broken.says) }
            #expect(match != nil, "got: \(error.description)")
            #expect(error.description.hasPrefix("broken.json: "))
        }
    }

    /// An API whose requests name a run in the query (Foundry's key "SCR_1/error/transform") takes ids with "/";
    /// a control character stays refused there too.
    @Test func aQueryNamedIDMayHoldASlash() throws {
        var queryNamed = testAPI
        queryNamed.idsInPath = false
        let loader = ScenarioLoader(apis: [queryNamed])
        let loaded = try loader.load(Array(#"{"apis": {"jobs": {"runs": [{"id": "SCR_1/error/transform"}]}}}"#.utf8), file: "f.json")
        #expect(loaded.apis["jobs"]?.runs.first?.id == "SCR_1/error/transform")
        #expect(throws: ScenarioError.self) {
            try loader.load(Array(#"{"apis": {"jobs": {"runs": [{"id": "a\u0000/b"}]}}}"#.utf8), file: "f.json")
        }
    }

    @Test func everyIssueIsReportedNotOnlyTheFirst() {
        let text = #"{"seed": "x", "clock": {"mode": "fast"}, "apis": {"jobs": {"latency": {"poll": 1}}}}"#
        #expect(throws: ScenarioError.self) { try loader.load(Array(text.utf8), file: "f.json") }
        do {
            _ = try loader.load(Array(text.utf8), file: "f.json")
        } catch {
            #expect(Set(error.issues.map(\.path)) == ["seed", "clock.mode", "apis.jobs.latency.poll"])
        }
    }

    @Test func arbitraryBytesNeverCrash() {
        var random = SeededRandom(seed: 42)
        let alphabet = Array(#"{}[]",:0123456789-.eE truefalsnul"\u00"#.utf8) + [0xFF, 0xC3, 0x0A]
        for length in 0..<400 {
            let bytes = (0..<length % 60).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            _ = try? loader.load(bytes, file: "fuzz.json")
        }
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: ScenarioError.self) { try loader.load(Array(deep.utf8), file: "deep.json") }
    }

    @Test func everyPartOfAFaultIsChecked() {
        let text = #"{"apis": {"jobs": {"faults": [{"endpoint": "poll", "nth": 0, "respond": {"status": 99}}], "settings": {"style": 1}}}}"#
        do {
            _ = try loader.load(Array(text.utf8), file: "f.json")
            Issue.record("accepted")
        } catch {
            #expect(error.issues.map(\.path) == [
                "apis.jobs.faults[0].endpoint", "apis.jobs.faults[0].nth", "apis.jobs.faults[0].respond.status",
                "apis.jobs.settings.style",
            ])
            #expect(error.issues.last?.message == #"expected one of "camel", "snake" (a string), found a number"#)
        }
    }

    @Test func oneProblemDoesNotHideTheNextOrAddNoise() {
        let text = #"{"apis": {"jobs": {"runs": [{"timeline": [{"state": "RUNING", "polls": 0}, {"state": "DONE"}]}]}}}"#
        do {
            _ = try loader.load(Array(text.utf8), file: "f.json")
            Issue.record("accepted")
        } catch {
            #expect(error.issues.map(\.path) == ["apis.jobs.runs[0].timeline[0].state", "apis.jobs.runs[0].timeline[0].polls"])
        }
    }

    @Test func anEventCanChangeOnlyWhereItIsAllowedFrom() throws {
        var e = Engine(
            scenario: try scenario(#"{"apis": {"jobs": {"defaultRun": {"on": {"cancel": {"allowedFrom": ["RUNNING"]}}}}}}"#),
            apis: [testAPI, otherAPI], time: ManualTimeSource())
        let id = e.createRun(api: "jobs", request: [:]).id
        guard case .refused = e.send("cancel", api: "jobs", id: id) else { Issue.record("cancel from QUEUED allowed"); return }
        _ = e.states(id, reads: 2)
        guard case .accepted(let run) = e.send("cancel", api: "jobs", id: id) else { Issue.record("not accepted"); return }
        #expect(run.state == "CANCELLING")  // the API's own cancel timeline
    }

    @Test func minimalFileGetsEveryDefault() throws {
        let s = try scenario("{}", file: "dir/my-scenario.json")
        #expect(s.name == "my-scenario")
        #expect(s.seed == 0)
        #expect(s.clock == ClockSpec())
        #expect(s.apis["jobs"]?.settings["style"] == "camel")
        #expect(s.apis["jobs"]?.defaultRun.timeline == testAPI.defaultTimeline)
        #expect(s.apis["other"] != nil)
    }

    @Test func schemaNamesEveryStateAndEndpoint() {
        let schema = ScenarioSchema.document(apis: [testAPI, otherAPI]).serialized()
        for word in testAPI.states + testAPI.endpoints + ["\"polls\"", "\"virtual\"", "notFoundAfter", "otherPhase"] {
            #expect(schema.contains(word), "schema lacks \(word)")
        }
        #expect(throws: Never.self) { try JSON.parse(schema) }
    }
}

@Suite struct JSONTests {
    @Test func roundTripKeepsOrderAndEscapes() throws {
        let text = #"{"b":1,"a":[true,false,null,-2.5,"x\"\n\u0001é😀"],"c":{}}"#
        let value = try JSON.parse(text)
        #expect(value.serialized() == #"{"b":1,"a":[true,false,null,-2.5,"x\"\n\u0001é😀"],"c":{}}"#)
        #expect(try JSON.parse(value.prettyPrinted()) == value)
    }

    @Test func syntaxErrorsSayWhere() {
        #expect(throws: JSONSyntaxError(message: "duplicate key \"a\"", line: 1, column: 9)) {
            try JSON.parse(#"{"a":1, "a":2}"#)
        }
        #expect(throws: JSONSyntaxError.self) { try JSON.parse("01") }
        #expect(throws: JSONSyntaxError.self) { try JSON.parse("\"\u{01}\"") }
        #expect(throws: JSONSyntaxError.self) { try JSON.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func timestampsRoundTrip() {
        let t = Timestamp.parse("2025-02-05T22:40:19.923Z")
        #expect(t?.iso8601(fractionDigits: 3) == "2025-02-05T22:40:19.923Z")
        #expect(t?.iso8601(fractionDigits: 7, zulu: false) == "2025-02-05T22:40:19.9230000")
        #expect(Timestamp.parse("2025-01-13T05:51:03+02:00")?.iso8601() == "2025-01-13T03:51:03Z")
        #expect(Timestamp.parse("1969-12-31T23:59:59Z")?.milliseconds == -1000)
        #expect(Timestamp.parse("2025-13-01T00:00:00Z") == nil)
        #expect(Timestamp.parse("2025-01-01") == nil)
        #expect(Timestamp.parse("1994-11-06T08:49:37Z")?.httpDate == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(Timestamp.defaultEpoch.httpDate == "Wed, 01 Jan 2025 00:00:00 GMT")
        #expect(Timestamp.parse("1969-12-31T23:59:59Z")?.httpDate == "Wed, 31 Dec 1969 23:59:59 GMT")
    }
}
