#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Dispatch
import MockRuns
import MockRunsSync
import Scenarios

#if canImport(Glibc)
    import Glibc
#endif

/// `mockruns --scenario FILE --watch`: reloads FILE when it changes on disk, as `PUT /__mockruns/scenario` would
/// load it (runs, clock and journal start afresh), so a developer editing a scenario never restarts the server.
///
/// It watches the file's folder with inotify, not the file: editors save by writing a temporary file and renaming
/// it over the original (vim may first rename the original away), which replaces the inode a watch on the file
/// would hold; a watch on the folder sees every save as events naming the file. One save is several events, so a
/// reload waits until the folder has been quiet for `quietSeconds` after the last of them.
///
/// A dedicated thread waits in poll(2) on the inotify descriptor and on a pipe `stop()` closes: it never spins,
/// and stops at once. Reloading reads no clock or randomness the engine could see (the debounce deadline is
/// transport, like a socket timeout); the new scenario goes in through `MockRunsApp.install`, the locked path the
/// admin API uses, so it is safe beside requests on libmicrohttpd's threads. An invalid, unreadable or deleted
/// file is one log line, and the previous scenario keeps serving until a later save is valid.
///
/// A FILE that is a symbolic link is followed: the folder of the file it ends at is watched too (an edit there is
/// an edit of the scenario), and every change in either folder is read, whatever it names, for a link can be
/// repointed by relinking a sibling (a Kubernetes ConfigMap swaps its `..data` link). After each change the link
/// is resolved again, and the watch moves with its target. Only new bytes reload.
final class ScenarioWatch: Sendable {
    /// Quiet time after the last event naming the file before it is read: long enough to join a save's writes
    /// and renames into one reload, short enough to feel immediate.
    static let quietSeconds = 0.2

    /// The largest file a reload reads. A watched path can be replaced by anything while the server runs, and a
    /// sparse file of many gigabytes must not take the server's memory; real scenarios are kilobytes.
    static let maximumBytes = 64 << 20

    /// The file read on each change (the `--scenario` value, resolved as at startup).
    let path: String
    /// The `--scenario` value as given: messages and the scenario's default name use it, as at startup.
    private let name: String
    private let app: MockRunsApp
    private let timeScale: Double?
    private let inotify: Int32
    /// The watch on the file's own folder (its end ends the watch), and whether the file is a symbolic link.
    private let folderWatch: Int32
    private let linked: Bool
    private static let events = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF
    /// The pipe whose write end `stop()` closes, waking the thread from poll(2).
    private let wakeRead: Int32, wakeWrite: Int32
    /// A reload happens when a read finds something else than the read before it (other bytes, or another reason
    /// it could not read): one save's events can arrive spread out (a slow writer or a loaded machine: written,
    /// then closed long after the quiet time), and each would otherwise reload, resetting runs and journal, or log
    /// the same line twice. Saving the same bytes again reloads nothing; `POST /__mockruns/reset` starts over.
    /// What a read of the file found.
    private enum Found: Equatable, Sendable {
        case bytes([UInt8])
        case unreadable(String)
    }

    /// What the last read found (bytes valid or not, or why it could not read them).
    private let lastRead: Locked<Found?>
    /// Transport time for the debounce (never seen by the engine).
    private let clock = MonotonicTime()
    /// Set by `stop()`; once true no reload is installed, so none can reset the journal the final report reads.
    private let stopped = Locked(false)
    private let exited = DispatchSemaphore(value: 0)

    /// Why `--watch` cannot be used with this `--scenario` value, or nil. It reloads a file the user edits, so it
    /// needs `--scenario` naming a file: the embedded default is no file, and a bundled scenario (found by name in
    /// the installation) is not the user's to edit. A value naming nothing is left to the scenario check (exit 2).
    static func usageProblem(scenario: String?) -> String? {
        let allowed = "--watch needs --scenario naming a scenario file (such as ./my-scenario.json)"
        guard let scenario else { return allowed + "; without --scenario the embedded default is served, which is no file" }
        guard let path = try? catalog.resolve(scenario), path != scenario, path != scenario + ".json" else { return nil }
        return allowed + "; \(Credentials.printable(scenario)) is a bundled scenario: copy \(path) and watch the copy"
    }

    /// What startup and every reload do to a freshly loaded scenario: `--time-scale` overrides the file's, and
    /// its warnings are logged (a typo in a fault's run id should be seen whenever the file is read).
    static func adopting(_ scenario: Scenario, timeScale: Double?) -> Scenario {
        var scenario = scenario
        if let timeScale { scenario.clock.timeScale = timeScale }
        for warning in scenario.warnings { Console.log("warning: scenario \(scenario.name): \(warning)") }
        return scenario
    }

    /// Starts watching the file `name` names (a file, see `usageProblem`) and reloading it into `app`.
    init(file name: String, app: MockRunsApp, timeScale: Double?) throws(CommandFailure) {
        do {
            path = try catalog.resolve(name)
        } catch {
            throw CommandFailure(message: error.description, exitCode: 2)
        }
        self.name = name
        self.app = app
        self.timeScale = timeScale
        // What startup served, read again (the loader keeps no bytes) before the watch exists: a save after this
        // read is an event and differs; one before the watch is missed, with or without this read.
        lastRead = Locked((try? Self.readRegularFile(path)).map(Found.bytes))
        let folder = Self.folder(of: path)
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw Self.failure("cannot watch \(path) for changes: inotify: \(String(cString: strerror(errno)))") }
        let watch = inotify_add_watch(fd, folder.isEmpty ? "." : folder, UInt32(Self.events | IN_ONLYDIR))
        guard watch >= 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Self.failure("cannot watch the folder of \(path) for changes: \(reason)")
        }
        folderWatch = watch
        var info = stat()
        linked = lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            close(fd)
            throw Self.failure("cannot watch \(path) for changes: pipe: \(String(cString: strerror(errno)))")
        }
        inotify = fd
        (wakeRead, wakeWrite) = (pipeEnds[0], pipeEnds[1])
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // Started after StopSignals.block, so the thread inherits the blocked SIGINT/SIGTERM like every other.
        // A thread of its own, not a dispatch queue: it blocks in poll(2) for the life of the watch, which a task
        // of libdispatch's small shared pool of worker threads (on Linux) should not do.
        let started = Self.startThread { [self] in watchUntilStopped() }
        guard started == 0 else {
            close(fd)
            for end in pipeEnds { close(end) }
            throw Self.failure("cannot watch \(path) for changes: pthread_create: \(String(cString: strerror(started)))")
        }
    }

    /// Runs `body` on a new detached thread; pthread_create's result (0 when it started).
    private static func startThread(_ body: @escaping @Sendable () -> Void) -> Int32 {
        final class Body: Sendable {
            let run: @Sendable () -> Void
            init(_ run: @escaping @Sendable () -> Void) { self.run = run }
        }
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<Body>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, context)
        if result == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<Body>.fromOpaque(context).release()
        }
        return result
    }

    /// The folder part of `path` ("" for a bare name, "/" for a file at the root).
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func failure(_ message: String) -> CommandFailure {
        CommandFailure(message: Console.escaped(message), exitCode: 2)
    }

    /// Ends the watch: after it returns no reload is installed. Waits (a second at most) for the thread to close
    /// its descriptors; a reload reading a file on a stalled disk is left to end with the process.
    func stop() {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        // Closing the write end wakes poll (POLLHUP) without the SIGPIPE a write could raise once the thread is gone.
        close(wakeWrite)
        _ = exited.wait(timeout: .now() + 1)
    }

    // MARK: the watch thread

    /// What a batch of inotify events means for the watched file.
    private enum Change {
        case none, touched, folderGone
    }

    /// The watch on the folder of the file a symbolic link ends at.
    private struct TargetWatch: Equatable {
        var descriptor: Int32
        var folder: String
    }

    /// Resolves the link again and watches the folder its target is in, moving `current` there; nil when the
    /// file is no link, the link dangles, or its target is in the folder watched already.
    private func retarget(_ current: TargetWatch?) -> TargetWatch? {
        guard linked else { return nil }
        func resolved(_ path: String) -> String? {
            guard let real = realpath(path, nil) else { return nil }
            defer { free(real) }
            return String(cString: real)
        }
        let wanted = resolved(path).map(Self.folder(of:))
        if let current, wanted == current.folder { return current }
        if let current { inotify_rm_watch(inotify, current.descriptor) }
        let own = Self.folder(of: path)
        guard let wanted, wanted != resolved(own.isEmpty ? "." : own) else { return nil }
        let descriptor = inotify_add_watch(inotify, wanted, UInt32(Self.events | IN_ONLYDIR))
        // The same descriptor as the folder's: one folder under two names (removing it would end the watch).
        guard descriptor >= 0, descriptor != folderWatch else { return nil }
        return TargetWatch(descriptor: descriptor, folder: wanted)
    }

    private func watchUntilStopped() {
        defer {
            close(inotify)
            close(wakeRead)
            exited.signal()
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var quietUntil: Double?
        var target = retarget(nil)
        while true {
            // Without a pending change, poll waits for ever; with one, until the quiet time is up.
            let timeout = quietUntil.map { Int32(min(max(($0 - clock.seconds()) * 1000, 0), 1000).rounded(.up)) } ?? -1
            var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, timeout) < 0, errno != EINTR {
                Console.log("watch: waiting for changes to \(Console.escaped(path)) failed (\(String(cString: strerror(errno)))); no longer watching")
                return
            }
            if fds[1].revents != 0 { return }
            if fds[0].revents != 0 {
                switch drainEvents(into: &buffer, target: target?.descriptor) {
                case .touched: quietUntil = clock.seconds() + Self.quietSeconds
                case .folderGone:
                    Console.log("watch: the folder of \(Console.escaped(path)) was removed or moved; no longer watching, still serving the current scenario")
                    return
                case .none: break
                }
            }
            if let deadline = quietUntil, clock.seconds() >= deadline {
                quietUntil = nil
                reload()
                target = retarget(target)
            }
        }
    }

    /// Reads every queued event (the descriptor is non-blocking) and says whether one named the file, or the
    /// watch itself ended. A full queue (IN_Q_OVERFLOW) lost events, which may have named the file: read it.
    /// For a link, every event of either folder counts, and the end of the target's folder is a change (the
    /// link may point elsewhere now), not the end of the watch.
    private func drainEvents(into buffer: inout [UInt8], target: Int32?) -> Change {
        let base = Array(String(path.split(separator: "/").last ?? "").utf8)
        let header = MemoryLayout<inotify_event>.size
        var change = Change.none
        while true {
            let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return change }
            var offset = 0
            while offset + header <= count {
                let watch = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Int32.self) }
                let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
                let length = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
                let nameStart = offset + header
                let nameEnd = min(count, nameStart + length)
                offset = nameStart + length
                // The name is NUL-padded to an alignment boundary.
                let named = buffer[nameStart..<nameEnd].prefix { $0 != 0 }
                if watch != folderWatch, watch == target || mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    change = .touched
                    continue
                }
                // An event of a target folder left behind (its removal, after the link moved on).
                guard watch == folderWatch else { continue }
                if mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT) != 0 { return .folderGone }
                if linked || named.elementsEqual(base) { change = .touched }
            }
        }
    }

    /// Loads the file with the loader and messages of startup; installs it when valid, else says why and keeps
    /// the previous scenario.
    private func reload() {
        let shown = Console.escaped(path)
        let found: Found
        do {
            found = .bytes(try Self.readRegularFile(path))
        } catch {
            found = .unreadable(error.reason)
        }
        let unchanged = lastRead.withLock { last in
            defer { last = found }
            return last == found
        }
        guard !unchanged else { return }
        guard case .bytes(let bytes) = found else {
            if case .unreadable(let reason) = found {
                Console.log("watch: cannot read \(shown) (\(reason)), still serving the previous scenario")
            }
            return
        }
        let loaded: Scenario
        do {
            loaded = try catalog.loader.load(bytes, file: name)
        } catch {
            let issues = error.description.replacing("\n", with: "; ")
            Console.log("watch: \(shown) is invalid, still serving the previous scenario: \(issues)")
            return
        }
        stopped.withLock { stopped in
            guard !stopped else { return }
            let adopted = Self.adopting(loaded, timeScale: timeScale)
            app.install(adopted)
            Console.log("reloaded scenario \(Console.escaped(adopted.name)) from \(shown)")
        }
    }

    struct ReadFailure: Error {
        var reason: String
    }

    /// The bytes of the regular file at `path`. Anything else is refused before a byte is read: the path may have
    /// been replaced by a FIFO (whose read would block the watch for ever) or a device (whose read never ends).
    /// Opened non-blocking so that even a FIFO's open returns at once.
    static func readRegularFile(_ path: String) throws(ReadFailure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw ReadFailure(reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ReadFailure(reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw ReadFailure(reason: "not a regular file") }
        let tooLarge = ReadFailure(reason: "larger than \(maximumBytes >> 20) MiB")
        guard info.st_size <= maximumBytes else { throw tooLarge }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw ReadFailure(reason: String(cString: strerror(errno))) }
            guard count > 0 else { return bytes }
            bytes += chunk[..<count]
            // It may grow while being read.
            guard bytes.count <= maximumBytes else { throw tooLarge }
        }
    }
}
