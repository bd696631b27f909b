import Scenarios
import Testing

/// Validation messages echo keys and values a file controls; none of them may split, forge or recolour a line
/// of `mockruns validate` output, and every path must read back as the keys it names.
@Suite struct MessageQuotingTests {
    static let hostile = [
        "a\nb", "x\"]; y: forged", "\u{1b}[31mred\u{1b}[0m", "nul\u{0}", "del\u{7f}", "c1\u{85}next",
        "line\u{2028}sep", "bidi\u{202e}txet", "back\\slash", "tab\there", "cr\rhere",
    ]

    static func load(_ text: String) throws(ScenarioError) -> Scenario {
        try loader.load(Array(text.utf8), file: "hostile.json")
    }

    static func isSafe(_ text: String) -> Bool {
        !text.unicodeScalars.contains { s in
            s.value < 0x20 || (0x7F...0x9F).contains(s.value) || [0x2028, 0x2029, 0x202E].contains(s.value)
        }
    }

    /// Reads a path as `JSONPath` writes it back into its steps: names, `[n]` and `["json string"]`.
    static func steps(of path: String) throws -> [String] {
        var steps: [String] = []
        var rest = Substring(path)
        while !rest.isEmpty {
            if rest.hasPrefix("[\"") {
                // The quoted key is a JSON string literal: let the JSON parser find where it ends.
                var end = rest.index(after: rest.startIndex)
                var escaped = false
                var index = rest.index(after: end)
                while index < rest.endIndex {
                    let c = rest[index]
                    if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { break }
                    index = rest.index(after: index)
                }
                end = rest.index(after: index)
                let literal = String(rest[rest.index(after: rest.startIndex)..<end])
                guard let key = try JSON.parse(literal).stringValue else { throw JSONSyntaxError(message: "not a key", line: 0, column: 0) }
                steps.append(key)
                #expect(rest[end] == "]")
                rest = rest[rest.index(after: end)...]
            } else if rest.hasPrefix("[") {
                let close = try #require(rest.firstIndex(of: "]"))
                steps.append(String(rest[rest.index(after: rest.startIndex)...close].dropLast()))
                rest = rest[rest.index(after: close)...]
            } else {
                if rest.hasPrefix(".") { rest = rest.dropFirst() }
                let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
                steps.append(String(rest[..<end]))
                rest = rest[end...]
            }
        }
        return steps
    }

    /// Plain printable ASCII is quoted whole (the short way); at the limit it is whole, past it cut with `…`.
    @Test func plainTextIsQuotedWholeUpToTheLimit() {
        #expect(JSON.quotedForMessage("workflow_url") == "\"workflow_url\"")
        #expect(JSON.quotedForMessage("") == "\"\"")
        #expect(JSON.quotedForMessage("a b~{}", limit: 6) == "\"a b~{}\"")
        #expect(JSON.quotedForMessage("abcdefg", limit: 6) == "\"abcdef\"…")
        #expect(JSON.quotedForMessage("say \"hi\"") == #""say \"hi\"""#)
        #expect(JSON.quotedForMessage("é", limit: 1) == "\"é\"")
        #expect(JSON.quotedForMessage("\u{7f}") == "\"\\u007F\"")
    }

    @Test func hostileKeysAreQuotedAndPathsRoundTrip() throws {
        for key in Self.hostile {
            let name = JSON.string(key).serialized()
            let text = #"{"apis": {"jobs": {"runs": [{"fields": {"# + name + #": 1}}]}}, "# + name + #": 2}"#
            do {
                _ = try Self.load(text)
                Issue.record("accepted \(name)")
            } catch {
                #expect(error.issues.count == 2)
                for issue in error.issues {
                    #expect(Self.isSafe(issue.path), "\(issue)")
                    #expect(Self.isSafe(issue.message), "\(issue)")
                    #expect(issue.message.contains(JSON.quotedForMessage(key)))
                }
                // One line per issue, each starting with the file name: nothing forged a line of its own.
                let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false)
                #expect(lines.count == error.issues.count)
                #expect(lines.allSatisfy { $0.hasPrefix("hostile.json: ") && Self.isSafe(String($0)) })
                let paths = try error.issues.map { try Self.steps(of: $0.path) }
                #expect(paths.contains(["apis", "jobs", "runs", "0", "fields", key]))
                #expect(paths.contains([key]))
            }
        }
    }

    @Test func hostileValuesAreQuoted() throws {
        for value in Self.hostile {
            let v = JSON.string(value).serialized()
            let text = """
                {"clock": {"mode": \(v), "epoch": \(v)}, "apis": {"jobs": {
                  "faults": [{"endpoint": \(v), "nth": 1, "drop": \(v)}],
                  "settings": {"style": \(v)},
                  "latency": {"*": {\(v): 1}},
                  "runs": [{"id": \(v)}, {"id": \(v)}, {"timeline": [{"state": \(v)}]}]}}}
                """
            do {
                _ = try Self.load(text)
                Issue.record("accepted \(v)")
            } catch {
                #expect(error.issues.count >= 8)
                #expect(error.issues.allSatisfy { Self.isSafe($0.description) }, "\(error)")
                #expect(error.issues.filter { $0.message.contains(JSON.quotedForMessage(value)) }.count >= 7, "\(error)")
            }
        }
    }

    @Test func syntaxErrorsQuoteKeys() {
        #expect(throws: ScenarioError.self) { try Self.load(#"{"a\u001b[2J": 1, "a\u001b[2J": 2}"#) }
        do {
            _ = try Self.load(#"{"a\u001b[2J": 1, "a\u001b[2J": 2}"#)
        } catch {
            #expect(error.issues.first?.message.contains(#"duplicate key "a\u001B[2J""#) == true, "\(error)")
        }
    }

    @Test func longTextIsCutShort() throws {
        let key = String(repeating: "k", count: 5_000)
        do {
            _ = try Self.load(#"{""# + key + #"": 1}"#)
            Issue.record("accepted a 5,000-character key")
        } catch {
            let issue = try #require(error.issues.first)
            #expect(issue.path == "[\"" + String(repeating: "k", count: 80) + "\"…]")
            #expect(issue.message.hasPrefix("unknown key \"" + String(repeating: "k", count: 80) + "\"…;"))
            #expect(issue.description.count < 400)
        }
        #expect(JSON.quotedForMessage("plain") == "\"plain\"")
        #expect(JSON.quotedForMessage("a\u{0}\u{7f}\u{9b}\u{2028}é") == #""a\u0000\u007F\u009B\u2028é""#)
    }
}
