import MockRunsHTTP
import Scenarios

/// How the server presents itself and guards its admin API: set from the command line, the same for every request.
public struct ServerOptions: Sendable {
    /// With a token, every admin request needs `Authorization: Bearer TOKEN` (compared byte for byte).
    public var adminToken: String?
    /// Browser origins (`http://localhost:3000`) allowed to call the admin API; `*` allows any. By default an
    /// admin request carrying an `Origin` other than the server's own is refused: a web page the developer
    /// happens to visit must not reset, load or stop scenarios.
    public var adminOrigins: [String]
    /// Admin requests must name a loopback host in `Host` (defeats DNS rebinding) unless an admin token is set:
    /// true when the server listens on a loopback address.
    public var loopbackOnly: Bool
    /// The URL clients reach this server by (`https://mock.example:8443`), for URLs written into answers (WES
    /// log URLs). Unset: `X-Forwarded-Proto`/`X-Forwarded-Host` when a proxy sends them, else the `Host` header.
    public var publicURL: String?
    /// Strict contract mode for every scenario (`--strict`); a scenario can also ask for it with `"strict": true`.
    public var strict: Bool
    /// Where `POST /__mockruns/report` (and the CLI at exit) writes the verification report: JUnit XML when the
    /// name ends in `.xml`, else JSON.
    public var reportPath: String?
    /// CORS for the faked APIs (`--cors`); off when it lists no origin.
    public var cors: CORSPolicy
    /// The server itself serves HTTPS (`--tls-cert`, `--tls-self-signed`): URLs written into answers start with
    /// `https://` unless `publicURL` or `X-Forwarded-Proto` says otherwise.
    public var servesHTTPS: Bool
    /// The most sessions `POST /__mockruns/sessions` may have made and not yet ended (`--max-sessions`; the root,
    /// `default`, is not counted). 0 turns sessions off.
    public var maxSessions: Int
    /// Seconds a session may go without a request before it ends (`--session-ttl`); nil: sessions last until
    /// deleted. The root never ends.
    public var sessionTTL: Double?

    public static let defaultMaxSessions = 1000
    /// `--max-sessions` at most: each idle session costs a few KiB, a busy one up to its journal and runs.
    public static let maximumMaxSessions = 100_000

    public init(
        adminToken: String? = nil, adminOrigins: [String] = [], loopbackOnly: Bool = true, publicURL: String? = nil,
        strict: Bool = false, reportPath: String? = nil, cors: CORSPolicy = CORSPolicy(), servesHTTPS: Bool = false,
        maxSessions: Int = ServerOptions.defaultMaxSessions, sessionTTL: Double? = nil
    ) {
        self.maxSessions = maxSessions
        self.sessionTTL = sessionTTL
        self.cors = cors
        self.adminToken = adminToken
        self.servesHTTPS = servesHTTPS
        self.strict = strict
        self.reportPath = reportPath
        self.adminOrigins = adminOrigins
        self.loopbackOnly = loopbackOnly
        self.publicURL = publicURL.map { url in
            var url = url
            while url.hasSuffix("/") { url.removeLast() }
            return url
        }
    }

    /// Whether `text` is usable as `--public-url`: `http://` or `https://` and a host, nothing a URL may not hold.
    public static func isValidPublicURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return false }
        let rest = text.drop(while: { $0 != ":" }).dropFirst(3)
        return !rest.isEmpty && !rest.hasPrefix("/") && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") }
    }
}

extension ServerOptions {
    /// Why an admin request is refused (status and message), or nil when it may proceed.
    func adminRefusal(for request: HTTPRequest) -> (status: Int, message: String)? {
        if let token = adminToken {
            guard let given = request.authorization(scheme: "Bearer"), Credentials.equal(given, token) else {
                return (401, "the admin API needs Authorization: Bearer <the --admin-token value>")
            }
        } else if loopbackOnly, let host = request.headers["Host"], !Self.isLoopback(host: host) {
            return (
                403,
                "admin requests must be addressed to a loopback host (Host: 127.0.0.1, [::1] or localhost), not \(Credentials.printable(host)); start with --admin-token to allow others"
            )
        }
        if let origin = request.headers["Origin"], !allowsOrigin(origin, host: request.headers["Host"]) {
            return (
                403,
                "admin requests from the browser origin \(Credentials.printable(origin)) are refused; allow it with --admin-cors ORIGIN"
            )
        }
        if !request.body.isEmpty, request.mediaType != "application/json" {
            return (415, "admin request bodies must be JSON: send Content-Type: application/json")
        }
        return nil
    }

    /// The server's own origin (as the client addressed it), a listed origin, or any with `*`.
    func allowsOrigin(_ origin: String, host: String?) -> Bool {
        // Never `null` (a sandboxed page, a file), nor a value that is no origin (the answer echoes it: an 8 KB one
        // did not fit beside the answer's other headers, and the client got nothing).
        guard CORSPolicy.isOrigin(origin) else { return false }
        if adminOrigins.contains("*") || adminOrigins.contains(where: { Credentials.equal($0, origin) }) { return true }
        guard let host else { return false }
        return Credentials.equal(origin, "http://" + host) || Credentials.equal(origin, "https://" + host)
    }

    /// `localhost`, `127.x.y.z` or `[::1]`, with or without a port; `::1` (an address to listen on, as
    /// `--host` takes it: without brackets or port).
    public static func isLoopback(host: String) -> Bool {
        // Bytes, compared lower-cased as read, without a copy: every admin request asks (the health check CI
        // fixtures poll included), and the arrays an easier version made were a third of a health check.
        var host = host
        return host.withUTF8(isLoopback(name:))
    }

    private static let ipv6Loopback = Array("::1".utf8)
    private static let localhost = Array("localhost".utf8)

    private static func isLoopback(name: UnsafeBufferPointer<UInt8>) -> Bool {
        func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
        func matches(_ range: Range<Int>, _ text: [UInt8]) -> Bool {
            range.count == text.count && zip(range, text).allSatisfy { name[$0].asciiLowercased == $1 }
        }
        if matches(0..<name.count, ipv6Loopback) { return true }
        if name.first == UInt8(ascii: "[") {
            guard let close = name.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let port = (close + 1)..<name.count
            return matches(1..<close, ipv6Loopback)
                && (port.isEmpty || (name[port.lowerBound] == UInt8(ascii: ":") && port.dropFirst().allSatisfy { isDigit(name[$0]) }))
        }
        // Without the port.
        let end = name.lastIndex(of: UInt8(ascii: ":")) ?? name.count
        let suffix = (end - localhost.count)..<end
        if matches(0..<end, localhost) || (end > localhost.count && name[suffix.lowerBound - 1] == UInt8(ascii: ".") && matches(suffix, localhost)) {
            return true
        }
        // 127.x.y.z: four dot-separated parts of at most three digits, each at most 255, the first 127.
        var parts = 0
        var start = 0
        for index in 0...end where index == end || name[index] == UInt8(ascii: ".") {
            let part = start..<index
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ isDigit(name[$0]) }) else { return false }
            let value = part.reduce(0) { $0 * 10 + Int(name[$1] - 48) }
            guard value <= 255, parts > 0 || (part.count == 3 && value == 127) else { return false }
            parts += 1
            start = index + 1
        }
        return parts == 4
    }

    /// The base URL for URLs this server writes into answers.
    static func baseURL(publicURL: String?, servesHTTPS: Bool, headers: HTTPHeaders) -> String {
        if let publicURL { return publicURL }
        let forwardedProto = headers["X-Forwarded-Proto"].flatMap { Self.firstListItem($0) }?.lowercased()
        let scheme = forwardedProto == "https" || forwardedProto == "http" ? forwardedProto! : (servesHTTPS ? "https" : "http")
        let forwardedHost = headers["X-Forwarded-Host"].flatMap { Self.firstListItem($0) }
        let host = [forwardedHost, headers["Host"]].compactMap { $0 }.first(where: Self.isHostValue) ?? "127.0.0.1"
        return scheme + "://" + host
    }

    /// A proxy chain lists one value per hop; the first is what the client used.
    private static func firstListItem(_ value: String) -> String? {
        let first = value.split(separator: ",", maxSplits: 1).first.map { String($0).trimmingSpaces() }
        return first?.isEmpty == false ? first : nil
    }

    /// `name`, `name:port`, `1.2.3.4:port` or `[v6]:port`: nothing that could break out of a URL.
    static func isHostValue(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= 255
            && value.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
                    || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "_")
            }
    }
}

/// Comparing and printing values a client controls.
public enum Credentials {
    /// Byte-for-byte equality of the UTF-8 forms, in time independent of where they differ. Swift's `==` on
    /// strings compares canonical equivalence (`"cle\u{301}" == "clé"`), which is wrong for secrets and ids.
    /// Read on the strings' own contiguous buffers (a native String's always are): copying each into a `var` to
    /// lend its bytes cost ~320 instructions for a short token, on every credential a request shows.
    public static func equal(_ a: String, _ b: String) -> Bool {
        func same(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
            guard x.count == y.count else { return false }
            var difference: UInt8 = 0
            for i in 0..<x.count { difference |= x[i] ^ y[i] }
            return difference == 0
        }
        if let equal = a.utf8.withContiguousStorageIfAvailable({ x in b.utf8.withContiguousStorageIfAvailable { same(x, $0) } }),
            let equal
        {
            return equal
        }
        var a = a
        var b = b
        return a.withUTF8 { x in b.withUTF8 { same(x, $0) } }
    }

    /// `value` as a JSON string literal, cut to `limit` characters: safe to put in a log line or a message
    /// (no raw newline, escape sequence or quote from a client can split or forge it).
    public static func printable(_ value: String, limit: Int = 200) -> String {
        JSON.quotedForMessage(value, limit: limit)
    }
}
