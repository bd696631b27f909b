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

    /// Adds a field, keeping any with the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field called `name` with one holding `value`.
    public mutating func set(_ name: String, _ value: String) {
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
}
