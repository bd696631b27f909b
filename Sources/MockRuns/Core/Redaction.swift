import MockRunsHTTP
import MockRunsSync

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
    /// - Parameter known: a secret whose fingerprint was worked out already (the credential the fake checked, most
    ///   often this very header's value): a value of the same bytes takes it without a look in the memo.
    static func headers(
        _ fields: [(name: String, value: String)], known: (secret: String, fingerprint: String)? = nil
    ) -> [(name: String, value: String)] {
        let handed = known?.fingerprint
        // A connection's repeated list is found by its storage before it is looked through for a credential
        // (looked through first, a WES poll cost 75,711 instructions, now 75,236; Solvexia 81,516, now 81,087;
        // bench/speed/instructions.sh).
        if let kept = lastHeaders.withLock({ $0?.redacted(for: fields, known: handed, byBytes: false) }) { return kept }
        guard let first = fields.firstIndex(where: { isCredentialHeader($0.name) }) else { return fields }
        if let kept = lastHeaders.withLock({ $0?.redacted(for: fields, known: handed) }) { return kept }
        // Built field by field: a copy of the array changed in place went through the tuple's generic value
        // witnesses, field by field (with the known fingerprint: WES status 94,035 -> 93,686 instructions,
        // bench/speed/instructions.sh wes).
        var kept: [(name: String, value: String)] = []
        kept.reserveCapacity(fields.count)
        for index in fields.indices {
            let field = fields[index]
            let redacted = index == first || (index > first && isCredentialHeader(field.name))
            kept.append((name: field.name, value: redacted ? credentialHeaderValue(field.name, field.value, known) : field.value))
        }
        if let last = LastRedaction(fields: fields, known: handed, redacted: kept) { lastHeaders.withLock { $0 = last } }
        return kept
    }

    /// Query arguments as the journal keeps them: the same array when none is a credential. (`known` and the
    /// building as in `headers`.)
    static func query(
        _ pairs: [(name: String, value: String)], known: (secret: String, fingerprint: String)? = nil
    ) -> [(name: String, value: String)] {
        let handed = known?.fingerprint
        if let kept = lastQuery.withLock({ $0?.redacted(for: pairs, known: handed, byBytes: false) }) { return kept }
        guard let first = pairs.firstIndex(where: { isCredentialParameter($0.name) }) else { return pairs }
        if let kept = lastQuery.withLock({ $0?.redacted(for: pairs, known: handed) }) { return kept }
        var kept: [(name: String, value: String)] = []
        kept.reserveCapacity(pairs.count)
        for index in pairs.indices {
            let pair = pairs[index]
            let redacted = index == first || (index > first && isCredentialParameter(pair.name))
            kept.append((name: pair.name, value: redacted ? fingerprint(pair.value, known) : pair.value))
        }
        if let last = LastRedaction(fields: pairs, known: handed, redacted: kept) { lastQuery.withLock { $0 = last } }
        return kept
    }

    /// The last header list, and the last query, that had a credential, and what each became. A poller sends the
    /// same ones every time, and the host hands a connection's unchanged list on as the very same array: found
    /// again, the list is not rebuilt, nor its credentials cut and looked up (solvexia 83,006 -> 81,806, foundry
    /// 84,154 -> 83,596 instructions, bench/speed/instructions.sh). Found only for the same names and values, as
    /// bytes, and the same fingerprint handed in (as `LastAuthorization`); one entry each, of at most
    /// `byteLimit` bytes.
    struct LastRedaction: Sendable {
        private(set) var fields: [(name: String, value: String)]
        let known: String?
        let redacted: [(name: String, value: String)]
        static let byteLimit = 8 * 1024

        init?(fields: [(name: String, value: String)], known: String?, redacted: [(name: String, value: String)]) {
            var bytes = known?.utf8.count ?? 0
            for field in fields { bytes += field.name.utf8.count + field.value.utf8.count }
            guard bytes <= Self.byteLimit else { return nil }
            self.fields = fields
            self.known = known
            self.redacted = redacted
        }

        /// What `other` becomes with `otherKnown`, when this entry knows it (`byBytes` false: only when it is the
        /// kept list's storage). A list found by its bytes takes the kept one's place, so that the next request of
        /// its connection is found by its storage.
        mutating func redacted(
            for other: [(name: String, value: String)], known otherKnown: String?, byBytes: Bool = true
        ) -> [(name: String, value: String)]? {
            guard fields.count == other.count else { return nil }
            // The same storage is the same list: this entry holds it, so it is neither freed nor changed (an array
            // shared is copied before it is written) while kept, and no other list can lie there.
            let sameStorage = fields.withUnsafeBufferPointer { kept in
                other.withUnsafeBufferPointer { kept.baseAddress == $0.baseAddress }
            }
            if !sameStorage {
                guard byBytes else { return nil }
                for index in fields.indices {
                    guard Credentials.equal(fields[index].name, other[index].name),
                        Credentials.equal(fields[index].value, other[index].value)
                    else { return nil }
                }
            }
            // The two fingerprints read in place: switched over as a pair, both were copied (2 pairs a request).
            guard (known == nil) == (otherKnown == nil) else { return nil }
            if otherKnown != nil, !Credentials.equal(known!, otherKnown!) { return nil }
            if !sameStorage { fields = other }
            return redacted
        }
    }

    static let lastHeaders = Locked<LastRedaction?>(nil)
    static let lastQuery = Locked<LastRedaction?>(nil)

    /// `secret`'s fingerprint: `known`'s when it is the same bytes, else the memo's.
    private static func fingerprint(_ secret: String, _ known: (secret: String, fingerprint: String)?) -> String {
        if let known, Credentials.equal(known.secret, secret) { return known.fingerprint }
        return Fingerprint.of(secret)
    }

    private static func isCredentialHeader(_ name: String) -> Bool {
        mayBeOne(of: credentialHeaderLengths, name) && isOne(of: credentialHeaderBytes, name)
    }

    private static func isCredentialParameter(_ name: String) -> Bool {
        mayBeOne(of: credentialParameterLengths, name) && isOne(of: credentialParameterBytes, name)
    }

    /// The names as bytes (all lower-case ASCII), compared in place with a name of the request: through
    /// `HTTPHeaders.sameName` each name cost a call of its own, five a header (~450 instructions of a WES poll).
    private static let credentialHeaderBytes = credentialHeaders.map { Array($0.utf8) }
    private static let credentialParameterBytes = credentialParameters.map { Array($0.utf8) }
    private static let authorizationBytes = [Array("authorization".utf8), Array("proxy-authorization".utf8)]

    /// Whether `name` is one of `names` (lower-case ASCII bytes) whatever its ASCII case, as `HTTPHeaders.sameName`.
    private static func isOne(of names: [[UInt8]], _ name: String) -> Bool {
        let count = name.utf8.count
        if let found = name.utf8.withContiguousStorageIfAvailable({ bytes in
            names.contains { candidate in
                guard candidate.count == count else { return false }
                for index in 0..<count where bytes[index].asciiLowercased != candidate[index] { return false }
                return true
            }
        }) {
            return found
        }
        return names.contains { HTTPHeaders.sameName(String(decoding: $0, as: UTF8.self), name) }
    }

    static func headerValue(_ name: String, _ value: String) -> String {
        // Compared without lower-casing (no allocation per header of every request).
        isCredentialHeader(name) ? credentialHeaderValue(name, value, nil) : value
    }

    /// The value of a credential header (`name` is one) as the journal shows it.
    private static func credentialHeaderValue(
        _ name: String, _ value: String, _ known: (secret: String, fingerprint: String)?
    ) -> String {
        func fingerprint(_ secret: String) -> String { Redaction.fingerprint(secret, known) }
        // Keep an Authorization scheme (`Bearer`, `Api-Key`): which scheme a client used matters. (Only those
        // headers are split: a token header's value is fingerprinted whole.)
        guard isOne(of: authorizationBytes, name) else {
            return fingerprint(value)
        }
        let handed = known?.fingerprint
        if let redacted = lastAuthorization.withLock({ $0?.redacted(for: value, known: handed) }) { return redacted }
        let redacted = schemeKept(value, fingerprint)
        if let last = LastAuthorization(value: value, known: handed, redacted: redacted) { lastAuthorization.withLock { $0 = last } }
        return redacted
    }

    /// The last Authorization value redacted and what it became. A poller sends the same one every time, and
    /// cutting its scheme off and building the text afresh cost ~2,900 instructions a Solvexia poll (compared as
    /// bytes with the last one: ~400; bench/speed/instructions.sh solvexia 85,701 -> 83,255 — a whole header list
    /// remembered so made a WES poll, whose token header is fingerprinted whole, ~480 dearer). Found again only
    /// for the same bytes and the same fingerprint handed in (the fake's, for the token it checked: a caller
    /// handing in another one gets what it asked for). One entry, of at most `byteLimit` bytes.
    struct LastAuthorization: Sendable {
        let value: String
        let known: String?
        let redacted: String
        static let byteLimit = 4096

        init?(value: String, known: String?, redacted: String) {
            guard value.utf8.count <= Self.byteLimit else { return nil }
            self.value = value
            self.known = known
            self.redacted = redacted
        }

        func redacted(for other: String, known otherKnown: String?) -> String? {
            guard Credentials.equal(value, other) else { return nil }
            switch (known, otherKnown) {
            case (nil, nil): return redacted
            case (let a?, let b?): return Credentials.equal(a, b) ? redacted : nil
            default: return nil
            }
        }
    }

    static let lastAuthorization = Locked<LastAuthorization?>(nil)

    /// An Authorization value with its scheme kept and its credential fingerprinted.
    private static func schemeKept(_ value: String, _ fingerprint: (String) -> String) -> String {
        // `Scheme credential`: the scheme (leading spaces skipped) kept, everything after the space that ends it
        // fingerprinted whole; with nothing after that space, the whole value is. Cut as bytes, in place.
        let bytes = value.utf8
        guard let start = bytes.firstIndex(where: { $0 != UInt8(ascii: " ") }),
            let space = bytes[start...].firstIndex(of: UInt8(ascii: " ")), bytes.index(after: space) != bytes.endIndex
        else { return fingerprint(value) }
        return String(Substring(bytes[start...space])) + fingerprint(String(Substring(bytes[bytes.index(after: space)...])))
    }

    static func queryValue(_ name: String, _ value: String) -> String {
        isCredentialParameter(name) ? Fingerprint.of(value) : value
    }
}
