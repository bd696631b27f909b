#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import MockRunsSync
import Scenarios
#if canImport(Glibc)
    import Glibc
#endif

/// Finds scenario files: a path as given, or a bundled scenario by name (`foundry-error` or
/// `foundry-error.json`) from the bundled `Scenarios/` folder, wherever the binary is run from.
public struct ScenarioCatalog: Sendable {
    public let loader: ScenarioLoader
    /// The bundled folder, when one was found; looked for on first use (serving the embedded default never
    /// needs it, and start-up should not pay for resolving paths it will not use).
    public var bundledDirectory: String? { located.withLock { $0.value } }
    private let located: Locked<Located>

    /// The folder once found, or how to find it.
    private struct Located: Sendable {
        var find: (@Sendable () -> String?)?
        var found: String?

        var value: String? {
            mutating get {
                if let find {
                    found = find()
                    self.find = nil
                }
                return found
            }
        }
    }

    /// - Parameter bundledDirectory: the folder of bundled scenarios; nil looks for it (`locateBundledDirectory`).
    public init(loader: ScenarioLoader, bundledDirectory: String? = nil) {
        self.loader = loader
        located = Locked(bundledDirectory.map { Located(find: nil, found: $0) } ?? Located(find: { ScenarioCatalog.locateBundledDirectory() }))
    }

    /// `$MOCKRUNS_SCENARIOS`, then `Scenarios/` beside the executable or in `../share/mockruns/`, then the
    /// source tree this binary was built from.
    public static func locateBundledDirectory() -> String? {
        var candidates: [String] = []
        // getenv, not ProcessInfo: that copies the whole environment into a dictionary (a tenth of start-up).
        if let env = getenv("MOCKRUNS_SCENARIOS").map({ String(cString: $0) }), !env.isEmpty { candidates.append(env) }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let binDir = executable.deletingLastPathComponent()
        candidates.append(binDir.appendingPathComponent("Scenarios").path)
        candidates.append(binDir.appendingPathComponent("../share/mockruns/Scenarios").standardized.path)
        // Sources/MockRuns/Core/ScenarioCatalog.swift -> the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent("Scenarios").path)
        return candidates.first { Self.kind(of: $0) == .directory }
    }

    /// Bundled scenario names, sorted.
    public func bundledNames() -> [String] {
        guard let dir = bundledDirectory,
            let files = try? FileManager.default.contentsOfDirectory(atPath: dir)
        else { return [] }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The file `nameOrPath` means: an existing path (`./dir/name` also finds `./dir/name.json`), else a bundled
    /// scenario.
    public func resolve(_ nameOrPath: String) throws(CatalogError) -> String {
        switch Self.kind(of: nameOrPath) {
        case .directory: throw CatalogError("\(nameOrPath) is a directory, not a scenario file")
        case .file: return nameOrPath
        case .none: break
        }
        if !nameOrPath.hasSuffix(".json"), nameOrPath.contains("/"), Self.kind(of: nameOrPath + ".json") == .file {
            return nameOrPath + ".json"
        }
        let stem = nameOrPath.hasSuffix(".json") ? String(nameOrPath.dropLast(5)) : nameOrPath
        if !stem.contains("/"), let dir = bundledDirectory {
            let candidate = Self.path(dir, stem + ".json")
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        if let target = Self.danglingTarget(of: nameOrPath) {
            throw CatalogError("\(nameOrPath) is a symbolic link to \(target), which does not exist")
        }
        let names = bundledNames()
        let list = names.isEmpty ? "(no bundled scenarios found)" : names.joined(separator: ", ")
        throw CatalogError("no scenario \"\(nameOrPath)\": not a file, nor a bundled scenario; bundled: \(list)")
    }

    /// Reads and validates a scenario; errors name the file and the JSON path.
    public func load(_ nameOrPath: String) throws(CatalogError) -> Scenario {
        try read(try resolve(nameOrPath), as: nameOrPath)
    }

    /// A bundled scenario by name only (`wes-slow` or `wes-slow.json`): never a path on this machine.
    public func loadBundled(_ name: String) throws(CatalogError) -> Scenario {
        let stem = name.hasSuffix(".json") ? String(name.dropLast(5)) : name
        guard let dir = bundledDirectory, bundledNames().contains(stem) else {
            throw CatalogError("no bundled scenario \"\(name)\"; bundled: \(bundledNames().joined(separator: ", "))")
        }
        return try read(Self.path(dir, stem + ".json"), as: name)
    }

    private func read(_ path: String, as nameOrPath: String) throws(CatalogError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CatalogError("\(path): cannot read the file (check that it exists and is readable)")
        }
        do {
            return try loader.load(Array(data), file: nameOrPath)
        } catch {
            throw CatalogError(error.description, issues: error.issues)
        }
    }

    private enum Kind { case file, directory }

    /// What is at `path` (nil: nothing, or nothing readable), as `stat(2)` says. (FileManager's attributes
    /// would also look up the owner's user and group names, reading /etc/passwd and /etc/group at start-up.)
    private static func kind(of path: String) -> Kind? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT == S_IFDIR ? .directory : .file
    }

    /// Where the symbolic link at `path` points, when that is nowhere (`stat` failed where `lstat` did not).
    private static func danglingTarget(of path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return "?" }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `name` inside the folder `folder`.
    static func path(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// The embedded default scenario, served by `mockruns` with no arguments.
    public func defaultScenario() -> Scenario {
        do {
            return try loader.load(Array(DefaultScenario.json.utf8), file: "default.json")
        } catch {
            preconditionFailure("the embedded default scenario is invalid: \(error)")
        }
    }
}

/// A scenario that could not be found or read; `description` is the message for the user.
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public var issues: [ScenarioIssue]

    public init(_ description: String, issues: [ScenarioIssue] = []) {
        self.description = description
        self.issues = issues
    }
}
