/// A JSON value that keeps object keys in the order they were written, so answers built from scenario files
/// read like the documentation they copy and serialise to the same bytes every time.
///
/// Object keys are compared by their Unicode scalars (equal UTF-8 bytes), as JSON compares member names, not by
/// Swift's `String ==`, which treats canonically equivalent text ("é" and "e\u{301}") as equal. Parsing,
/// `subscript(key:)`, `merging` and `==` all use this one rule.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.int(a), .int(b)): a == b
        case let (.double(a), .double(b)): a == b
        case let (.int(a), .double(b)), let (.double(b), .int(a)): Double(a) == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)):
            a.count == b.count && zip(a, b).allSatisfy { JSON.sameKey($0.0, $1.0) && $0.1 == $1.1 }
        default: false
        }
    }

    /// The value under `key` when this is an object.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        // The last equal key wins. Read in place by index: `last(where:)` copied each member out to its closure,
        // retaining and releasing its key and value (~340 instructions a look-up of a five-member object; a
        // workspace poll makes a dozen, bench/speed/instructions.sh workspace).
        var index = members.endIndex
        while index > members.startIndex {
            index -= 1
            if JSON.sameKey(members[index].0, key) { return members[index].1 }
        }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var intValue: Int? {
        switch self {
        case .int(let i): i
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e15: Int(d)
        default: nil
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: [(String, JSON)]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The name of this value's kind, for error messages ("a string", "an object").
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// This object with `other`'s members laid over it: keys of `other` replace equal keys in place, new keys
    /// are appended. Non-objects are simply replaced.
    /// Linear in the sizes of both: a large pair of objects is merged through an index of keys, not by searching.
    public func merging(_ other: JSON) -> JSON {
        guard case .object(var mine) = self, case .object(let theirs) = other else { return other }
        if theirs.count <= 8 || mine.count <= 8 {
            for (key, value) in theirs {
                if let index = mine.firstIndex(where: { JSON.sameKey($0.0, key) }) {
                    mine[index].1 = value
                } else {
                    mine.append((key, value))
                }
            }
            return .object(mine)
        }
        var position: [ExactKey: Int] = [:]
        for (index, (key, _)) in mine.enumerated() where position[ExactKey(key)] == nil {
            position[ExactKey(key)] = index
        }
        for (key, value) in theirs {
            if let index = position[ExactKey(key)] {
                mine[index].1 = value
            } else {
                position[ExactKey(key)] = mine.count
                mine.append((key, value))
            }
        }
        return .object(mine)
    }

    /// Whether two object keys are the same key: the same Unicode scalars (see the type's note).
    @inline(__always)
    static func sameKey(_ a: String, _ b: String) -> Bool {
        // As bytes: the generic walk of two UTF-8 views cost hundreds of instructions a key, and a workspace
        // answer looks up two dozen. The lengths first, in line: most keys looked past differ in length, and the
        // call to compare them cost ~60 instructions each.
        a.utf8.count == b.utf8.count && a.hasSameUTF8(as: b)
    }

    /// `text` as a JSON string literal for messages that echo what a file or client wrote: quotes, backslashes,
    /// every control character (C0, DEL, C1), line and paragraph separators and bidirectional controls are
    /// escaped, so the text cannot split, recolour or reorder a line of output. Longer text shows its first
    /// `limit` characters and then `…` after the closing quote.
    public static func quotedForMessage(_ text: String, limit: Int = 80) -> String {
        // Most names are short printable ASCII with nothing to escape: quoted whole, without a walk by scalar.
        if quotesWhole(text.utf8, limit: limit) { return "\"" + text + "\"" }
        var out = "\""
        var count = 0
        var truncated = false
        for scalar in text.unicodeScalars {
            if count == limit {
                truncated = true
                break
            }
            count += 1
            switch scalar.value {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return truncated ? out + "…" : out
    }

    /// Whether `quotedForMessage` of this text is the text itself in quotes: at most `limit` bytes of printable
    /// ASCII without a quote or a backslash (so a caller writing bytes can quote it without making the String).
    @inlinable
    public static func quotesWhole(_ bytes: some Sequence<UInt8>, limit: Int = 80) -> Bool {
        var count = 0
        for byte in bytes {
            count += 1
            if count > limit || byte < 0x20 || byte >= 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
        }
        return true
    }

    /// This object with `key` set to `value` (replacing in place or appending).
    public func setting(_ key: String, _ value: JSON) -> JSON {
        merging(.object([(key, value)]))
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .double(value) }
}

// MARK: - Serialising

extension JSON {
    /// Compact JSON text with keys in their stored order; the same value always gives the same bytes.
    public func serialized() -> String { String(decoding: bytes, as: UTF8.self) }

    /// Indented JSON text (two spaces), for files and documentation people read.
    public func prettyPrinted() -> String {
        var out: [UInt8] = []
        write(to: &out, indent: true, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Compact JSON as UTF-8 bytes, written straight into one buffer (answers are rendered with no
    /// intermediate `String`s).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(JSON.answerCapacity)
        write(to: &out, indent: false, level: 0)
        return out
    }

    /// Room reserved for an answer: most fit, so nothing regrows while writing. 1,000 bytes and the array's 32-byte
    /// header make 1,032, the largest block glibc's per-thread cache hands out; 1,024 took malloc's slower path,
    /// ~770 more instructions a WES status answer (bench/speed/instructions.sh wes).
    static let answerCapacity = 1_000

    /// Appends the compact JSON text of this value to `out`.
    public func write(to out: inout [UInt8]) { write(to: &out, indent: false, level: 0) }

    private func write(to out: inout [UInt8], indent: Bool, level: Int) {
        // Members and items are read in place by index (binding each to a constant retained and released its
        // strings one by one), literals copied from static bytes.
        switch self {
        case .null: JSON.append("null", to: &out)
        case .bool(let b): JSON.append(b ? "true" : "false", to: &out)
        case .int(let i): JSON.writeInt(i, to: &out)
        case .double(let d): JSON.writeDouble(d, to: &out)
        case .string(let s): JSON.writeString(s, to: &out)
        case .array(let items):
            if items.isEmpty { JSON.append("[]", to: &out); return }
            out.append(UInt8(ascii: "["))
            for index in items.indices {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSON.newline(&out, indent, level + 1)
                items[index].write(to: &out, indent: indent, level: level + 1)
            }
            JSON.newline(&out, indent, level)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty { JSON.append("{}", to: &out); return }
            out.append(UInt8(ascii: "{"))
            for index in members.indices {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSON.newline(&out, indent, level + 1)
                JSON.writeString(members[index].0, to: &out)
                out.append(UInt8(ascii: ":"))
                if indent { out.append(UInt8(ascii: " ")) }
                members[index].1.write(to: &out, indent: indent, level: level + 1)
            }
            JSON.newline(&out, indent, level)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func append(_ literal: StaticString, to out: inout [UInt8]) {
        literal.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    private static func newline(_ out: inout [UInt8], _ indent: Bool, _ level: Int) {
        guard indent else { return }
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<level { out.append(contentsOf: [UInt8(ascii: " "), UInt8(ascii: " ")]) }
    }

    /// Decimal digits without going through `String`.
    static func writeInt(_ value: Int, to out: inout [UInt8]) {
        if value == 0 { out.append(UInt8(ascii: "0")); return }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes, room for the 20 digits of UInt64.max
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[index]) }
        }
    }

    private static func writeDouble(_ d: Double, to out: inout [UInt8]) {
        guard d.isFinite else { out.append(contentsOf: "null".utf8); return }
        if d.rounded() == d && abs(d) < 1e15 { writeInt(Int(d), to: &out); return }
        out.append(contentsOf: String(d).utf8)
    }

    /// A JSON string literal: `"`, `\` and control characters escaped, every other byte of the UTF-8 text as it is.
    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        writeStringContents(s, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// What goes between a JSON string literal's quotes: `s` escaped.
    static func writeStringContents(_ s: String, to out: inout [UInt8]) {
        if let clean = s.utf8.withContiguousStorageIfAvailable({ text -> Bool in
            // Most keys and values need no escape: one scan, one copy.
            guard !text.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            out.append(contentsOf: text)
            return true
        }), clean {
            return
        }
        var s = s
        s.withUTF8 { text in
            var clean = 0  // start of the run of bytes that need no escape
            for index in 0..<text.count {
                let byte = text[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: text[clean..<index]))
                clean = index + 1
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
                case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
                case UInt8(ascii: "\r"): out.append(contentsOf: #"\r"#.utf8)
                case UInt8(ascii: "\t"): out.append(contentsOf: #"\t"#.utf8)
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: #"\u00"#.utf8)
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0xF)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[clean..<text.count]))
        }
    }
}

// MARK: - Writing straight as bytes

/// Bytes written into room made ahead: an array already as long as the room (zeros past what is written), each
/// piece copied in through one pointer after one check for room. Appending each piece to an array cost a
/// uniqueness and capacity check per byte and a generic `append(contentsOf:)` per piece: ~100 instructions for
/// each of the two dozen keys of a workspace run's body.
struct ByteRoom {
    /// The bytes written (`count` of them), then unwritten room.
    private(set) var storage: [UInt8]
    private(set) var count = 0

    init(capacity: Int) {
        storage = Array(repeating: 0, count: max(capacity, 0))
    }

    /// Room for `n` more bytes, `fill` writes them (all `n`, from the pointer it is given).
    @inline(__always)
    mutating func write(_ n: Int, _ fill: (UnsafeMutablePointer<UInt8>) -> Void) {
        guard n > 0 else { return }
        if n > storage.count - count { grow(to: count + n) }
        let at = count
        storage.withUnsafeMutableBufferPointer { fill($0.baseAddress! + at) }
        count += n
    }

    @inline(__always)
    mutating func put(_ byte: UInt8) {
        if count == storage.count { grow(to: count + 1) }
        storage[count] = byte
        count += 1
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        write(bytes.count) { $0.update(from: source, count: bytes.count) }
    }

    mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { append($0) }
    }

    /// Appends a copy of bytes already written (`range` of them).
    mutating func appendCopy(of range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "a range of the bytes written")
        let at = count
        // The copy's source is in the same buffer, before the bytes `fill` writes: found from their pointer,
        // which is only valid after any growth.
        write(range.count) { out in out.update(from: out - at + range.lowerBound, count: range.count) }
    }

    /// What goes between a JSON string literal's quotes: `text` with `"`, `\` and control characters escaped.
    /// One scan; text needing no escape is copied in one piece.
    mutating func appendEscaped(_ text: UnsafeBufferPointer<UInt8>) {
        var clean = 0  // start of the run of bytes that need no escape
        // Eight bytes at a time up to the first word holding one that may need an escape (a byte at a time cost
        // ~6 instructions a byte: ~1,000 of a workspace submission's answer, bench/speed/instructions.sh).
        var first = 0
        if let base = text.baseAddress {
            let raw = UnsafeRawPointer(base)
            while first + 8 <= text.count, !ByteRoom.mayNeedEscape(raw.loadUnaligned(fromByteOffset: first, as: UInt64.self)) {
                first += 8
            }
        }
        for index in first..<text.count {
            let byte = text[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            append(UnsafeBufferPointer(rebasing: text[clean..<index]))
            clean = index + 1
            switch byte {
            case UInt8(ascii: "\""): append(#"\""#)
            case UInt8(ascii: "\\"): append(#"\\"#)
            case UInt8(ascii: "\n"): append(#"\n"#)
            case UInt8(ascii: "\r"): append(#"\r"#)
            case UInt8(ascii: "\t"): append(#"\t"#)
            default:
                append(#"\u00"#)
                put(ByteRoom.hex[Int(byte >> 4)])
                put(ByteRoom.hex[Int(byte & 0xF)])
            }
        }
        append(UnsafeBufferPointer(rebasing: text[clean..<text.count]))
    }

    mutating func appendEscaped(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) != nil { return }
        var text = text
        text.withUTF8 { appendEscaped($0) }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Whether any of the eight bytes of `word` is below 0x20, `"` or `\` (exact: no byte is missed and none is
    /// found that is not there). The "has a byte less than n" test of Bit Twiddling Hacks: subtracting n from
    /// every byte borrows into a byte's top bit only where that byte is below n, and `& ~word` drops the bytes
    /// whose own top bit was set; a byte equal to `c` is a zero byte of `word ^ c…c`, i.e. one less than 1.
    @inline(__always)
    static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let tops: UInt64 = 0x8080_8080_8080_8080
        func hasByteBelow(_ n: UInt64, _ w: UInt64) -> Bool { (w &- ones &* n) & ~w & tops != 0 }
        return hasByteBelow(0x20, word) || hasByteBelow(1, word ^ (ones &* 0x22)) || hasByteBelow(1, word ^ (ones &* 0x5C))
    }

    /// Hands the written bytes to `body` as an array to append to (writers of `[UInt8]`), then makes room again.
    mutating func withArray(_ body: (inout [UInt8]) -> Void) {
        trim()
        body(&storage)
        count = storage.count
    }

    /// Drops the unwritten room (the array keeps its capacity), so `storage` is the bytes written.
    mutating func trim() {
        if storage.count != count { storage.removeLast(storage.count - count) }
    }

    /// Makes the array at least `needed` long: first to its capacity (no new memory), else a new one twice that
    /// with the written bytes copied in (appending the zeros cost ~1,700 instructions, a new array ~400).
    private mutating func grow(to needed: Int) {
        guard needed > storage.capacity else {
            storage.append(contentsOf: repeatElement(0, count: storage.capacity - storage.count))
            return
        }
        var larger = [UInt8](repeating: 0, count: max(needed, storage.capacity * 2))
        let written = count
        storage.withUnsafeBufferPointer { old in
            larger.withUnsafeMutableBufferPointer { new in
                if written > 0 { new.baseAddress!.update(from: old.baseAddress!, count: written) }
            }
        }
        storage = larger
    }
}

/// Compact JSON written member by member into one buffer, for answers of a fixed shape: the same bytes
/// `JSON.bytes` gives for the tree of those members, without building the tree (an array of members, each value
/// wrapped and retained) only to walk it once. Keys are static text needing no escape; values are escaped as
/// `JSON.bytes` escapes them. Commas are put in by `key` and `item` themselves.
public struct JSONWriter {
    private var room: ByteRoom
    /// Whether a key or an item here comes after a comma: something is written and it does not end in `{` or
    /// `[` (the last byte, kept as a flag instead of read back from the array on every key).
    private var needsComma = false

    public init(capacity: Int = 1_000) {  // JSON.answerCapacity: see there why 1,000
        room = ByteRoom(capacity: capacity)
    }

    /// The text written so far. Mutating: it gives back the room past the text, which later writes make again.
    public var bytes: [UInt8] {
        mutating get {
            room.trim()
            return room.storage
        }
    }

    public mutating func openObject() { open(UInt8(ascii: "{")) }
    public mutating func closeObject() { close(UInt8(ascii: "}")) }
    public mutating func openArray() { open(UInt8(ascii: "[")) }
    public mutating func closeArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ byte: UInt8) {
        room.put(byte)
        needsComma = false
    }

    private mutating func close(_ byte: UInt8) {
        room.put(byte)
        needsComma = true
    }

    /// `"key":`, after a comma unless it is the object's first member: written as one piece.
    public mutating func key(_ key: StaticString) {
        assert(key.withUTF8Buffer { JSON.quotesWhole($0, limit: .max) }, "a JSONWriter key must need no escape")
        let comma = needsComma ? 1 : 0
        let length = key.utf8CodeUnitCount
        let start = key.utf8Start
        room.write(comma + length + 3) { out in
            out[0] = UInt8(ascii: ",")  // overwritten by the quote when there is no comma
            out[comma] = UInt8(ascii: "\"")
            (out + comma + 1).update(from: start, count: length)
            out[comma + 1 + length] = UInt8(ascii: "\"")
            out[comma + 2 + length] = UInt8(ascii: ":")
        }
        needsComma = true
    }

    /// Whole members written as one piece of static JSON text (`"ready":false,"filename":null`), after a comma
    /// unless they are the object's first: an answer's fixed members cost one write instead of a key and a value
    /// each (~100 instructions a key, bench/speed/instructions.sh submit-workspace).
    public mutating func members(_ text: StaticString) {
        assert(text.utf8CodeUnitCount > 0 && text.withUTF8Buffer { $0.first == UInt8(ascii: "\"") }, "members start with a key")
        let comma = needsComma ? 1 : 0
        let length = text.utf8CodeUnitCount
        let start = text.utf8Start
        room.write(comma + length) { out in
            out[0] = UInt8(ascii: ",")  // overwritten by the text when there is no comma
            (out + comma).update(from: start, count: length)
        }
        needsComma = true
    }

    /// `"name":` for a key that is not static text (escaped as any string is).
    public mutating func key(named name: String) {
        separate()
        string(name)
        room.put(UInt8(ascii: ":"))
    }

    /// Before an array's item: a comma unless it is the first.
    public mutating func item() { separate() }

    public mutating func string(_ text: String) {
        room.put(UInt8(ascii: "\""))
        room.appendEscaped(text)
        room.put(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func int(_ value: Int) {
        // The digits counted, then written from the last one back, straight into the room.
        var digits = 1
        var rest = value.magnitude
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        let sign = value < 0 ? 1 : 0
        room.write(sign + digits) { out in
            out[0] = UInt8(ascii: "-")  // overwritten by the first digit when there is no sign
            var magnitude = value.magnitude
            var index = sign + digits
            repeat {
                index -= 1
                out[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
        }
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        room.append(value ? "true" : "false")
        needsComma = true
    }

    public mutating func null() {
        room.append("null")
        needsComma = true
    }

    /// Where the text of a string this writer wrote sits among its bytes (see `closeString`).
    public struct Written: Sendable {
        fileprivate let range: Range<Int>
    }

    /// A string `openString` opened: where its text starts.
    public struct OpenString: Sendable {
        fileprivate let start: Int
    }

    /// Opens a string whose text is written in pieces (`escaped`), closed by `closeString(_:_:)`.
    public mutating func openString() -> OpenString {
        room.put(UInt8(ascii: "\""))
        return OpenString(start: room.count)
    }

    /// Adds `text`, escaped, to the string opened.
    public mutating func escaped(_ text: String) { room.appendEscaped(text) }

    /// Adds static text needing no escape to the string opened.
    public mutating func escaped(_ text: StaticString) {
        assert(text.withUTF8Buffer { JSON.quotesWhole($0, limit: .max) }, "JSONWriter static text must need no escape")
        room.append(text)
    }

    /// Ends the string `openString` opened with `suffix` (static text needing no escape), and tells where its
    /// text before the suffix is, for later strings that repeat it.
    public mutating func closeString(_ string: OpenString, _ suffix: StaticString) -> Written {
        let written = Written(range: string.start..<room.count)
        escaped(suffix)
        room.put(UInt8(ascii: "\""))
        needsComma = true
        return written
    }

    /// The string of `text` (written by this writer: see `closeString`) and then `suffix` (static text needing
    /// no escape): the text copied from where it was written, not escaped again. An answer that repeats a path in
    /// several links writes it once so (a copy of its own, escaped apart, cost an allocation: ~500
    /// instructions of a workspace submission, bench/speed/instructions.sh submit-workspace).
    public mutating func string(_ text: Written, _ suffix: StaticString) {
        room.put(UInt8(ascii: "\""))
        room.appendCopy(of: text.range)
        escaped(suffix)
        room.put(UInt8(ascii: "\""))
        needsComma = true
    }

    /// `string(time.iso8601(fractionDigits:zulu:))`, without making the String.
    public mutating func iso8601(_ time: Timestamp, fractionDigits: Int = 0, zulu: Bool = true) {
        let parts = Timestamp.ISO8601Parts(time, fractionDigits: fractionDigits, zulu: zulu)
        if let length = parts.length {
            room.write(length + 2) { out in
                out[0] = UInt8(ascii: "\"")
                _ = parts.write(into: UnsafeMutableBufferPointer(start: out + 1, count: length))
                out[length + 1] = UInt8(ascii: "\"")
            }
        } else {
            room.put(UInt8(ascii: "\""))
            room.withArray { $0.append(contentsOf: parts.generalBytes()) }
            room.put(UInt8(ascii: "\""))
        }
        needsComma = true
    }

    /// Any value, as `JSON.bytes` writes it.
    public mutating func value(_ json: JSON) {
        switch json {
        case .null: null()
        case .bool(let b): bool(b)
        case .int(let i): int(i)
        case .string(let s): string(s)
        case .double, .array, .object:
            room.withArray { json.write(to: &$0) }
            needsComma = true
        }
    }

    /// A comma when one is due (and after it one still is, as the last byte read back said before).
    private mutating func separate() {
        if needsComma { room.put(UInt8(ascii: ",")) }
    }
}

// MARK: - Parsing

/// Why bytes are not JSON, with the line and column where reading stopped.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var column: Int

    public init(message: String, line: Int, column: Int) {
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}

extension JSON {
    /// Parses UTF-8 JSON text. Any input gives a value or a `JSONSyntaxError`, never a crash: nesting is capped.
    /// - Parameter maxValues: the most values (of any kind, nested ones included) the text may hold; reading stops
    ///   at the first one past it. Request bodies set it, so one request cannot hold the server's thread for long.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 200, maxValues: Int = .max) throws(JSONSyntaxError) -> JSON {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth, maxValues: maxValues)
        return try parser.parseDocument()
    }

    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSON {
        try parse(Array(text.utf8))
    }
}

private struct JSONParser {
    let bytes: [UInt8]
    let maxDepth: Int
    var index = 0
    var depth = 0

    let maxValues: Int
    var values = 0

    init(bytes: [UInt8], maxDepth: Int, maxValues: Int) {
        self.maxValues = maxValues
        // A UTF-8 byte order mark is allowed and skipped.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            self.bytes = Array(bytes.dropFirst(3))
        } else {
            self.bytes = bytes
        }
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONSyntaxError) -> JSON {
        skipSpace()
        if index >= bytes.count { throw error("the file is empty; expected a JSON value") }
        let value = try parseValue()
        skipSpace()
        if index < bytes.count { throw error("unexpected text after the JSON value") }
        return value
    }

    func error(_ message: String) -> JSONSyntaxError {
        var line = 1
        var column = 1
        for byte in bytes[..<min(index, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONSyntaxError(message: message, line: line, column: column)
    }

    mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONSyntaxError) -> JSON {
        guard index < bytes.count else { throw error("unexpected end of input; expected a value") }
        values += 1
        if values > maxValues { throw error("more than \(maxValues) values") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default:
            throw error("unexpected character \(describe(bytes[index])); expected a value")
        }
    }

    func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(UnicodeScalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16)
    }

    /// Compared in place, without making two arrays for every true, false and null.
    mutating func literal(_ word: StaticString, _ value: JSON) throws(JSONSyntaxError) -> JSON {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count, (0..<count).allSatisfy({ bytes[index + $0] == word.utf8Start[$0] }) else {
            throw error("invalid literal; expected '\(word)'")
        }
        index += count
        return value
    }

    mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
    }

    mutating func parseObject() throws(JSONSyntaxError) -> JSON {
        try enter()
        defer { depth -= 1 }
        index += 1
        var members: [(String, JSON)] = []
        var keys: Set<ExactKey> = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        // Room for two members at once: grown from one, a two-member object was allocated twice (~650 instructions
        // of a workspace or WES submission, bench/speed/instructions.sh submit-workspace). Not more: a body of
        // one-member objects would take that much more memory.
        members.reserveCapacity(2)
        while true {
            skipSpace()
            guard index < bytes.count else { throw error("unexpected end of input inside an object") }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw error("expected a quoted key, found \(describe(bytes[index]))")
            }
            let keyStart = index
            let key = try parseString()
            // Small objects are searched; past a handful of members the keys go in a set, so an object of n
            // members costs O(n), not O(n²) (a 1 MiB body of 131k keys took 44 s).
            // (The set is changed in place: a copy taken out of it would be copied again on every insert.)
            let duplicate: Bool
            if members.count >= 8 {
                if keys.isEmpty { keys = Set(members.map { ExactKey($0.0) }) }
                duplicate = !keys.insert(ExactKey(key)).inserted
            } else {
                duplicate = members.contains { JSON.sameKey($0.0, key) }
            }
            if duplicate {
                index = keyStart
                throw error("duplicate key \(JSON.quotedForMessage(key))")
            }
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error("expected ':' after key \(JSON.quotedForMessage(key))")
            }
            index += 1
            skipSpace()
            members.append((key, try parseValue()))
            skipSpace()
            guard index < bytes.count else { throw error("unexpected end of input inside an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            throw error("expected ',' or '}' in an object, found \(describe(bytes[index]))")
        }
    }

    mutating func parseArray() throws(JSONSyntaxError) -> JSON {
        try enter()
        defer { depth -= 1 }
        index += 1
        var items: [JSON] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipSpace()
            items.append(try parseValue())
            skipSpace()
            guard index < bytes.count else { throw error("unexpected end of input inside an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            throw error("expected ',' or ']' in an array, found \(describe(bytes[index]))")
        }
    }

    mutating func parseString() throws(JSONSyntaxError) -> String {
        index += 1
        // Fast path: no escapes and no control characters, so the bytes are the string.
        var end = index
        var seen: UInt8 = 0  // every byte passed, or-ed: below 0x80 when all are ASCII
        bytes.withUnsafeBufferPointer { text in
            // Eight bytes at a time up to the first word that may hold a quote, a backslash or a control
            // character (the writer's test, ByteRoom.mayNeedEscape), then byte by byte: three checked reads a
            // byte cost ~10 instructions, ~700 of a workspace submission's body (bench/speed/instructions.sh).
            if let base = text.baseAddress {
                let raw = UnsafeRawPointer(base)
                var passed: UInt64 = 0
                while end + 8 <= text.count {
                    let word = raw.loadUnaligned(fromByteOffset: end, as: UInt64.self)
                    if ByteRoom.mayNeedEscape(word) { break }
                    passed |= word
                    end += 8
                }
                if passed & 0x8080_8080_8080_8080 != 0 { seen = 0x80 }
            }
            while end < text.count, text[end] != UInt8(ascii: "\""), text[end] != UInt8(ascii: "\\"), text[end] >= 0x20 {
                seen |= text[end]
                end += 1
            }
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let start = index
            index = end + 1
            // ASCII is valid UTF-8 as it is: decoded without the validating (unspecialised) walk, ~950 instructions
            // a short string (submit-wes 169,595 -> 165,272 with the literals below, bench/speed/instructions.sh).
            // Other text is validated.
            if seen < 0x80 {
                return bytes.withUnsafeBufferPointer {
                    String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self)
                }
            }
            guard let text = String(validating: bytes[start..<end], as: UTF8.self) else {
                index = start
                throw error("invalid UTF-8 in a string")
            }
            return text
        }
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush(_ raw: inout [UInt8], into scalars: inout String.UnicodeScalarView) -> Bool {
            guard !raw.isEmpty else { return true }
            guard let text = String(validating: raw, as: UTF8.self) else { return false }
            scalars.append(contentsOf: text.unicodeScalars)
            raw.removeAll(keepingCapacity: true)
            return true
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                guard flush(&raw, into: &scalars) else { throw error("invalid UTF-8 in a string") }
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw error("control character in a string (escape it)") }
            if byte == UInt8(ascii: "\\") {
                guard flush(&raw, into: &scalars) else { throw error("invalid UTF-8 in a string") }
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw error("unpaired surrogate in \\u escape") }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                    scalars.append(scalar)
                default:
                    index -= 1
                    throw error("invalid escape \\\(describe(escape))")
                }
                continue
            }
            raw.append(byte)
            index += 1
        }
        throw error("unterminated string")
    }

    mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw error("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    mutating func parseNumber() throws(JSONSyntaxError) -> JSON {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw error("leading zero in a number") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("expected digits after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("expected digits in exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let int = Int(text) { return .int(int) }
        guard let double = Double(text), double.isFinite else { throw error("number out of range") }
        return .double(double)
    }

    func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}

extension String {
    /// Whether the text holds a C0 or C1 control character or DEL. Such text never names a credential, a run or a
    /// scenario: it could end a C string (NUL) or forge a line where it is printed.
    public var containsControlCharacters: Bool {
        unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }
}

/// A string hashed and compared by its UTF-8 bytes, for sets and dictionaries of JSON object keys and of
/// credentials: Swift's `String` equality is canonical equivalence (`"cle\u{301}" == "clé"`), wrong for both.
public struct ExactKey: Hashable, Sendable {
    public let text: String

    public init(_ text: String) {
        self.text = text
    }

    public static func == (lhs: ExactKey, rhs: ExactKey) -> Bool {
        JSON.sameKey(lhs.text, rhs.text)
    }

    public func hash(into hasher: inout Hasher) {
        // Both paths feed the same bytes in one call, so equal keys hash equally however they are stored.
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil {
            Array(text.utf8).withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }
}
