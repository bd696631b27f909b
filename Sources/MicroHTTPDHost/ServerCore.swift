import CMicroHTTPD
import Dispatch
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

/// State shared by the daemon's callbacks, the wake-up timers and `stop()`.
final class ServerCore: Sendable {
    let responder: any HTTPResponder
    let maxBodyBytes: Int
    let onRequestCompleted: (@Sendable (RequestLogEntry) -> Void)?
    /// Deadlines for requests to arrive, and room for new connections.
    let watch: ConnectionWatch

    /// The owner of suspended connections: who may resume them, and whether new suspensions are allowed.
    private let registry = Locked(Registry())
    /// Set (inside the registry lock) when `stop()` begins; read without the lock on the hot path.
    private let stopping = Atomic<Bool>(false)
    /// MHD's polling thread, recorded by the first callback (0 until then).
    private let pollingThread = Atomic<UInt>(0)
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

    /// Called by the access handler: remembers which thread is MHD's.
    func notePollingThread() {
        if pollingThread.load(ordering: .relaxed) == 0 { pollingThread.store(UInt(mr_thread_id()), ordering: .relaxed) }
    }

    /// Whether the caller is MHD's polling thread (a responder calling `stop()`).
    var isOnPollingThread: Bool { pollingThread.load(ordering: .relaxed) == UInt(mr_thread_id()) }

    /// Suspends `connection` and schedules its resumption after `delay` (nil: no timer; only `beginStopping`
    /// resumes it). Must be called on MHD's thread from the access handler or a content reader. Returns false
    /// (nothing suspended) once the server is stopping.
    func suspend(_ connection: OpaquePointer, for delay: Duration?) -> Bool {
        let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(connection)))
        let handle = MHDHandle(connection)
        let token: UInt64? = registry.withLock { registry in
            if registry.stopping { return nil }
            registry.nextToken &+= 1
            MHD_suspend_connection(handle.pointer)
            registry.suspended[key] = Entry(handle: handle, token: registry.nextToken)
            return registry.nextToken
        }
        guard let token else { return false }
        guard let delay else { return true }
        timers.asyncAfter(deadline: .now() + delay.dispatchInterval) { [self] in
            resume(key: key, token: token)
        }
        return true
    }

    /// Timer side: resumes the connection if it is still suspended by this timer's suspension.
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
