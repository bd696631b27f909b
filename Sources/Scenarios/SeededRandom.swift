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
        // The version and variant bits set in the words themselves (bytes 6 and 8), then each word's eight bytes
        // written as hex digits straight into the string, the dashes at their fixed places (a byte at a time
        // with the word, the bits and the dashes decided in the loop cost ~500-650 instructions more a submission,
        // bench/speed/instructions.sh; an array of the 16 bytes walked with a table of digits ~2,200).
        let low = next() & ~(0xF0 << 48) | (0x40 << 48)  // byte 6: version 4
        let high = next() & ~0xC0 | 0x80  // byte 8: the RFC 4122 variant
        return String(unsafeUninitializedCapacity: 36) { out in
            guard let base = out.baseAddress else { return 0 }
            // 8-4-4-4-12: bytes 0-3, 4-5, 6-7 of the first word; 8-9 and 10-15 of the second.
            Self.hex(low, bytes: 0..<4, to: base)
            base[8] = UInt8(ascii: "-")
            Self.hex(low, bytes: 4..<6, to: base + 9)
            base[13] = UInt8(ascii: "-")
            Self.hex(low, bytes: 6..<8, to: base + 14)
            base[18] = UInt8(ascii: "-")
            Self.hex(high, bytes: 0..<2, to: base + 19)
            base[23] = UInt8(ascii: "-")
            Self.hex(high, bytes: 2..<8, to: base + 24)
            return 36
        }
    }

    /// Two lower-case hex digits for each of `bytes` of `word` (byte 0 the least significant), from `out` on.
    @inline(__always)
    private static func hex(_ word: UInt64, bytes: Range<Int>, to out: UnsafeMutablePointer<UInt8>) {
        var at = out
        for index in bytes {
            let byte = UInt8(truncatingIfNeeded: word >> UInt64(8 * index))
            at[0] = hexDigit(byte >> 4)
            at[1] = hexDigit(byte & 0x0F)
            at += 2
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
