#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Scenarios

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
        root.journal.withLock { $0.kept.contains { !$0.deviations.isEmpty } }
    }

    /// Writes the verification report to `path` (JUnit XML for `.xml`, else JSON) and returns it.
    @discardableResult
    public func writeReport(to path: String) throws -> Report {
        let report = verify()
        let text = path.lowercased().hasSuffix(".xml") ? report.junitXML : report.json.prettyPrinted() + "\n"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return report
    }
}
