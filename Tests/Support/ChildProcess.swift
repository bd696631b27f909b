import Foundation
import Synchronization

/// A program run as a subprocess, as a user or a CI script runs it. Its stdout and stderr go to temporary files
/// rather than pipes: nothing has to drain them while it runs, and once it has exited they hold every byte.
public final class ChildProcess: Sendable {
    public typealias Outcome = (status: Int32, stdout: String, stderr: String)

    public let process = Process()
    private let folder: URL
    private let stdoutFile: URL
    private let stderrFile: URL

    /// Starts `executable` at once, stdin empty. `environment` is laid over this process's own (nil removes a
    /// variable). With `mergeStderr`, stderr goes to stdout, interleaved as written.
    public init(
        _ executable: URL, _ arguments: [String], environment: [String: String?] = [:], directory: URL? = nil,
        mergeStderr: Bool = false
    ) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-child-\(UUID().uuidString)")
        stdoutFile = folder.appendingPathComponent("stdout")
        stderrFile = folder.appendingPathComponent("stderr")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        let out = try FileHandle(forWritingTo: stdoutFile)
        defer { try? out.close() }
        let err = mergeStderr ? out : try FileHandle(forWritingTo: stderrFile)
        defer { if !mergeStderr { try? err.close() } }

        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        for (name, value) in environment { env[name] = value }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        // Foundation's Process.run() on Linux is not safe to call from several threads at once (seen here: a bad
        // pointer in its memmove while Swift Testing started two subprocesses together), so launches take turns.
        try Self.launching.withLock { _ in try process.run() }
    }

    private static let launching = Mutex(())

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Runs to completion (bounded by `timeout` seconds).
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String?] = [:], directory: URL? = nil,
        mergeStderr: Bool = false, timeout: Double = 20
    ) async throws -> Outcome {
        let child = try ChildProcess(
            executable, arguments, environment: environment, directory: directory, mergeStderr: mergeStderr)
        let status = try await child.wait(timeout: timeout)
        return (status, child.output, child.errors)
    }

    /// Stdout so far.
    public var output: String { Self.read(stdoutFile) }
    /// Stderr so far.
    public var errors: String { Self.read(stderrFile) }

    /// Waits (bounded) for the first stdout line, without its newline.
    public func firstLine(timeout: Double = 20) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let running = process.isRunning
            let text = output
            if let end = text.firstIndex(of: "\n") { return String(text[..<end]) }
            guard running, Date() < deadline else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ChildProcessError("no stdout line; stderr: \(errors)")
    }

    /// Waits (bounded) for the process to end and returns its exit status; past `timeout` it is terminated.
    public func wait(timeout: Double = 20) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            guard Date() < deadline else {
                process.terminate()
                throw ChildProcessError("\(process.executableURL?.lastPathComponent ?? "child") still running after \(timeout) s")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    public func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    private static func read(_ file: URL) -> String {
        String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self)
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Where the test-only files live in the source tree.
public enum TestPaths {
    /// The package root (Tests/Support/ChildProcess.swift -> ../..).
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `name` in the venv the real API clients are installed in (scripts/lib/deps.sh `need_python_clients`).
    public static func clientsVenv(_ name: String) -> String {
        packageRoot.appendingPathComponent(".build/clients-venv/bin/\(name)").path
    }
}
