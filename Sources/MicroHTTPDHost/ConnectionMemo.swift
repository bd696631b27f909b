import CMicroHTTPD
import MockRunsHTTP
#if canImport(Glibc)
    import Glibc
#endif

/// What one connection keeps from its last exchange to serve the next one cheaper: a client polling a run sends
/// the same request again and again, and gets the same answer until the run's state or the scenario's clock
/// moves on. Made when the connection opens (libmicrohttpd's socket context, see `mrConnectionNotified`) and
/// released when it closes; only touched by the thread serving the connection, like `RequestContext`.
/// Everything kept is bounded: one answer of at most `answerLimit` bytes.
final class ConnectionMemo {
    /// The largest answer (body and header bytes) kept; a larger one is built for its request and dropped.
    static let answerLimit = 4 * 1024

    /// The libmicrohttpd response of the last answer kept, and what it was made from. The memo holds one
    /// reference to it (MHD counts one more per queued use), released when replaced or when the connection closes.
    /// Three plain properties rather than an optional tuple: assigning the tuple went through generic copies.
    private var keptResponse: OpaquePointer?
    private var keptHeaders: [(name: String, value: String)] = []
    private var keptBody: [UInt8] = []
    /// How often the kept response was queued again.
    private var uses = 0
    /// Answers still to leave unkept: see `keep`.
    private var pause = 0
    /// Answers not kept after one that was never used again.
    static let pauseLength = 15

    init() {}

    deinit {
        if let keptResponse { MHD_destroy_response(keptResponse) }
    }

    /// The response kept for exactly these headers and body, to queue again: libmicrohttpd responses may be
    /// queued any number of times, and the bytes it sends (its own Content-Length, Connection and chunking
    /// included) are worked out per connection when sent, not stored in the response. Making one costs ~4,000
    /// instructions a WES status poll (a header takes three allocations and a scan); this comparison a few
    /// hundred.
    func response(headers: HTTPHeaders, body: [UInt8]) -> OpaquePointer? {
        guard let keptResponse, keptBody.count == body.count else { return nil }
        let fields = headers.fields
        guard fields.count == keptHeaders.count else { return nil }
        for index in fields.indices {
            guard fields[index].name == keptHeaders[index].name, fields[index].value == keptHeaders[index].value
            else { return nil }
        }
        if body.isEmpty { return keptResponse }
        let same = body.withUnsafeBytes { new in
            keptBody.withUnsafeBytes { old in memcmp(new.baseAddress!, old.baseAddress!, new.count) == 0 }
        }
        if !same { return nil }
        uses += 1
        return keptResponse
    }

    /// Keeps `response`, just made from `headers` and `body`, in place of the last one, when it is small enough.
    /// Returns whether it was kept: the memo then owns the caller's reference (the caller must not destroy it).
    /// A connection whose answers keep changing (a run's status: its Date follows the scenario clock, which
    /// by default moves a second a request) would pay for keeping each one (~800 instructions a WES status
    /// poll) and never use it: once a kept answer went unused, the next `pauseLength` are not kept.
    func keep(_ response: OpaquePointer, headers: HTTPHeaders, body: [UInt8]) -> Bool {
        if pause > 0 {
            pause -= 1
            return false
        }
        if let keptResponse, uses == 0 {
            MHD_destroy_response(keptResponse)
            self.keptResponse = nil
            keptHeaders = []
            keptBody = []
            pause = Self.pauseLength
            return false
        }
        var bytes = body.count
        for field in headers.fields { bytes += field.name.utf8.count + field.value.utf8.count }
        guard bytes <= Self.answerLimit else { return false }
        if let keptResponse { MHD_destroy_response(keptResponse) }
        keptResponse = response
        keptHeaders = headers.fields
        keptBody = body
        uses = 0
        return true
    }
}
