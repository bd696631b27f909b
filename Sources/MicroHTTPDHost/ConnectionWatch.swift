import CMicroHTTPD
import Dispatch
import MockRunsSync

/// Bounds how long a connection may take to send a request, and keeps room for new clients.
///
/// libmicrohttpd 0.9.75 only knows an inactivity timeout, which a client sending one byte a second never
/// trips, and it refuses every new connection once its limit is reached. So the watch (1) gives a connection
/// `requestTimeout` to deliver its first request's headers, and any request whose headers have arrived the same
/// time again to deliver its body, (2) leaves a keep-alive connection between requests `idleTimeout`, and (3) once open
/// connections reach the limit less a reserve, ends the connection that has waited longest for its request so
/// the newcomer is served. A connection whose request is being answered (or held by a scripted delay) is never
/// touched. Ending means `shutdown(2)` on the socket: libmicrohttpd then sees the end of the stream and closes
/// it on the thread serving it, as if the client had hung up.
///
/// One watch covers every connection of the server: all its daemons (one per listen socket) and all their
/// threads, which call in concurrently (each about its own connections); the state is behind one lock. The limit
/// is counted over all of them together, so with two listen sockets (each daemon has `connectionLimit`) room is
/// made early rather than late. With a thread pool libmicrohttpd splits each daemon's limit among its threads;
/// a thread whose share is full stops accepting and the others take the newcomers.
final class ConnectionWatch: Sendable {
    fileprivate enum Phase {
        /// Waiting for a request's headers (a new connection, or a keep-alive one between requests).
        case awaiting(firstRequest: Bool)
        /// Headers in, body arriving.
        case receiving
        /// The request is complete and being answered (or delayed by a scenario).
        case answering
        /// Already ended by the watch; libmicrohttpd has not closed it yet.
        case ending
    }

    /// One connection's deadline. The connection's memo holds it too, so that the thread serving the connection
    /// changes it without looking it up (a hash of the key three times a request). Shared safely: its fields are
    /// only read or written under the watch's lock.
    final class Watched: @unchecked Sendable {
        fileprivate let fd: Int32
        fileprivate var phase: Phase
        fileprivate var since: ContinuousClock.Instant

        fileprivate init(fd: Int32, phase: Phase, since: ContinuousClock.Instant) {
            self.fd = fd
            self.phase = phase
            self.since = since
        }
    }

    private struct State {
        var connections: [UInt: Watched] = [:]
        var ended = 0
    }

    let requestTimeout: Duration
    let idleTimeout: Duration
    /// Connections at which the watch starts making room (the daemon's limit less the reserve).
    let crowdedAt: Int
    private let state = Locked(State())
    private let clock = ContinuousClock()

    init(requestTimeout: Duration, idleTimeout: Duration, connectionLimit: Int, reserve: Int) {
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        crowdedAt = max(1, connectionLimit - reserve)
    }

    private static func key(_ connection: OpaquePointer) -> UInt {
        UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(connection)))
    }

    /// How many connections the watch has ended so far (timeouts and room made).
    var endedCount: Int { state.withLock { $0.ended } }

    // MARK: - Called by the thread serving the connection

    /// Watches a new connection; the entry returned is what the calls about its requests take.
    func opened(_ connection: OpaquePointer, fd: Int32) -> Watched {
        let now = clock.now
        let watched = Watched(fd: fd, phase: .awaiting(firstRequest: true), since: now)
        state.withLock { state in
            state.connections[Self.key(connection)] = watched
            if state.connections.count >= crowdedAt { makeRoom(&state) }
        }
        return watched
    }

    /// The entry of a connection being watched, looked up (`opened` hands it out; this is for a caller that lost it).
    func watched(_ connection: OpaquePointer) -> Watched? {
        state.withLock { $0.connections[Self.key(connection)] }
    }

    func closed(_ connection: OpaquePointer) {
        _ = state.withLock { $0.connections.removeValue(forKey: Self.key(connection)) }
    }

    /// The request's headers are in (at `now`, the caller's reading of the clock: one fewer a request).
    func headersArrived(_ watched: Watched, at now: ContinuousClock.Instant) {
        state.withLock { _ in
            if case .awaiting = watched.phase {
                watched.phase = .receiving
                watched.since = now
            }
        }
    }

    /// The request is complete; from now on it is the server's to answer.
    func requestReceived(_ watched: Watched) {
        state.withLock { _ in
            if case .receiving = watched.phase { watched.phase = .answering }
        }
    }

    /// The exchange is over (at `now`, read by the caller); a keep-alive connection now waits for its next request.
    func requestEnded(_ watched: Watched, at now: ContinuousClock.Instant) {
        state.withLock { _ in
            if case .ending = watched.phase { return }
            watched.phase = .awaiting(firstRequest: false)
            watched.since = now
        }
    }

    /// Ends the connection that has waited longest for a request (never one being answered).
    private func makeRoom(_ state: inout State) {
        var oldest: (key: UInt, since: ContinuousClock.Instant)?
        for (key, watched) in state.connections {
            switch watched.phase {
            case .awaiting, .receiving:
                if oldest == nil || watched.since < oldest!.since { oldest = (key, watched.since) }
            case .answering, .ending:
                continue
            }
        }
        if let oldest { end(oldest.key, &state) }
    }

    private func end(_ key: UInt, _ state: inout State) {
        guard let watched = state.connections[key] else { return }
        // Under the lock: libmicrohttpd removes the connection (in `closed`, under this lock) before it closes
        // the socket, so the descriptor cannot have been reused for another connection yet, by any thread: a
        // new connection can only get this number once the socket is closed.
        mr_shutdown_fd(watched.fd)
        watched.phase = .ending
        state.ended += 1
    }

    // MARK: - Called by the sweep timer

    /// Ends every connection past its deadline. Returns how many it ended.
    @discardableResult
    func sweep() -> Int {
        let now = clock.now
        return state.withLock { state in
            var overdue: [UInt] = []
            for (key, watched) in state.connections {
                let limit: Duration
                switch watched.phase {
                case .awaiting(let first): limit = first ? requestTimeout : idleTimeout
                case .receiving: limit = requestTimeout
                case .answering, .ending: continue
                }
                if now - watched.since > limit { overdue.append(key) }
            }
            for key in overdue { end(key, &state) }
            return overdue.count
        }
    }
}
