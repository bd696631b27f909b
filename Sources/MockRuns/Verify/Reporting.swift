#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Scenarios

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension MockRunsApp {
    /// Judges the client from the root session's journal as it stands (the `--report` file, `mockruns verify`).
    public func verify(_ expectations: Verification.Expectations = Verification.Expectations()) -> Report {
        verify(expectations, in: root)
    }

    /// Judges the client from `session`'s journal.
    func verify(_ expectations: Verification.Expectations, in session: Session) -> Report {
        let entries = session.journal.withLock { Array($0.kept) }
        return Verification(expectations).judge(entries)
    }

    /// Whether any request to the root session showed a contract deviation (strict mode exits non-zero then).
    public var sawDeviation: Bool {
        root.journal.withLock { $0.contains { !$0.deviations.isEmpty } }
    }

    /// Writes the verification report to `path` (JUnit XML for `.xml`, else JSON) and returns it.
    @discardableResult
    public func writeReport(to path: String) throws -> Report {
        let report = verify()
        let text = path.lowercased().hasSuffix(".xml") ? report.junitXML : report.json.prettyPrinted() + "\n"
        try ReportFile.write(text, to: path)
        return report
    }
}

/// Writes a file a command was asked for (`--report`, `--out`) into the file a link points at, a regular file
/// whole or not at all. A plain atomic write renamed a temporary file over the path: it replaced a symbolic link
/// with a regular file (leaving its target as it was) and, run as root, a device such as /dev/full with a file.
public enum ReportFile {
    public static func write(_ text: String, to path: String) throws {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        var info = stat()
        if stat(target.path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            // A device or a pipe: written to as it is, never replaced.
            try Data(text.utf8).write(to: target)
        } else {
            try Data(text.utf8).write(to: target, options: .atomic)
        }
    }
}
