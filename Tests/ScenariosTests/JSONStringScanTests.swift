import Testing

@testable import Scenarios

/// The reader scans a string eight bytes at a time before it goes byte by byte: it must stop at every quote,
/// backslash and control character wherever it falls among the words, and notice text beyond ASCII in any word
/// (so it is validated: bytes that are no UTF-8 are refused in any place).
@Suite struct JSONStringScanTests {
    private func read(_ bytes: [UInt8]) -> Result<JSON, JSONSyntaxError> {
        do { return .success(try JSON.parse(bytes)) } catch { return .failure(error) }
    }

    private func quoted(_ inner: [UInt8]) -> [UInt8] { [UInt8(ascii: "\"")] + inner + [UInt8(ascii: "\"")] }

    @Test func everyStopAtEveryPlace() throws {
        for length in 0...40 {
            let plain = [UInt8](repeating: UInt8(ascii: "a"), count: length)
            #expect(try read(quoted(plain)).get() == .string(String(repeating: "a", count: length)))
            let unterminated = read([UInt8(ascii: "\"")] + plain)
            #expect((try? unterminated.get()) == nil, "unterminated \(length)")
            for place in 0..<length {
                func with(_ bytes: [UInt8]) -> [UInt8] {
                    var text = plain
                    text.replaceSubrange(place...place, with: bytes)
                    return quoted(text)
                }
                let before = String(repeating: "a", count: place)
                let after = String(repeating: "a", count: length - place - 1)
                #expect(try read(with(Array("\\n".utf8))).get() == .string(before + "\n" + after), "\(length) \(place)")
                #expect(try read(with(Array("\\\"".utf8))).get() == .string(before + "\"" + after))
                #expect(try read(with(Array("é".utf8))).get() == .string(before + "é" + after))
                #expect(try read(with([0x7F])).get() == .string(before + "\u{7F}" + after))
                for control: UInt8 in [0x00, 0x01, 0x0A, 0x1F] {
                    guard case .failure(let error) = read(with([control])) else {
                        Issue.record("control \(control) at \(place) of \(length) read")
                        continue
                    }
                    #expect(error.message == "control character in a string (escape it)")
                }
                for bad: [UInt8] in [[0xFF], [0x80], [0xC3]] {
                    guard case .failure(let error) = read(with(bad)) else {
                        Issue.record("byte \(bad) at \(place) of \(length) read")
                        continue
                    }
                    #expect(error.message == "invalid UTF-8 in a string")
                    #expect(error.column == 2)  // where the string's text starts
                }
                // A quote ends the string where it is: what follows is the document's to refuse (or an
                // object's, inside one).
                if place < length - 1 {
                    #expect((try? read(with([UInt8(ascii: "\"")])).get()) == nil)
                }
                #expect(try read(Array("{\"k\":".utf8) + with([UInt8(ascii: "b")]) + Array("}".utf8)).get()
                    == .object([("k", .string(before + "b" + after))]))
            }
        }
    }
}
