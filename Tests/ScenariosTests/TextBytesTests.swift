import Testing

@testable import Scenarios

/// The byte comparisons answer what comparing the texts' UTF-8 arrays answers (canonically equal texts are other
/// texts), and the ASCII prefix test what `hasPrefix` answers, also where a combining mark follows the prefix.
@Suite struct TextBytesTests {
    static let texts = [
        "", "a", "GET", "get", "caf\u{E9}", "cafe\u{301}", "a\u{0}", String(repeating: "y", count: 40),
        "/__mockruns/", "/__mockruns/health", "/__mockruns", "/__mockruns/\u{301}x", "/__mockruns/é", "/__mock",
        "/__sessions/a",
    ]

    @Test func sameUTF8IsByteEquality() {
        for a in Self.texts {
            for b in Self.texts { #expect(a.hasSameUTF8(as: b) == (Array(a.utf8) == Array(b.utf8)), "\(a) \(b)") }
            // A text that is not native UTF-8 in one buffer (bridged or lazily built) takes the slow path alike.
            let copy = String(decoding: Array(a.utf8), as: UTF8.self)
            #expect(a.hasSameUTF8(as: copy))
        }
        #expect(JSON.sameKey("caf\u{E9}", "caf\u{E9}") && !JSON.sameKey("caf\u{E9}", "cafe\u{301}"))
    }

    @Test func bytePrefixIsTheUTF8Prefix() {
        for text in Self.texts {
            for prefix in Self.texts {
                #expect(text.hasBytePrefix(prefix) == text.utf8.starts(with: prefix.utf8), "\(text) \(prefix)")
            }
        }
    }

    @Test func asciiPrefixAnswersAsHasPrefix() {
        for text in Self.texts {
            for prefix in ["/__mockruns/", "/__mockruns", "/", "", "GET"] {
                #expect(text.hasASCIIPrefix(prefix) == text.hasPrefix(prefix), "\(text) \(prefix)")
            }
        }
    }
}
