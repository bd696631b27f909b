/// The only source of randomness the engine uses: SplitMix64 from the scenario's seed, split into named
/// streams so that, say, latency draws never shift which ids are made.
public struct SeededRandom: Sendable, RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    /// A stream of its own for `label` (e.g. "ids/wes"): the same seed and label give the same numbers.
    public init(seed: UInt64, stream label: String) {
        state = seed ^ Self.hash(label)
    }

    /// `label`'s hash, read from its own UTF-8 buffer (walking String.UTF8View cost ~20 instructions a byte: 500 to
    /// 700 of each workspace answer, whose request id is drawn from such a stream; bench/speed/instructions.sh).
    private static func hash(_ label: String) -> UInt64 {
        var hash = labelHashStart
        let read: Void? = label.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes { Self.hash(byte, into: &hash) }
        }
        if read == nil {
            for byte in label.utf8 { Self.hash(byte, into: &hash) }
        }
        return hash
    }

    /// A stream's label is hashed with FNV-1a (64 bits): its offset basis, then each byte mixed in.
    private static let labelHashStart: UInt64 = 0xcbf2_9ce4_8422_2325

    private static func hash(_ byte: UInt8, into hash: inout UInt64) {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }

    /// The stream `init(seed:stream:)` gives for `label` followed by `number` in decimal (`"token/7"`), without
    /// making that text: the label's hash goes on over the number's digits.
    public init(seed: UInt64, stream label: String, number: Int) {
        var hash = Self.hash(label)
        if number < 0 { Self.hash(UInt8(ascii: "-"), into: &hash) }
        // The digits, most significant first: the largest power of ten not above the magnitude, then down.
        let magnitude = number.magnitude
        var divisor: UInt = 1
        while magnitude / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            Self.hash(UInt8(ascii: "0") + UInt8(magnitude / divisor % 10), into: &hash)
            divisor /= 10
        }
        state = seed ^ hash
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [0, 1).
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal draw (Box–Muller).
    public mutating func normal() -> Double {
        let u1 = max(unit(), 0x1.0p-53)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A version-4 UUID in lower case, made from this stream: two draws, their bytes least significant first.
    public mutating func uuid() -> String {
        let words = (next(), next())
        // 8-4-4-4-12 lower-case hex digits, written straight from the two words into the string (an array of
        // the 16 bytes walked with a table of digits cost ~2,200 instructions of a submission; a String per byte,
        // then joined, a tenth of one).
        return String(unsafeUninitializedCapacity: 36) { out in
            var at = 0
            for index in 0..<16 {
                let word = index < 8 ? words.0 : words.1
                var byte = UInt8(truncatingIfNeeded: word >> UInt64(8 * (index % 8)))
                if index == 6 { byte = (byte & 0x0F) | 0x40 }  // version 4
                if index == 8 { byte = (byte & 0x3F) | 0x80 }  // RFC 4122 variant
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    out[at] = UInt8(ascii: "-")
                    at += 1
                }
                out[at] = Self.hexDigit(byte >> 4)
                out[at + 1] = Self.hexDigit(byte & 0x0F)
                at += 2
            }
            return at
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }

    /// A whole number in `range`. Written out (Lemire's method, as the standard library does it today) rather
    /// than calling `Int.random(in:using:)`, whose algorithm a later Swift may change: ids must stay the same.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(bitPattern: Int64(range.upperBound &- range.lowerBound))
        if span == .max { return Int(truncatingIfNeeded: next()) }
        let bound = span + 1
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return range.lowerBound &+ Int(truncatingIfNeeded: product.high)
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
