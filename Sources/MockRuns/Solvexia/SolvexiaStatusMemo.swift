import Scenarios

/// The runstatus answers of the last few run phases, each kept as rendered once in its phase with the one value
/// in it that follows the clock (a running run's duration) marked, and written anew for each poll. A poll of a
/// running run changes its body every second of scenario time, so a memo of whole bodies (`RenderMemo`) would
/// miss; rendering it afresh, with the spelling settings read, cost ~4,200 instructions a poll more than this
/// (92,265 -> 88,046, bench/speed/instructions.sh solvexia).
///
/// Found by the run's phase-long part alone (`RunView.phaseStamp`; a `RenderMemo.Key` of it, with its empty texts
/// compared, cost ~300 instructions more a poll). Everything else the body reads is fixed for
/// that part's life: the spelling settings are the scenario's (replaced only by a reload, which makes new parts),
/// and the clock enters only through the marked duration. Bounded like `RenderMemo`: `capacity` entries, replaced
/// oldest first, none over `largestBody` bytes (an entry keeps its run's phase part alive until it is replaced).
final class SolvexiaStatusMemo: Sendable {
    /// A ProcessRunStatus answer as rendered, and where its clock-following duration is.
    struct Body: Sendable {
        var bytes: [UInt8]
        /// Where the running duration was written, and when the run started: the value rewritten for `now`.
        /// nil: nothing in the body follows the clock.
        var running: (range: Range<Int>, since: Timestamp)?
        /// False for a body with more than one value following the clock (the array shape's step durations):
        /// answered once, never kept.
        var keepable = true

        /// The body at `now`: the kept bytes, with the running duration written for `now` as a render writes it.
        func bytes(at now: Timestamp) -> [UInt8] {
            guard let running else { return bytes }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 16)
            out.append(contentsOf: bytes[..<running.range.lowerBound])
            SolvexiaRender.seconds(from: running.since, to: now).write(to: &out)
            out.append(contentsOf: bytes[running.range.upperBound...])
            return out
        }
    }

    private struct Entry: Sendable {
        var phase: RunView.PhaseStamp
        var body: Body
    }

    private let kept: KeptAnswers<Entry>

    init(capacity: Int = 8, largestBody: Int = 16 * 1024) {
        kept = KeptAnswers(capacity: capacity, largestBody: largestBody)
    }

    /// `view`'s runstatus answer at `now`: from the body kept for its phase, else `render()`'s (kept for next
    /// time when it may be). `render` runs outside the memo's lock.
    func answer(_ view: RunView, at now: Timestamp, render: () -> Body) -> [UInt8] {
        let phase = view.phaseStamp
        // Only the body is copied out: a found entry copied whole cost ~200 instructions more.
        let found = kept.read { entries -> Body? in
            for index in entries.indices where entries[index].phase == phase { return entries[index].body }
            return nil
        }
        if let found { return found.bytes(at: now) }
        let body = render()
        // Rendered at `now`: its bytes are the answer as they are.
        if body.keepable { kept.keep(Entry(phase: phase, body: body), size: body.bytes.count) }
        return body.bytes
    }

    /// How many bodies are kept (for tests of the bound).
    var count: Int { kept.count }
}
