import CMicroHTTPD
import MockRunsHTTP
#if canImport(Glibc)
    import Glibc
#endif

/// What one connection keeps from its last exchange to serve the next one cheaper: a client polling a run sends
/// the same request again and again, and gets the same answer until the run's state or the scenario's clock
/// moves on. Made when the connection opens (libmicrohttpd's socket context, see `mrConnectionNotified`) and
/// released when it closes; only touched by the thread serving the connection, like `RequestContext`.
/// Everything kept is bounded: one answer of at most `answerLimit` bytes, and one request's line, headers and
/// query, which libmicrohttpd holds in the connection's fixed-size memory pool.
final class ConnectionMemo {
    /// The largest answer (body and header bytes) kept; a larger one is built for its request and dropped.
    static let answerLimit = 4 * 1024

    /// The libmicrohttpd response of the last answer kept, and what it was made from. The memo holds one
    /// reference to it (MHD counts one more per queued use), released when replaced or when the connection closes.
    /// Three plain properties rather than an optional tuple: assigning the tuple went through generic copies.
    private var keptResponse: OpaquePointer?
    private var keptHeaders: [(name: String, value: String)] = []
    private var keptBody: [UInt8] = []
    /// Where the kept response's body lies when it is a buffer of ours (`RequestContext.response(copying:)`),
    /// which the response frees with itself: another body of the same length is written over it (a run's status
    /// whose body moves on, Solvexia's duration) instead of a response made afresh each time. Written only between
    /// this connection's exchanges, for the reason `restamp` gives for header values: libmicrohttpd reads the body
    /// when it sends, and is done with the last exchange by then.
    private var keptBodyBytes: UnsafeMutableRawPointer?
    /// Where libmicrohttpd keeps each of `keptHeaders`' values (see `restamp`), looked up the first time a value
    /// changes: most kept answers never do (a health check), or are never used again (a status whose body
    /// moves on), and the look-up would cost them ~1,500 instructions.
    private var keptValues = ValueSlots.unknown
    /// Where the values lie once `keptValues` is `known`, one for each of `keptHeaders`. Beside the state, not
    /// its payload: read out of the enum, the list was retained and released at every restamp. (Left as it is
    /// when the state goes back to `unknown`: read only while `known`, and replaced when looked up again.)
    private var keptSlots: [UnsafeMutablePointer<CChar>?] = []
    private enum ValueSlots {
        case unknown
        case known
        /// libmicrohttpd's list is not the kept headers one for one.
        case unavailable
    }
    /// How often the kept response was queued again.
    private var uses = 0
    /// Answers still to leave unkept: see `keep`.
    private var pause = 0
    /// Answers not kept after one that was never used again.
    static let pauseLength = 15

    /// The last request's method, path, header fields and query arguments, as the Strings handed on: the next
    /// request takes each again when its bytes are the same (a retain instead of a validating copy, ~200
    /// instructions a string; the whole list when nothing changed; the query's list when its whole text is the
    /// same). Bounded by libmicrohttpd, which holds a request's line and headers in the connection's fixed-size
    /// memory pool.
    /// (Unchecked exclusivity: they are only ever lent to the static helpers below, by the one thread serving the
    /// connection, never reentrantly; the run-time check of each such access cost ~65 instructions, four times a
    /// request.)
    @exclusivity(unchecked) private var method = ""
    @exclusivity(unchecked) private var path = ""
    @exclusivity(unchecked) private var headers: [(name: String, value: String)] = []
    @exclusivity(unchecked) private var query: [(name: String, value: String)] = []
    /// The raw text `query` was read from.
    private var queryText: [UInt8] = []
    /// The facts of `headers`, once asked for; forgotten when the headers change.
    private var facts: HeaderFacts?

    /// The connection's entry in the server's `ConnectionWatch`; nil when it is not watched.
    let watched: ConnectionWatch.Watched?

    init(watched: ConnectionWatch.Watched?) {
        self.watched = watched
    }

    deinit {
        if let keptResponse { MHD_destroy_response(keptResponse) }
    }

    /// The response kept for exactly these headers and body, to queue again: libmicrohttpd responses may be
    /// queued any number of times, and the bytes it sends (its own Content-Length, Connection and chunking
    /// included) are worked out per connection when sent, not stored in the response. Making one costs ~4,000
    /// instructions a WES status poll (a header takes three allocations and a scan); this comparison a few
    /// hundred.
    func response(headers: HTTPHeaders, body: [UInt8]) -> OpaquePointer? {
        guard let keptResponse, case .same = match(headers.fields, body) else { return nil }
        uses += 1
        return keptResponse
    }

    /// `response(headers:body:)`, and also for an answer whose header values differ from the kept one's (a
    /// poll's Date follows the scenario clock, the workspace API's X-Request-Id is new each time): the kept
    /// response gets the new values first (see `restamp`). Nil when the answer is another one, or the kept
    /// response cannot be given its values.
    func restampedResponse(headers: HTTPHeaders, body: [UInt8]) -> OpaquePointer? {
        guard let keptResponse else { return nil }
        let fields = headers.fields
        switch match(fields, body) {
        case .other:
            return nil
        case .same:
            break
        case .changed(let first):
            guard restamp(from: first, to: fields) else { return nil }
            keptHeaders = fields
        case .body(let first):
            // The headers first: they may refuse, and nothing is changed then.
            if let first {
                guard restamp(from: first, to: fields) else { return nil }
                keptHeaders = fields
            }
            // Not empty (an empty body is the same body), and of the kept one's length.
            body.withUnsafeBytes { keptBodyBytes!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            keptBody = body
        }
        uses += 1
        return keptResponse
    }

    private enum Match {
        /// Another body, or other header names.
        case other
        case same
        /// The same body and names; the values differ from this header on.
        case changed(from: Int)
        /// Another body of the same length, which the memo can write over the kept one; the same names, the
        /// values differing from this header on (nil: none differ).
        case body(changedFrom: Int?)
    }

    private func match(_ fields: [(name: String, value: String)], _ body: [UInt8]) -> Match {
        guard keptBody.count == body.count, fields.count == keptHeaders.count else { return .other }
        // The body first: a run's status whose body moves on (Solvexia's duration) is told apart at once, unless
        // the memo can write the new body over the kept one (Solvexia status 79,076 -> 75,777 instructions with,
        // bench/speed/instructions.sh solvexia: no response made, its headers added, for each poll).
        let sameBody = body.isEmpty || body.withUnsafeBytes { new in
            keptBody.withUnsafeBytes { old in memcmp(new.baseAddress!, old.baseAddress!, new.count) == 0 }
        }
        if !sameBody, keptBodyBytes == nil { return .other }
        // Byte for byte: `==` takes canonically equal texts as equal, and an answer may echo a client's text (an
        // Origin) that is another's bytes.
        var firstChanged: Int?
        for index in fields.indices {
            guard Self.sameBytes(fields[index].name, keptHeaders[index].name) else { return .other }
            if firstChanged == nil, !Self.sameBytes(fields[index].value, keptHeaders[index].value) {
                firstChanged = index
            }
        }
        if !sameBody { return .body(changedFrom: firstChanged) }
        return firstChanged.map { .changed(from: $0) } ?? .same
    }

    /// Gives the kept response the header values of `new` (the kept headers' names, the same in number) where
    /// they differ from the kept ones, from `first` on. Returns false, changing nothing, when that cannot give
    /// exactly what a response made afresh from `new` would send.
    ///
    /// Each value is overwritten where libmicrohttpd keeps it, by one of the same length. In 0.9.75 a response
    /// keeps its headers in a list, in the order they were added, each value as a NUL-terminated copy with its
    /// length, and writes them out from that list each time the response is queued, when it builds the header
    /// block; a connection is done with the response once that exchange is complete, which it is by the time
    /// this connection's next request is answered, and no other connection ever gets this memo's response.
    /// Removing a header and adding it again
    /// (`MHD_del_response_header`, `MHD_add_response_header`, the public way) appends it at the end, so every
    /// header after it would have to go and come back too: that cost ~4,000 instructions a WES status poll (Date
    /// and X-Content-Type-Options), as much as making a fresh response; overwriting saves ~3,200 of the poll's
    /// 81,000.
    /// Not done when a new value is of another length, is one libmicrohttpd would refuse or cut (CR, LF, NUL),
    /// or is a Connection or Transfer-Encoding header, from whose value libmicrohttpd derives flags; nor when its
    /// list is not the kept headers one for one (see `valueSlots`).
    private func restamp(from first: Int, to new: [(name: String, value: String)]) -> Bool {
        if case .unknown = keptValues, let keptResponse {
            if let slots = Self.valueSlots(keptResponse, for: keptHeaders) {
                keptSlots = slots
                keptValues = .known
            } else {
                keptValues = .unavailable
            }
        }
        // The changed values, found once for both passes (one bit each: a list of more than 64 fields is made
        // afresh).
        guard case .known = keptValues, new.count <= 64 else { return false }
        var changed: UInt64 = 0
        for index in first..<new.count where !Self.sameBytes(new[index].value, keptHeaders[index].value) {
            let field = new[index]
            // (No slot, too, for a Connection or Transfer-Encoding header: see `valueSlots`.)
            guard keptSlots[index] != nil, field.value.utf8.count == keptHeaders[index].value.utf8.count,
                Self.isPlainValue(field.value)
            else { return false }
            changed |= 1 << UInt64(index)
        }
        while changed != 0 {
            let index = changed.trailingZeroBitCount
            changed &= changed - 1
            // Contiguous: isPlainValue said so.
            _ = new[index].value.utf8.withContiguousStorageIfAvailable { bytes in
                memcpy(keptSlots[index]!, bytes.baseAddress!, bytes.count)
            }
        }
        return true
    }

    /// Whether a value is contiguous UTF-8 (a native String's is) without a byte libmicrohttpd would refuse (CR,
    /// LF) or cut the value at (NUL). (Through the bytes: the String's own view took ~1,000 instructions a Date.)
    private static func isPlainValue(_ value: String) -> Bool {
        value.utf8.withContiguousStorageIfAvailable { bytes in
            !bytes.contains { $0 == 0 || $0 == 0x0D || $0 == 0x0A }
        } ?? false
    }

    /// Where libmicrohttpd keeps the value of each of `fields` in `response`, made from them (nil for those it
    /// writes itself, see `isLeftToLibrary`, and for Connection and Transfer-Encoding, whose values are never
    /// overwritten: their names looked at here once, not by `restamp` each time a value changes), or nil when its
    /// list is not `fields` one for one: a header it refused (an empty value), merged and moved (Connection) or
    /// replaced (a second Date), or one cut at a NUL.
    /// (The values are libmicrohttpd's own copies, which it handed out as `const`; they stay where they are while
    /// the response lives and no header is added to or removed from it, which the memo never does.)
    static func valueSlots(
        _ response: OpaquePointer, for fields: [(name: String, value: String)]
    ) -> [UnsafeMutablePointer<CChar>?]? {
        let room = 16
        return withUnsafeTemporaryAllocation(of: mr_value.self, capacity: room) { buffer in
            let count = mr_list_response_values(response, buffer.baseAddress, room)
            guard count <= room else { return nil }
            var slots: [UnsafeMutablePointer<CChar>?] = []
            slots.reserveCapacity(fields.count)
            var listed = 0
            for field in fields {
                if isLeftToLibrary(field.name) {
                    slots.append(nil)
                    continue
                }
                guard listed < count else { return nil }
                let item = buffer[listed]
                guard same(field.name, item.key, item.key_size), same(field.value, item.value, item.value_size),
                    let value = item.value
                else { return nil }
                let overwritable = !HTTPHeaders.sameName(field.name, "connection")
                    && !HTTPHeaders.sameName(field.name, "transfer-encoding")
                slots.append(overwritable ? UnsafeMutablePointer(mutating: value) : nil)
                listed += 1
            }
            return listed == count ? slots : nil
        }
    }

    /// Adds an answer's headers to the response just made for it, but those libmicrohttpd writes itself (here so
    /// that the tests make responses exactly as the server does).
    @inline(__always)
    static func addHeaders(_ headers: HTTPHeaders, to response: OpaquePointer, isStream: Bool) {
        for field in headers.fields {
            if isLeftToLibrary(field.name) { continue }
            if isStream && HTTPHeaders.sameName(field.name, "transfer-encoding") { continue }  // MHD chunks itself
            // withCString lends a native string's own bytes (NUL-terminated) instead of copying each into an array.
            _ = field.name.withCString { name in field.value.withCString { MHD_add_response_header(response, name, $0) } }
        }
    }

    /// Headers of an answer that libmicrohttpd writes itself (Content-Length: it computes it) and that are not
    /// added to a response.
    static func isLeftToLibrary(_ name: String) -> Bool { HTTPHeaders.sameName(name, "content-length") }

    /// What an answer weighs against `answerLimit`.
    private static func answerBytes(_ fields: [(name: String, value: String)], body: [UInt8]) -> Int {
        var bytes = body.count
        for field in fields { bytes += field.name.utf8.count + field.value.utf8.count }
        return bytes
    }

    /// Drops the kept response.
    private func forget() {
        if let keptResponse { MHD_destroy_response(keptResponse) }
        keptResponse = nil
        keptHeaders = []
        keptBody = []
        keptBodyBytes = nil
        keptValues = .unknown
    }

    /// Keeps `response`, just made from `headers` and `body`, in place of the last one, when it is small enough.
    /// Returns whether it was kept: the memo then owns the caller's reference (the caller must not destroy it).
    /// A connection whose answers keep changing (a run's status: its Date follows the scenario clock, which
    /// by default moves a second a request) would pay for keeping each one (~800 instructions a WES status
    /// poll) and never use it: once a kept answer went unused, the next `pauseLength` are not kept.
    /// `bodyBytes`: where the response's body lies when it is a buffer the memo may write over (see
    /// `keptBodyBytes`); nil when libmicrohttpd made its own copy.
    func keep(
        _ response: OpaquePointer, headers: HTTPHeaders, body: [UInt8], bodyBytes: UnsafeMutableRawPointer? = nil
    ) -> Bool {
        if pause > 0 {
            pause -= 1
            return false
        }
        if keptResponse != nil, uses == 0 {
            forget()
            pause = Self.pauseLength
            return false
        }
        guard Self.answerBytes(headers.fields, body: body) <= Self.answerLimit else { return false }
        if let keptResponse { MHD_destroy_response(keptResponse) }
        keptResponse = response
        keptHeaders = headers.fields
        keptBody = body
        keptBodyBytes = bodyBytes
        keptValues = .unknown
        uses = 0
        return true
    }

    // MARK: - Request values

    /// The request's method (a C string from libmicrohttpd), the last request's String when the bytes are the same.
    func method(_ text: UnsafePointer<CChar>) -> String { Self.string(text, strlen(text), reusing: &method) }

    /// The request's path, like `method(_:)`.
    func path(_ text: UnsafePointer<CChar>) -> String { Self.string(text, strlen(text), reusing: &path) }

    /// The request's values of `kind` (headers, query arguments) in the order they came.
    func values(of kind: MHD_ValueKind, on connection: OpaquePointer) -> [(name: String, value: String)] {
        // Room for a usual request on the stack; more (rare) in a second pass with room for all.
        let room = 24
        return withUnsafeTemporaryAllocation(of: mr_value.self, capacity: room) { buffer in
            let count = mr_list_values(connection, kind, buffer.baseAddress, room)
            if count <= room {
                return fields(UnsafeBufferPointer(rebasing: buffer[..<count]), kind: kind)
            }
            let all = [mr_value](unsafeUninitializedCapacity: count) { all, initialized in
                initialized = min(count, mr_list_values(connection, kind, all.baseAddress, count))
            }
            return all.withUnsafeBufferPointer { fields($0, kind: kind) }
        }
    }

    /// Listed `items` of `kind` (the headers) as Strings, reusing and keeping the last request's (internal for
    /// the tests).
    func fields(_ items: UnsafeBufferPointer<mr_value>, kind: MHD_ValueKind) -> [(name: String, value: String)] {
        let (fields, changed) = Self.fields(items, reusing: &headers)
        if changed { facts = nil }
        return fields
    }

    /// The arguments of a query (the raw text after `?`, to the target's end): the last request's list when its
    /// bytes are the same (a client polling a run sends the same query again and again), else read anew.
    func query(_ text: UnsafePointer<CChar>) -> [(name: String, value: String)] {
        let count = strlen(text)
        if count == queryText.count, queryText.withUnsafeBytes({ memcmp($0.baseAddress!, text, count) == 0 }) {
            return query
        }
        let raw = UnsafeRawBufferPointer(start: text, count: count)
        queryText = Array(raw)
        query = Self.arguments(raw.bindMemory(to: UInt8.self))
        return query
    }

    /// A query's arguments, read as libmicrohttpd 0.9.75 reads them (`MHD_parse_arguments_`, with
    /// `mr_unescape`): split at each `&`, a piece without `=` a name with an empty value, a last empty piece
    /// (after a trailing `&`) dropped but any other empty one kept as an empty name; `+` is a space, then `%XX`
    /// escapes are decoded but `%00`, which stays as the three characters (a decoded NUL would cut a credential
    /// short), and invalid UTF-8 is repaired. One pass over the bytes.
    static func arguments(_ bytes: UnsafeBufferPointer<UInt8>) -> [(name: String, value: String)] {
        var arguments: [(name: String, value: String)] = []
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "&") { end += 1 }
            var equals = start
            while equals < end, bytes[equals] != UInt8(ascii: "=") { equals += 1 }
            let name = decoded(UnsafeBufferPointer(rebasing: bytes[start..<equals]))
            let value = equals < end ? decoded(UnsafeBufferPointer(rebasing: bytes[(equals + 1)..<end])) : ""
            arguments.append((name: name, value: value))
            start = end + 1
        }
        return arguments
    }

    /// One name or value: `+` as a space, `%XX` (not `%00`) as its byte.
    private static func decoded(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        // Nothing to decode (most names and values): the bytes themselves.
        guard bytes.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count, let high = bytes[index + 1].hexDigitValue,
                let low = bytes[index + 2].hexDigitValue, high | low != 0
            {
                out.append(high << 4 | low)
                index += 3
                continue
            }
            out.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The facts of `headers`, which must be the list the last `values(of: .HEADER_KIND)` gave.
    func facts(of headers: HTTPHeaders) -> HeaderFacts {
        if let facts { return facts }
        let facts = HeaderFacts(headers)
        self.facts = facts
        return facts
    }

    /// `items` as Strings: `kept` itself when every name and value is the same, else a new list taking what is
    /// the same at the same place from `kept` (and then kept in its place; `changed`).
    static func fields(
        _ items: UnsafeBufferPointer<mr_value>, reusing kept: inout [(name: String, value: String)]
    ) -> (fields: [(name: String, value: String)], changed: Bool) {
        if items.count == kept.count {
            var unchanged = true
            for index in items.indices where !same(kept[index], items[index]) {
                unchanged = false
                break
            }
            if unchanged { return (kept, false) }
        }
        if items.isEmpty {
            kept = []
            return ([], true)
        }
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(items.count)
        for index in items.indices {
            let item = items[index]
            var name = index < kept.count ? kept[index].name : ""
            var value = index < kept.count ? kept[index].value : ""
            fields.append(
                (name: string(item.key, item.key_size, reusing: &name),
                    value: string(item.value, item.value_size, reusing: &value)))
        }
        kept = fields
        return (fields, true)
    }

    /// Whether two Strings are the same UTF-8 bytes.
    /// (Not contiguous UTF-8, which a native String always is: not the same, so the answer is made anew.)
    private static func sameBytes(_ a: String, _ b: String) -> Bool {
        b.utf8.withContiguousStorageIfAvailable { bytes in
            same(a, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, bytes.count)
        } ?? false
    }

    private static func same(_ field: (name: String, value: String), _ item: mr_value) -> Bool {
        same(field.name, item.key, item.key_size) && same(field.value, item.value, item.value_size)
    }

    /// `count` bytes at `text` as a String: `kept` when its UTF-8 is those bytes, else a new one (invalid UTF-8
    /// repaired, as `String(cString:)` does), which replaces `kept`.
    static func string(_ text: UnsafePointer<CChar>?, _ count: Int, reusing kept: inout String) -> String {
        if same(kept, text, count) { return kept }
        kept = text.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: count), as: UTF8.self) } ?? ""
        return kept
    }

    /// Whether `string`'s UTF-8 is exactly the `count` bytes at `text` (valid UTF-8 then, so a String made from
    /// them would be this one).
    private static func same(_ string: String, _ text: UnsafePointer<CChar>?, _ count: Int) -> Bool {
        guard string.utf8.count == count else { return false }
        guard count > 0, let text else { return true }
        return string.utf8.withContiguousStorageIfAvailable { memcmp($0.baseAddress!, text, count) == 0 } ?? false
    }
}
