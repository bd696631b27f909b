import CMicroHTTPD
import Dispatch
#if canImport(Glibc)
    import Glibc
#endif
import MockRunsHTTP
import MockRunsSync
import Synchronization

/// A libmicrohttpd daemon or connection handle carried across threads.
///
/// `OpaquePointer` is not `Sendable`; this wrapper is safe because Swift never dereferences the pointer: it is
/// only handed back to libmicrohttpd functions that are documented as callable from any thread
/// (`MHD_resume_connection`, `MHD_quiesce_daemon`, `MHD_stop_daemon`). A connection handle is only resumed while it
/// sits in `ServerCore`'s suspended registry, under its lock: a suspended connection cannot be freed by MHD, and
/// `stop()` empties the registry (resuming everything) before `MHD_stop_daemon` frees anything.
struct MHDHandle: @unchecked Sendable, Equatable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// State shared by the daemons' callbacks (every listen socket's daemon, every thread of each), the wake-up
/// timers and `stop()`.
final class ServerCore: Sendable {
    /// Reached only through `respond(to:)` and `refusal(_:for:)`, which serialize the calls.
    private let responder: any HTTPResponder
    let maxBodyBytes: Int
    let onRequestCompleted: (@Sendable (RequestLogEntry) -> Void)?
    /// Deadlines for requests to arrive, and room for new connections.
    let watch: ConnectionWatch

    /// The owner of suspended connections: who may resume them, and whether new suspensions are allowed.
    private let registry = Locked(Registry())
    /// Set (inside the registry lock) when `stop()` begins; read without the lock on the hot path.
    private let stopping = Atomic<Bool>(false)
    /// Held for the whole of each call into the responder: see `respond(to:)`. It guards no value of its own: an
    /// unused Int rather than `()`, because with an empty value ThreadSanitizer (scripts/tsan) reported the
    /// access to it inside the lock as racing with another thread's read of the lock (ThreadPoolTests, every run).
    private let serving = Locked(0)
    /// One serial queue for every wake-up timer; no thread sleeps per waiting connection.
    private let timers = DispatchQueue(label: "mockruns.host.timers")

    private struct Registry {
        var stopping = false
        var nextToken: UInt64 = 0
        /// Suspended connection -> token of the timer allowed to resume it.
        var suspended: [UInt: Entry] = [:]
    }

    private struct Entry {
        let handle: MHDHandle
        let token: UInt64
    }

    init(
        responder: any HTTPResponder, maxBodyBytes: Int, watch: ConnectionWatch,
        onRequestCompleted: (@Sendable (RequestLogEntry) -> Void)?
    ) {
        self.responder = responder
        self.maxBodyBytes = maxBodyBytes
        self.watch = watch
        self.onRequestCompleted = onRequestCompleted
    }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// The responder's answer to `request`, computed while no other request is being answered.
    ///
    /// The server has several threads whenever it has several listen sockets (one daemon each: `localhost` is
    /// 127.0.0.1 and ::1) or a thread pool (`threads` > 1). The responder locks its own state, but its journal
    /// attributes what the engine observed to "the request being served" (`Engine.observation`), which holds
    /// only while requests are answered one at a time. So the whole call runs under one lock. What the threads
    /// still do in parallel: reading and parsing requests, TLS, writing answers and streams, delays (suspended
    /// connections wait without a thread). With one thread the lock is never contended.
    func respond(to request: HTTPRequest) -> Reply {
        serving.withLock { _ in responder.respond(to: request) }
    }

    /// The responder's answer to a request the host refuses; serialized like `respond(to:)` (it reads the
    /// scenario too).
    func refusal(_ refusal: HostRefusal, for request: HTTPRequest) -> HTTPResponse {
        serving.withLock { _ in responder.refusal(refusal, for: request) }
    }

    /// An exchange the responder tagged is over (the responder records it under its own lock).
    func finished(tag: Int, _ end: ExchangeEnd) { responder.finished(tag: tag, end) }

    /// Marks the calling thread as one of this server's: the access handler does on each request's first call (a
    /// connection stays on one thread, so that thread is marked before anything about the request runs). A
    /// thread-specific value: the threads of every daemon and pool are recognised, other servers' are not.
    func noteServerThread() {
        let me = Unmanaged.passUnretained(self).toOpaque()
        if pthread_getspecific(Self.threadMarker) != me { pthread_setspecific(Self.threadMarker, me) }
    }

    /// Whether the caller is one of this server's threads (a responder calling `stop()`). The marker is an
    /// address compared, never dereferenced; it ends with the thread.
    var isOnServerThread: Bool { pthread_getspecific(Self.threadMarker) == Unmanaged.passUnretained(self).toOpaque() }

    /// The thread-specific slot holding the server a thread serves; one for the process, never deleted.
    private static let threadMarker: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()

    /// Suspends `connection` and schedules its resumption after `delay` (nil: no timer; only `beginStopping`
    /// resumes it). Must be called on the thread serving `connection`, from the access handler or a content
    /// reader. Returns false
    /// (nothing suspended) once the server is stopping.
    func suspend(_ connection: OpaquePointer, for delay: Duration?) -> Bool {
        guard let (key, token) = register(connection) else { return false }
        guard let delay else { return true }
        timers.asyncAfter(deadline: .now() + delay.dispatchInterval) { [self] in
            resume(key: key, token: token)
        }
        return true
    }

    /// Suspends `connection` until `deferred` is completed (or the server stops). Called like `suspend(_:for:)`;
    /// false once the server is stopping.
    func suspend(_ connection: OpaquePointer, until deferred: DeferredReply) -> Bool {
        guard let (key, token) = register(connection) else { return false }
        // Completed already (a fast upstream): resumed at once, which libmicrohttpd allows right after suspending.
        deferred.onComplete { [self] in resume(key: key, token: token) }
        return true
    }

    /// Suspends `connection` and files it under a fresh token, the one its waker must show to resume it; nil
    /// (nothing suspended) once the server is stopping.
    private func register(_ connection: OpaquePointer) -> (key: UInt, token: UInt64)? {
        let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(connection)))
        let handle = MHDHandle(connection)
        return registry.withLock { registry in
            if registry.stopping { return nil }
            registry.nextToken &+= 1
            MHD_suspend_connection(handle.pointer)
            registry.suspended[key] = Entry(handle: handle, token: registry.nextToken)
            return (key, registry.nextToken)
        }
    }

    /// A timer or a completed deferred reply: resumes the connection if it is still suspended by the suspension
    /// that token was given for.
    private func resume(key: UInt, token: UInt64) {
        registry.withLock { registry in
            guard let entry = registry.suspended[key], entry.token == token else { return }
            registry.suspended[key] = nil
            // Under the lock, so stop() cannot run MHD_stop_daemon between our lookup and this call.
            MHD_resume_connection(entry.handle.pointer)
        }
    }

    /// Forbids new suspensions and resumes every suspended connection. Returns how many were resumed.
    @discardableResult
    func beginStopping() -> Int {
        registry.withLock { registry in
            registry.stopping = true
            stopping.store(true, ordering: .releasing)
            let entries = registry.suspended.values
            registry.suspended.removeAll()
            for entry in entries { MHD_resume_connection(entry.handle.pointer) }
            return entries.count
        }
    }
}

extension Duration {
    /// Non-negative, capped at a year (DispatchTime arithmetic overflows on absurd values).
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return .nanoseconds(0) }
        let cappedSeconds = min(seconds, 365 * 24 * 3600)
        let nanos = cappedSeconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return .nanoseconds(Int(nanos))
    }
}
