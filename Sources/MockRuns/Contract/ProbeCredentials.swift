/// Where an API takes its credential, for the checks: the user's `--header`s as given, or `--token` in the
/// API's own place; and a made-up credential in the same place, for the "invalid credential" checks.
extension ProbeSession {
    /// A credential no server has issued: long, plain ASCII, obviously a probe's.
    public static let invalidCredential = "mockruns-contract-invalid-credential-0000"

    /// The headers that carry the user's credential (`--header`s, else `place(token)`); none without one.
    public func credentialHeaders(_ place: (String) -> [(String, String)]) -> [(String, String)] {
        if !options.headers.isEmpty { return options.headers }
        return options.token.map(place) ?? []
    }

    /// The same headers with an invalid credential: each `--header` value replaced (a scheme such as `Bearer `
    /// kept), else `place(invalidCredential)`.
    public func invalidCredentialHeaders(_ place: (String) -> [(String, String)]) -> [(String, String)] {
        if options.headers.isEmpty { return place(Self.invalidCredential) }
        return options.headers.map { name, value in
            let parts = value.split(separator: " ", maxSplits: 1)
            let scheme = parts.count == 2 && parts[0].allSatisfy(\.isLetter) ? parts[0] + " " : ""
            return (name, scheme + Self.invalidCredential)
        }
    }
}
