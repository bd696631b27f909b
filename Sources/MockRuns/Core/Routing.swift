import MockRunsHTTP
import MockRunsSync
import Scenarios
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request path cut once into its segments, as UTF-8 bytes (empty segments dropped, so a trailing slash or a
/// doubled one is ignored). Routing compares bytes against precompiled patterns: no lower-casing, no `Character`
/// walks, no allocation but these two arrays per request.
public struct PathSegments {
    let bytes: [UInt8]
    /// Where each segment lies in `bytes`.
    let bounds: [Range<Int>]

    public init(_ path: String) {
        let bytes = Array(path.utf8)
        var bounds: [Range<Int>] = []
        bounds.reserveCapacity(8)
        var start = 0
        for index in 0...bytes.count where index == bytes.count || bytes[index] == UInt8(ascii: "/") {
            if index > start { bounds.append(start..<index) }
            start = index + 1
        }
        self.bytes = bytes
        self.bounds = bounds
    }

    public var count: Int { bounds.count }

    /// Segment `index` as text.
    public subscript(index: Int) -> String { String(decoding: bytes[bounds[index]], as: UTF8.self) }
}

/// Literal text of a pattern as bytes, compared with or without regard to ASCII case.
struct Literal: Sendable, Equatable {
    /// Lower-cased when the comparison ignores case.
    let bytes: [UInt8]
    let caseInsensitive: Bool

    init(_ text: some StringProtocol, caseInsensitive: Bool) {
        self.init(bytes: Array(text.utf8), caseInsensitive: caseInsensitive)
    }

    init(bytes: [UInt8], caseInsensitive: Bool) {
        self.caseInsensitive = caseInsensitive
        self.bytes = caseInsensitive ? bytes.map(\.asciiLowercased) : bytes
    }

    /// Whether segment `index` of `path` is this text.
    func matches(_ path: PathSegments, _ index: Int) -> Bool {
        let range = path.bounds[index]
        guard range.count == bytes.count else { return false }
        var at = 0
        for offset in range {
            let byte = path.bytes[offset]
            if (caseInsensitive ? byte.asciiLowercased : byte) != bytes[at] { return false }
            at += 1
        }
        return true
    }
}

/// Matches a path against a pattern such as `/api/v1/processruns/{id}/steps/{stepId}`; segments in braces
/// capture. Used by the fakes to keep their route tables declarative; compiled once, matched without allocating
/// unless it fits.
public struct PathPattern: Sendable {
    public let pattern: String
    /// Literal segments match whatever their ASCII case (Solvexia's `processRuns` and `processruns`).
    public let caseInsensitive: Bool
    let segments: [Segment]
    /// How many segments capture.
    private let captures: Int

    enum Segment: Sendable, Equatable {
        case literal(Literal)
        case capture(String)
    }

    public init(_ pattern: String, caseInsensitive: Bool = false) {
        self.pattern = pattern
        self.caseInsensitive = caseInsensitive
        segments = pattern.utf8.allSatisfy { $0 < 0x80 }
            ? Self.asciiSegments(Array(pattern.utf8), caseInsensitive: caseInsensitive)
            : Self.characterSegments(pattern, caseInsensitive: caseInsensitive)
        captures = segments.count { if case .capture = $0 { true } else { false } }
    }

    /// The pattern cut at each `/` (empty parts dropped), a part in braces capturing, by `Character`s: a
    /// combining mark joins the `/` or brace before it.
    static func characterSegments(_ pattern: String, caseInsensitive: Bool) -> [Segment] {
        pattern.split(separator: "/").map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") {
                return .capture(String(part.dropFirst().dropLast()))
            }
            return .literal(Literal(part, caseInsensitive: caseInsensitive))
        }
    }

    /// `characterSegments` of an ASCII pattern, cut as bytes: split as a String it cost ~24,000 instructions a
    /// route, 0.95 M of start-up for the fakes' 39 routes (180,000 so).
    static func asciiSegments(_ bytes: [UInt8], caseInsensitive: Bool) -> [Segment] {
        var segments: [Segment] = []
        segments.reserveCapacity(8)
        var start = 0
        for index in 0...bytes.count where index == bytes.count || bytes[index] == UInt8(ascii: "/") {
            defer { start = index + 1 }
            guard index > start else { continue }
            let part = bytes[start..<index]
            if part.count >= 2, part.first == UInt8(ascii: "{"), part.last == UInt8(ascii: "}") {
                segments.append(.capture(String(decoding: part.dropFirst().dropLast(), as: UTF8.self)))
            } else {
                segments.append(.literal(Literal(bytes: Array(part), caseInsensitive: caseInsensitive)))
            }
        }
        return segments
    }

    /// The captured parameters, or nil when `path` does not fit. A trailing slash is ignored.
    public func match(_ path: PathSegments) -> PathParameters? {
        guard fits(path) else { return nil }
        var captured = PathParameters(capacity: captures)
        for index in segments.indices {
            if case .capture(let name) = segments[index] { captured.append(name, path[index]) }
        }
        return captured
    }

    /// Whether every literal segment fits (checked before anything is captured).
    func fits(_ path: PathSegments) -> Bool {
        guard path.count == segments.count else { return false }
        for (index, segment) in segments.enumerated() {
            if case .literal(let literal) = segment, !literal.matches(path, index) { return false }
        }
        return true
    }

    /// The first segment when it is literal: where the router files this pattern.
    fileprivate var firstLiteral: Literal? {
        if case .literal(let literal)? = segments.first { return literal }
        return nil
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

/// A fake's routes and the path prefixes it claims: any other path under a claimed prefix (compared without
/// regard to case) gets a 404 in this API's own error body, so a mistyped path of this API is answered by it.
public struct RouteTable: Sendable {
    public let routes: [Route]
    public let claimed: [String]
    private let claimedPatterns: [[Literal]]

    public init(_ routes: [Route], claiming prefixes: [String]) {
        self.routes = routes
        self.claimed = prefixes
        claimedPatterns = prefixes.map { prefix in
            prefix.split(separator: "/").map { Literal($0, caseInsensitive: true) }
        }
    }

    public var summaries: [String] { routes.map(\.summary) }

    /// The endpoint for `request`: nil when the path is not this table's; a 405 when a pattern fits but not the
    /// method; a 404 for any other path under a claimed prefix.
    public func endpoint(for request: HTTPRequest, path: PathSegments) throws(APIError) -> Endpoint? {
        let method = request.method == "HEAD" ? "GET" : request.method
        var allowed: [String] = []
        // By index: binding each route to a constant copied (retained and released) its strings, route by route.
        for index in routes.indices {
            guard let parameters = routes[index].path.match(path) else { continue }
            if routes[index].method == method {
                let runID = routes[index].runParameter.flatMap { parameters[$0] }
                return Endpoint(routes[index].endpoint, runID: runID, parameters: parameters)
            }
            if !allowed.contains(routes[index].method) { allowed.append(routes[index].method) }
        }
        if !allowed.isEmpty { throw APIError.methodNotAllowed(request.method, request.path, allowed: allowed) }
        let claimed = claimedPatterns.contains { prefix in
            prefix.count <= path.count && prefix.indices.allSatisfy { prefix[$0].matches(path, $0) }
        }
        guard claimed else { return nil }
        throw APIError(404, "no endpoint \(request.method) \(request.path); served here: \(summaries.joined(separator: ", "))")
    }

    /// The methods this table's routes take on `path` (empty when none fits), `HEAD` beside `GET`.
    public func methods(for path: PathSegments) -> [String] {
        var methods: [String] = []
        for route in routes where route.path.fits(path) && !methods.contains(route.method) {
            methods.append(route.method)
            if route.method == "GET" { methods.append("HEAD") }
        }
        return methods
    }

    /// The first segments (lower-cased) this table can answer for: its routes' and its claimed prefixes'.
    /// Nil when some route starts with a capture (the table must then see every path).
    fileprivate var firstSegments: [[UInt8]]? {
        var keys: [[UInt8]] = []
        for route in routes {
            guard let literal = route.path.firstLiteral else { return nil }
            keys.append(literal.caseInsensitive ? literal.bytes : literal.bytes.map(\.asciiLowercased))
        }
        keys += claimedPatterns.compactMap { $0.first?.bytes }
        var unique: [[UInt8]] = []
        for key in keys where !unique.contains(key) { unique.append(key) }
        return unique
    }
}

/// Every fake's route table compiled into one dispatch: the path is cut once, its first segment picks the few
/// fakes that can own it, and only their tables are tried, in registry order (so which fake answers a path is
/// exactly as if every table were tried in turn). Built once per server.
public struct Router: Sendable {
    /// What a request is for.
    public enum Match: Sendable {
        /// Fake number `fake` (its index in the list the router was built from) serves `endpoint`.
        case endpoint(fake: Int, Endpoint)
        /// The path is fake number `fake`'s, but wrong (405, or 404 under a claimed prefix).
        case error(fake: Int, APIError)
    }

    private struct Bucket: Sendable {
        let firstSegment: Literal
        var fakes: [Int]
    }

    private let tables: [RouteTable]
    private var buckets: [Bucket] = []
    /// Fakes whose tables must see every path (a route starting with a capture), in registry order.
    private var everywhere: [Int] = []

    /// The last request matched and what it matched. A client polling a run sends the same method and path
    /// again and again, and what they match depends on nothing else; matching anew (cutting the path, trying the
    /// routes, making the captures' strings) was ~3,000 instructions of a WES status poll. One entry, of a path
    /// of at most `memoPathLimit` bytes, compared byte for byte (canonically equal paths are other paths here).
    private let last = Locked<LastMatch?>(nil)
    static let memoPathLimit = 2048

    /// A class: bound to a constant to be compared, a struct was copied whole (its strings and the match's
    /// retained and released), where the class is one retain.
    private final class LastMatch: Sendable {
        let method: String
        let path: String
        let match: Match?

        init(method: String, path: String, match: Match?) {
            self.method = method
            self.path = path
            self.match = match
        }
    }

    public init(_ tables: [RouteTable]) {
        self.tables = tables
        for (index, table) in tables.enumerated() {
            guard let keys = table.firstSegments else {
                everywhere.append(index)
                continue
            }
            for key in keys {
                if let at = buckets.firstIndex(where: { $0.firstSegment.bytes == key }) {
                    buckets[at].fakes.append(index)
                } else {
                    buckets.append(Bucket(firstSegment: Literal(bytes: key, caseInsensitive: true), fakes: [index]))
                }
            }
        }
    }

    /// The fake and endpoint for `request`, or nil when no fake's path it is.
    public func match(_ request: HTTPRequest) -> Match? {
        let remembered = last.withLock { last -> Match?? in
            guard let last, Self.sameBytes(last.method, request.method), Self.sameBytes(last.path, request.path) else {
                return nil
            }
            return .some(last.match)
        }
        if let remembered { return remembered }
        let match = matchAnew(request)
        if request.path.utf8.count <= Self.memoPathLimit {
            last.withLock { $0 = LastMatch(method: request.method, path: request.path, match: match) }
        }
        return match
    }

    /// Whether two strings are the same UTF-8 bytes, compared on their own buffers: `Credentials.equal`'s
    /// constant-time loop cost ~130 instructions more than `memcmp` for a poll's 60-byte path. `hasSameUTF8`'s
    /// body, written out here: called in Scenarios, across modules (`@inlinable` too), it made the router retain
    /// its memo and both texts for the call, a retain and two bridge retains a request more (and their releases).
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        let count = a.utf8.count
        guard b.utf8.count == count else { return false }
        if let same = a.utf8.withContiguousStorageIfAvailable({ x in
            b.utf8.withContiguousStorageIfAvailable { y in count == 0 || memcmp(x.baseAddress!, y.baseAddress!, count) == 0 }
        }), let same {
            return same
        }
        return a.utf8.elementsEqual(b.utf8)
    }

    /// `match` without the memo.
    func matchAnew(_ request: HTTPRequest) -> Match? {
        let path = PathSegments(request.path)
        return tryTables(candidates(path), request, path)
    }

    /// The fake whose route fits `path` and the methods it takes there (a CORS preflight's answer); nil when no
    /// route fits.
    public func methods(for path: String) -> (fake: Int, methods: [String])? {
        let path = PathSegments(path)
        for index in candidates(path) {
            let methods = tables[index].methods(for: path)
            if !methods.isEmpty { return (index, methods) }
        }
        return nil
    }

    /// The fakes that may own `path`, in registry order.
    private func candidates(_ path: PathSegments) -> [Int] {
        guard path.count > 0 else { return everywhere }
        let bucket = buckets.first { $0.firstSegment.matches(path, 0) }?.fakes ?? []
        if everywhere.isEmpty { return bucket }
        // Keep registry order across the bucket and the fakes that see every path.
        return (bucket + everywhere).sorted()
    }

    private func tryTables(_ candidates: [Int], _ request: HTTPRequest, _ path: PathSegments) -> Match? {
        for index in candidates {
            do {
                if let endpoint = try tables[index].endpoint(for: request, path: path) { return .endpoint(fake: index, endpoint) }
            } catch {
                return .error(fake: index, error)
            }
        }
        return nil
    }
}
