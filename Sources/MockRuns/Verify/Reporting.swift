#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
import Scenarios

extension MockRunsApp {
    /// Judges the client from the journal as it stands.
    public func verify(_ expectations: Verification.Expectations = Verification.Expectations()) -> Report {
        let entries = journal.withLock { Array($0.kept) }
        return Verification(expectations).judge(entries)
    }

    /// Whether any request so far showed a contract deviation (strict mode exits non-zero then).
    public var sawDeviation: Bool {
        journal.withLock { $0.kept.contains { !$0.deviations.isEmpty } }
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
