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

/// A path into a JSON document, printed the way people write it: `runs[0].timeline[2].state`.
struct JSONPath: CustomStringConvertible {
    private var text: String

    static let root = JSONPath(text: "")

    func key(_ key: String) -> JSONPath {
        let plain = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "$" }
        let part = plain ? key : "[\"\(key)\"]"
        if text.isEmpty { return JSONPath(text: plain ? part : part) }
        return JSONPath(text: text + (plain ? "." + part : part))
    }

    func index(_ index: Int) -> JSONPath {
        JSONPath(text: text + "[\(index)]")
    }

    var description: String { text }
}
