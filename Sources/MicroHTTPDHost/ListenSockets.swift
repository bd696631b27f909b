import CMicroHTTPD

/// One address a server listens on.
struct ListenAddress: Sendable, Equatable {
    /// Numeric, as the socket takes it: `127.0.0.1`, `::1`, `::`.
    let address: String
    let isIPv6: Bool
    /// IPV6_V6ONLY=0: an IPv6 socket that also takes IPv4 connections where its address covers them (`::` takes
    /// every IPv4 address, like 0.0.0.0). Set for an IPv6 address the user named; not for `localhost`'s ::1,
    /// which sits beside its own IPv4 socket.
    let acceptsIPv4: Bool
    /// Left out (with a note) where the machine does not have it: `localhost`'s ::1 on a machine without IPv6.
    let optional: Bool

    /// As it stands in a URL: IPv6 in brackets (`[::1]`).
    var inURL: String { isIPv6 ? "[\(address)]" : address }

    /// The addresses `host` stands for: `localhost` is 127.0.0.1 and ::1 (Node 17+ and some JVM clients try ::1
    /// first), a numeric IPv4 or IPv6 address (brackets allowed) is itself; anything else is nil.
    static func parse(_ host: String) -> [ListenAddress]? {
        if host.lowercased() == "localhost" {
            return [
                ListenAddress(address: "127.0.0.1", isIPv6: false, acceptsIPv4: false, optional: false),
                ListenAddress(address: "::1", isIPv6: true, acceptsIPv4: false, optional: true),
            ]
        }
        var text = Substring(host)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        switch mr_address_family(String(text)) {
        case AF_INET: return [ListenAddress(address: String(text), isIPv6: false, acceptsIPv4: false, optional: false)]
        case AF_INET6: return [ListenAddress(address: String(text), isIPv6: true, acceptsIPv4: true, optional: false)]
        default: return nil
        }
    }
}

/// A listening socket and the address it is bound to.
struct ListenSocket: Sendable {
    let address: ListenAddress
    let fd: Int32
}

extension ListenAddress {
    /// How often `listen(on:port:)` tries a fresh port when a later address has the first one's port taken.
    static let portAttempts = 5

    /// Opens a listening socket on each of `addresses`, all on one port: `port`, or for 0 the port the kernel
    /// gave the first address (tried again with a fresh one, a few times, when a later address has that port
    /// taken). An optional address the machine lacks is left out and said in `notes`, one line each.
    /// - Throws: `HostError` naming the address and port that could not be listened on.
    static func listen(on addresses: [ListenAddress], port: Int) throws -> (sockets: [ListenSocket], notes: [String]) {
        var attemptsLeft = port == 0 && addresses.count > 1 ? portAttempts : 1
        while true {
            attemptsLeft -= 1
            var sockets: [ListenSocket] = []
            var notes: [String] = []
            var chosen = port
            var failure: (address: ListenAddress, errno: Int32)?
            for address in addresses {
                let fd = mr_listen(address.address, Int32(chosen), 4096, address.acceptsIPv4 ? 1 : 0)
                if fd >= 0 {
                    if chosen == 0 { chosen = Int(mr_socket_port(fd)) }
                    sockets.append(ListenSocket(address: address, fd: fd))
                } else if address.optional, -fd == EADDRNOTAVAIL || -fd == EAFNOSUPPORT {
                    notes.append(
                        "no IPv6 loopback on this machine (\(address.address): \(String(cString: mr_strerror(-fd)).lowercased())): "
                            + "serving \(sockets.map(\.address.address).joined(separator: " and ")) only")
                } else {
                    failure = (address, -fd)
                    break
                }
            }
            guard let failure else { return (sockets, notes) }
            for socket in sockets { mr_close_fd(socket.fd) }
            if failure.errno == EADDRINUSE, port == 0, !sockets.isEmpty, attemptsLeft > 0 { continue }
            throw HostError.listenFailed(host: failure.address.inURL, port: chosen, errno: failure.errno)
        }
    }
}
