import MockRunsHTTP
import Scenarios

/// Renders Solvexia bodies from a run view and the scenario's settings: the Process Run, the ProcessRunStatus
/// and StepRunStatus objects with the documented spelling quirks, and the steps with their statuses.
struct SolvexiaRender {
    let settings: [String: JSON]
    /// The settings the answers' spelling depends on, read once for the request.
    let spelling: SolvexiaSpelling
    /// Scenario time of the request, for the durations of what is still running.
    let now: Timestamp

    init(settings: [String: JSON], now: Timestamp) {
        self.settings = settings
        self.spelling = SolvexiaSpelling(settings)
        self.now = now
    }

    enum Answer {
        case start, cancel, runstatus, step, restart
    }

    enum Kind {
        case processRun, runStatus, stepStatus
    }

    // MARK: formats

    /// The ISO 8601 layout of `kind`'s dates under the `timestampFormat` setting; nil for `trimmedZ` (seven
    /// fraction digits with the trailing zeros cut, then `Z`), which is no fixed layout.
    private func layout(_ kind: Kind) -> (fractionDigits: Int, zulu: Bool)? {
        var format = spelling.timestampFormat
        if format == "documented" {
            switch kind {
            case .processRun: format = "dotnet7"
            case .runStatus: format = "millis"
            case .stepStatus: format = "trimmedZ"
            }
        }
        switch format {
        case "dotnet7": return (7, false)
        case "millis": return (3, false)
        case "iso8601Z": return (3, true)
        default: return nil
        }
    }

    func timestamp(_ t: Timestamp, _ kind: Kind) -> String {
        if let layout = layout(kind) { return t.iso8601(fractionDigits: layout.fractionDigits, zulu: layout.zulu) }
        var text = t.iso8601(fractionDigits: 7, zulu: false)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + "Z"
    }

    func date(_ t: Timestamp?, _ kind: Kind, emptyWhenDocumented: Bool = false) -> JSON {
        if let t { return .string(timestamp(t, kind)) }
        switch spelling.emptyDates {
        case "empty": return ""
        case "null": return .null
        default: return emptyWhenDocumented ? "" : .null
        }
    }

    /// `date(t, kind, ...)` written into an answer, a fixed layout's text without making the String.
    func writeDate(_ t: Timestamp?, _ kind: Kind, emptyWhenDocumented: Bool = false, to out: inout JSONWriter) {
        if let t, let layout = layout(kind) {
            out.iso8601(t, fractionDigits: layout.fractionDigits, zulu: layout.zulu)
        } else {
            out.value(date(t, kind, emptyWhenDocumented: emptyWhenDocumented))
        }
    }

    func durationKey(_ answer: Answer) -> String {
        switch spelling.durationField {
        case "runDurationInSeconds": return "runDurationInSeconds"
        case "runDurationInSec": return "runDurationInSec"
        default:
            switch answer {
            case .start, .runstatus: return "runDurationInSeconds"
            case .cancel, .step, .restart: return "runDurationInSec"
            }
        }
    }

    /// A step status as the answer spells it: the step run-status example writes a cancelled step `cancelled`
    /// (lower case), the newer page's runstatus array `Cancelled`; the `cancelledStepStatus` setting picks one.
    func stepStatusText(_ status: String, answer: Answer) -> String {
        guard status == "Cancelled" else { return status }
        switch spelling.cancelledStepStatus {
        case "Cancelled": return "Cancelled"
        case "cancelled": return "cancelled"
        default: return answer == .runstatus ? "Cancelled" : "cancelled"
        }
    }

    static func seconds(from start: Timestamp?, to end: Timestamp) -> JSON {
        guard let start else { return .null }
        return .int(Int(max(0, end.milliseconds(since: start)) / 1000))
    }

    // MARK: process run

    func processID(_ view: RunView) -> String { Self.processID(fields: view.fields, request: view.request) }

    /// A run's process: its scripted `process` field, else the process it was created under, else the
    /// documented example's.
    static func processID(fields: JSON, request: JSON) -> String {
        fields["process"]?.stringValue ?? request["processId"]?.stringValue ?? "p-114273"
    }

    func processRun(_ view: RunView) -> JSON {
        let f = view.fields
        let created = f["dateCreated"] ?? .string(timestamp(view.createdAt, .processRun))
        let prefix = view.request["namePrefix"]?.stringValue ?? f["processName"]?.stringValue ?? "processapitest"
        let number = view.request["runNumber"]?.intValue ?? 1
        return .object([
            ("id", .string(view.id)),
            ("name", f["name"] ?? .string("\(prefix) : run #\(number)")),
            ("process", .string(processID(view))),
            ("alertEmailAddress", f["alertEmailAddress"] ?? ""),
            ("alertSMS", f["alertSMS"] ?? ""),
            ("description", f["description"] ?? ""),
            ("lastModifiedBy", f["lastModifiedBy"] ?? "mockruns"),
            ("dateModified", f["dateModified"] ?? created),
            ("dateCreated", created),
        ])
    }

    // MARK: run status

    func started(_ view: RunView) -> Timestamp? { view.entered("Running") }

    func finished(_ view: RunView) -> Timestamp? {
        view.isTerminal ? view.history.last?.at : nil
    }

    /// The ProcessRunStatus answer's bytes.
    func runStatus(_ view: RunView, answer: Answer) -> [UInt8] {
        var out = JSONWriter()
        writeRunStatus(view, answer: answer, to: &out)
        return out.bytes
    }

    /// Writes the ProcessRunStatus object straight as bytes (every runstatus poll answers one: as a value tree,
    /// then walked, with a String for each date, it cost ~2,400 instructions more: bench/speed/instructions.sh solvexia).
    /// - Returns: where in `out` the duration went and when the run started, when the duration follows the clock
    ///   (a run started and not finished), for `SolvexiaStatusMemo`; nil when nothing written does.
    @discardableResult
    func writeRunStatus(_ view: RunView, answer: Answer, to out: inout JSONWriter) -> (range: Range<Int>, since: Timestamp)? {
        let start = started(view)
        let end = finished(view)
        var running: (range: Range<Int>, since: Timestamp)?
        out.openObject()
        out.key("id")
        out.string(view.id)
        if answer == .cancel {
            // The documented cancel answer: dateFinished first and null (the run is still stopping), dateStarted "".
            let documented = spelling.emptyDates == "documented"
            out.key("dateFinished")
            if documented { out.null() } else { writeDate(end, .runStatus, to: &out) }
            out.key("dateStarted")
            writeDate(start, .runStatus, emptyWhenDocumented: true, to: &out)
            out.key(named: durationKey(answer))
            running = writeDuration(from: start, to: end, to: &out)
        } else {
            out.key("dateStarted")
            writeDate(start, .runStatus, to: &out)
            out.key("dateFinished")
            writeDate(end, .runStatus, to: &out)
            out.key(named: durationKey(answer))
            running = writeDuration(from: start, to: end, to: &out)
        }
        out.key("status")
        out.string(view.state)
        out.closeObject()
        return running
    }

    /// The whole seconds from `start` to `end`, or to now while the run goes on (null before it started); where
    /// they went when they follow the clock.
    private func writeDuration(from start: Timestamp?, to end: Timestamp?, to out: inout JSONWriter)
        -> (range: Range<Int>, since: Timestamp)?
    {
        let from = out.bytes.count
        out.value(Self.seconds(from: start, to: end ?? now))
        guard let start, end == nil else { return nil }
        return (from..<out.bytes.count, start)
    }

    /// GET .../runstatus as `SolvexiaStatusMemo` keeps it: the object with its running duration marked; the array
    /// shape (its steps' durations follow the clock too) as bytes to answer once.
    func runStatusBody(_ view: RunView) -> SolvexiaStatusMemo.Body {
        guard spelling.runStatusShape != "array" else {
            return SolvexiaStatusMemo.Body(bytes: runStatusAnswer(view), running: nil, keepable: false)
        }
        var out = JSONWriter()
        let running = writeRunStatus(view, answer: .runstatus, to: &out)
        return SolvexiaStatusMemo.Body(bytes: out.bytes, running: running)
    }

    /// GET .../runstatus: the ProcessRunStatus object, or by setting an array of it and the step statuses.
    func runStatusAnswer(_ view: RunView) -> [UInt8] {
        guard spelling.runStatusShape == "array" else { return runStatus(view, answer: .runstatus) }
        var out = JSONWriter()
        out.openArray()
        out.item()
        writeRunStatus(view, answer: .runstatus, to: &out)
        for step in steps(view) {
            out.item()
            out.value(step.status(self, view: view, answer: .runstatus))
        }
        out.closeArray()
        return out.bytes
    }

    // MARK: steps

    struct Step {
        var id: String
        var name: String
        var stepOrder: String
        var isEnabled: Bool
        var status: String
        var started: Timestamp?
        var finished: Timestamp?
        var message: String?

        var isDataStep: Bool { id.hasPrefix("ds-") }

        var listItem: JSON {
            .object([("isEnabled", .bool(isEnabled)), ("stepOrder", .string(stepOrder)), ("id", .string(id)), ("name", .string(name))])
        }

        func status(_ render: SolvexiaRender, view: RunView, answer: Answer) -> JSON {
            let end = finished ?? render.now
            let duration: JSON = started == nil ? .null : SolvexiaRender.seconds(from: started, to: end)
            let text = message ?? (status == "Running" ? "step is currently running" : "")
            let shown = render.stepStatusText(status, answer: answer)
            // Both documented examples of a cancelled step show dateFinished null (like the cancel answer).
            let documentedDates = render.spelling.emptyDates == "documented"
            let kind: Kind = answer == .runstatus ? .runStatus : .stepStatus
            let finishedDate: JSON = status == "Cancelled" && documentedDates ? .null : render.date(finished, kind)
            if answer == .runstatus {
                return .object([
                    ("id", .string(id)), ("dateStarted", render.date(started, .runStatus)),
                    ("dateFinished", finishedDate), (render.durationKey(answer), duration),
                    ("status", .string(shown)), ("completionMessage", .string(text)),
                ])
            }
            return .object([
                ("id", .string(id)), ("dateFinished", finishedDate),
                ("dateStarted", render.date(started, .stepStatus)), (render.durationKey(answer), duration),
                ("status", .string(shown)), ("completionMessage", .string(text)),
            ])
        }
    }

    static let finalStepStates: Set<String> = ["Success", "Warning", "Failed", "Cancelled", "Skipped"]

    /// The field a restart marks the phase it re-enters with: the step it restarted from. Not among the API's
    /// fields, so no scenario file can write it.
    static let restartMark = "restartedFromStep"

    /// The run's steps (`fields.steps`, else two data steps numbered after the run) with their statuses folded
    /// over every phase the run has entered.
    func steps(_ view: RunView) -> [Step] {
        var steps: [Step] = []
        if let list = view.fields["steps"]?.arrayValue {
            for (i, item) in list.enumerated() {
                guard let id = item["id"]?.stringValue, !id.isEmpty else { continue }
                steps.append(
                    Step(
                        id: id, name: item["name"]?.stringValue ?? "Step \(i + 1)",
                        stepOrder: item["stepOrder"]?.stringValue ?? "1.\(i + 1)",
                        isEnabled: item["isEnabled"]?.boolValue ?? true, status: "NotStarted"))
            }
        } else {
            let number = Int(view.id.drop { !$0.isNumber }) ?? 0
            steps = [
                Step(id: "ds-\(number + 1)", name: "New data step", stepOrder: "1.1", isEnabled: true, status: "NotStarted"),
                Step(id: "ds-\(number + 2)", name: "New data step 2", stepOrder: "1.2", isEnabled: true, status: "NotStarted"),
            ]
        }
        // Does the run's script give step statuses anywhere? If not, the steps simply follow the run.
        let script = view.script
        let phases = script.timeline + script.events.values.flatMap(\.timeline) + view.trail.map(\.phase)
        let explicit = script.fields["stepStatus"] != nil || phases.contains { $0.fields["stepStatus"] != nil }
        var restart: (step: Int, at: Timestamp)?
        var entries: [(fields: JSON, at: Timestamp)] = [(view.script.fields, view.createdAt)]
        entries += view.trail.map { ($0.phase.fields, $0.at) }
        for entry in entries {
            if let statuses = entry.fields["stepStatus"]?.objectValue {
                for (stepID, value) in statuses {
                    guard let status = value.stringValue, let index = steps.firstIndex(where: { $0.id == stepID }) else { continue }
                    let previous = steps[index].status
                    if status == "Running", previous != "Running" {
                        steps[index].started = entry.at
                        steps[index].finished = nil
                    } else if Self.finalStepStates.contains(status), previous != status {
                        if steps[index].started == nil { steps[index].started = entry.at }
                        steps[index].finished = entry.at
                    } else if status == "NotStarted" || status == "Scheduled" {
                        steps[index].started = nil
                        steps[index].finished = nil
                    }
                    steps[index].status = status
                    steps[index].message = nil
                }
            }
            if let messages = entry.fields["stepMessages"]?.objectValue {
                for (stepID, value) in messages {
                    if let index = steps.firstIndex(where: { $0.id == stepID }) { steps[index].message = value.stringValue }
                }
            }
            // A restart from this step: it runs again from here, whatever the phase re-entered says of it.
            if let stepID = entry.fields[Self.restartMark]?.stringValue, let index = steps.firstIndex(where: { $0.id == stepID }) {
                steps[index].status = "Running"
                steps[index].started = entry.at
                steps[index].finished = nil
                steps[index].message = nil
                restart = (index, entry.at)
            }
        }
        let runStart = started(view)
        let runEnd = finished(view)
        if !explicit {
            // No scripted step statuses: the steps follow the run.
            for i in steps.indices {
                switch view.state {
                case "NotStarted": steps[i].status = "NotStarted"
                case "Scheduled": steps[i].status = "Scheduled"
                case "Running":
                    // The run restarted from a step runs that one; those before it are done.
                    let running = restart?.step ?? 0
                    steps[i].status = i < running ? "Success" : i == running ? "Running" : "NotStarted"
                    steps[i].started = i < running ? runStart : i == running ? (restart?.at ?? runStart) : nil
                    steps[i].finished = i < running ? restart?.at : nil
                case "Finished":
                    steps[i].status = "Success"
                    steps[i].started = runStart
                    steps[i].finished = runEnd
                default:
                    steps[i].status = runStart == nil ? "NotStarted" : "Cancelled"
                    steps[i].started = runStart
                    steps[i].finished = runStart == nil ? nil : runEnd
                }
            }
            return steps
        }
        // A finished run completes what is still running; a cancelled or timed-out one cancels it.
        if let runEnd {
            for i in steps.indices where steps[i].status == "Running" || steps[i].status == "Scheduled" {
                steps[i].status = view.state == "Finished" ? "Success" : "Cancelled"
                if steps[i].started == nil { steps[i].started = runEnd }
                steps[i].finished = runEnd
            }
        }
        return steps
    }

    func stepStatus(_ view: RunView, stepID: String, answer: Answer = .step) throws(APIError) -> JSON {
        guard let step = steps(view).first(where: { $0.id == stepID }) else {
            throw APIError(404, "Step \(stepID) doesn't exist in process run \(view.id)")
        }
        return step.status(self, view: view, answer: answer)
    }
}

/// The settings that pick how Solvexia answers are spelled, each as `settings[name]?.stringValue` would read it
/// (`documented` when unset or not a string; `runStatusShape` nil then). Read in one walk over the settings,
/// names told apart by length first: a look-up by name (hashing the name) wherever an answer needed one cost
/// ~1,400 instructions more a runstatus poll, four look-ups (bench/speed/instructions.sh solvexia).
struct SolvexiaSpelling: Equatable {
    var timestampFormat = "documented"
    var emptyDates = "documented"
    var durationField = "documented"
    var cancelledStepStatus = "documented"
    var runStatusShape: String?

    init(_ settings: [String: JSON]) {
        for (name, value) in settings {
            guard case .string(let text) = value else { continue }
            // A length tells most names apart without reading them: one full comparison for each name.
            switch name.utf8.count {
            case 15 where name == "timestampFormat": timestampFormat = text
            case 10 where name == "emptyDates": emptyDates = text
            case 13 where name == "durationField": durationField = text
            case 19 where name == "cancelledStepStatus": cancelledStepStatus = text
            case 14 where name == "runStatusShape": runStatusShape = text
            default: continue
            }
        }
    }
}
