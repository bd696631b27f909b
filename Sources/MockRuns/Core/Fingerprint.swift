import MockRunsHTTP
import MockRunsSync

/// A stable, non-reversible stand-in for a secret, so the journal can show "same token" or "another token"
/// without keeping the token: `sha256:` and the first 8 hex digits of its SHA-256.
public enum Fingerprint {
    public static func of(_ secret: String) -> String {
        if let known = memo.withLock({ $0.last(secret) }) { return known }
        let key = Array(secret.utf8)  // bytes, not String equality: canonically equal secrets differ here
        if let known = memo.withLock({ $0.remember(secret, $0.table[ByteKey(key)]) }) { return known }
        let fingerprint = text(of: key)
        memo.withLock { memo in
            memo.keep(key, fingerprint)
            _ = memo.remember(secret, fingerprint)
        }
        return fingerprint
    }

    /// The fingerprint of a text already in UTF-8 (a submission's summary, built as bytes): no String made.
    static func of(utf8 key: [UInt8]) -> String {
        let key = ByteKey(key)
        if let known = memo.withLock({ $0.lookUp(key) }) { return known }
        let fingerprint = text(of: key.bytes)
        memo.withLock { $0.keep(key.bytes, fingerprint) }
        return fingerprint
    }

    /// `sha256:` and the first 4 bytes of the digest in lower-case hex: the first word, zero-padded.
    private static func text(of key: [UInt8]) -> String {
        let hex = String(sha256Words(key)[0], radix: 16)
        return "sha256:" + String(repeating: "0", count: 8 - hex.utf8.count) + hex
    }

    /// A client sends the same credential on every poll: hashing it each time cost a fifth of a status poll.
    /// Bounded, so a client sending a new secret per request cannot grow it. The last secret is compared first,
    /// as bytes: no array made and nothing hashed for the poll that repeats it.
    struct Memo {
        var table: [ByteKey: String] = [:]
        var latest: (secret: String, fingerprint: String)?

        func last(_ secret: String) -> String? {
            guard let latest, Credentials.equal(latest.secret, secret) else { return nil }
            return latest.fingerprint
        }

        /// Only keys of up to `memoKeyLimit` bytes are kept: credentials and form summaries repeat, a body seldom
        /// does, and a table of a thousand bodies of up to the body limit each would hold gigabytes.
        mutating func keep(_ key: [UInt8], _ fingerprint: String) {
            guard key.count <= memoKeyLimit else { return }
            if table.count >= memoCapacity { table.removeAll(keepingCapacity: true) }
            table[ByteKey(key)] = fingerprint
        }

        /// The last few keys found, compared as bytes before the table is asked: a submission looks up the same
        /// handful (each form value, then the summary) every time, and hashing each for the table cost ~1,100
        /// instructions of a workspace submission. Bounded: `recentCapacity` entries, the oldest replaced.
        private var recentKeys = RecentEntries<Recent>(capacity: recentCapacity)
        static let recentCapacity = 8

        /// The recent keys kept, oldest first until there are `recentCapacity`.
        var recent: [Recent] { recentKeys.entries }

        struct Recent: Sendable {
            let key: ByteKey
            let fingerprint: String
        }

        /// `key`'s fingerprint from the recent keys or the table; a table hit joins the recent keys.
        mutating func lookUp(_ key: ByteKey) -> String? {
            for index in recentKeys.entries.indices where recentKeys.entries[index].key == key {
                return recentKeys.entries[index].fingerprint
            }
            guard let fingerprint = table[key] else { return nil }
            recentKeys.keep(Recent(key: key, fingerprint: fingerprint))
            return fingerprint
        }

        mutating func remember(_ secret: String, _ fingerprint: String?) -> String? {
            if let fingerprint { latest = (secret, fingerprint) }
            return fingerprint
        }
    }

    /// A memo key: its bytes hashed in one call and compared in one `memcmp`. A `[UInt8]` key fed the hasher
    /// one byte at a time and compared element by element: the five look-ups of a WES multipart submission
    /// cost ~11,800 instructions (bench/speed/instructions.sh submit-wes).
    struct ByteKey: Hashable, Sendable {
        let bytes: [UInt8]

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        func hash(into hasher: inout Hasher) {
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }

        static func == (a: ByteKey, b: ByteKey) -> Bool { a.bytes.hasSameBytes(as: b.bytes) }
    }

    private static let memo = Locked(Memo())
    private static let memoCapacity = 1024
    static let memoKeyLimit = 4096

    /// SHA-256 (FIPS 180-4) of `message`; small inputs only (credentials, request bodies up to the body limit).
    /// The padding is read in place and the state kept in locals: no padded copy grown byte by byte, no state
    /// array, no array per digest word; one schedule array per call is left.
    public static func sha256(_ message: [UInt8]) -> [UInt8] {
        let words = sha256Words(message)
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        for word in words {
            for shift in stride(from: 24, through: 0, by: -8) { digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        return digest
    }

    /// The eight words of `message`'s SHA-256, first word first.
    static func sha256Words(_ message: [UInt8]) -> [UInt32] {
        var (h0, h1, h2, h3, h4, h5, h6, h7): (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
        )
        let count = message.count
        // The padded message: the bytes, 0x80, zeros, then the length in bits as 8 big-endian bytes, to a
        // multiple of 64. Bytes past `count` are worked out, not stored.
        let paddedCount = (count + 8) / 64 * 64 + 64
        let bitLength = UInt64(count) &* 8
        func byte(_ index: Int) -> UInt32 {
            if index < count { return UInt32(message[index]) }
            if index == count { return 0x80 }
            let fromEnd = paddedCount - 1 - index
            return fromEnd < 8 ? UInt32(truncatingIfNeeded: bitLength >> UInt64(8 * fromEnd)) : 0
        }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: paddedCount, by: 64) {
            if chunk + 64 <= count {
                for i in 0..<16 {
                    let j = chunk + i * 4
                    w[i] = UInt32(message[j]) << 24 | UInt32(message[j + 1]) << 16 | UInt32(message[j + 2]) << 8
                        | UInt32(message[j + 3])
                }
            } else {
                for i in 0..<16 {
                    let j = chunk + i * 4
                    w[i] = byte(j) << 24 | byte(j + 1) << 16 | byte(j + 2) << 8 | byte(j + 3)
                }
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h0, h1, h2, h3, h4, h5, h6, h7)
            for i in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= hh
        }
        return [h0, h1, h2, h3, h4, h5, h6, h7]
    }

    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]
}
