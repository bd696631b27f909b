import Testing

@testable import MockRuns

/// Which `Host` values name this machine: admin requests must (DNS rebinding), and `--host` values that are
/// loopback keep the server private.
@Suite struct LoopbackTests {
    @Test func loopbackNames() {
        for host in [
            "127.0.0.1", "127.0.0.1:8080", "127.255.0.9:1", "localhost", "LOCALHOST:99", "app.localhost",
            "a.b.Localhost:3000", "[::1]", "[::1]:8080", "::1",
        ] {
            #expect(ServerOptions.isLoopback(host: host), "\(host)")
        }
    }

    @Test func everythingElse() {
        for host in [
            "", "0.0.0.0", "10.0.0.1", "128.0.0.1", "127.0.0.256", "127.0.0", "127.0.0.1.5", "127..0.1", "127.0.0.1000",
            "localhost.evil.test", "evillocalhost", "[::2]", "[::1", "::", "[fe80::1]:80", "127.0.0.-1", "127.0.0.+1",
            "example.test", "[::1]evil",
        ] {
            #expect(!ServerOptions.isLoopback(host: host), "\(host)")
        }
    }
}
