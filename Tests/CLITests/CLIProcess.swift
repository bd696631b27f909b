import Foundation
import Synchronization

/// The built `mockruns` binary run as a subprocess, as a user or a CI script runs it.
final class CLIProcess: Sendable {
    /// `$MOCKRUNS_BIN`, else `mockruns` beside the test bundle (swift test builds both into one folder).
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["MOCKRUNS_BIN"] { return URL(fileURLWithPath: path) }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("mockruns")
    }()

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    let process = Process()
    private let stdout = Pipe()
    private let stderr = Pipe()
    private let outBuffer = Buffer()
    private let errBuffer = Buffer()

    final class Buffer: Sendable {
        let bytes = Mutex<[UInt8]>([])
    }

    init(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws {
        process.executableURL = Self.binary
        if let directory { process.currentDirectoryURL = directory }
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let out = outBuffer
        let err = errBuffer
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            out.bytes.withLock { $0 += data }
        }
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            err.bytes.withLock { $0 += data }
        }
        try process.run()
    }

    var output: String { String(decoding: outBuffer.bytes.withLock { $0 }, as: UTF8.self) }
    var errors: String { String(decoding: errBuffer.bytes.withLock { $0 }, as: UTF8.self) }

    /// Waits (bounded) for the first stdout line.
    func firstLine(timeout: Double = 20) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let line = output.split(separator: "\n", omittingEmptySubsequences: false).first, output.contains("\n") {
                return String(line)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CLIError("no stdout line; stderr: \(errors)")
    }

    /// Waits (bounded) for the process to end and returns its exit status.
    func wait(timeout: Double = 20) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            guard Date() < deadline else {
                process.terminate()
                throw CLIError("still running after \(timeout) s")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        // Let the pipe handlers drain.
        try await Task.sleep(for: .milliseconds(50))
        return process.terminationStatus
    }

    func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Runs to completion and returns (status, stdout, stderr).
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (Int32, String, String) {
        let p = try CLIProcess(arguments, environment: environment)
        let status = try await p.wait()
        return (status, p.output, p.errors)
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
