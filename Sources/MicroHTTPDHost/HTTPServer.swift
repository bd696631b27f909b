import CMicroHTTPD
import Dispatch
import MockRunsHTTP
import MockRunsSync

/// A libmicrohttpd daemon serving one `HTTPResponder`.
///
/// One internal polling thread (epoll) reads requests, calls the responder (so a slow responder holds up every
/// connection) and writes answers. Delayed answers and waiting streams suspend their connection and are woken by
/// a timer, so no thread waits for them.
/// The server listens as soon as `init` returns; `stop()` (or deinit) shuts it down.
public final class HTTPServer: Sendable {
    public struct Configuration: Sendable {
        /// An IPv4 address to listen on (`localhost` means 127.0.0.1).
        public var host: String
        /// 0 picks a free ephemeral port; read the one chosen from `HTTPServer.port`.
        public var port: Int
        /// Request bodies larger than this are refused with the responder's `.bodyTooLarge` answer (413).
        public var maxBodyBytes: Int
        /// Most connections open at once (waiting/suspended ones included).
        public var connectionLimit: Int
        /// Seconds a keep-alive connection may wait between requests; 0 = forever.
        public var idleTimeoutSeconds: Int
        /// Seconds a new connection has to send its request's headers, and a request whose headers are in has to
        /// send its body (far shorter than the idle timeout: slow senders must not hold connections for long).
        public var requestTimeoutSeconds: Double
        /// Connections kept free for newcomers: once `connectionLimit - connectionReserve` are open, each new one
        /// ends the connection that has waited longest for its request.
        public var connectionReserve: Int
        /// Called once per finished request, on the server's thread; keep it short.
        public var onRequestCompleted: (@Sendable (RequestLogEntry) -> Void)?

        public init(
            host: String = "127.0.0.1",
            port: Int = 0,
            maxBodyBytes: Int = 1_048_576,
            connectionLimit: Int = 4096,
            idleTimeoutSeconds: Int = 120,
            requestTimeoutSeconds: Double = 10,
            connectionReserve: Int = 64,
            onRequestCompleted: (@Sendable (RequestLogEntry) -> Void)? = nil
        ) {
            self.host = host
            self.port = port
            self.maxBodyBytes = maxBodyBytes
            self.connectionLimit = connectionLimit
            self.idleTimeoutSeconds = idleTimeoutSeconds
            self.requestTimeoutSeconds = requestTimeoutSeconds
            self.connectionReserve = connectionReserve
            self.onRequestCompleted = onRequestCompleted
        }
    }

    public let configuration: Configuration
    /// The IPv4 address listened on (after `localhost` was mapped).
    public let host: String
    /// The port actually listened on.
    public let port: Int
    /// `http://host:port`, without a trailing slash.
    public var url: String { "http://\(host):\(port)" }

    private let core: ServerCore
    /// The running daemon; nil once stopped.
    private let running: Locked<Running?>

    private struct Running: Sendable {
        let daemon: MHDHandle
        let sweeper: SweepTimer
    }

    /// The watch's timer; only resumed once and cancelled once (in `stop()`), so sharing it is safe.
    private struct SweepTimer: @unchecked Sendable {
        let source: any DispatchSourceTimer
        init(_ source: any DispatchSourceTimer) { self.source = source }
    }

    /// Binds `configuration.host:configuration.port` and starts serving `responder`.
    /// - Throws: `HostError` (invalid host or port, address in use, daemon start failure).
    public init(configuration: Configuration = Configuration(), responder: any HTTPResponder) throws {
        let host = configuration.host == "localhost" ? "127.0.0.1" : configuration.host
        var address: UInt32 = 0
        guard mr_parse_ipv4(host, &address) == 1 else {
            throw HostError(
                .invalidHost,
                "invalid host \"\(configuration.host)\": expected an IPv4 address such as 127.0.0.1 or 0.0.0.0")
        }
        guard (0...65_535).contains(configuration.port) else {
            throw HostError(.invalidConfiguration, "invalid port \(configuration.port): expected 0...65535")
        }
        guard configuration.maxBodyBytes >= 0, configuration.connectionLimit > 0,
            configuration.idleTimeoutSeconds >= 0, configuration.requestTimeoutSeconds > 0,
            configuration.requestTimeoutSeconds.isFinite,
            (0..<configuration.connectionLimit).contains(configuration.connectionReserve)
        else {
            throw HostError(
                .invalidConfiguration,
                "invalid configuration: maxBodyBytes and idleTimeoutSeconds must be >= 0, requestTimeoutSeconds > 0, "
                    + "connectionLimit > 0, connectionReserve from 0 to connectionLimit - 1")
        }
        HTTPServer.raiseFileLimitOnce()

        let fd = mr_listen_ipv4(address, Int32(configuration.port), 4096)
        if fd < 0 {
            throw HostError.listenFailed(host: host, port: configuration.port, errno: -fd)
        }
        let boundPort = Int(mr_socket_port(fd))

        let idle = configuration.idleTimeoutSeconds == 0 ? Duration.seconds(Int64.max / 4) : .seconds(configuration.idleTimeoutSeconds)
        let watch = ConnectionWatch(
            requestTimeout: .milliseconds(Int64(min(configuration.requestTimeoutSeconds, 1e9) * 1000)),
            idleTimeout: idle, connectionLimit: configuration.connectionLimit,
            reserve: configuration.connectionReserve)
        let core = ServerCore(
            responder: responder, maxBodyBytes: configuration.maxBodyBytes, watch: watch,
            onRequestCompleted: configuration.onRequestCompleted)
        let flags = MHD_USE_EPOLL_INTERNAL_THREAD.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
        let cls = Unmanaged.passUnretained(core).toOpaque()
        guard
            let daemon = mr_start_daemon(
                flags, fd, UInt32(clamping: configuration.connectionLimit),
                UInt32(clamping: configuration.idleTimeoutSeconds),
                mrAccessHandler, cls, mrRequestCompleted, cls, mrConnectionNotified, cls)
        else {
            mr_close_fd(fd)
            throw HostError(.startFailed, "cannot start the HTTP daemon on \(host):\(boundPort)")
        }
        self.configuration = configuration
        self.host = host
        self.port = boundPort
        self.core = core
        // The watch's deadlines are checked a few times a second; a sweep costs microseconds.
        let sweeper = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "mockruns.host.watch"))
        let period = min(0.25, configuration.requestTimeoutSeconds / 4)
        sweeper.schedule(deadline: .now() + period, repeating: period, leeway: .milliseconds(20))
        sweeper.setEventHandler { watch.sweep() }
        sweeper.resume()
        self.running = Locked(Running(daemon: MHDHandle(daemon), sweeper: SweepTimer(sweeper)))
    }

    deinit { stop() }

    /// Stops the server: stops accepting, wakes every suspended connection (their answers are dropped, the
    /// clients see the connection close), then shuts the daemon down. Idempotent; returns once no callback runs.
    /// Called from the responder (the server's own thread), it cannot wait for that thread: the shutdown then
    /// happens on another thread 100 ms later (so the answer being written can still go out) and this returns at once.
    public func stop() {
        guard let running = running.withLock({ state -> Running? in
            defer { state = nil }
            return state
        }) else { return }
        running.sweeper.source.cancel()
        let core = self.core
        if core.isOnPollingThread {
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) {
                HTTPServer.shutDown(running.daemon, core: core)
            }
        } else {
            HTTPServer.shutDown(running.daemon, core: core)
        }
    }

    private static func shutDown(_ daemon: MHDHandle, core: ServerCore) {
        // 1. No new connections.
        let listenFD = MHD_quiesce_daemon(daemon.pointer)
        // 2. No new suspensions; resume the suspended ones (MHD_stop_daemon aborts the process otherwise).
        core.beginStopping()
        // 3. Join MHD's thread and close every connection.
        MHD_stop_daemon(daemon.pointer)
        // After quiesce the listen socket is ours to close, and only after MHD_stop_daemon.
        if listenFD >= 0 { mr_close_fd(listenFD) }
    }

    /// Whether `stop()` has been called (the shutdown itself may still be under way when it was called from the
    /// responder).
    public var isStopped: Bool { running.withLock { $0 == nil } }

    /// How many connections the server ended because they were too slow to send a request, or to make room.
    public var endedSlowConnections: Int { core.watch.endedCount }

    private static let fileLimitRaised: Void = { mr_raise_nofile_limit() }()
    private static func raiseFileLimitOnce() { _ = fileLimitRaised }
}

/// One finished request, for a request log.
public struct RequestLogEntry: Sendable {
    public var method: String
    /// The path without the query string.
    public var path: String
    /// The status sent, or 0 when no response was sent (dropped, client gone, server stopped).
    public var status: Int
    /// From the end of the request headers to the end of the exchange (includes any delay).
    public var duration: Duration
    /// Set when the connection was closed on purpose instead of answering.
    public var drop: Reply.Drop?
    /// False when the exchange ended early (client hang-up, error, server stopping, drop).
    public var completed: Bool

    public init(method: String, path: String, status: Int, duration: Duration, drop: Reply.Drop?, completed: Bool) {
        self.method = method
        self.path = path
        self.status = status
        self.duration = duration
        self.drop = drop
        self.completed = completed
    }
}

/// Why the server could not start.
public struct HostError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case invalidHost
        case invalidConfiguration
        case addressInUse
        case permissionDenied
        case addressNotAvailable
        case listenFailed
        case startFailed
    }

    public var kind: Kind
    /// A one-line, human-readable reason, e.g. "cannot listen on 127.0.0.1:8080: address already in use".
    public var message: String
    public var description: String { message }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    static func listenFailed(host: String, port: Int, errno code: Int32) -> HostError {
        let prefix = "cannot listen on \(host):\(port): "
        switch code {
        case EADDRINUSE: return HostError(.addressInUse, prefix + "address already in use")
        case EACCES: return HostError(.permissionDenied, prefix + "permission denied (ports below 1024 need privileges)")
        case EADDRNOTAVAIL:
            return HostError(.addressNotAvailable, prefix + "address not available (not an address of this machine)")
        default:
            return HostError(.listenFailed, prefix + String(cString: mr_strerror(code)).lowercased())
        }
    }
}
