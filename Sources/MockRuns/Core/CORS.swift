import MockRunsHTTP

/// CORS for the faked APIs (`--cors ORIGIN|*`), so a browser front end can poll the workspace or WES API
/// straight from a page. Off by default: the real services' CORS behaviour is not documented, and a server that
/// answers every origin is not what a client should learn to expect. The admin API keeps its own, stricter
/// guard (`--admin-cors`).
public struct CORSPolicy: Sendable, Equatable {
    /// Allowed origins (`http://localhost:3000`), or `*` for any.
    public var origins: [String]

    public init(origins: [String] = []) {
        self.origins = origins
    }

    public var isEnabled: Bool { !origins.isEmpty }

    public func allows(_ origin: String) -> Bool {
        guard CORSPolicy.isOrigin(origin) else { return false }
        return origins.contains("*") || origins.contains { Credentials.equal($0, origin) }
    }

    /// Whether `text` can be given to `--cors`: `*`, or `scheme://host[:port]` with nothing after it (what a
    /// browser sends in `Origin`).
    public static func isValidSetting(_ text: String) -> Bool {
        text == "*" || isOrigin(text)
    }

    /// An origin as browsers send it: `http(s)://` and a host (and port) of URL-safe bytes, no path.
    static func isOrigin(_ text: String) -> Bool {
        guard text.utf8.count <= 255 else { return false }
        for scheme in ["http://", "https://"] where text.hasPrefix(scheme) {
            let host = text.dropFirst(scheme.count)
            return !host.isEmpty && ServerOptions.isHostValue(String(host))
        }
        return false
    }

    /// Headers browsers let a page read without being told (the CORS-safelisted response headers), and those
    /// that only speak to the browser itself.
    private static let unexposed = [
        "cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma",
        "vary", "x-content-type-options",
    ]

    /// Lets the page at `origin` read `response`: the origin echoed (with `Vary: Origin`, so caches keep answers
    /// per origin apart) and every header the answer carries that a page could not read otherwise
    /// (`Retry-After`, `Location`, `Date`, request ids ...) exposed.
    func decorate(_ response: inout HTTPResponse, origin: String) {
        let exposed = response.headers.fields.map(\.name).filter { name in
            !CORSPolicy.unexposed.contains { HTTPHeaders.sameName($0, name) }
                && !name.lowercased().hasPrefix("access-control-")
        }
        response.headers.set("Access-Control-Allow-Origin", origin)
        response.headers.set("Vary", "Origin")
        if !exposed.isEmpty { response.headers.set("Access-Control-Expose-Headers", exposed.joined(separator: ", ")) }
    }

    /// The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`) for a path whose route takes
    /// `methods`: 204 with what the page may send. The headers the page asked for are allowed when they are a
    /// plain list of header names; anything else gets the credential and content headers these APIs use.
    func preflight(_ request: HTTPRequest, origin: String, methods: [String]) -> HTTPResponse {
        let asked = request.headers["Access-Control-Request-Headers"].map { $0.trimmingSpaces() } ?? ""
        let allowed = !asked.isEmpty && asked.utf8.count <= 1024 && CORSPolicy.isHeaderNameList(asked)
            ? asked : "Authorization, Content-Type, X-SBG-Auth-Token, X-API-Key"
        return CORSPolicy.preflightAnswer(origin: origin, methods: methods + ["OPTIONS"], headers: allowed)
    }

    /// 204 telling the browser that `origin` may send `methods` with `headers` (cached for ten minutes).
    static func preflightAnswer(origin: String, methods: [String], headers: String) -> HTTPResponse {
        var response = HTTPResponse(status: 204)
        response.headers.set("Access-Control-Allow-Origin", origin)
        response.headers.set("Access-Control-Allow-Methods", methods.joined(separator: ", "))
        response.headers.set("Access-Control-Allow-Headers", headers)
        response.headers.set("Access-Control-Max-Age", "600")
        response.headers.set("Vary", "Origin")
        return response
    }

    /// `a, b-c, X_D`: header-name tokens separated by commas (blanks beside a comma allowed), nothing that could
    /// end or forge a header.
    private static func isHeaderNameList(_ text: String) -> Bool {
        text.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { item in
            let name = String(item).trimmingSpaces()
            return !name.isEmpty
                && name.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                }
        }
    }
}
