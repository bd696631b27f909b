#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Comparisons of texts as their UTF-8 bytes, for the per-request paths (run ids, request paths, object keys).
/// `==` and `hasPrefix` compare Characters (canonically equal texts are equal), which costs hundreds of
/// instructions a call; these compare the strings' own contiguous buffers, and where bytes differ the texts differ.
extension String {
    /// Whether the two texts are the same bytes, compared with `memcmp` on the strings' own buffers (`elementsEqual`
    /// walked the views through their iterators, ~30 instructions a byte: 1,100 for a WES run id). The views are
    /// asked for in place, never bound to constants: bound, each was copied, a retain and release apiece (2 pairs
    /// a WES poll through `RunTable.slot(of:)`). For secrets `Credentials.equal`, the constant-time one.
    public func hasSameUTF8(as other: String) -> Bool {
        let count = utf8.count
        guard other.utf8.count == count else { return false }
        if let same = utf8.withContiguousStorageIfAvailable({ x in
            other.utf8.withContiguousStorageIfAvailable { y in count == 0 || memcmp(x.baseAddress!, y.baseAddress!, count) == 0 }
        }), let same {
            return same
        }
        return utf8.elementsEqual(other.utf8)
    }

    /// Whether this text's UTF-8 starts with `prefix`'s (`utf8.starts(with:)` walked both views index by index:
    /// ~300 instructions on every admin request).
    public func hasBytePrefix(_ prefix: String) -> Bool {
        let count = prefix.utf8.count
        guard utf8.count >= count else { return false }
        if let same = utf8.withContiguousStorageIfAvailable({ text in
            prefix.utf8.withContiguousStorageIfAvailable { head in
                count == 0 || memcmp(text.baseAddress!, head.baseAddress!, count) == 0
            }
        }), let same {
            return same
        }
        return utf8.starts(with: prefix.utf8)
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
