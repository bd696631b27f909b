import CMicroHTTPD
import Dispatch
import MockRunsHTTP
import MockRunsSync
#if canImport(Glibc)
    import Glibc
#endif

/// A libmicrohttpd server serving one `HTTPResponder`, over HTTP or HTTPS, on one or more listen sockets.
///
/// Every listen socket (`localhost` is two, 127.0.0.1 and ::1 on one port) has its own daemon, and all of them
/// share one `ServerCore`. A daemon polls (epoll) on one internal thread, or on a pool of `threads`. The threads
/// read requests, run TLS and write answers in parallel, but call the responder one at a time (see
/// `ServerCore.respond(to:)`), so a slow responder still holds up every connection. Delayed answers and waiting
/// streams suspend their connection and are woken by a timer, so no thread waits for them.
/// The server listens as soon as `init` returns; `stop()` (or deinit) shuts it down.
public final class HTTPServer: Sendable {
    public struct Configuration: Sendable {
        /// Where to listen: `localhost` (127.0.0.1 and ::1, on one port; IPv4 only, with a note, on a machine
        /// without IPv6), an IPv4 address (`0.0.0.0`: every interface), or an IPv6 address (`::1`; `::` is every
        /// interface and takes IPv4 connections too).
        public var host: String
        /// 0 picks a free ephemeral port; read the one chosen from `HTTPServer.port`.
        public var port: Int
        /// Request bodies larger than this are refused with the responder's `.bodyTooLarge` answer (413).
        public var maxBodyBytes: Int
        /// Most connections open at once per listen socket (waiting/suspended ones included).
        public var connectionLimit: Int
        /// Seconds a keep-alive connection may wait between requests; 0 = forever.
        public var idleTimeoutSeconds: Int
        /// Seconds a new connection has to send its request's headers, and a request whose headers are in has to
        /// send its body (far shorter than the idle timeout: slow senders must not hold connections for long).
        /// A TLS handshake counts as part of the wait for the first request.
        public var requestTimeoutSeconds: Double
        /// Connections kept free for newcomers: once `connectionLimit - connectionReserve` are open, each new one
        /// ends the connection that has waited longest for its request.
        public var connectionReserve: Int
        /// Serve HTTPS with this certificate and key; nil serves plain HTTP.
        public var tls: TLSIdentity?
        /// Each connection's libmicrohttpd memory, in bytes (`headerMemoryRange`): a request's line and headers, and
        /// the answer's headers, must fit in it; a longer request line is libmicrohttpd's 414, longer headers its 431.
        public var headerMemoryBytes: Int
        /// Polling threads per listen socket, 1...64 (libmicrohttpd's thread pool when more than 1). More threads
        /// parse, encrypt and write in parallel; the responder is still called one request at a time.
        public var threads: Int
        /// Called once per finished request, on the thread that served it; with several threads (`threads` > 1,
        /// or several listen sockets) calls may overlap. Keep it short.
        public var onRequestCompleted: (@Sendable (RequestLogEntry) -> Void)?

        public init(
            host: String = "127.0.0.1",
            port: Int = 0,
            maxBodyBytes: Int = 1_048_576,
            connectionLimit: Int = 4096,
            idleTimeoutSeconds: Int = 120,
            requestTimeoutSeconds: Double = 10,
            connectionReserve: Int = 64,
            tls: TLSIdentity? = nil,
            headerMemoryBytes: Int = HTTPServer.defaultHeaderMemoryBytes,
            threads: Int = 1,
            onRequestCompleted: (@Sendable (RequestLogEntry) -> Void)? = nil
        ) {
            self.host = host
            self.port = port
            self.maxBodyBytes = maxBodyBytes
            self.connectionLimit = connectionLimit
            self.idleTimeoutSeconds = idleTimeoutSeconds
            self.requestTimeoutSeconds = requestTimeoutSeconds
            self.connectionReserve = connectionReserve
            self.tls = tls
            self.headerMemoryBytes = headerMemoryBytes
            self.threads = threads
            self.onRequestCompleted = onRequestCompleted
        }
    }

    /// Most polling threads per listen socket.
    public static let threadLimit = 64

    /// `Configuration.headerMemoryBytes` by default: 16 KiB, Node's default header limit (Jetty, WireMock's server,
    /// and Tomcat allow 8 KiB). Besides its text, each header takes 56 bytes of it (libmicrohttpd keeps a record of
    /// each there; the query is read by the host, see `mr_uri_log`): ~12 KiB of headers fit, or ~220 short ones. libmicrohttpd zeroes the whole of it
    /// before every request on a connection: at its default 32 KiB that memset was ~4 % of a status poll's CPU (perf,
    /// wrk -c32 WES polls; libmicrohttpd's instructions a request 56,392 -> 31,816 at 16 KiB, callgrind on
    /// bench/host/c_server.c). 8 KiB gained polls ~5 % more (median of six alternating 4 s rounds each, 2-core AMD
    /// EPYC), not enough to halve what a client may send.
    public static let defaultHeaderMemoryBytes = 16 * 1024
    /// The `headerMemoryBytes` libmicrohttpd is given, at least and at most.
    public static let headerMemoryRange = 4096...1_048_576

    public let configuration: Configuration
    /// The first address listened on, as the socket takes it (127.0.0.1 for `localhost`; IPv6 without brackets).
    public let host: String
    /// The port actually listened on (the same on every listen socket).
    public let port: Int
    /// `http://host:port` (https with TLS) of every listen socket, the first one's first; IPv6 in brackets
    /// (`http://[::1]:8080`). No trailing slash.
    public let urls: [String]
    /// The first listen socket's URL: `http://127.0.0.1:PORT` for `localhost`.
    public var url: String { urls[0] }
    /// What an operator should know about how the server listens, one line each (`localhost` on a machine
    /// without IPv6 serves 127.0.0.1 only).
    public let notes: [String]

    private let core: ServerCore
    /// The running daemons; nil once stopped.
    private let running: Locked<Running?>

    private struct Running: Sendable {
        /// One per listen socket.
        let daemons: [MHDHandle]
        let sweeper: SweepTimer
        /// Handed to libmicrohttpd as pointers: kept until every daemon has stopped.
        let tls: TLSStrings?
    }

    /// The watch's timer; only resumed once and cancelled once (in `stop()`), so sharing it is safe.
    private struct SweepTimer: @unchecked Sendable {
        let source: any DispatchSourceTimer
        init(_ source: any DispatchSourceTimer) { self.source = source }
    }

    /// The certificate and key as C strings for libmicrohttpd. Written once in `init`, then only read by it, and
    /// freed after the last daemon stopped: safe to share.
    private final class TLSStrings: @unchecked Sendable {
        let certificate: UnsafeMutablePointer<CChar>
        let key: UnsafeMutablePointer<CChar>

        init(_ identity: TLSIdentity) {
            certificate = strdup(identity.certificatePEM)
            key = strdup(identity.privateKeyPEM)
        }

        deinit {
            free(certificate)
            free(key)
        }
    }

    /// Binds `configuration.host:configuration.port` and starts serving `responder`.
    /// - Throws: `HostError` (invalid host, port or configuration, address in use, HTTPS unavailable, daemon start
    ///   failure).
    public init(configuration: Configuration = Configuration(), responder: any HTTPResponder) throws {
        guard let addresses = ListenAddress.parse(configuration.host) else {
            throw HostError(
                .invalidHost,
                "invalid host \"\(configuration.host)\": expected localhost, an IPv4 address such as 127.0.0.1 or 0.0.0.0, "
                    + "or an IPv6 address such as ::1 or ::")
        }
        guard (0...65_535).contains(configuration.port) else {
            throw HostError(.invalidConfiguration, "invalid port \(configuration.port): expected 0...65535")
        }
        guard Self.headerMemoryRange.contains(configuration.headerMemoryBytes) else {
            throw HostError(
                .invalidConfiguration,
                "invalid headerMemoryBytes \(configuration.headerMemoryBytes): expected \(Self.headerMemoryRange.lowerBound)...\(Self.headerMemoryRange.upperBound)")
        }
        guard (1...Self.threadLimit).contains(configuration.threads) else {
            throw HostError(.invalidConfiguration, "invalid threads \(configuration.threads): expected 1...\(Self.threadLimit)")
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
        if configuration.tls != nil, !TLSIdentity.isSupported {
            throw HostError(
                .tlsUnsupported,
                "cannot serve HTTPS: this libmicrohttpd was built without TLS (GnuTLS) support; serve plain http, "
                    + "or install one built with it (Debian's libmicrohttpd12 is)")
        }
        HTTPServer.raiseFileLimitOnce()

        let (sockets, notes) = try ListenAddress.listen(on: addresses, port: configuration.port)
        let boundPort = Int(mr_socket_port(sockets[0].fd))

        let idle = configuration.idleTimeoutSeconds == 0 ? Duration.seconds(Int64.max / 4) : .seconds(configuration.idleTimeoutSeconds)
        let watch = ConnectionWatch(
            requestTimeout: .milliseconds(Int64(min(configuration.requestTimeoutSeconds, 1e9) * 1000)),
            idleTimeout: idle, connectionLimit: configuration.connectionLimit,
            reserve: configuration.connectionReserve)
        let core = ServerCore(
            responder: responder, maxBodyBytes: configuration.maxBodyBytes, watch: watch,
            onRequestCompleted: configuration.onRequestCompleted)
        let tls = configuration.tls.map(TLSStrings.init)
        var flags = MHD_USE_EPOLL_INTERNAL_THREAD.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
        if tls != nil { flags |= MHD_USE_TLS.rawValue }
        let cls = Unmanaged.passUnretained(core).toOpaque()
        var daemons: [MHDHandle] = []
        for (index, socket) in sockets.enumerated() {
            guard
                let daemon = mr_start_daemon(
                    flags, socket.fd, UInt32(clamping: configuration.connectionLimit),
                    UInt32(clamping: configuration.idleTimeoutSeconds), configuration.headerMemoryBytes,
                    UInt32(configuration.threads),
                    tls?.certificate, tls?.key,
                    mrAccessHandler, cls, mrRequestCompleted, cls, mrConnectionNotified, cls)
            else {
                // The daemons already started may have taken (and suspended) connections: the full shutdown.
                withExtendedLifetime(tls) { HTTPServer.shutDown(daemons, core: core) }
                for unstarted in sockets[index...] { mr_close_fd(unstarted.fd) }
                throw HostError(
                    .startFailed,
                    "cannot start the HTTP\(tls == nil ? "" : "S") daemon on \(socket.address.inURL):\(boundPort)")
            }
            daemons.append(MHDHandle(daemon))
        }
        self.configuration = configuration
        self.host = sockets[0].address.address
        self.port = boundPort
        let scheme = tls == nil ? "http" : "https"
        self.urls = sockets.map { "\(scheme)://\($0.address.inURL):\(boundPort)" }
        self.notes = notes
        self.core = core
        // The watch's deadlines are checked a few times a second; a sweep costs microseconds.
        let sweeper = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "mockruns.host.watch"))
        let period = min(0.25, configuration.requestTimeoutSeconds / 4)
        sweeper.schedule(deadline: .now() + period, repeating: period, leeway: .milliseconds(20))
        sweeper.setEventHandler { watch.sweep() }
        sweeper.resume()
        self.running = Locked(Running(daemons: daemons, sweeper: SweepTimer(sweeper), tls: tls))
    }

    deinit { stop() }

    /// Stops the server: stops accepting on every listen socket, wakes every suspended connection of every
    /// daemon (their answers are dropped, the clients see the connection close), then shuts the daemons down.
    /// Idempotent; returns once no callback runs.
    /// Called from the responder (one of the server's own threads), it cannot wait for those threads: the
    /// shutdown then happens on another thread 100 ms later (so the answer being written can still go out) and
    /// this returns at once.
    public func stop() {
        guard let running = running.withLock({ state -> Running? in
            defer { state = nil }
            return state
        }) else { return }
        running.sweeper.source.cancel()
        let core = self.core
        if core.isOnServerThread {
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(100)) {
                withExtendedLifetime(running) { HTTPServer.shutDown(running.daemons, core: core) }
            }
        } else {
            withExtendedLifetime(running) { HTTPServer.shutDown(running.daemons, core: core) }
        }
    }

    private static func shutDown(_ daemons: [MHDHandle], core: ServerCore) {
        // 1. No new connections, on any listen socket.
        let listenFDs = daemons.map { MHD_quiesce_daemon($0.pointer) }
        // 2. No new suspensions; resume the suspended ones of every daemon (MHD_stop_daemon aborts the process
        //    otherwise: the registry is shared, so one call covers them all).
        core.beginStopping()
        // 3. Join each daemon's threads and close every connection.
        for daemon in daemons { MHD_stop_daemon(daemon.pointer) }
        // After quiesce the listen sockets are ours to close, and only after MHD_stop_daemon.
        for fd in listenFDs where fd >= 0 { mr_close_fd(fd) }
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
        /// The TLS certificate or key cannot be used (or a self-signed one cannot be made).
        case invalidTLS
        /// This libmicrohttpd cannot serve HTTPS.
        case tlsUnsupported
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
