import MockRunsHTTP
import Testing

/// The one percent-encoder the contract probes and the recording proxy write request lines with.
@Suite struct PercentEncodingTests {
    @Test func unreservedBytesStayEverythingElseIsEncoded() {
        #expect(PercentEncoding.encode("Az09-._~") == "Az09-._~")
        #expect(PercentEncoding.encode("a b/c?d=e&f") == "a%20b%2Fc%3Fd%3De%26f")
        #expect(PercentEncoding.encode("line\r\nX-Forged: 1\u{0}") == "line%0D%0AX-Forged%3A%201%00")
        #expect(PercentEncoding.encode("é✓") == "%C3%A9%E2%9C%93")
    }

    @Test func keptBytesStay() {
        #expect(PercentEncoding.encode("/runs/a b/status", keeping: "/") == "/runs/a%20b/status")
        #expect(PercentEncoding.encode("/x\n", keeping: "/") == "/x%0A")
    }
}
