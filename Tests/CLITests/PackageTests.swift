import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import MockRunsTesting
import Testing

/// `scripts/package`: the release tarball, unpacked in an empty folder and run from there, as a project that is
/// not Swift would install it in CI.
@Suite struct PackageTests {
    /// The release binary ./scripts/test builds (a build cannot run inside `swift test`, so the script is handed it).
    static let releaseBinary = TestPaths.packageRoot.appendingPathComponent(".build/release/mockruns")

    static func sh(_ command: String, in directory: URL? = nil) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(URL(fileURLWithPath: "/bin/sh"), ["-c", command], directory: directory, timeout: 120)
    }

    @Test func theTarballRunsFromAnEmptyFolder() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.releaseBinary.path),
            "no release binary at \(Self.releaseBinary.path): ./scripts/test builds it first")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("mockruns-package-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        let built = try await Self.sh(
            "'\(TestPaths.packageRoot.path)/scripts/package' --binary '\(Self.releaseBinary.path)' --out '\(work.path)/dist'")
        #expect(built.status == 0, "\(built.stderr)")
        #expect(built.stderr.contains("libmicrohttpd12"), "names its runtime dependency: \(built.stderr)")
        let version = try await ChildProcess.run(Self.releaseBinary, ["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let name = "mockruns-\(version)-linux-\(try await Self.sh("uname -m").stdout.trimmingCharacters(in: .whitespacesAndNewlines))"
        #expect(built.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(work.path)/dist/\(name).tar.gz")

        let unpacked = work.appendingPathComponent("install")
        try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
        let untar = try await Self.sh("tar -xzf '../dist/\(name).tar.gz' && find . -type f | sort", in: unpacked)
        #expect(untar.status == 0, "\(untar.stderr)")
        let files = Set(untar.stdout.split(separator: "\n").map { String($0.dropFirst("./\(name)/".count)) })
        for expected in ["bin/mockruns", "README.md", "LICENSE", "docs/scenarios.md", "share/mockruns/Scenarios/wes-happy.json"] {
            #expect(files.contains(expected), "\(expected) missing from \(files.sorted())")
        }
        let root = unpacked.appendingPathComponent(name)
        let binary = root.appendingPathComponent("bin/mockruns")

        // The Swift runtime is inside: the binary needs no libswift*.so, only what libmicrohttpd12 and a base system bring.
        let libraries = try await Self.sh("ldd '\(binary.path)'").stdout
        #expect(!libraries.contains("libswift") && !libraries.contains("libFoundation"), "\(libraries)")
        #expect(libraries.contains("libmicrohttpd.so.12"), "\(libraries)")
        #expect(!libraries.contains("not found"), "\(libraries)")

        // The scenarios it lists are the packaged ones: one taken out of the package is gone from the list.
        try FileManager.default.removeItem(at: root.appendingPathComponent("share/mockruns/Scenarios/foundry-slow.json"))
        let listed = try await ChildProcess.run(binary, ["list"], environment: ["MOCKRUNS_SCENARIOS": nil], directory: work)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("wes-happy"))
        #expect(!listed.stdout.contains("foundry-slow"), "listed the source tree's scenarios, not the package's")

        // And it serves a bundled scenario by name, from a folder that is not the checkout.
        let server = try ChildProcess(binary, ["--scenario", "wes-happy", "--port", "0"], environment: ["MOCKRUNS_SCENARIOS": nil], directory: work)
        defer { server.signal(SIGTERM) }
        let ready = try await server.firstLine()
        let port = try #require(
            (try JSONSerialization.jsonObject(with: Data(ready.utf8)) as? [String: Any])?["port"] as? Int, "\(ready)")
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/__mockruns/scenario")!)
        #expect((response as! HTTPURLResponse).statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains(#""scenario":"wes-happy""#))
        server.signal(SIGTERM)
        #expect(try await server.wait() == 0)
    }

    @Test func unknownArgumentsAreRefused() async throws {
        let outcome = try await Self.sh("'\(TestPaths.packageRoot.path)/scripts/package' --bogus")
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("unknown argument '--bogus'") && outcome.stderr.contains("--binary PATH"), "\(outcome.stderr)")
    }
}
