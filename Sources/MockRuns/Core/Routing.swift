import MockRunsHTTP

/// Matches a path against a pattern such as `/api/v1/processruns/{id}/steps/{stepId}`; segments in braces
/// capture. Used by the fakes to keep their route tables declarative.
public struct PathPattern: Sendable {
    public let pattern: String
    private let segments: [Segment]
    private let caseInsensitive: Bool

    private enum Segment: Sendable {
        case literal(String)
        case capture(String)
    }

    public init(_ pattern: String, caseInsensitive: Bool = false) {
        self.pattern = pattern
        self.caseInsensitive = caseInsensitive
        segments = pattern.split(separator: "/").map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") {
                return .capture(String(part.dropFirst().dropLast()))
            }
            return .literal(caseInsensitive ? part.lowercased() : String(part))
        }
    }

    /// The captured parameters, or nil when `path` does not fit. A trailing slash is ignored.
    public func match(_ path: String) -> [String: String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count == segments.count else { return nil }
        var captured: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let text):
                guard (caseInsensitive ? part.lowercased() : String(part)) == text else { return nil }
            case .capture(let name):
                captured[name] = String(part)
            }
        }
        return captured
    }
}

/// One row of a fake's route table: method, pattern and the endpoint name scenarios use.
public struct Route: Sendable {
    public let method: String
    public let path: PathPattern
    public let endpoint: String
    /// The path parameter that names the run, if any.
    public let runParameter: String?

    public init(_ method: String, _ pattern: String, endpoint: String, run: String? = nil, caseInsensitive: Bool = false) {
        self.method = method
        self.path = PathPattern(pattern, caseInsensitive: caseInsensitive)
        self.endpoint = endpoint
        self.runParameter = run
    }

    public var summary: String { "\(method) \(path.pattern)" }
}

extension Array where Element == Route {
    /// The endpoint for `request`: nil when no pattern fits the path; a 405 when one fits but not the method.
    public func endpoint(for request: HTTPRequest) throws(APIError) -> Endpoint? {
        var allowed: [String] = []
        for route in self {
            guard let parameters = route.path.match(request.path) else { continue }
            let method = request.method == "HEAD" ? "GET" : request.method
            if route.method == method {
                return Endpoint(route.endpoint, runID: route.runParameter.flatMap { parameters[$0] }, parameters: parameters)
            }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        if allowed.isEmpty { return nil }
        throw APIError.methodNotAllowed(request.method, request.path, allowed: allowed)
    }

    /// As `endpoint(for:)`, and also a 404 for any other path under one of `prefixes` (compared without regard
    /// to case), so a mistyped path of this API gets this API's own error body.
    public func endpoint(for request: HTTPRequest, claiming prefixes: [String]) throws(APIError) -> Endpoint? {
        if let endpoint = try endpoint(for: request) { return endpoint }
        let path = request.path.lowercased()
        let claimed = prefixes.contains { prefix in
            let prefix = prefix.lowercased()
            return path == prefix || path.hasPrefix(prefix.hasSuffix("/") ? prefix : prefix + "/")
        }
        guard claimed else { return nil }
        throw APIError(404, "no endpoint \(request.method) \(request.path); served here: \(summaries.joined(separator: ", "))")
    }

    public var summaries: [String] { map(\.summary) }
}
