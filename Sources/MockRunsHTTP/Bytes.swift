#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Array where Element == UInt8 {
    /// Whether the two arrays hold the same bytes, by `memcmp` (an array's `==` compares element by element): the
    /// one comparison of every memo keyed on a body's or a value's bytes. Not for secrets (`Credentials.equal`,
    /// the constant-time one, is).
    @inlinable
    public func hasSameBytes(as other: [UInt8]) -> Bool {
        guard count == other.count else { return false }
        return withUnsafeBytes { x in
            other.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }
    }
}
