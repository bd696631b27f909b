/// Why an outbound request got no usable answer. `message` is one line for people, naming the host and what
/// went wrong; `kind` is for code that reacts differently (a proxy answering 502 or 504).
public struct OutboundError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case invalidURL
        /// The host name did not resolve.
        case dns
        /// Nothing listens there (connection refused).
        case refused
        /// Any other failure to connect (unreachable network ...).
        case connect
        /// The TLS handshake or the certificate check failed; the message carries GnuTLS's reason.
        case tls
        /// Connecting, or waiting for the next bytes of the answer, took longer than allowed.
        case timeout
        /// The answer is not HTTP/1.x as RFC 9112 writes it.
        case malformedResponse
        /// The answer's headers or body are larger than the client's limits.
        case tooLarge
        /// The connection failed while sending or receiving.
        case io
    }

    public var kind: Kind
    public var message: String
    public var description: String { message }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// `text` quoted for a message: at most 200 characters, control characters escaped.
    static func printable(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars.prefix(200) {
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\"" || scalar == "\\" {
                out += scalar == "\"" ? "\\\"" : scalar == "\\" ? "\\\\" : "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + (text.unicodeScalars.count > 200 ? "...\"" : "\"")
    }
}
