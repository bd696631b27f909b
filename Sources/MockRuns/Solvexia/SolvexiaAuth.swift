import MockRunsHTTP
import MockRunsSync
import Scenarios

/// Solvexia's OAuth 2.0 client-credentials flow and Bearer check. Issued tokens live in the engine's per-scenario
/// store (so an admin reset forgets them) and expire on the scenario clock. A token the server did not issue is
/// checked against the scenario's `auth.credentials` (none listed: any non-empty token; `[]`: issued tokens only).
enum SolvexiaAuth {
    static let api = SolvexiaFake.api
    /// Issued tokens the server remembers at once; issuing one more forgets the oldest.
    static let maximumLiveTokens = 10_000

    /// `POST /oauth/token`: `{client_id, client_secret, grant_type: "client_credentials", scope?}`, JSON or form.
    static func issueToken(_ request: HTTPRequest, context: FakeContext) throws(APIError) -> HTTPResponse {
        let values: [String: String]
        switch SolvexiaContract.tokenRequest(request, context: context) {
        case .success(let v): values = v
        case .failure(let problem): throw APIError(400, problem.message, code: "invalid_request")
        }
        // A JSON body's parameters are strings, as a form's are: a number or a list read as its text signed in
        // (`"client_id": 1.0` as client "1", `"client_secret": ["b"]` as a secret).
        if request.form == nil, case .success(.object(let members)) = request.jsonBody() {
            for (name, value) in members where SolvexiaContract.tokenParameters.contains(name) {
                if case .string = value { continue }
                if value == .null { continue }
                throw APIError(400, "\(name) must be a string, got \(value.kindName)", code: "invalid_request")
            }
        }
        guard let grant = values["grant_type"], !grant.isEmpty else {
            throw APIError(400, "grant_type is required; use \"client_credentials\"", code: "invalid_request")
        }
        guard grant == "client_credentials" else {
            throw APIError(
                400, "grant_type \"\(grant)\" is not supported here; use \"client_credentials\"", code: "unsupported_grant_type")
        }
        let clientID = values["client_id"] ?? ""
        let secret = values["client_secret"] ?? ""
        guard !clientID.isEmpty, !secret.isEmpty else {
            let missing = [("client_id", clientID), ("client_secret", secret)].filter { $0.1.isEmpty }.map(\.0)
            throw APIError(400, "\(missing.joined(separator: " and ")) is required", code: "invalid_request")
        }
        // Everything kept per token is bounded: a client must not grow the server by sending a huge scope.
        for (field, value, most) in [("client_id", clientID, 256), ("client_secret", secret, 256), ("scope", values["scope"] ?? "", 1024)]
        where value.utf8.count > most || value.containsControlCharacters {
            throw APIError(
                400, "\(field) must be at most \(most) bytes without control characters",
                code: field == "scope" ? "invalid_scope" : "invalid_request")
        }
        let scope = values["scope"]
        let issued: (token: String, lifetime: Int)? = context.scenario.withEngine { engine in
            let settings = engine.settings(api: api)
            if let clients = settings["clients"]?.arrayValue?.compactMap(\.stringValue),
                !clients.contains("\(clientID):\(secret)")
            {
                return nil
            }
            let lifetime = settings["tokenLifetimeSeconds"]?.intValue ?? 600
            let n = (engine.stored(api: api, "tokens")?.intValue ?? 0) + 1
            engine.store(api: api, "tokens", .int(n))
            let token = makeToken(seed: engine.scenario.seed, ordinal: n)
            let expires = engine.now.adding(seconds: Double(lifetime))
            var record: [(String, JSON)] = [
                ("client", .string(clientID)), ("expires", .int(Int(expires.milliseconds))),
            ]
            if let scope { record.append(("scope", .string(scope))) }
            engine.store(api: api, "token:" + token, .object(record))
            // Only the newest tokens stay valid; the oldest is forgotten (it is re-made from the seed to find it).
            if n > maximumLiveTokens {
                engine.store(api: api, "token:" + makeToken(seed: engine.scenario.seed, ordinal: n - maximumLiveTokens), nil)
            }
            return (token, lifetime)
        }
        guard let issued else { throw APIError(401, "Client authentication failed", code: "invalid_client") }
        let body: JSON = .object([
            ("access_token", .string(issued.token)), ("token_type", "Bearer"), ("expires_in", .int(issued.lifetime)),
        ])
        var headers = HTTPHeaders()
        headers.set("Cache-Control", "no-store")
        return .json(200, body.bytes, contentType: "application/json; charset=utf-8", headers: headers)
    }

    /// A token shaped like the documented one (`syPHeMY5H--kd…_uAew.P07tE…FwbAg`), from the seed.
    static func makeToken(seed: UInt64, ordinal: Int) -> String {
        var random = SeededRandom(seed: seed, stream: "token/solvexia/\(ordinal)")
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        func part(_ count: Int) -> String {
            String((0..<count).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        }
        return part(54) + "." + part(22)
    }

    /// An issued token is good until it expires; any other is checked against the scenario's credentials.
    private static func check(_ token: String?, permission: String, engine: inout Engine) -> AuthDecision {
        guard let token else {
            engine.noteAuthorization(.missing, credential: nil)
            return .missing
        }
        if let record = engine.stored(api: api, "token:", token) {
            let expires = Timestamp(milliseconds: Int64(record["expires"]?.intValue ?? 0))
            let decision: AuthDecision = engine.now < expires ? .granted : .expired
            engine.noteAuthorization(decision, credential: token)
            return decision
        }
        return engine.authorize(api: api, credential: token, permission: permission)
    }

    /// `request.authorization(scheme: "Bearer")`, remembered for the last Authorization value: a poller sends the
    /// same one every time, and cutting the token out of it afresh (a String made of it) cost ~1,000 instructions
    /// a poll (solvexia 81,087 -> 80,383, bench/speed/instructions.sh solvexia).
    static func bearer(_ request: HTTPRequest) -> String? {
        guard let header = request.headers["Authorization"] else { return nil }
        if let known = lastBearer.withLock({ $0?.token(for: header) }) { return known }
        let token = request.authorization(scheme: "Bearer")
        if let last = LastBearer(header: header, token: token) { lastBearer.withLock { $0 = last } }
        return token
    }

    /// The last Authorization value read and the Bearer token in it (nil: none). Found again only for the same
    /// bytes (compared as a credential is); one entry, of at most `byteLimit` bytes.
    struct LastBearer: Sendable {
        let header: String
        let token: String?
        static let byteLimit = 4096

        init?(header: String, token: String?) {
            guard header.utf8.count <= Self.byteLimit else { return nil }
            self.header = header
            self.token = token
        }

        /// `token` when `other` is the same bytes as `header`, else nil (`.some(nil)`: the same value, no token).
        func token(for other: String) -> String?? {
            Credentials.equal(header, other) ? .some(token) : nil
        }
    }

    static let lastBearer = Locked<LastBearer?>(nil)

    /// Checks `Authorization: Bearer TOKEN` for `permission`; throws the documented 403 (or 401 by setting).
    static func authorize(_ request: HTTPRequest, permission: String, context: FakeContext) throws(APIError) {
        let token = bearer(request)
        let outcome: (decision: AuthDecision, status: Int) = context.scenario.withEngine { engine in
            let decision = check(token, permission: permission, engine: &engine)
            if case .granted = decision { return (decision, 403) }
            // Read for a refusal only: a hashed look-up, ~600 instructions a poll when read for every request.
            return (decision, engine.settings(api: api)["unauthenticatedStatus"] == "401" ? 401 : 403)
        }
        var headers: [String: String] = [:]
        if outcome.status == 401 { headers["WWW-Authenticate"] = "Bearer" }
        switch outcome.decision {
        case .granted: return
        case .missing:
            throw APIError(outcome.status, "Authorization has been denied for this request: no Bearer token", headers: headers)
        case .invalid:
            throw APIError(outcome.status, "Authorization has been denied for this request: invalid token", headers: headers)
        case .expired:
            throw APIError(outcome.status, "Authorization has been denied for this request: the token has expired", headers: headers)
        case .forbidden(let why):
            throw APIError(403, "You do not have access to this resource: \(why)")
        }
    }
}
