import CGnuTLS
import CMicroHTTPD
#if canImport(Glibc)
    import Glibc
#endif

/// What an HTTPS server presents: a certificate (PEM; the server's first, any intermediates after it) and its
/// private key (PEM). Checked on creation the way libmicrohttpd will load it (GnuTLS), so a key that is not the
/// certificate's is a clear error before any socket is opened, not a daemon that fails to start.
public struct TLSIdentity: Sendable, Equatable {
    public let certificatePEM: String
    public let privateKeyPEM: String

    /// - Throws: `HostError` `.invalidTLS` when GnuTLS cannot use the pair (not PEM, the key not the
    ///   certificate's, an encrypted key).
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let result = certificatePEM.utf8CString.withUnsafeBufferPointer { cert in
            privateKeyPEM.utf8CString.withUnsafeBufferPointer { key in
                mr_tls_check_pair(cert.baseAddress, cert.count - 1, key.baseAddress, key.count - 1)
            }
        }
        guard result == 0 else {
            throw HostError(
                .invalidTLS,
                "cannot use the TLS certificate and key: \(Self.reason(result)); expected a PEM certificate and "
                    + "the unencrypted PEM private key it was issued for")
        }
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// A throwaway self-signed certificate and a new ECDSA P-256 key, for `localhost`, `127.0.0.1` and `::1`
    /// (subjectAltName DNS and IP entries, so clients that trust the certificate also pass their hostname
    /// check on any loopback name), valid from an hour ago for 30 days.
    ///
    /// The validity window is the one place the host reads the real clock (`time(2)`): clients judge a
    /// certificate by their own clock, so it is transport, not scenario content; the scenario clock (which
    /// answers' `Date` headers show) stays untouched.
    public static func selfSigned() throws -> TLSIdentity {
        let now = time(nil)
        var cert: UnsafeMutablePointer<UInt8>?
        var key: UnsafeMutablePointer<UInt8>?
        var certSize: UInt32 = 0
        var keySize: UInt32 = 0
        let result = mr_tls_self_signed(now - 3600, now + 30 * 24 * 3600, &cert, &certSize, &key, &keySize)
        defer {
            mr_tls_free(cert)
            mr_tls_free(key)
        }
        guard result == 0, let cert, let key else {
            throw HostError(.invalidTLS, "cannot make a self-signed TLS certificate: \(reason(result))")
        }
        return try TLSIdentity(
            certificatePEM: String(decoding: UnsafeBufferPointer(start: cert, count: Int(certSize)), as: UTF8.self),
            privateKeyPEM: String(decoding: UnsafeBufferPointer(start: key, count: Int(keySize)), as: UTF8.self))
    }

    /// GnuTLS's reason, without its closing period, lowercased at the start ("the certificate and the given key
    /// do not match").
    private static func reason(_ code: Int32) -> String {
        var text = String(cString: mr_tls_strerror(code))
        while text.hasSuffix(".") { text.removeLast() }
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    /// Whether this libmicrohttpd can serve HTTPS at all (Debian's is built with GnuTLS).
    public static var isSupported: Bool { mr_tls_supported() != 0 }
}
