import Scenarios
import Testing

@testable import MockRuns

/// The run path the workspace fake puts in `Location` is written byte by byte into the string's storage: it must
/// be the parts joined, whatever they hold (empty, beyond ASCII, long).
@Suite struct WorkspaceRenderPathTests {
    @Test func pathIsThePartsJoined() {
        let bases = ["", "/__sessions/s1", "/__sessions/é漢😀", String(repeating: "b", count: 300)]
        let workspaces = ["3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10", "", "W\u{301}"]
        let runs = ["0b7d2f4e-1111-4222-8333-444455556666", "", "x/y?z", String(repeating: "r", count: 40)]
        for base in bases {
            for workspace in workspaces {
                for run in runs {
                    let render = WorkspaceRender(workspace: workspace, now: Timestamp(milliseconds: 0), basePath: base)
                    let path = render.path(run)
                    #expect(Array(path.utf8) == Array((base + "/api/v1/workspaces/" + workspace + "/runs/" + run).utf8))
                }
            }
        }
    }
}
