/// JUnit XML as CI systems read it (GitHub Actions, GitLab, Jenkins): suites of test cases that passed, failed
/// with a message and details, or were skipped with a reason. Shared by `mockruns verify` and `mockruns contract`.
public struct JUnitXML: Sendable {
    public enum Outcome: Sendable {
        case passed
        case skipped(String)
        case failed(message: String, type: String, details: String)
    }

    public struct TestCase: Sendable {
        public var suite: String
        public var classname: String
        public var name: String
        public var outcome: Outcome

        public init(suite: String, classname: String, name: String, outcome: Outcome) {
            self.suite = suite
            self.classname = classname
            self.name = name
            self.outcome = outcome
        }
    }

    public var name: String
    public var cases: [TestCase]

    public init(name: String, cases: [TestCase]) {
        self.name = name
        self.cases = cases
    }

    /// One testsuite per suite name, in the order they first appear.
    public var document: String {
        func counts(_ cases: [TestCase]) -> String {
            var failures = 0
            var skipped = 0
            for c in cases {
                switch c.outcome {
                case .passed: break
                case .skipped: skipped += 1
                case .failed: failures += 1
                }
            }
            return "tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\""
        }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"\(Self.escape(name))\" \(counts(cases))>\n"
        let suites = cases.map(\.suite).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for suite in suites {
            let mine = cases.filter { $0.suite == suite }
            out += "  <testsuite name=\"\(Self.escape(suite))\" \(counts(mine))>\n"
            for c in mine {
                out += "    <testcase classname=\"\(Self.escape(c.classname))\" name=\"\(Self.escape(c.name))\" time=\"0\""
                switch c.outcome {
                case .passed:
                    out += "/>\n"
                case .skipped(let message):
                    out += ">\n      <skipped message=\"\(Self.escape(message))\"/>\n    </testcase>\n"
                case .failed(let message, let type, let details):
                    out += ">\n      <failure message=\"\(Self.escape(message))\" type=\"\(Self.escape(type))\">"
                        + Self.escape(details) + "</failure>\n    </testcase>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }

    /// Text for XML attributes and content; characters XML 1.0 cannot hold become U+FFFD.
    public static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\t", "\r": out.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
