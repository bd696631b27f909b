import Foundation
import MockRunsTesting

/// The built `mockruns` binary, run as a subprocess.
enum CLI {
    /// `$MOCKRUNS_BIN`, else `mockruns` beside the test bundle (swift test builds both into one folder).
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["MOCKRUNS_BIN"] { return URL(fileURLWithPath: path) }
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("mockruns")
    }()

    /// Starts it and leaves it running (read its ready line, signal it, wait for it).
    static func start(_ arguments: [String], directory: URL? = nil) throws -> ChildProcess {
        try ChildProcess(binary, arguments, directory: directory)
    }

    /// Runs it to completion.
    static func run(_ arguments: [String]) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(binary, arguments)
    }
}
