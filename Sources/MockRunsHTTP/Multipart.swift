import MockRunsSync

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a multipart/form-data body gave no form. The messages are the ones the host gave when libmicrohttpd's post
/// processor read these bodies, so the fakes' 400s read as before.
public struct MultipartError: Error, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Content-Type names no usable boundary (none, empty, longer than `maximumBoundaryBytes`, or with CR/LF).
        case noBoundary
        /// Something where a line end or a boundary must be, a part header line over `maximumHeaderLineBytes`, a
        /// NUL byte in a part header.
        case malformed
        /// The body ends inside a part: no delimiter after its value, or no blank line after its headers.
        case truncated
        /// More parts than `maxFields`.
        case tooManyFields(limit: Int)
    }

    public let kind: Kind

    public init(kind: Kind) { self.kind = kind }

    public var message: String {
        switch kind {
        case .noBoundary: "multipart/form-data body without a boundary parameter in Content-Type"
        case .malformed: "cannot parse the multipart/form-data body"
        case .truncated: "cannot parse the multipart/form-data body (truncated or malformed)"
        case .tooManyFields(let limit): "the body has more than \(limit) form fields"
        }
    }
}

extension FormField {
    /// The longest part header line (without its line end): what libmicrohttpd 0.9.75's post processor held with
    /// the 4 KiB buffer the host gave it (4,096 + the 4 it adds, less the line end), so the README's "must fit in
    /// 4 KiB" stays true.
    public static let maximumHeaderLineBytes = 4_099
    /// The longest boundary the post processor took with that buffer (RFC 2046 allows 70).
    public static let maximumBoundaryBytes = 2_047

    /// The fields of a `multipart/form-data` body, in order, one per part (a repeated name stays repeated); nested
    /// `multipart/mixed` parts give one field each under their outer part's name. Read in one pass over the bytes,
    /// the way libmicrohttpd 0.9.75's post processor read them (the host used it before: a WES submit cost ~19,000
    /// instructions there, ~6,500 here): a delimiter is CRLF `--boundary` (anything else that looks like one is
    /// value), a line end after it may be CRLF, LF or CR, part header names match without regard to case
    /// (`Content-Disposition: ` with its one space; `name="..."` and `filename="..."` quoted; the first
    /// `Content-Type: ` on a line), anything before the first `--boundary` is skipped, and a body without one is
    /// an empty form. Where the post processor was plainly wrong this differs: the boundary is the Content-Type's
    /// `boundary` parameter (any case, quoted or not, other parameters after it); anything after the closing
    /// `--boundary--` is ignored (RFC 2046: the epilogue) and blanks after a boundary are padding; a NUL byte in a
    /// part header is malformed (it ended the header's C string); nested parts are read whole.
    ///
    /// Linear in the body: each search moves forward only (the first boundary, which may sit anywhere, by
    /// Knuth-Morris-Pratt; a delimiter starts at a CR, which a boundary never holds, so a failed match leaves no
    /// CR behind it unread; a header line's end is looked for up to the next LF, all of which the line and its
    /// line end then take), and a header line is bounded.
    public static func multipart(
        _ body: [UInt8], contentType: String?, maxFields: Int = .max
    ) -> Result<[FormField], MultipartError> {
        multipart(body, boundary: contentType.flatMap(multipartBoundary), maxFields: maxFields)
    }

    /// `multipart(_:contentType:maxFields:)` with the boundary already taken from the Content-Type
    /// (`multipartBoundary(ofContentType:)`; nil when it had none).
    public static func multipart(
        _ body: [UInt8], boundary: [UInt8]?, maxFields: Int = .max
    ) -> Result<[FormField], MultipartError> {
        guard let boundary else { return .failure(MultipartError(kind: .noBoundary)) }
        if let known = lastForm.withLock({ $0?.fields(body, boundary: boundary, maxFields: maxFields) }) {
            return .success(known)
        }
        let read = body.withUnsafeBufferPointer { bytes -> Result<[FormField], MultipartError> in
            var reader = MultipartReader(bytes: bytes, maxFields: maxFields)
            do throws(MultipartError) {
                try reader.read(0..<bytes.count, boundary: boundary, outer: nil)
                return .success(reader.fields)
            } catch {
                return .failure(error)
            }
        }
        if case .success(let fields) = read, body.count <= LastForm.bodyLimit {
            let kept = LastForm(body: body, boundary: boundary, maxFields: maxFields, fields: fields)
            lastForm.withLock { $0 = kept }
        }
        return read
    }

    /// The last form read, with the bytes it was read from: a client submits the same body over and over (a CI
    /// fixture, a load test), and reading it again made a dozen allocations (each field's name, value and
    /// filename) and ~7,000 instructions of a WES submission, where comparing the bytes is two `memcmp`s. Only a
    /// form read without error is kept, and only one, of a body of up to `bodyLimit` bytes. The fields handed out
    /// are the kept array itself (a value: a caller that changes it changes its own copy).
    struct LastForm: Sendable {
        static let bodyLimit = 64 * 1024

        let body: [UInt8]
        let boundary: [UInt8]
        let maxFields: Int
        let fields: [FormField]

        /// The fields, when `body` and `boundary` are the bytes they were read from (with the same `maxFields`).
        func fields(_ body: [UInt8], boundary: [UInt8], maxFields: Int) -> [FormField]? {
            guard maxFields == self.maxFields, body.hasSameBytes(as: self.body), boundary.hasSameBytes(as: self.boundary)
            else {
                return nil
            }
            return fields
        }
    }

    /// Shared by every server in the process: what a body's bytes read as depends on nothing else.
    static let lastForm = Locked<LastForm?>(nil)

    /// The `boundary` parameter of a Content-Type value (`multipart/form-data; boundary="x y"`), unquoted; nil when
    /// there is none or it cannot be one.
    public static func multipartBoundary(ofContentType value: String) -> [UInt8]? {
        var value = value
        return value.withUTF8 { bytes -> [UInt8]? in
            func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab }
            let boundaryName = ("boundary" as StaticString).utf8Start
            // Parameter by parameter from its ';'; only the boundary's value is copied.
            var index = bytes.firstIndex(of: semicolon) ?? bytes.count
            while index < bytes.count {
                index += 1
                while index < bytes.count, isBlank(bytes[index]) { index += 1 }
                let nameStart = index
                while index < bytes.count, bytes[index] != equalsSign, bytes[index] != semicolon { index += 1 }
                var nameEnd = index
                while nameEnd > nameStart, isBlank(bytes[nameEnd - 1]) { nameEnd -= 1 }
                guard index < bytes.count, bytes[index] == equalsSign else { continue }
                index += 1
                while index < bytes.count, isBlank(bytes[index]) { index += 1 }
                let isBoundary = nameEnd - nameStart == 8
                    && (0..<8).allSatisfy { bytes[nameStart + $0].asciiLowercased == boundaryName[$0] }
                var parameter: [UInt8] = []
                if index < bytes.count, bytes[index] == quote {
                    // A quoted string: `\` takes the next byte as it is.
                    index += 1
                    while index < bytes.count, bytes[index] != quote {
                        if bytes[index] == backslash, index + 1 < bytes.count { index += 1 }
                        if isBoundary { parameter.append(bytes[index]) }
                        index += 1
                    }
                    while index < bytes.count, bytes[index] != semicolon { index += 1 }
                } else {
                    let start = index
                    while index < bytes.count, bytes[index] != semicolon { index += 1 }
                    var end = index
                    while end > start, isBlank(bytes[end - 1]) { end -= 1 }
                    if isBoundary { parameter = Array(UnsafeBufferPointer(rebasing: bytes[start..<end])) }
                }
                guard isBoundary else { continue }
                // The delimiter search relies on a boundary without CR (see `multipart`).
                if parameter.isEmpty || parameter.count > maximumBoundaryBytes
                    || parameter.contains(where: { $0 == cr || $0 == lf })
                {
                    return nil
                }
                return parameter
            }
            return nil
        }
    }
}

private let cr = UInt8(ascii: "\r")
private let lf = UInt8(ascii: "\n")
private let dash = UInt8(ascii: "-")
private let space = UInt8(ascii: " ")
private let tab = UInt8(ascii: "\t")
private let semicolon = UInt8(ascii: ";")
private let equalsSign = UInt8(ascii: "=")
private let quote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\")

/// One pass over a multipart body's bytes, gathering its fields.
private struct MultipartReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxFields: Int
    var fields: [FormField] = []

    init(bytes: UnsafeBufferPointer<UInt8>, maxFields: Int) {
        self.bytes = bytes
        self.maxFields = maxFields
        // Room for a usual submit's fields (a WES run's four to six) at once.
        fields.reserveCapacity(8)
    }

    /// What a part's headers said.
    struct PartHeaders {
        var name: Range<Int>?
        var filename: Range<Int>?
        var contentType: Range<Int>?
    }

    /// How the bytes after a boundary or a header line may end their line, as the post processor's line-end
    /// machine took them: after a boundary `--` closes the body, else CRLF, LF or CR; after a CR, an optional LF
    /// (or `--`, or another line end); before a value, a line end only.
    enum LineEnd { case afterBoundary, afterCR, before }

    enum Skipped { case at(Int), closed }

    /// Past the line end at `start`.
    func skipLineEnd(from start: Int, _ mode: LineEnd, in range: Range<Int>) throws(MultipartError) -> Skipped {
        var index = start
        var mode = mode
        if mode == .afterBoundary {
            // Transport padding (RFC 2046): blanks before the line end.
            while index < range.upperBound, bytes[index] == space || bytes[index] == tab { index += 1 }
            if index > start { mode = .before }
        }
        while true {
            guard index < range.upperBound else { throw MultipartError(kind: .truncated) }
            let byte = bytes[index]
            if mode == .afterCR, byte == lf { return .at(index + 1) }
            if mode != .before, byte == dash {
                guard index + 1 < range.upperBound else { throw MultipartError(kind: .truncated) }
                if bytes[index + 1] == dash { return .closed }
                throw MultipartError(kind: .malformed)
            }
            if byte == cr {
                if index + 1 < range.upperBound, bytes[index + 1] == lf { return .at(index + 2) }
                mode = .afterCR
                index += 1
                continue
            }
            if byte == lf { return .at(index + 1) }
            throw MultipartError(kind: .malformed)
        }
    }

    /// Reads the parts of `range` delimited by `boundary`; `outer` are the headers of the part that holds them
    /// when they are nested.
    mutating func read(_ range: Range<Int>, boundary: [UInt8], outer: PartHeaders?) throws(MultipartError) {
        guard var index = firstBoundary(boundary, in: range) else { return }
        while true {
            // After `--boundary`.
            guard case .at(var at) = try skipLineEnd(from: index, .afterBoundary, in: range) else { return }
            var headers = PartHeaders()
            // Header lines, to the blank one.
            while true {
                let limit = min(range.upperBound, at + FormField.maximumHeaderLineBytes + 1)
                // The first CR or LF. The LF is looked for first: what lies before it is this line and its line end,
                // so no byte is searched twice (a CR looked for first would search 4 KiB again for every line that
                // ends in LF alone).
                let lfAt = find(lf, in: at..<limit)
                let end = find(cr, in: at..<(lfAt ?? limit)) ?? lfAt ?? limit
                if end == limit {
                    // No line end in reach: too long, or the body ends first.
                    throw MultipartError(kind: end - at > FormField.maximumHeaderLineBytes ? .malformed : .truncated)
                }
                if end == at { break }
                try readHeader(at..<end, into: &headers)
                if bytes[end] == lf {
                    at = end + 1
                } else {
                    guard case .at(let next) = try skipLineEnd(from: end + 1, .afterCR, in: range) else { return }
                    at = next
                }
            }
            guard case .at(let valueStart) = try skipLineEnd(from: at, .before, in: range) else { return }
            guard valueStart < range.upperBound else { throw MultipartError(kind: .truncated) }
            let nestedBoundary = try self.nestedBoundary(headers, nested: outer != nil)
            if nestedBoundary == nil, fields.count >= maxFields {
                throw MultipartError(kind: .tooManyFields(limit: maxFields))
            }
            guard let valueEnd = delimiter(boundary, from: valueStart, in: range) else {
                throw MultipartError(kind: .truncated)
            }
            if let nestedBoundary {
                try read(valueStart..<valueEnd, boundary: nestedBoundary, outer: headers)
            } else {
                fields.append(field(headers, outer: outer, value: valueStart..<valueEnd))
            }
            index = valueEnd + 4 + boundary.count
        }
    }

    /// The boundary of a `multipart/mixed` part of the form (one level deep, as the post processor read them).
    func nestedBoundary(_ headers: PartHeaders, nested: Bool) throws(MultipartError) -> [UInt8]? {
        guard !nested, let type = headers.contentType,
            hasPrefix(type.lowerBound, "multipart/mixed", before: type.upperBound)
        else { return nil }
        let typeText = String(decoding: UnsafeBufferPointer(rebasing: bytes[type]), as: UTF8.self)
        guard let boundary = FormField.multipartBoundary(ofContentType: typeText) else {
            throw MultipartError(kind: .malformed)
        }
        return boundary
    }

    func field(_ headers: PartHeaders, outer: PartHeaders?, value: Range<Int>) -> FormField {
        func text(_ range: Range<Int>?) -> String? {
            range.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
        }
        // A nested part is named by its outer part (its own name only when that has none), and so is its file.
        return FormField(
            name: text(outer?.name ?? headers.name) ?? "",
            value: Array(UnsafeBufferPointer(rebasing: bytes[value])),
            filename: text(outer?.filename ?? headers.filename),
            contentType: text(headers.contentType))
    }

    /// One part header line: the first Content-Disposition's `name` and `filename`, the first Content-Type.
    func readHeader(_ line: Range<Int>, into headers: inout PartHeaders) throws(MultipartError) {
        if find(0, in: line) != nil { throw MultipartError(kind: .malformed) }
        if hasPrefix(line.lowerBound, "content-disposition: ", before: line.upperBound) {
            readDisposition(line.lowerBound + 21..<line.upperBound, into: &headers)
        } else if headers.contentType == nil {
            // Anywhere on a line that is not a Content-Disposition, as the post processor looked: at each colon
            // that may be this one's.
            var index = line.lowerBound + 12
            while index < line.upperBound, let colon = find(UInt8(ascii: ":"), in: index..<line.upperBound) {
                if hasPrefix(colon - 12, "content-type: ", before: line.upperBound) {
                    headers.contentType = colon + 2..<line.upperBound
                    return
                }
                index = colon + 1
            }
        }
    }

    /// `name` and `filename` of a Content-Disposition's parameters: for each, the first `key=` that starts them
    /// or follows a space decides (nil when its value is not quoted or not closed), as the post processor read
    /// them. Walked from `=` to `=` (a `key=` is found by its `=`, in the same order).
    func readDisposition(_ parameters: Range<Int>, into headers: inout PartHeaders) {
        var nameDecided = headers.name != nil
        var filenameDecided = headers.filename != nil
        var index = parameters.lowerBound
        while !(nameDecided && filenameDecided), let equals = find(equalsSign, in: index..<parameters.upperBound) {
            if !nameDecided, isKey("name", endingAt: equals, in: parameters) {
                nameDecided = true
                headers.name = quotedValue(after: equals, in: parameters)
            } else if !filenameDecided, isKey("filename", endingAt: equals, in: parameters) {
                filenameDecided = true
                headers.filename = quotedValue(after: equals, in: parameters)
            }
            index = equals + 1
        }
    }

    /// Whether `key` stands right before `end`, at the start of `range` or after a space.
    func isKey(_ key: StaticString, endingAt end: Int, in range: Range<Int>) -> Bool {
        let start = end - key.utf8CodeUnitCount
        guard start >= range.lowerBound, start == range.lowerBound || bytes[start - 1] == space else { return false }
        return memcmp(bytes.baseAddress! + start, key.utf8Start, key.utf8CodeUnitCount) == 0
    }

    /// The bytes between the quotes right after `equals`; nil when there is no opening or closing one.
    func quotedValue(after equals: Int, in range: Range<Int>) -> Range<Int>? {
        let open = equals + 1
        guard open < range.upperBound, bytes[open] == quote else { return nil }
        guard let close = find(quote, in: open + 1..<range.upperBound) else { return nil }
        return open + 1..<close
    }

    /// Whether the bytes at `start` (before `end`) are `prefix` (lower-case ASCII) without regard to case.
    func hasPrefix(_ start: Int, _ prefix: StaticString, before end: Int) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard end - start >= count else { return false }
        let wanted = prefix.utf8Start
        for offset in 0..<count where bytes[start + offset].asciiLowercased != wanted[offset] { return false }
        return true
    }

    /// Where `byte` first is in `range`: libc's memchr, vectorized (a Swift loop cost ~5 instructions a byte).
    func find(_ byte: UInt8, in range: Range<Int>) -> Int? {
        guard !range.isEmpty, let base = bytes.baseAddress,
            let found = memchr(base + range.lowerBound, Int32(byte), range.count)
        else { return nil }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
    }

    /// Whether the bytes at `start` are `wanted` (the caller knows they are there).
    func matches(_ wanted: [UInt8], at start: Int) -> Bool {
        wanted.withUnsafeBufferPointer { memcmp(bytes.baseAddress! + start, $0.baseAddress!, $0.count) == 0 }
    }

    /// Where the first `--boundary` in `range` starts, past it; anywhere, as the post processor skipped what came
    /// before (RFC 2046's preamble). Knuth-Morris-Pratt, so a preamble of near-matches (a boundary of dashes in a
    /// body of dashes) stays linear; the usual body starts with it and needs no table.
    func firstBoundary(_ boundary: [UInt8], in range: Range<Int>) -> Int? {
        let start = range.lowerBound
        if range.count >= 2 + boundary.count, bytes[start] == dash, bytes[start + 1] == dash,
            matches(boundary, at: start + 2)
        {
            return start + 2 + boundary.count
        }
        let pattern = [dash, dash] + boundary
        var failure = [Int](repeating: 0, count: pattern.count)
        var matched = 0
        for index in 1..<pattern.count {
            while matched > 0, pattern[index] != pattern[matched] { matched = failure[matched - 1] }
            if pattern[index] == pattern[matched] { matched += 1 }
            failure[index] = matched
        }
        matched = 0
        for index in range {
            while matched > 0, bytes[index] != pattern[matched] { matched = failure[matched - 1] }
            if bytes[index] == pattern[matched] { matched += 1 }
            if matched == pattern.count { return index + 1 }
        }
        return nil
    }

    /// Where the value starting at `start` ends: the CR of the first CRLF `--boundary` after it.
    func delimiter(_ boundary: [UInt8], from start: Int, in range: Range<Int>) -> Int? {
        let last = range.upperBound - 4 - boundary.count
        var index = start
        while index <= last, let found = find(cr, in: index..<last + 1) {
            if bytes[found + 1] == lf, bytes[found + 2] == dash, bytes[found + 3] == dash,
                matches(boundary, at: found + 4)
            {
                return found
            }
            index = found + 1
        }
        return nil
    }
}
