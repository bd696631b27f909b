import MockRunsHTTP

/// Strict contract mode's one primitive, shared by every fake: a leniency the fake offers is recorded as a
/// contract deviation (journal and log) and, in strict mode, refused as the real service refuses it. Each fake
/// keeps its own list of leniencies in one place (`<API>Contract.swift`) built on this.
extension FakeContext {
    /// Records `note` ("<what the client did> — <what the real service does>") as a contract deviation; in strict
    /// mode then throws `refusal`, the real service's answer, so the journal shows why the request was refused.
    public func contract(_ note: String, refusal: @autoclosure () -> APIError) throws(APIError) {
        deviation(note)
        if strict { throw refusal() }
    }
}

extension FakeContext {
    /// Named parameters of an endpoint the real service reads only from a declared form or JSON body. The fake is
    /// lenient twice, each a deviation: it reads a JSON body sent without a Content-Type (`undeclaredJSON`), and
    /// fills parameters missing from the body from the query (`inQuery`, given the names). Strict mode reads the
    /// body as the real service does, so the request gets the real service's own answer for what is missing.
    func bodyOnlyParameters(
        _ request: HTTPRequest, named names: [String], undeclaredJSON: String, inQuery: ([String]) -> String
    ) -> Result<[String: String], BodyProblem> {
        var bodyOnly = request.withoutQuery
        if request.form == nil, request.mediaType == nil, request.body.first == UInt8(ascii: "{") {
            deviation(undeclaredJSON)
            if strict { bodyOnly.body = [] }
        }
        let body: [String: String]
        switch bodyOnly.parameters() {
        case .success(let values): body = values
        case .failure(let problem): return .failure(problem)
        }
        let fromQuery = request.queryNames(among: names).filter { body[$0] == nil }
        guard !fromQuery.isEmpty else { return .success(body) }
        deviation(inQuery(fromQuery))
        if strict { return .success(body) }
        // As the lenient fake always did: the body first, then the query.
        return request.parameters()
    }
}

extension HTTPRequest {
    /// The body is declared as JSON: `application/json` or a `+json` media type.
    public var declaresJSON: Bool {
        guard let media = mediaType else { return false }
        return media == "application/json" || (media.hasPrefix("application/") && media.hasSuffix("+json"))
    }

    /// The request without its query string, for reading parameters an API takes only from the body.
    public var withoutQuery: HTTPRequest {
        var copy = self
        copy.query = []
        return copy
    }

    /// The query argument names of `names` that were sent, in `names`' order.
    public func queryNames(among names: [String]) -> [String] {
        names.filter { queryValue($0) != nil }
    }
}
