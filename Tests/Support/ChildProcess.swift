import Foundation
import MockRunsSync

#if canImport(Glibc)
    import Glibc
#endif

/// A program run as a subprocess, as a user or a CI script runs it. Its stdout and stderr go to temporary files
/// rather than pipes: nothing has to drain them while it runs, and once it has exited they hold every byte.
///
/// Started with posix_spawn, not Foundation's Process: on Linux with Swift 6.3, Process.run() reads past a
/// buffer while listing /proc/self/fd and crashed the test process now and then (swift-corelibs-foundation
/// PR #5472); a test process with many servers open has many descriptors there.
public final class ChildProcess: Sendable {
    public typealias Outcome = (status: Int32, stdout: String, stderr: String)

    public let pid: pid_t
    private let name: String
    private let folder: URL
    private let stdoutFile: URL
    private let stderrFile: URL
    /// The exit status once reaped (waitpid may be called only once per child).
    private let exitStatus = Locked<Int32?>(nil)

    /// Starts `executable` at once, stdin empty. `environment` is laid over this process's own (nil removes a
    /// variable). With `mergeStderr`, stderr goes to stdout, interleaved as written.
    public init(
        _ executable: URL, _ arguments: [String], environment: [String: String?] = [:], directory: URL? = nil,
        mergeStderr: Bool = false
    ) throws {
        name = executable.lastPathComponent
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-child-\(UUID().uuidString)")
        stdoutFile = folder.appendingPathComponent("stdout")
        stderrFile = folder.appendingPathComponent("stderr")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let create = O_WRONLY | O_CREAT | O_TRUNC
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutFile.path, create, 0o644)
        if mergeStderr {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderrFile.path, create, 0o644)
        }
        // Only 0, 1 and 2 go to the child. Descriptors this process opened without O_CLOEXEC (a test's own
        // open(2) or socket(2)) would otherwise live on in every child started meanwhile by a test beside it: a
        // file written but held open there never gets its IN_CLOSE_WRITE, a listening socket stays bound.
        guard let addCloseFrom = Self.addCloseFrom else { throw ChildProcessError("glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)") }
        let closing = addCloseFrom(&actions, 3)
        guard closing == 0 else { throw ChildProcessError("posix_spawn_file_actions_addclosefrom_np: \(String(cString: strerror(closing)))") }
        // glibc's posix_spawn_file_actions_addchdir_np is not visible to Swift: GNU env changes directory instead.
        let command = directory.map { ["/usr/bin/env", "-C", $0.path, executable.path] } ?? [executable.path]

        let argv = (command + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, command[0], &actions, nil, argv, envp)
        guard result == 0 else {
            throw ChildProcessError("cannot start \(executable.path): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34 and later), which Swift's Glibc module does not
    /// show (it is declared under _GNU_SOURCE): looked up once by name.
    private static let addCloseFrom = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }

    deinit {
        if exitStatus.withLock({ $0 }) == nil {
            killAndReap()
        }
        try? FileManager.default.removeItem(at: folder)
    }

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

    /// Whether the child is still running (reaps it when it has ended).
    public var isRunning: Bool { reap(blocking: false) == nil }

    /// Waits (bounded) for the first stdout line, without its newline.
    public func firstLine(timeout: Double = 20) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let running = isRunning
            let text = output
            if let end = text.firstIndex(of: "\n") { return String(text[..<end]) }
            guard running, Date() < deadline else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ChildProcessError("no stdout line; stderr: \(errors)")
    }

    /// Waits (bounded) for the process to end and returns its exit status (128 + N when killed by signal N);
    /// past `timeout` it is killed.
    public func wait(timeout: Double = 20) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let status = reap(blocking: false) { return status }
            guard Date() < deadline else {
                killAndReap()
                throw ChildProcessError("\(name) still running after \(timeout) s")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// `wait(timeout:)` for synchronous code (a static check deciding whether a test is enabled): blocks the
    /// calling thread, polling, for at most `timeout` seconds; past it the child is killed and nil returned.
    public func waitBlocking(timeout: Double = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = reap(blocking: false) { return status }
            usleep(5_000)
        }
        killAndReap()
        return nil
    }

    public func signal(_ number: Int32) {
        if exitStatus.withLock({ $0 }) == nil { kill(pid, number) }
    }

    /// Ends the child for good (SIGKILL) and reaps it.
    private func killAndReap() {
        kill(pid, SIGKILL)
        _ = reap(blocking: true)
    }

    /// The exit status if the child has ended, reaping it once.
    private func reap(blocking: Bool) -> Int32? {
        exitStatus.withLock { known in
            if let known { return known }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, blocking ? 0 : WNOHANG)
            guard result == pid else { return nil }
            let signalled = raw & 0x7f
            known = signalled == 0 ? (raw >> 8) & 0xff : 128 + signalled
            return known
        }
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
