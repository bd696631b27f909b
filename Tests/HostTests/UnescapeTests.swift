import CMicroHTTPD
import Testing

/// The host's percent-decoder (libmicrohttpd's unescape callback for paths and query arguments): it skips to the
/// first `%` at once; the result must be the byte-by-byte decoding's, %00 kept as the three characters.
@Suite struct UnescapeTests {
    /// The plain formula: every `%XX` with two hex digits decoded, except `%00`; everything else as it is.
    private func reference(_ text: [UInt8]) -> [UInt8] {
        func hex(_ byte: UInt8) -> Int? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        var index = 0
        while index < text.count {
            if text[index] == UInt8(ascii: "%"), index + 2 < text.count, let high = hex(text[index + 1]),
                let low = hex(text[index + 2]), high | low != 0
            {
                out.append(UInt8(high * 16 + low))
                index += 3
                continue
            }
            out.append(text[index])
            index += 1
        }
        return out
    }

    private func unescaped(_ text: [UInt8]) -> [UInt8] {
        var buffer = text.map { CChar(bitPattern: $0) } + [0]
        let count = buffer.withUnsafeMutableBufferPointer { mr_unescape(nil, nil, $0.baseAddress) }
        return buffer[..<count].map { UInt8(bitPattern: $0) }
    }

    @Test(arguments: [
        "/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status", "", "%", "%4", "%41", "a%41", "%41b",
        "/runs/a%2Fb", "%00", "key%00junk", "%zz%4g%G1", "%%41", "%4%41", "tail%", "tail%4", "%e2%82%ac",
        "a+b%20c", "%2541",
    ])
    func decodesAsTheByteByByteFormula(_ text: String) {
        let bytes = Array(text.utf8)
        #expect(unescaped(bytes) == reference(bytes), "\(text)")
    }

    @Test func decodesEveryShortTextAsTheByteByByteFormula() {
        // Every text of up to 5 bytes over '%', digits and letters around the hex ranges (19,608 texts).
        let alphabet = Array("%01aFg/".utf8)
        var texts: [[UInt8]] = [[]]
        var last: [[UInt8]] = [[]]
        for _ in 1...5 {
            last = last.flatMap { text in alphabet.map { text + [$0] } }
            texts += last
        }
        for text in texts where unescaped(text) != reference(text) {
            Issue.record("\(String(decoding: text, as: UTF8.self)): \(unescaped(text)) != \(reference(text))")
        }
    }
}
