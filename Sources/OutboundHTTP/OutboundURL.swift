/// An `http://` or `https://` URL cut into what a connection needs. Only what HTTP/1.1 clients send is taken:
/// no user info, no fragment, no control characters or spaces anywhere.
public struct OutboundURL: Sendable, Equatable, CustomStringConvertible {
    public var isHTTPS: Bool
    /// The host as written, without IPv6 brackets (`::1`, `api.example.org`, `127.0.0.1`).
    public var host: String
    public var port: Int
    /// Path and query, starting with `/` (`/ga4gh/wes/v1/runs?page_size=5`).
    public var target: String

    public init(isHTTPS: Bool, host: String, port: Int, target: String = "/") {
        self.isHTTPS = isHTTPS
        self.host = host
        self.port = port
        self.target = target
    }

    /// Parses `text`, or says what is wrong with it.
    public static func parse(_ text: String) -> Result<OutboundURL, OutboundError> {
        func bad(_ why: String) -> Result<OutboundURL, OutboundError> {
            .failure(OutboundError(.invalidURL, "invalid URL \(OutboundError.printable(text)): \(why)"))
        }
        if text.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) { return bad("spaces and control characters are not allowed") }
        let isHTTPS: Bool
        var rest: Substring
        if text.lowercased().hasPrefix("https://") {
            isHTTPS = true
            rest = text.dropFirst(8)
        } else if text.lowercased().hasPrefix("http://") {
            isHTTPS = false
            rest = text.dropFirst(7)
        } else {
            return bad("expected http://HOST[:PORT][/PATH] or https://...")
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if target.isEmpty { target = "/" } else if target.hasPrefix("?") { target = "/" + target }
        if authority.contains("@") { return bad("user info (user@host) is not supported; send credentials as headers") }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return bad("an IPv6 address needs its closing ]") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return bad("only :PORT may follow ]") }
                portText = after.dropFirst()
            }
        } else {
            let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            if parts.count == 2 { portText = parts[1] }
        }
        guard !host.isEmpty else { return bad("no host") }
        guard host.utf8.count <= 253 else { return bad("the host is longer than 253 bytes") }
        var port = isHTTPS ? 443 : 80
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else { return bad("the port must be from 1 to 65535") }
            port = value
        }
        return .success(OutboundURL(isHTTPS: isHTTPS, host: String(host), port: port, target: target))
    }

    /// `host:port` as a Host header writes it (IPv6 in brackets; the default port left out).
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isHTTPS ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// The URL of `target` on the same server.
    public func with(target: String) -> OutboundURL {
        var copy = self
        copy.target = target.hasPrefix("/") ? target : "/" + target
        return copy
    }

    public var description: String { "\(isHTTPS ? "https" : "http")://\(hostHeader)\(target)" }
}
