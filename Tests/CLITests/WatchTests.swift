import Foundation
import MockRunsTesting
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// `mockruns --scenario FILE --watch`, as a developer editing a scenario meets it: the real binary, its stderr, and
/// what a Foundry client is served before and after each save.
@Suite struct WatchTests {
    /// Three scenarios told apart by the state a Foundry run shows at its first status read.
    /// (A terminal state must be the timeline's last phase.)
    static func scenario(_ name: String, firstState: String, errMessage: String? = nil) -> String {
        let fields = errMessage.map { #", "fields": {"errMessage": "\#($0)"}"# } ?? ""
        let rest = firstState == "RUNNING" ? #", "polls": 5}, {"state": "FINISHED"}"# : "}"
        return #"{"name": "\#(name)", "apis": {"foundry": {"defaultRun": {"timeline": [{"state": "\#(firstState)"\#(fields)\#(rest)]}}}}"#
    }
    static let alpha = scenario("alpha", firstState: "RUNNING")
    static let beta = scenario("beta", firstState: "ERROR", errMessage: "beta says no")
    static let gamma = scenario("gamma", firstState: "FINISHED")
    /// A Foundry state that does not exist, at a path the message must name.
    static let broken = #"{"name": "broken", "apis": {"foundry": {"defaultRun": {"timeline": [{"state": "DONE"}]}}}}"#
    static let brokenPath = "apis.foundry.defaultRun.timeline[0].state"

    /// A started `mockruns --watch` on a scenario file in a fresh folder.
    struct Watched {
        let folder: URL
        let file: URL
        let process: ChildProcess
        let url: String

        init(_ text: String, extra: [String] = []) async throws {
            let folder = try Self.freshFolder()
            let file = folder.appendingPathComponent("scenario.json")
            try Data(text.utf8).write(to: file)
            try await self.init(folder: folder, file: file, extra: extra)
        }

        /// `--watch` on `file`, which the test has laid out in `folder` (a link, say).
        init(folder: URL, file: URL, extra: [String] = []) async throws {
            self.folder = folder
            self.file = file
            process = try CLI.start(["--scenario", file.path, "--watch", "--port", "0", "--log-level", "warning"] + extra)
            url = try JSONDecoder().decode(CLITests.Ready.self, from: Data(try await process.firstLine().utf8)).url
        }

        static func freshFolder() throws -> URL {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return folder
        }

        /// Rewrites the file in place: the same inode, truncated then written, as `echo > file` or an editor
        /// without backups does.
        func writeInPlace(_ text: String) throws {
            let handle = try FileHandle(forWritingTo: file)
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }

        /// Saves as most editors do: a temporary file in the same folder, renamed over the original.
        func writeThenRename(_ text: String) throws {
            let temporary = folder.appendingPathComponent(".scenario.json.swp")
            try Data(text.utf8).write(to: temporary)
            guard rename(temporary.path, file.path) == 0 else { throw ChildProcessError("rename: \(errno)") }
        }

        /// Saves as vim does by default: the original renamed to a backup, a new file written in its place, the
        /// backup removed. Three events name the file; debounced, they are one reload.
        func writeLikeVim(_ text: String) throws {
            let backup = folder.appendingPathComponent("scenario.json~")
            guard rename(file.path, backup.path) == 0 else { throw ChildProcessError("rename: \(errno)") }
            try Data(text.utf8).write(to: file)
            try FileManager.default.removeItem(at: backup)
        }

        /// The stderr lines containing `text`.
        func lines(_ text: String) -> [Substring] {
            process.errors.split(separator: "\n").filter { $0.contains(text) }
        }

        /// Waits (bounded) until `count` stderr lines contain `text`, then as long again as a save's debounce
        /// several times over, so a second line for the same save would have been written. Returns the count.
        func settle(_ text: String, count: Int) async throws -> Int {
            let deadline = Date().addingTimeInterval(10)
            while lines(text).count < count, Date() < deadline, process.isRunning {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(700))
            return lines(text).count
        }

        /// The name `GET /__mockruns/scenario` reports.
        func scenarioName() async throws -> String? {
            let (data, _) = try await URLSession.shared.data(from: URL(string: url + "/__mockruns/scenario")!)
            return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["scenario"] as? String
        }

        static func foundryParameters(_ source: String) -> String { "apiKey=k&sourceID=\(source)&status2Match=error&stepName=transform" }

        /// Starts a Foundry run afresh; the answer shows the first state of the scenario's timeline.
        func foundryStart(source: String = "SCR_017041-1") async throws -> String {
            var post = URLRequest(url: URL(string: url + "/dashboard/run")!)
            post.httpMethod = "POST"
            post.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            post.httpBody = Data(Self.foundryParameters(source).utf8)
            let (data, created) = try await URLSession.shared.data(for: post)
            #expect((created as? HTTPURLResponse)?.statusCode == 200)
            return String(decoding: data, as: UTF8.self)
        }

        /// Starts a Foundry run afresh and reads its status once: the first state of the scenario's timeline
        /// (clients polling at once use their own `source`, so no read counts against another's run).
        func foundryStatus(source: String = "SCR_017041-1") async throws -> (status: Int, body: String) {
            _ = try await foundryStart(source: source)
            let (data, response) = try await URLSession.shared.data(from: URL(string: url + "/dashboard/run_status?" + Self.foundryParameters(source))!)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }

        /// SIGTERM; it must exit 0, promptly, with the watch thread running.
        func stop() async throws {
            process.signal(SIGTERM)
            #expect(try await process.wait(timeout: 10) == 0, "\(process.errors)")
            try? FileManager.default.removeItem(at: folder)
        }
    }

    @Test func eachSaveReloadsOnceAnInvalidSaveKeepsTheOldScenarioAndAFixReloads() async throws {
        let watched = try await Watched(Self.alpha)
        let reloaded = "mockruns: reloaded scenario "
        #expect(try await watched.foundryStatus().body.contains(#""status":"RUNNING""#))

        // In place.
        try watched.writeInPlace(Self.beta)
        #expect(try await watched.settle(reloaded, count: 1) == 1, "\(watched.process.errors)")
        #expect(watched.lines(reloaded) == ["mockruns: reloaded scenario beta from \(watched.file.path)"])
        let beta = try await watched.foundryStatus()
        #expect(beta.status == 200)
        #expect(beta.body.contains(#""status":"ERROR""#) && beta.body.contains("beta says no"), "\(beta.body)")
        #expect(try await watched.scenarioName() == "beta")

        // A temporary file renamed over it, while clients start runs: every answer is the old scenario's or the new
        // one's. (Only the start answer is read: a reload between a client's start and its status read resets the
        // runs, and its read then rightly finds no run.)
        try await withThrowingTaskGroup(of: String.self) { group in
            for client in 0..<16 {
                if client == 8 { try watched.writeThenRename(Self.gamma) }
                group.addTask { try await watched.foundryStart(source: "SCR_\(client)") }
            }
            for try await body in group {
                #expect(body.contains(#""status":"ERROR""#) || body.contains(#""status":"FINISHED""#), "\(body)")
            }
        }
        #expect(try await watched.settle(reloaded, count: 2) == 2, "\(watched.process.errors)")
        #expect(watched.lines(reloaded).last == "mockruns: reloaded scenario gamma from \(watched.file.path)")
        #expect(try await watched.foundryStatus().body.contains(#""status":"FINISHED""#))

        // Invalid: one line naming the file and the JSON path; gamma keeps serving.
        try watched.writeInPlace(Self.broken)
        let invalid = "mockruns: watch: \(watched.file.path) is invalid, still serving the previous scenario: "
        #expect(try await watched.settle(invalid, count: 1) == 1, "\(watched.process.errors)")
        let line = watched.lines(invalid).first ?? ""
        #expect(line.contains("\(watched.file.path): \(Self.brokenPath): \"DONE\" is not a foundry state"), "\(line)")
        #expect(watched.lines(reloaded).count == 2)
        #expect(try await watched.scenarioName() == "gamma")
        #expect(try await watched.foundryStatus().body.contains(#""status":"FINISHED""#))

        // Fixed: reloads again.
        try watched.writeLikeVim(Self.alpha)
        #expect(try await watched.settle(reloaded, count: 3) == 3, "\(watched.process.errors)")
        #expect(watched.lines(reloaded).last == "mockruns: reloaded scenario alpha from \(watched.file.path)")
        #expect(try await watched.foundryStatus().body.contains(#""status":"RUNNING""#))
        #expect(watched.lines(invalid).count == 1)
        // Never read between the rename and the new file.
        #expect(watched.lines("cannot read").isEmpty, "\(watched.process.errors)")
        try await watched.stop()
    }

    @Test func aReloadResetsRunsAndJournalLikeTheAdminPut() async throws {
        let watched = try await Watched(Self.alpha)
        _ = try await watched.foundryStatus()
        let (before, _) = try await URLSession.shared.data(from: URL(string: watched.url + "/__mockruns/runs?api=foundry")!)
        #expect(String(decoding: before, as: UTF8.self).contains("SCR_017041-1"))

        // The same scenario saved again, one space more (the very same bytes would be no change).
        try watched.writeInPlace(Self.alpha + " ")
        #expect(try await watched.settle("mockruns: reloaded scenario alpha", count: 1) == 1, "\(watched.process.errors)")
        let (runs, _) = try await URLSession.shared.data(from: URL(string: watched.url + "/__mockruns/runs?api=foundry")!)
        #expect(!String(decoding: runs, as: UTF8.self).contains("SCR_017041-1"))
        let (journal, _) = try await URLSession.shared.data(from: URL(string: watched.url + "/__mockruns/journal")!)
        let requests = (try JSONSerialization.jsonObject(with: journal) as? [String: Any])?["requests"] as? [Any]
        // Only the admin reads since the reload: no Foundry request is remembered.
        #expect(requests != nil)
        #expect(!String(decoding: journal, as: UTF8.self).contains("dashboard"), "\(String(decoding: journal, as: UTF8.self))")
        try await watched.stop()
    }

    @Test func aDeletedOrNonRegularFileKeepsTheOldScenarioAndWarningsArePrinted() async throws {
        let watched = try await Watched(Self.alpha)
        let unreadable = "mockruns: watch: cannot read \(watched.file.path) ("
        try FileManager.default.removeItem(at: watched.file)
        #expect(try await watched.settle(unreadable, count: 1) == 1, "\(watched.process.errors)")
        #expect(watched.lines(unreadable).first?.contains("No such file or directory") == true, "\(watched.process.errors)")
        #expect(try await watched.foundryStatus().body.contains(#""status":"RUNNING""#))

        // A FIFO in its place must not block the watch (opening or reading it would wait for a writer for ever).
        #expect(mkfifo(watched.file.path, 0o600) == 0)
        #expect(try await watched.settle(unreadable, count: 2) == 2, "\(watched.process.errors)")
        #expect(watched.lines(unreadable).last?.contains("(not a regular file), still serving the previous scenario") == true)
        try FileManager.default.removeItem(at: watched.file)
        #expect(try await watched.settle(unreadable, count: 3) == 3)

        // A valid file again, with a warning: printed as at startup, then the one reload line.
        let warned = #"{"name": "warned", "apis": {"wes": {"runs": [{"id": "r1"}], "faults": [{"run": "r-typo", "nth": 1, "drop": "empty"}]}}}"#
        try watched.writeThenRename(warned)
        #expect(try await watched.settle("mockruns: reloaded scenario warned from", count: 1) == 1, "\(watched.process.errors)")
        #expect(watched.lines(#"warning: scenario warned: apis.wes.faults[0].run: no run has the id "r-typo""#).count == 1, "\(watched.process.errors)")
        #expect(try await watched.scenarioName() == "warned")
        try await watched.stop()
    }

    /// One save whose write and close are far apart (a slow writer, a loaded machine): one reload, when the close
    /// (IN_CLOSE_WRITE) says the save is done, and none for the write before it.
    @Test func aSaveClosedLongAfterItsWriteReloadsOnce() async throws {
        let watched = try await Watched(Self.alpha)
        // The descriptor itself, not a FileHandle: the close(2) that makes IN_CLOSE_WRITE happens here, and no
        // other reference to the open file can put it off (O_CLOEXEC: no process another test starts meanwhile
        // inherits it, which would put the event off until that process ends).
        let fd = open(watched.file.path, O_WRONLY | O_CLOEXEC)
        #expect(fd >= 0)
        #expect(ftruncate(fd, 0) == 0)
        let bytes = Array(Self.beta.utf8)
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
        try await Task.sleep(for: .milliseconds(600))  // past the quiet time
        #expect(close(fd) == 0)  // IN_CLOSE_WRITE
        #expect(try await watched.settle("mockruns: reloaded scenario beta", count: 1) == 1, "\(watched.process.errors)")
        #expect(try await watched.scenarioName() == "beta")
        try await watched.stop()
    }

    /// A save that leaves the bytes as they were is no change: the runs and the journal stay.
    @Test func savingTheSameBytesReloadsNothing() async throws {
        let watched = try await Watched(Self.alpha)
        _ = try await watched.foundryStatus()
        try watched.writeInPlace(Self.alpha)
        try watched.writeThenRename(Self.alpha)
        #expect(try await watched.settle("reloaded", count: 0) == 0, "\(watched.process.errors)")
        let (runs, _) = try await URLSession.shared.data(from: URL(string: watched.url + "/__mockruns/runs?api=foundry")!)
        #expect(String(decoding: runs, as: UTF8.self).contains("SCR_017041-1"), "the run was reset")
        try await watched.stop()
    }

    /// A scenario that is a symbolic link to a file elsewhere (a dotfile, a build tool's runfiles): an edit of
    /// the file it points at reloads, as an edit of the link's own file does. Only the link's folder was watched.
    @Test func anEditOfALinksTargetReloads() async throws {
        let folder = try Watched.freshFolder()
        let elsewhere = folder.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let target = elsewhere.appendingPathComponent("real.json")
        try Data(Self.alpha.utf8).write(to: target)
        let link = folder.appendingPathComponent("scenario.json")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "elsewhere/real.json")
        let watched = try await Watched(folder: folder, file: link)
        #expect(try await watched.scenarioName() == "alpha")
        let handle = try FileHandle(forWritingTo: target)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(Self.beta.utf8))
        try handle.close()
        #expect(try await watched.settle("reloaded scenario beta", count: 1) == 1, "\(watched.process.errors)")
        #expect(try await watched.scenarioName() == "beta")
        // Another file in the target's folder changes nothing (the bytes read are the same).
        try Data(Self.gamma.utf8).write(to: elsewhere.appendingPathComponent("other.json"))
        #expect(try await watched.settle("reloaded", count: 1) == 1, "\(watched.process.errors)")
        try await watched.stop()
    }

    /// A Kubernetes ConfigMap volume: `scenario.json -> ..data/scenario.json`, `..data -> ..v1`; an update writes
    /// `..v2`, relinks `..data` by renaming a new link over it and removes `..v1`. No event names scenario.json.
    /// Each swap reloads, the second one too (the watch follows the link to its new target).
    @Test func aConfigMapStyleSwapReloadsEachTime() async throws {
        let folder = try Watched.freshFolder()
        func version(_ name: String, _ text: String) throws {
            let dir = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: dir.appendingPathComponent("scenario.json"))
        }
        func swap(to name: String, removing old: String) throws {
            let temporary = folder.appendingPathComponent("..data_tmp")
            try FileManager.default.createSymbolicLink(atPath: temporary.path, withDestinationPath: name)
            guard rename(temporary.path, folder.appendingPathComponent("..data").path) == 0 else {
                throw ChildProcessError("rename: \(errno)")
            }
            try FileManager.default.removeItem(at: folder.appendingPathComponent(old))
        }
        try version("..v1", Self.alpha)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("..data").path, withDestinationPath: "..v1")
        let link = folder.appendingPathComponent("scenario.json")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "..data/scenario.json")
        let watched = try await Watched(folder: folder, file: link)
        #expect(try await watched.scenarioName() == "alpha")

        try version("..v2", Self.beta)
        try swap(to: "..v2", removing: "..v1")
        #expect(try await watched.settle("reloaded scenario beta", count: 1) == 1, "\(watched.process.errors)")
        #expect(try await watched.scenarioName() == "beta")
        try version("..v3", Self.gamma)
        try swap(to: "..v3", removing: "..v2")
        #expect(try await watched.settle("reloaded scenario gamma", count: 1) == 1, "\(watched.process.errors)")
        #expect(try await watched.scenarioName() == "gamma")
        #expect(watched.lines("no longer watching").isEmpty, "\(watched.process.errors)")
        try await watched.stop()
    }

    @Test func otherFilesInTheFolderAreIgnored() async throws {
        let watched = try await Watched(Self.alpha)
        try Data(Self.beta.utf8).write(to: watched.folder.appendingPathComponent("other.json"))
        try Data(Self.beta.utf8).write(to: watched.folder.appendingPathComponent("scenario.json~"))
        // Long enough for a reload to have happened, were either write taken for the scenario's.
        #expect(try await watched.settle("reloaded", count: 0) == 0, "\(watched.process.errors)")
        #expect(try await watched.scenarioName() == "alpha")
        try await watched.stop()
    }

    @Test(arguments: [
        (["--watch", "--port", "0"], "--watch needs --scenario naming a scenario file"),
        (["--watch", "--scenario", "wes-happy", "--port", "0"], "\"wes-happy\" is a bundled scenario"),
        (["--scenario", "default.json", "--watch"], "\"default.json\" is a bundled scenario"),
    ])
    func watchWithoutAScenarioFileIsAUsageError(arguments: [String], says: String) async throws {
        let (status, out, err) = try await CLI.run(arguments)
        #expect(status == 64)
        #expect(out.isEmpty)
        #expect(err.contains(says), "stderr: \(err)")
        #expect(err.contains("--watch needs --scenario naming a scenario file"), "stderr: \(err)")
        #expect(err.split(separator: "\n").count == 1, "stderr: \(err)")
    }
}
