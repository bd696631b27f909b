import CMicroHTTPD
import MockRunsHTTP

// libmicrohttpd's callbacks. They are top-level functions in a library file on purpose: a closure stored in a
// top-level `let` of main.swift would be inferred @MainActor and crash when MHD's thread calls it.
// Each runs on the thread serving the connection it is about: a daemon's polling thread, or one of its pool's
// threads with `threads` > 1; there is one daemon per listen socket. Calls about one connection never overlap,
// calls about different connections may.

/// The access handler: called first with `*con_cls == nil` (headers read), then once per upload chunk, then with
/// `*upload_data_size == 0` when the request is complete, and once more after each resume of a delayed answer.
func mrAccessHandler(
    _ cls: UnsafeMutableRawPointer?,
    _ connection: OpaquePointer?,
    _ url: UnsafePointer<CChar>?,
    _ method: UnsafePointer<CChar>?,
    _ version: UnsafePointer<CChar>?,
    _ uploadData: UnsafePointer<CChar>?,
    _ uploadDataSize: UnsafeMutablePointer<Int>?,
    _ conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let cls, let connection, let uploadDataSize, let conCls else { return .NO }
    // The server, the connection's memo and the request's context are lent, not retained (each call of a request
    // retained and released the server, the first the memo too, the others the context: 4 pairs a request, health
    // included): the server outlives its daemons' callbacks, the memo its connection (released when it closes)
    // and the context its request (released in mrRequestCompleted); libmicrohttpd calls neither of those while
    // the access handler runs on the connection.
    return Unmanaged<ServerCore>.fromOpaque(cls)._withUnsafeGuaranteedRef { core in
        // First call: the slot is empty, or holds the note `mr_uri_log` leaves about the request line.
        guard let slot = conCls.pointee, mr_is_request_line_note(slot) == 0 else {
            core.noteServerThread()
            let note = conCls.pointee
            // The connection's memo (a fresh one should libmicrohttpd not have kept the socket context).
            guard let kept = mr_connection_socket_context(connection) else {
                let memo = ConnectionMemo(watched: core.watch.watched(connection))
                return mrBegin(core, memo, connection, url, method, version, conCls, note)
            }
            return Unmanaged<ConnectionMemo>.fromOpaque(kept)._withUnsafeGuaranteedRef { memo in
                mrBegin(core, memo, connection, url, method, version, conCls, note)
            }
        }
        return Unmanaged<RequestContext>.fromOpaque(slot)._withUnsafeGuaranteedRef { context in
            let size = uploadDataSize.pointee
            if size > 0 {
                if let uploadData {
                    context.consume(UnsafeRawBufferPointer(start: uploadData, count: size))
                }
                uploadDataSize.pointee = 0
                return .YES
            }
            return context.finish()
        }
    }
}

/// The access handler's first call of a request: its context made (and kept in `con_cls`), its headers read.
/// `note`: what `mr_uri_log` saw of the request line (nil: nothing to tell).
@inline(__always)
private func mrBegin(
    _ core: ServerCore, _ memo: ConnectionMemo, _ connection: OpaquePointer, _ url: UnsafePointer<CChar>?,
    _ method: UnsafePointer<CChar>?, _ version: UnsafePointer<CChar>?,
    _ conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ note: UnsafeMutableRawPointer?
) -> MHD_Result {
    let query = mr_restore_query(note, url)
    let context = RequestContext(
        method: method.map { memo.method($0) } ?? "GET",
        path: url.map { memo.path($0) } ?? "/",
        query: query.map { memo.query($0) } ?? [],
        connection: connection,
        core: core,
        memo: memo)
    // Balanced in mrRequestCompleted.
    conCls.pointee = Unmanaged.passRetained(context).toOpaque()
    return context.begin(head: RequestContext.HeadProblem(mr_head_problem(connection, method, url, version, note)))
}

/// MHD_OPTION_NOTIFY_COMPLETED: the request is over (answered, dropped, failed or the daemon stopped).
func mrRequestCompleted(
    _ cls: UnsafeMutableRawPointer?,
    _ connection: OpaquePointer?,
    _ conCls: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ termination: MHD_RequestTerminationCode
) {
    guard let cls, let conCls, let slot = conCls.pointee else { return }
    conCls.pointee = nil
    // The request ended before the access handler ran (only `mr_uri_log`'s note is there): nothing to release.
    if mr_is_request_line_note(slot) != 0 { return }
    let context = Unmanaged<RequestContext>.fromOpaque(slot).takeRetainedValue()
    let completed = termination.rawValue == 0 /* MHD_REQUEST_TERMINATED_COMPLETED_OK */
    // One reading of the clock for the exchange's end, the watch and the log (each read it before).
    let now = ContinuousClock.now
    context.close(completed: completed, at: now)
    Unmanaged<ServerCore>.fromOpaque(cls)._withUnsafeGuaranteedRef { core in
        if let log = core.onRequestCompleted {
            log(context.logEntry(completed: completed, at: now))
        }
    }
}

/// MHD_OPTION_NOTIFY_CONNECTION: a connection opened or closed, for the watch that bounds how long a request may
/// take to arrive, and the connection's memo (its socket context).
func mrConnectionNotified(
    _ cls: UnsafeMutableRawPointer?,
    _ connection: OpaquePointer?,
    _ socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    _ code: MHD_ConnectionNotificationCode
) {
    guard let cls, let connection else { return }
    let core = Unmanaged<ServerCore>.fromOpaque(cls).takeUnretainedValue()
    if code.rawValue == 0 /* MHD_CONNECTION_NOTIFY_STARTED */ {
        let watched = core.watch.opened(connection, fd: mr_connection_fd(connection))
        // Balanced below when the connection closes.
        socketContext?.pointee = Unmanaged.passRetained(ConnectionMemo(watched: watched)).toOpaque()
    } else {
        core.watch.closed(connection)
        if let socketContext, let memo = socketContext.pointee {
            socketContext.pointee = nil
            Unmanaged<ConnectionMemo>.fromOpaque(memo).release()
        }
    }
}

/// MHD_ContentReaderCallback of a streamed body.
func mrStreamRead(
    _ cls: UnsafeMutableRawPointer?, _ position: UInt64, _ buffer: UnsafeMutablePointer<CChar>?, _ max: Int
) -> Int {
    guard let cls, let buffer else { return mr_reader_end_with_error() }
    let stream = Unmanaged<StreamState>.fromOpaque(cls).takeUnretainedValue()
    return stream.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: max))
}

/// MHD_ContentReaderFreeCallback: the response is destroyed.
func mrStreamFree(_ cls: UnsafeMutableRawPointer?) {
    guard let cls else { return }
    Unmanaged<StreamState>.fromOpaque(cls).release()
}
