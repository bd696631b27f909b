import Testing

@testable import MockRuns

/// Edges of `isLoopback(host:)` read as index loops: ports, brackets, case and the parts of 127.x.y.z.
@Suite struct LoopbackEdgeTests {
    @Test func loopbackEdges() {
        for host in [
            ".localhost", "[::1]:", "[::1]:0", "127.0.0.1:", "127.0.0.255", "127.000.000.001", "LocalHost", "x.LOCALHOST",
            "localhost:", "[::1]:65536", "127.1.2.3:abc",
        ] {
            #expect(ServerOptions.isLoopback(host: host), "\(host)")
        }
    }

    @Test func notLoopbackEdges() {
        for host in [
            "[::1]:8a", "[::1]x", "[]", "[", "]", ":", "localhost.", "127", "127.0.0.", ".127.0.0.1",
            "0127.0.0.1", "127.0.0.1 ", " 127.0.0.1", "127.0.0.1\u{0}", "localhost\u{0}", "[::1]\u{0}", "127.0.0.1:80:80",
            "lOcAlHoSt\u{0}:1", "[::1]:8080]", "127.0.0.2555", "1270.0.0.1",
        ] {
            #expect(!ServerOptions.isLoopback(host: host), "\(host)")
        }
    }
}
