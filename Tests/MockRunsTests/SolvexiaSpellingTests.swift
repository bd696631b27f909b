import Scenarios
import Testing

@testable import MockRuns

/// The spelling settings read in one walk: each field is what `settings[name]?.stringValue` gave the renderer.
@Suite struct SolvexiaSpellingTests {
    @Test func eachSettingLandsInItsOwnField() {
        let spelling = SolvexiaSpelling([
            "timestampFormat": "millis", "emptyDates": "empty", "durationField": "runDurationInSec",
            "cancelledStepStatus": "Cancelled", "runStatusShape": "array", "unauthenticatedStatus": "401",
            "tokenLifetimeSeconds": 600, "clients": .null, "processes": .array(["p-1"]),
        ])
        #expect(spelling.timestampFormat == "millis")
        #expect(spelling.emptyDates == "empty")
        #expect(spelling.durationField == "runDurationInSec")
        #expect(spelling.cancelledStepStatus == "Cancelled")
        #expect(spelling.runStatusShape == "array")
    }

    @Test func unsetOrNonStringSettingsAreDocumented() {
        let unset = SolvexiaSpelling([:])
        #expect(unset == SolvexiaSpelling(["timestampFormat": 7, "emptyDates": .null, "runStatusShape": .bool(true)]))
        #expect(unset.timestampFormat == "documented" && unset.emptyDates == "documented")
        #expect(unset.durationField == "documented" && unset.cancelledStepStatus == "documented")
        #expect(unset.runStatusShape == nil)
    }

    /// A name of the same length as a setting's is not that setting, nor is one differing only in case.
    @Test func onlyTheExactNameCounts() {
        let spelling = SolvexiaSpelling([
            "timestampFormaT": "millis", "emptyDatez": "empty", "DurationField": "runDurationInSec",
            "cancelledStepStatu": "Cancelled", "runStatusShapes": "array",
        ])
        #expect(spelling == SolvexiaSpelling([:]))
    }

    @Test func theRendererReadsTheSpellingOfItsSettings() {
        let render = SolvexiaRender(settings: ["durationField": "runDurationInSec"], now: Timestamp(milliseconds: 0))
        #expect(render.durationKey(.runstatus) == "runDurationInSec")
        #expect(SolvexiaRender(settings: [:], now: Timestamp(milliseconds: 0)).durationKey(.runstatus) == "runDurationInSeconds")
    }
}
