import ArgumentParser
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import MicroHTTPDHost

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTPS identity `--tls-cert`/`--tls-key` or `--tls-self-signed` give the server.
struct ServedTLS {
    let identity: TLSIdentity
    /// The certificate clients should trust, as the ready line reports it (`tlsCert`).
    let certificatePath: String
    /// The fresh folder holding a self-signed certificate and its key, removed at exit; nil for the user's files.
    let temporaryFolder: String?

    func removeFiles() {
        if let temporaryFolder { try? FileManager.default.removeItem(atPath: temporaryFolder) }
    }

    /// Writes a self-signed identity into a fresh folder (mkdtemp: mode 0700) under the temporary directory:
    /// `cert.pem` (0644) and `key.pem` (0600).
    static func writing(selfSigned identity: TLSIdentity) throws -> ServedTLS {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array((base + "/mockruns-tls-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CommandFailure(
                message: "cannot create a folder for the self-signed certificate in \(base): \(String(cString: strerror(errno)).lowercased())")
        }
        let folder = String(cString: made)
        let served = ServedTLS(identity: identity, certificatePath: folder + "/cert.pem", temporaryFolder: folder)
        let files = FileManager.default
        guard
            files.createFile(atPath: folder + "/key.pem", contents: Data(identity.privateKeyPEM.utf8), attributes: [.posixPermissions: 0o600]),
            files.createFile(atPath: served.certificatePath, contents: Data(identity.certificatePEM.utf8), attributes: [.posixPermissions: 0o644])
        else {
            served.removeFiles()
            throw CommandFailure(message: "cannot write the self-signed certificate and key into \(folder)")
        }
        return served
    }
}

extension ServeSettings {
    /// The TLS options go together one way or the other: both files, or the self-signed flag alone.
    func validateTLSOptions() throws {
        if tlsSelfSigned, tlsCert != nil || tlsKey != nil {
            throw ValidationError("--tls-self-signed makes its own certificate: use it alone, or --tls-cert with --tls-key")
        }
        if tlsCert != nil, tlsKey == nil { throw ValidationError("--tls-cert needs --tls-key (the certificate's private key)") }
        if tlsKey != nil, tlsCert == nil { throw ValidationError("--tls-key needs --tls-cert (the certificate it belongs to)") }
    }

    /// The identity the TLS options ask for; nil serves plain HTTP. A file that cannot be read and a certificate
    /// and key GnuTLS refuses are usage errors (exit 64), like a bad option.
    func loadTLS() throws -> ServedTLS? {
        if let tlsCert, let tlsKey {
            let identity: TLSIdentity
            do {
                identity = try TLSIdentity(
                    certificatePEM: try Self.readPEM(tlsCert, option: "--tls-cert"),
                    privateKeyPEM: try Self.readPEM(tlsKey, option: "--tls-key"))
            } catch let error as HostError {
                throw CommandFailure(message: "--tls-cert \(tlsCert) and --tls-key \(tlsKey): \(error.message)", exitCode: 64)
            }
            return ServedTLS(identity: identity, certificatePath: URL(fileURLWithPath: tlsCert).path, temporaryFolder: nil)
        }
        guard tlsSelfSigned else { return nil }
        let served: ServedTLS
        do {
            served = try ServedTLS.writing(selfSigned: try TLSIdentity.selfSigned())
        } catch let error as HostError {
            throw CommandFailure(message: error.message)
        }
        Console.log(
            "serving HTTPS with a self-signed certificate for localhost, 127.0.0.1 and ::1: \(served.certificatePath) "
                + "(trust it in the client; its key.pem beside it; both removed at exit)")
        return served
    }

    private static func readPEM(_ path: String, option: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = access(path, R_OK) == 0 ? "not a readable file" : String(cString: strerror(errno)).lowercased()
            throw CommandFailure(message: "cannot read \(option) \(path): \(reason)", exitCode: 64)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
