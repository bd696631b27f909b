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
