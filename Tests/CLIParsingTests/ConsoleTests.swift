import Testing

@testable import MockRunsCLI

/// Log lines carry text a client controls: it must not split a line or forge another.
@Suite struct ConsoleTests {
    @Test(arguments: [
        ("/ga4gh/wes/v1/runs/1/status", "/ga4gh/wes/v1/runs/1/status"),
        ("café ünïcode ✓", "café ünïcode ✓"),
        ("non\u{A0}breaking", "non\u{A0}breaking"),  // 0xC2 0xA0: not a control, through the careful path unchanged
        ("a\nb\rc", "a\\u{a}b\\u{d}c"),
        ("esc\u{1B}[31m", "esc\\u{1b}[31m"),
        ("del\u{7F}", "del\\u{7f}"),
        ("next-line\u{85}", "next-line\\u{85}"),
        ("back\\slash", "back\\\\slash"),
        ("nul\u{0}", "nul\\u{0}"),
    ])
    func escapesControlsAndBackslashesOnly(input: String, expected: String) {
        #expect(Console.escaped(input) == expected)
    }
}
