/// One thing wrong in a scenario file: where (a JSON path such as `apis.wes.runs[0].timeline[2].state`) and
/// what, including what would have been allowed.
public struct ScenarioIssue: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// A scenario file that cannot be served, with every issue found in it.
public struct ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as the user named it.
    public var file: String
    public var issues: [ScenarioIssue]

    public init(file: String, issues: [ScenarioIssue]) {
        self.file = file
        self.issues = issues
    }

    /// One line per issue, each starting with the file name.
    public var description: String {
        issues.map { "\(file): \($0)" }.joined(separator: "\n")
    }
}

/// A path into a JSON document, printed the way people write it: `runs[0].timeline[2].state`. Built for every
/// value the loader visits, so it only records the steps; the text is made when a message needs it.
///
/// The steps are a chain from the last one back to the root, each step made once and shared by every longer
/// path: an array of steps was copied whole at every step down (each copy an allocation, every key retained),
/// ~65,000 of the ~460,000 instructions reading the default scenario at each start.
struct JSONPath: CustomStringConvertible {
    private enum Step {
        case key(String)
        case index(Int)
    }

    private final class Link: Sendable {
        let step: Step
        let parent: Link?
        init(_ step: Step, after parent: Link?) {
            self.step = step
            self.parent = parent
        }
    }

    private var last: Link?

    /// Keys longer than this (in Unicode scalars) are shown cut short, marked by `…` after the closing quote.
    static let keyLimit = 80

    static let root = JSONPath()

    func key(_ key: String) -> JSONPath {
        JSONPath(last: Link(.key(key), after: last))
    }

    func index(_ index: Int) -> JSONPath {
        JSONPath(last: Link(.index(index), after: last))
    }

    /// Root first.
    private var steps: [Step] {
        var steps: [Step] = []
        var link = last
        while let current = link {
            steps.append(current.step)
            link = current.parent
        }
        return steps.reversed()
    }

    var description: String {
        var text = ""
        for step in steps {
            switch step {
            case .index(let i):
                text += "[\(i)]"
            case .key(let key):
                let plain = !key.isEmpty && key.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                        || byte == 0x5F || byte == 0x24
                }
                if !plain {
                    // Written as a JSON string literal, so a key with quotes, brackets, newlines or escape
                    // sequences reads back as exactly one segment and cannot forge a line of output.
                    text += "[" + JSON.quotedForMessage(key, limit: JSONPath.keyLimit) + "]"
                } else if key.utf8.count > JSONPath.keyLimit {
                    text += "[" + JSON.quotedForMessage(key, limit: JSONPath.keyLimit) + "]"
                } else {
                    text += text.isEmpty ? key : "." + key
                }
            }
        }
        return text
    }
}
