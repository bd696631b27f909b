#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Header fields in the order they were written, looked up without regard to case, as HTTP says.
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// Fields already labelled (what the host collects): taken as they are, without a copy.
    public init(fields: [(name: String, value: String)]) {
        self.fields = fields
    }

    /// Room for `count` fields without regrowing (a response gathers several, one at a time).
    public mutating func reserveCapacity(_ count: Int) {
        fields.reserveCapacity(count)
    }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        fields.first { HTTPHeaders.sameName($0.name, name) }?.value
    }

    /// Adds a field, keeping any with the same name. (`consuming`: a value made for the field, a Date, is moved
    /// in, where a borrowed one was retained for the array and released by its maker.)
    public mutating func add(_ name: consuming String, _ value: consuming String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field called `name` with one holding `value`.
    public mutating func set(_ name: consuming String, _ value: consuming String) {
        // Most answers do not have the field yet: one look, no rewrite of the array (`removeAll` is not free).
        if fields.contains(where: { HTTPHeaders.sameName($0.name, name) }) { remove(name) }
        add(name, value)
    }

    /// Sets each of `values`, in name order (so the bytes do not depend on dictionary order).
    public mutating func set(contentsOf values: [String: String]) {
        for (name, value) in values.sorted(by: { $0.key < $1.key }) { set(name, value) }
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { HTTPHeaders.sameName($0.name, name) }
    }

    /// Header names compare without regard to ASCII case (they are tokens), without allocating.
    public static func sameName(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        // Native strings are contiguous UTF-8: compare the buffers (the generic zip costs several times more, and
        // this runs for every header lookup of every request).
        if let same = a.utf8.withContiguousStorageIfAvailable({ x in
            b.utf8.withContiguousStorageIfAvailable { y in
                for index in 0..<x.count where x[index] != y[index] {
                    if x[index].asciiLowercased != y[index].asciiLowercased { return false }
                }
                return true
            }
        }), let same {
            return same
        }
        for (x, y) in zip(a.utf8, b.utf8) where x != y {
            if x.asciiLowercased != y.asciiLowercased { return false }
        }
        return true
    }

    /// What stamping an answer (a Date, `X-Content-Type-Options: nosniff` last) needs to know of it, in one pass:
    /// whether it has a Date, how many `X-Content-Type-Options` fields, and whether it is stamped already (a
    /// Date, and one such field, last and exactly `X-Content-Type-Options: nosniff`). The fields are read in place:
    /// walked as copies (`for field in fields`), each name and value was retained and released, 8 pairs on a
    /// health check.
    public var stamping: (hasDate: Bool, nosniffs: Int, isStamped: Bool) {
        var nosniffs = 0, hasDate = false
        for index in fields.indices {
            switch fields[index].name.utf8.count {
            case 4 where Self.isName(fields[index].name, "date"): hasDate = true
            case 22 where Self.isName(fields[index].name, "x-content-type-options"): nosniffs += 1
            default: break
            }
        }
        let last = fields.count - 1
        let isStamped = hasDate && nosniffs == 1 && Self.sameBytes(fields[last].name, "X-Content-Type-Options")
            && Self.sameBytes(fields[last].value, "nosniff")
        return (hasDate, nosniffs, isStamped)
    }

    /// Whether there is a Date, and the first Retry-After's value, read in one pass over the fields in place (as
    /// `stamping`).
    public var dateAndRetryAfter: (dated: Bool, retryAfter: String?) {
        var dated = false
        var retryAfter: String?
        for index in fields.indices {
            switch fields[index].name.utf8.count {
            case 4 where Self.isName(fields[index].name, "date"): dated = true
            case 11 where retryAfter == nil && Self.isName(fields[index].name, "retry-after"): retryAfter = fields[index].value
            default: break
            }
        }
        return (dated, retryAfter)
    }

    /// `sameName(name, lower)` for a lower-case ASCII literal, written out where it is called: a call of
    /// `sameName` (or of `sameBytes` below) on a field read in place made the caller retain and release the
    /// field's text around it (`stamping`: 4 pairs a health check).
    @inline(__always)
    static func isName(_ name: String, _ lower: StaticString) -> Bool {
        let count = lower.utf8CodeUnitCount
        guard name.utf8.count == count else { return false }
        let wanted = lower.utf8Start
        return name.utf8.withContiguousStorageIfAvailable { bytes in
            for index in 0..<count where bytes[index].asciiLowercased != wanted[index] { return false }
            return true
        } ?? sameName(name, lower.description)
    }

    /// Byte-for-byte equality with a literal (no Unicode equivalence: `==` would take a look-alike name).
    /// (`memcmp`: `elementsEqual` cost ~440 instructions a call, a loop over the bytes ~190. Inlined: see `isName`.)
    @inline(__always)
    static func sameBytes(_ text: String, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard text.utf8.count == count else { return false }
        let wanted = literal.utf8Start
        return text.utf8.withContiguousStorageIfAvailable { bytes in
            count == 0 || memcmp(bytes.baseAddress!, wanted, count) == 0
        } ?? text.utf8.elementsEqual(UnsafeBufferPointer(start: wanted, count: count))
    }

    /// The media type of `Content-Type`, lower-cased and without parameters (`multipart/form-data`). Read as
    /// bytes: a multipart type carries a long boundary parameter, and splitting it by `Character` and lower-casing
    /// it by Unicode cost a sixth of a submission; a media type is a token, so ASCII case is its only case.
    public var mediaType: String? {
        guard var value = self["Content-Type"] else { return nil }
        // On the string's own contiguous bytes (walking the UTF8View cost thousands more), written once.
        return value.withUTF8 { bytes in
            func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            var start = 0
            var end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            while start < end, isBlank(bytes[start]) { start += 1 }
            while end > start, isBlank(bytes[end - 1]) { end -= 1 }
            return String(unsafeUninitializedCapacity: end - start) { out in
                for index in start..<end { out[index - start] = bytes[index].asciiLowercased }
                return end - start
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

extension UInt8 {
    /// This byte with an ASCII capital letter made small, every other byte as it is: how header names, route
    /// segments and host names compare without regard to case, without lower-casing a `String`.
    @inlinable public var asciiLowercased: UInt8 { self >= 65 && self <= 90 ? self + 32 : self }

    /// A byte a header name (an RFC 9110 token) may hold: letters, digits and ``!#$%&'*+-.^_`|~``.
    @inlinable public var isTokenByte: Bool {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// The value of a hex digit (`0`-`9`, `a`-`f`, `A`-`F`), for `%XX` escapes; nil for any other byte.
    @inlinable public var hexDigitValue: UInt8? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): self - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): self - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): self - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
