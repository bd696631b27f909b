import Foundation
import MockRunsTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The helper every CLI test starts processes with. Tests run in parallel in one process, so a child must get
/// nothing of its parent but stdin, stdout and stderr: a descriptor another test holds open would otherwise live
/// on in the child (WatchTests once waited in vain for an IN_CLOSE_WRITE that a mockruns started meanwhile put
/// off, holding the test's file open).
@Suite struct ChildProcessTests {
    @Test func aChildInheritsOnlyStdinStdoutAndStderr() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("inherit-\(UUID())")
        defer { try? FileManager.default.removeItem(at: file) }
        let fd = open(file.path, O_WRONLY | O_CREAT, 0o600)  // no O_CLOEXEC, as a careless test would open it
        #expect(fd > 2)
        defer { close(fd) }
        let script = "for n in 0 1 2 \(fd); do test -e /proc/$$/fd/$n && echo \"open $n\" || echo \"closed $n\"; done"
        let outcome = try await ChildProcess.run(URL(fileURLWithPath: "/bin/sh"), ["-c", script])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == "open 0\nopen 1\nopen 2\nclosed \(fd)\n")
    }

    /// The synchronous wait (for static checks): the exit status, or nil and the child killed once time is up.
    @Test func aBlockingWaitGivesTheStatusOrKillsTheChildInTime() throws {
        let quick = try ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "exit 3"])
        #expect(quick.waitBlocking(timeout: 10) == 3)
        let slow = try ChildProcess(URL(fileURLWithPath: "/bin/sleep"), ["30"])
        let started = Date()
        #expect(slow.waitBlocking(timeout: 0.2) == nil)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(!slow.isRunning)
    }
}
