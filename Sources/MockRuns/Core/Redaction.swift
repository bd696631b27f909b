import MockRunsHTTP

/// Which request values are credentials, and how the journal shows them: as a fingerprint (see `Fingerprint`),
/// so "same token" and "another token" stay visible while the secret is not kept.
enum Redaction {
    static let credentialHeaders = ["authorization", "proxy-authorization", "x-sbg-auth-token", "x-api-key", "cookie"]
    static let credentialParameters = ["apikey", "api_key", "access_token", "token", "client_secret"]

    /// The lengths of `credentialHeaders`' names, one bit each: most headers of a request are not credentials,
    /// and their length alone says so without a comparison each (or a hash: a Set<Int> cost more than the names).
    private static let credentialHeaderLengths = lengthBits(credentialHeaders)
    private static let credentialParameterLengths = lengthBits(credentialParameters)

    private static func lengthBits(_ names: [String]) -> UInt64 {
        names.reduce(0) { $0 | 1 << UInt64($1.utf8.count) }  // every name is shorter than 64 bytes
    }

    private static func mayBeOne(of lengths: UInt64, _ name: String) -> Bool {
        let count = name.utf8.count
        return count < 64 && lengths & 1 << UInt64(count) != 0
    }

    /// Request headers as the journal keeps them: the same array, not a copy, when none is a credential.
    static func headers(_ fields: [(name: String, value: String)]) -> [(name: String, value: String)] {
        guard let first = fields.firstIndex(where: { isCredentialHeader($0.name) }) else { return fields }
        var kept = fields
        for index in first..<kept.count where index == first || isCredentialHeader(kept[index].name) {
            kept[index].value = credentialHeaderValue(kept[index].name, kept[index].value)
        }
        return kept
    }

    /// Query arguments as the journal keeps them: the same array when none is a credential.
    static func query(_ pairs: [(name: String, value: String)]) -> [(name: String, value: String)] {
        guard let first = pairs.firstIndex(where: { isCredentialParameter($0.name) }) else { return pairs }
        var kept = pairs
        for index in first..<kept.count where index == first || isCredentialParameter(kept[index].name) {
            kept[index].value = Fingerprint.of(kept[index].value)
        }
        return kept
    }

    private static func isCredentialHeader(_ name: String) -> Bool {
        mayBeOne(of: credentialHeaderLengths, name) && credentialHeaders.contains(where: { HTTPHeaders.sameName($0, name) })
    }

    private static func isCredentialParameter(_ name: String) -> Bool {
        mayBeOne(of: credentialParameterLengths, name)
            && credentialParameters.contains(where: { HTTPHeaders.sameName($0, name) })
    }

    static func headerValue(_ name: String, _ value: String) -> String {
        // Compared without lower-casing (no allocation per header of every request).
        isCredentialHeader(name) ? credentialHeaderValue(name, value) : value
    }

    /// The value of a credential header (`name` is one) as the journal shows it.
    private static func credentialHeaderValue(_ name: String, _ value: String) -> String {
        // Keep an Authorization scheme (`Bearer`, `Api-Key`): which scheme a client used matters. (Only those
        // headers are split: a token header's value is fingerprinted whole.)
        guard HTTPHeaders.sameName(name, "authorization") || HTTPHeaders.sameName(name, "proxy-authorization") else {
            return Fingerprint.of(value)
        }
        // `Scheme credential`: the scheme (leading spaces skipped) kept, everything after the space that ends it
        // fingerprinted whole; with nothing after that space, the whole value is. Cut as bytes, in place.
        let bytes = value.utf8
        guard let start = bytes.firstIndex(where: { $0 != UInt8(ascii: " ") }),
            let space = bytes[start...].firstIndex(of: UInt8(ascii: " ")), bytes.index(after: space) != bytes.endIndex
        else { return Fingerprint.of(value) }
        return String(Substring(bytes[start...space])) + Fingerprint.of(String(Substring(bytes[bytes.index(after: space)...])))
    }

    static func queryValue(_ name: String, _ value: String) -> String {
        isCredentialParameter(name) ? Fingerprint.of(value) : value
    }
}
