import MockRunsHTTP

/// Which request values are credentials, and how the journal shows them: as a fingerprint (see `Fingerprint`),
/// so "same token" and "another token" stay visible while the secret is not kept.
enum Redaction {
    static let credentialHeaders = ["authorization", "proxy-authorization", "x-sbg-auth-token", "x-api-key", "cookie"]
    static let credentialParameters = ["apikey", "api_key", "access_token", "token", "client_secret"]

    static func headerValue(_ name: String, _ value: String) -> String {
        // Compared without lower-casing (no allocation per header of every request).
        guard credentialHeaders.contains(where: { HTTPHeaders.sameName($0, name) }) else { return value }
        // Keep an Authorization scheme (`Bearer`, `Api-Key`): which scheme a client used matters. (Only those
        // headers are split: a token header's value is fingerprinted whole.)
        guard HTTPHeaders.sameName(name, "authorization") || HTTPHeaders.sameName(name, "proxy-authorization") else {
            return Fingerprint.of(value)
        }
        let parts = value.split(separator: " ", maxSplits: 1)
        if parts.count == 2 {
            return parts[0] + " " + Fingerprint.of(String(parts[1]))
        }
        return Fingerprint.of(value)
    }

    static func queryValue(_ name: String, _ value: String) -> String {
        credentialParameters.contains(where: { HTTPHeaders.sameName($0, name) }) ? Fingerprint.of(value) : value
    }
}
