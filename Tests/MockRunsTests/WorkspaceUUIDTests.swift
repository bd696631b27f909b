import Testing

@testable import MockRuns

/// `WorkspaceRender.isUUID` reads the digits through a table: it must say what a plain reading of the
/// 8-4-4-4-12 hex form says, for every ASCII character at every place and for text beyond ASCII.
@Suite struct WorkspaceUUIDTests {
    private func plain(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (i, c) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(i) {
                if c != UInt8(ascii: "-") { return false }
            } else if !"0123456789abcdefABCDEF".utf8.contains(c) {
                return false
            }
        }
        return true
    }

    @Test func everyASCIICharacterAtEveryPlace() {
        let valid = "3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10"
        #expect(WorkspaceRender.isUUID(valid))
        #expect(WorkspaceRender.isUUID(valid.uppercased()))
        var accepted = 0
        for place in 0..<36 {
            for code in 0..<0x80 {
                var scalars = Array(valid.unicodeScalars)
                scalars[place] = Unicode.Scalar(UInt8(code))
                let text = String(String.UnicodeScalarView(scalars))
                #expect(WorkspaceRender.isUUID(text) == plain(text), "\(code) at \(place)")
                if WorkspaceRender.isUUID(text) { accepted += 1 }
            }
        }
        #expect(accepted == 32 * 22 + 4)  // every hex digit in a digit's place, a dash in a dash's
        for other in [
            "", "3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f1", valid + "0", "3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2fé",
            "3f0c9a526c1e-4b8e-9d27-1a5e4c7b2f10-", "ｆ0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f",
        ] {
            #expect(!WorkspaceRender.isUUID(other), "\(other)")
        }
    }
}
