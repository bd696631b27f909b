import Foundation
import MockRunsTesting
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The transport options as a user meets them: --host (localhost on both families, IPv6 addresses),
/// --tls-cert/--tls-key and --tls-self-signed (verified by Python `requests` and curl), --threads.
@Suite struct TransportCLITests {
    struct Ready: Decodable {
        var url: String
        var urls: [String]
        var port: Int
        var tlsCert: String?
    }

    /// A started mockruns and its ready line.
    static func serve(_ arguments: [String]) async throws -> (ChildProcess, Ready) {
        let process = try CLI.start(["--port", "0", "--log-level", "warning"] + arguments)
        let line = try await process.firstLine()
        return (process, try JSONDecoder().decode(Ready.self, from: Data(line.utf8)))
    }

    static func stop(_ process: ChildProcess) async throws -> Int32 {
        process.signal(SIGTERM)
        return try await process.wait(timeout: 10)
    }

    /// The health check over a raw socket to `address`.
    static func health(_ address: String, port: Int) async throws -> String {
        try await onOwnThread {
            try TestServer.rawExchange(
                port: port, address: address, "GET /__mockruns/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                timeout: 10
            ).text
        }
    }

    static func isOK(_ answer: String) -> Bool {
        answer.hasPrefix("HTTP/1.1 200") && answer.hasSuffix(#"{"status":"ok"}"#)
    }

    // MARK: - --host

    @Test func theDefaultHostAnswersOnIPv4AndIPv6() async throws {
        let (process, ready) = try await Self.serve([])
        #expect(ready.url == "http://127.0.0.1:\(ready.port)")
        #expect(ready.urls == [ready.url, "http://[::1]:\(ready.port)"])
        let (_, response) = try await URLSession.shared.data(from: URL(string: ready.url + "/__mockruns/health")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(Self.isOK(try await Self.health("::1", port: ready.port)))
        #expect(try await Self.stop(process) == 0)
        #expect(!process.errors.contains("warning"), "\(process.errors)")
    }

    @Test func theIPv6LoopbackIsLoopback() async throws {
        let (process, ready) = try await Self.serve(["--host", "::1"])
        #expect(ready.url == "http://[::1]:\(ready.port)")
        #expect(Self.isOK(try await Self.health("::1", port: ready.port)))
        #expect(try await Self.stop(process) == 0)
        #expect(!process.errors.contains("warning"), "\(process.errors)")
    }

    @Test func theIPv6AnyAddressServesBothFamiliesAndWarns() async throws {
        let (process, ready) = try await Self.serve(["--host", "::"])
        #expect(ready.urls == ["http://[::]:\(ready.port)"])
        #expect(Self.isOK(try await Self.health("127.0.0.1", port: ready.port)))
        #expect(Self.isOK(try await Self.health("::1", port: ready.port)))
        #expect(try await Self.stop(process) == 0)
        #expect(process.errors.contains("warning: listening on ::, not a loopback address"), "\(process.errors)")
    }

    @Test func aPortTakenOnTheIPv6SideIsAOneLineListeningError() async throws {
        // The first server holds only [::1]:P, so while the suite runs in parallel another test's server may be
        // handed 127.0.0.1:P by the kernel; then the error (rightly) names that side. Such a try is made again.
        for attempt in 1...3 {
            let (first, ready) = try await Self.serve(["--host", "::1"])
            defer { first.signal(SIGTERM) }
            let (status, out, err) = try await CLI.run(["--port", String(ready.port)])
            if attempt < 3, err == "mockruns: error: cannot listen on 127.0.0.1:\(ready.port): address already in use\n" {
                continue
            }
            #expect(status == 3)
            #expect(out.isEmpty)
            #expect(err == "mockruns: error: cannot listen on [::1]:\(ready.port): address already in use\n", "\(err)")
            return
        }
    }

    /// A network namespace whose loopback has no ::1 (root and unshare(1) needed): IPv4 only, said in one line.
    @Test(.enabled(if: TransportCLITests.canMakeANetworkNamespace, "needs root, unshare, ip and sysctl"))
    func withoutIPv6LoopbackItServesIPv4AndSaysSo() async throws {
        let script = "ip link set lo up && sysctl -qw net.ipv6.conf.lo.disable_ipv6=1 && exec \"$0\" --port 0 --log-level warning"
        let process = try ChildProcess(URL(fileURLWithPath: "/usr/bin/unshare"), ["-n", "sh", "-c", script, CLI.binary.path])
        let ready = try JSONDecoder().decode(Ready.self, from: Data(try await process.firstLine().utf8))
        #expect(ready.urls == ["http://127.0.0.1:\(ready.port)"])
        #expect(try await Self.stop(process) == 0)
        let lines = process.errors.split(separator: "\n")
        #expect(lines == ["mockruns: no IPv6 loopback on this machine (::1: cannot assign requested address): serving 127.0.0.1 only"])
    }

    static let canMakeANetworkNamespace: Bool = {
        guard getuid() == 0, ["/usr/bin/unshare", "/usr/sbin/ip", "/usr/sbin/sysctl"].allSatisfy({ FileManager.default.isExecutableFile(atPath: $0) })
        else { return false }
        // Through ChildProcess, so the child gets only stdin, stdout and stderr of this process's descriptors.
        let child = try? ChildProcess(URL(fileURLWithPath: "/usr/bin/unshare"), ["-n", "true"])
        return child?.waitBlocking(timeout: 10) == 0
    }()

    // MARK: - HTTPS

    @Test func aSelfSignedServerIsTrustedByPythonRequestsThroughItsCertificateOnly() async throws {
        let (process, ready) = try await Self.serve(["--tls-self-signed"])
        let cert = try #require(ready.tlsCert)
        #expect(ready.url == "https://127.0.0.1:\(ready.port)")
        #expect(ready.urls == [ready.url, "https://[::1]:\(ready.port)"])
        let folder = URL(fileURLWithPath: cert).deletingLastPathComponent().path
        let keyMode = try FileManager.default.attributesOfItem(atPath: folder + "/key.pem")[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        let (status, output, _) = try await ClientVerdictTests.python(
            [ClientVerdictTests.path("Tests/clients/https_check.py"), String(ready.port), cert, HTTPSFiles.wesRun])
        #expect(status == 0, "\(output)")
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.hasPrefix("health https://") && $0.hasSuffix(#" 200 {"status":"ok"}"#) }.count == 3, "\(output)")
        #expect(lines.contains { $0.hasPrefix("wes-status 200 \(HTTPSFiles.wesRun) ") }, "\(output)")
        #expect(lines.contains("wes-log-url https://127.0.0.1:\(ready.port)/ga4gh/wes/v1/runs/\(HTTPSFiles.wesRun)/logs/stdout"), "\(output)")
        #expect(lines.contains("untrusted SSLError"), "\(output)")
        #expect(lines.contains { $0.hasPrefix("plain-http ConnectionError") }, "\(output)")
        #expect(lines.contains("after 200"), "\(output)")
        if Curl.isAvailable {
            let got = try await Curl.get(ready.url + "/__mockruns/health", caCert: cert)
            #expect(got.status == 200 && got.body == #"{"status":"ok"}"#, "\(got.errors)")
        }
        #expect(try await Self.stop(process) == 0)
        #expect(process.errors.contains("self-signed certificate for localhost, 127.0.0.1 and ::1: \(cert)"))
        #expect(!FileManager.default.fileExists(atPath: folder), "the throwaway certificate and key outlived the server")
    }

    @Test(.enabled(if: Curl.isAvailable, "needs curl (scripts/lib/deps.sh need_curl)"))
    func aCertificateAndKeyFromFilesServeHTTPS() async throws {
        let files = try await HTTPSFiles()
        defer { files.remove() }
        let (process, ready) = try await Self.serve(["--tls-cert", files.cert, "--tls-key", files.key])
        #expect(ready.url == "https://127.0.0.1:\(ready.port)")
        #expect(ready.tlsCert == files.cert)
        let got = try await Curl.get(ready.url + "/__mockruns/health", caCert: files.cert)
        #expect(got.exit == 0, "\(got.errors)")
        #expect(got.status == 200 && got.body == #"{"status":"ok"}"#)
        #expect(try await Self.stop(process) == 0)
        #expect(FileManager.default.fileExists(atPath: files.key), "the user's own files stay")
    }

    @Test func aKeyOfAnotherCertificateIsAOneLineUsageError() async throws {
        let one = try await HTTPSFiles()
        let other = try await HTTPSFiles()
        defer {
            one.remove()
            other.remove()
        }
        let (status, out, err) = try await CLI.run(["--port", "0", "--tls-cert", one.cert, "--tls-key", other.key])
        #expect(status == 64)
        #expect(out.isEmpty)
        #expect(err.contains("the certificate and the given key do not match"), "\(err)")
        #expect(err.split(separator: "\n").count == 1, "\(err)")
    }

    @Test(arguments: [
        (["--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"], "cannot read --tls-cert /nonexistent/cert.pem: no such file or directory"),
        (["--tls-cert", "/etc", "--tls-key", "/etc"], "cannot read --tls-cert /etc: not a readable file"),
        (["--tls-cert", "/etc/hostname", "--tls-key", "/etc/hostname"], "cannot use the TLS certificate and key: "),
        (["--tls-cert", "/etc/hostname"], "--tls-cert needs --tls-key"),
        (["--tls-key", "/etc/hostname"], "--tls-key needs --tls-cert"),
        (["--tls-self-signed", "--tls-cert", "/etc/hostname", "--tls-key", "/etc/hostname"], "--tls-self-signed makes its own certificate"),
        (["--threads", "0"], "--threads must be from 1 to 64, got 0"),
        (["--threads", "65"], "--threads must be from 1 to 64, got 65"),
        (["--max-header-bytes", "1024"], "--max-header-bytes must be from 4096 to 1048576, got 1024"),
        (["--max-header-bytes", "2000000"], "--max-header-bytes must be from 4096 to 1048576, got 2000000"),
        (["--host", "::g"], "invalid host \"::g\""),
        // A name this server cannot listen on is a usage error too (it exited 3, "a listening problem").
        (["--host", "nosuchhost.invalid"], "invalid host \"nosuchhost.invalid\""),
    ])
    func badTransportOptionsAreOneLineErrors(arguments: [String], says: String) async throws {
        let (status, out, err) = try await CLI.run(["--port", "0"] + arguments)
        #expect(status == 64, "stderr: \(err)")
        #expect(out.isEmpty)
        #expect(err.contains(says), "stderr: \(err)")
        #expect(err.split(separator: "\n").count == 1, "stderr: \(err)")
        #expect(!err.contains("Fatal error") && !err.contains("Stack dump"))
    }

    // MARK: - --max-header-bytes

    /// A WES status poll with one `X-Padding` header of `padding` bytes, over a raw socket: its status line.
    static func pollWithHeader(port: Int, padding: Int) async throws -> String {
        let request = "GET /ga4gh/wes/v1/runs/\(HTTPSFiles.wesRun)/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "X-SBG-Auth-Token: t\r\nX-Padding: \(String(repeating: "p", count: padding))\r\nConnection: close\r\n\r\n"
        let text = try await onOwnThread { try TestServer.rawExchange(port: port, request, timeout: 10).text }
        return text.components(separatedBy: "\r\n")[0]  // ("\r\n" is one Character: no prefix up to "\r")
    }

    /// 16 KiB of headers by default: 12 KiB reach the API, 20 KiB get libmicrohttpd's 431; `--max-header-bytes
    /// 32768` lets 20 KiB through, and `--max-header-bytes 8192` refuses 12 KiB.
    @Test func theHeaderLimitIsSixteenKiBUnlessSet() async throws {
        let (plain, plainReady) = try await Self.serve([])
        #expect(try await Self.pollWithHeader(port: plainReady.port, padding: 12 * 1024) == "HTTP/1.1 200 OK")
        #expect(try await Self.pollWithHeader(port: plainReady.port, padding: 20 * 1024).hasPrefix("HTTP/1.1 431"))
        #expect(try await Self.stop(plain) == 0)
        let (raised, raisedReady) = try await Self.serve(["--max-header-bytes", "32768"])
        #expect(try await Self.pollWithHeader(port: raisedReady.port, padding: 20 * 1024) == "HTTP/1.1 200 OK")
        #expect(try await Self.pollWithHeader(port: raisedReady.port, padding: 40 * 1024).hasPrefix("HTTP/1.1 431"))
        #expect(try await Self.stop(raised) == 0)
        let (lowered, loweredReady) = try await Self.serve(["--max-header-bytes", "8192"])
        #expect(try await Self.pollWithHeader(port: loweredReady.port, padding: 6 * 1024) == "HTTP/1.1 200 OK")
        #expect(try await Self.pollWithHeader(port: loweredReady.port, padding: 12 * 1024).hasPrefix("HTTP/1.1 431"))
        #expect(try await Self.stop(lowered) == 0)
    }

    // MARK: - --threads

    @Test func aPoolOfFourThreadsAnswersConcurrentClients() async throws {
        let (process, ready) = try await Self.serve(["--threads", "4"])
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<50 {
                group.addTask {
                    let url = URL(string: ready.url + "/ga4gh/wes/v1/runs/\(HTTPSFiles.wesRun)/status?i=\(i)")!
                    var request = URLRequest(url: url)
                    request.setValue("t", forHTTPHeaderField: "X-SBG-Auth-Token")
                    let (_, response) = try await URLSession.shared.data(for: request)
                    return (response as? HTTPURLResponse)?.statusCode ?? 0
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.count == 50 && statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        // The journal saw every one of them, once each.
        let (data, _) = try await URLSession.shared.data(from: URL(string: ready.url + "/__mockruns/journal?api=wes")!)
        let entries = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["requests"] as? [[String: Any]]
        #expect(entries?.count == 50)
        #expect(try await Self.stop(process) == 0)
    }
}

/// A PEM certificate and key in files, for --tls-cert/--tls-key: made by `openssl req -x509` where openssl is
/// installed, else taken from a `--tls-self-signed` server while it runs.
struct HTTPSFiles {
    /// The default scenario's WES run.
    static let wesRun = "40a9c1a6-9263-4982-a574-e494f7c4b621"

    let folder: String
    var cert: String { folder + "/cert.pem" }
    var key: String { folder + "/key.pem" }

    init() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-files-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }
        if let openssl {
            let (status, _, err) = try await ChildProcess.run(
                URL(fileURLWithPath: openssl),
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
                    "-keyout", key, "-out", cert,
                ])
            try #require(status == 0, "openssl: \(err)")
        } else {
            let (process, ready) = try await TransportCLITests.serve(["--tls-self-signed"])
            let made = URL(fileURLWithPath: try #require(ready.tlsCert)).deletingLastPathComponent().path
            try FileManager.default.copyItem(atPath: made + "/cert.pem", toPath: cert)
            try FileManager.default.copyItem(atPath: made + "/key.pem", toPath: key)
            _ = try await TransportCLITests.stop(process)
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}

extension TransportCLITests {
    // MARK: - mockruns verify over every transport

    @Test func verifyTalksToAnHTTPSServerItTrustsAndToIPv6() async throws {
        let (process, ready) = try await Self.serve(["--tls-self-signed"])
        defer { process.signal(SIGTERM) }
        let cert = try #require(ready.tlsCert)
        let trusted = try await CLI.run(["verify", "--url", ready.url, "--cacert", cert])
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect(trusted.stdout.contains("verification passed:"), "\(trusted.stdout)")
        let onIPv6 = try await CLI.run(["verify", "--url", "https://[::1]:\(ready.port)", "--cacert", cert])
        #expect(onIPv6.status == 0, "\(onIPv6.stderr)")
        // Not trusting the certificate: exit 3 with GnuTLS's reason.
        let untrusted = try await CLI.run(["verify", "--url", ready.url])
        #expect(untrusted.status == 3)
        #expect(untrusted.stderr.contains("failed: The certificate is NOT trusted"), "\(untrusted.stderr)")
    }
}
