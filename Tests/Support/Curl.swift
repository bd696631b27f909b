import Foundation

/// The curl program, for HTTPS checks URLSession on Linux cannot make (trusting one certificate file).
/// scripts/lib/deps.sh (`need_curl`) installs it where it is missing.
public enum Curl {
    /// The first `curl` on PATH, or nil.
    public static let path: String? = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return folders.map { "\($0)/curl" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    public static var isAvailable: Bool { path != nil }

    /// What one `curl` run got: its exit status (0, or e.g. 60 when the certificate is not trusted), the HTTP
    /// status (0 without an answer), the body and curl's error line.
    public struct Result: Sendable {
        public var exit: Int32
        public var status: Int
        public var body: String
        public var errors: String
    }

    /// GETs `url`, trusting only `caCert` when given (else the system's certificates), no proxy.
    public static func get(_ url: String, caCert: String?, timeout: Double = 20) async throws -> Result {
        guard let path else { throw ChildProcessError("curl is not installed: run `source scripts/lib/deps.sh; need_curl`") }
        var arguments = ["-sS", "--noproxy", "*", "--max-time", String(Int(timeout)), "-w", "\n%{http_code}"]
        if let caCert { arguments += ["--cacert", caCert] }
        let (exit, stdout, stderr) = try await ChildProcess.run(
            URL(fileURLWithPath: path), arguments + [url], timeout: timeout + 10)
        var lines = stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = lines.popLast().flatMap { Int($0) } ?? 0
        return Result(exit: exit, status: status, body: lines.joined(separator: "\n"), errors: stderr)
    }
}
