#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Comparisons of texts as their UTF-8 bytes, for the per-request paths (run ids, request paths, object keys).
/// `==` and `hasPrefix` compare Characters (canonically equal texts are equal), which costs hundreds of
/// instructions a call; these compare the strings' own contiguous buffers, and where bytes differ the texts differ.
extension String {
    /// Whether the two texts are the same bytes, compared with `memcmp` (`elementsEqual` walked the views through
    /// their iterators, ~30 instructions a byte: 1,100 for a WES run id, ~1,900 for a WES status path).
    public func hasSameUTF8(as other: String) -> Bool {
        let x = utf8, y = other.utf8
        let count = x.count
        guard count == y.count else { return false }
        if let same = x.withContiguousStorageIfAvailable({ x in
            y.withContiguousStorageIfAvailable { y in count == 0 || memcmp(x.baseAddress!, y.baseAddress!, count) == 0 }
        }), let same {
            return same
        }
        return x.elementsEqual(y)
    }

    /// Whether this text's UTF-8 starts with `prefix`'s (`utf8.starts(with:)` walked both views index by index:
    /// ~300 instructions on every admin request).
    public func hasBytePrefix(_ prefix: String) -> Bool {
        let bytes = utf8, wanted = prefix.utf8
        let count = wanted.count
        guard bytes.count >= count else { return false }
        if let same = bytes.withContiguousStorageIfAvailable({ text in
            wanted.withContiguousStorageIfAvailable { head in count == 0 || memcmp(text.baseAddress!, head.baseAddress!, count) == 0 }
        }), let same {
            return same
        }
        return bytes.starts(with: wanted)
    }

    /// `hasPrefix(prefix)` for an ASCII `prefix`, mostly by bytes (`hasPrefix` compares Characters: ~260
    /// instructions on every admin request). After an ASCII prefix's bytes a Character ends unless a non-ASCII
    /// scalar follows (a combining mark joins the last one): there `hasPrefix` itself answers.
    public func hasASCIIPrefix(_ prefix: String) -> Bool {
        guard hasBytePrefix(prefix) else { return false }
        let bytes = utf8
        let next = bytes.index(bytes.startIndex, offsetBy: prefix.utf8.count)
        return next == bytes.endIndex || bytes[next] < 0x80 || hasPrefix(prefix)
    }
}
