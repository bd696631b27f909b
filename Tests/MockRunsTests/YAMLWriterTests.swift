import MockRuns
import Scenarios
import Testing

/// The YAML writer's quoting: a string is plain only when no YAML reader could take it for anything else. (The
/// round trip through real YAML readers is OpenAPIExportTests'.)
@Suite struct YAMLWriterTests {
    @Test(arguments: ["get", "application/json", "ServiceInfo", "a b c", "v1.0", "RUN_ID", "sbg-cwl-executor"])
    func safeWordsArePlain(_ text: String) {
        #expect(YAMLWriter.scalar(text) == text)
    }

    @Test(arguments: [
        "", "yes", "No", "NULL", "true", "off", "y", "~", "123", "1.0", "0x1F", "1e3", "-1", ".inf", "a: b", "a #b",
        "#comment", " leading", "trailing ", "line\nbreak", "{run_id}", "/runs/{run_id}", "[x]", "*ref", "&anchor",
        "!tag", "'single'", "\"double\"", "%percent", "@at", "`tick`", "key:", "- dash", "?", "|", ">", "é", "tab\there",
        "nul\u{0}byte", "bell\u{7}", "del\u{7F}", "c1\u{85}", "sep\u{2028}", "bom\u{FEFF}", "emoji 🚀",
    ])
    func everythingElseIsQuoted(_ text: String) {
        let written = YAMLWriter.scalar(text)
        #expect(written.hasPrefix("\"") && written.hasSuffix("\""), "\(written)")
    }

    @Test func controlCharactersAreEscapedNotWritten() {
        #expect(YAMLWriter.scalar("a\u{0}b\u{7}c\u{85}d\u{2028}e\u{FEFF}") == #""a\u0000b\u0007c\u0085d\u2028e\uFEFF""#)
        #expect(YAMLWriter.scalar("q\"b\\n\nt\t") == #""q\"b\\n\nt\t""#)
        #expect(YAMLWriter.scalar("é🚀") == "\"é🚀\"")
    }

    @Test func blocksAreDeterministicAndIndented() {
        let value: JSON = [
            "openapi": "3.1.0",
            "paths": ["/runs": ["get": ["tags": ["wes"], "parameters": [["name": "page_size", "required": false]]]]],
            "empty": [:], "none": [], "n": 5, "count": 7, "x": 1.5, "nothing": nil,
        ]
        let expected = """
            ---
            openapi: "3.1.0"
            paths:
              "/runs":
                get:
                  tags:
                  - wes
                  parameters:
                  - name: page_size
                    required: false
            empty: {}
            none: []
            "n": 5
            count: 7
            x: 1.5
            nothing: null

            """
        #expect(YAMLWriter.document(value) == expected)
        #expect(YAMLWriter.document(value) == YAMLWriter.document(value))
        let nested: JSON = ["a": [[1, 2], [[:]], ["k": ["z"]]]]
        #expect(YAMLWriter.document(nested) == "---\na:\n-\n  - 1\n  - 2\n-\n  - {}\n- k:\n  - z\n")
    }
}
