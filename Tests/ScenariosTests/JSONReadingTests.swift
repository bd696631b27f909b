import Testing

@testable import Scenarios

/// The reader's fast paths (ASCII strings taken as they are, literals compared in place, the byte order mark)
/// read exactly what the general path reads, and fail where it fails, with the same message and position.
@Suite struct JSONReadingTests {
    func parse(_ bytes: [UInt8]) -> Result<JSON, JSONSyntaxError> {
        do { return .success(try JSON.parse(bytes)) } catch { return .failure(error) }
    }

    /// A string of every byte a JSON string may hold unescaped, ASCII and not, reads back as those bytes.
    @Test func stringsReadBackAsTheirBytes() throws {
        let ascii = (0x20...0x7F).map(UInt8.init).filter { $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        let texts: [[UInt8]] = [
            [], ascii, Array("s3://example-bucket/sample.fastq".utf8), Array("é漢😀".utf8), ascii + Array("é".utf8),
            Array("a\u{7F}b".utf8),
        ]
        for text in texts {
            let read = try JSON.parse([UInt8(ascii: "\"")] + text + [UInt8(ascii: "\"")])
            let string = try #require(read.stringValue)
            #expect(Array(string.utf8) == text)
            // Inside an object, as a key and as a value.
            let object = try JSON.parse(Array("{\"k\(String(decoding: text, as: UTF8.self))\": \"".utf8) + text + Array("\"}".utf8))
            #expect(object.objectValue?.first.map { Array($0.0.utf8) } == Array("k".utf8) + text)
            #expect(object.objectValue?.first?.1.stringValue.map { Array($0.utf8) } == text)
        }
    }

    /// Bytes that are no UTF-8 are refused where the string's text starts, fast path or not.
    @Test func invalidUTF8IsRefusedAtTheString() {
        for bad: [UInt8] in [[0xFF], [0x80], [0xE2, 0x82], [0x61, 0xC0, 0xAF], [0xED, 0xA0, 0x80]] {
            let answer = parse(Array("[1,\n \"".utf8) + bad + Array("\"]".utf8))
            #expect(answer == .failure(JSONSyntaxError(message: "invalid UTF-8 in a string", line: 2, column: 3)), "\(bad)")
        }
        // With an escape (the general path) the same bytes are refused too.
        #expect((try? JSON.parse(Array("\"\\n".utf8) + [0xFF] + Array("\"".utf8))) == nil)
    }

    @Test func literalsInPlace() {
        #expect(parse(Array("[true,false,null, true ]".utf8)) == .success([true, false, nil, true]))
        let refused: [(String, String, Int)] = [
            ("[tru]", "true", 2), ("[nul", "null", 2), ("fals", "false", 1), ("[1,trux]", "true", 4), ("nULL", "null", 1),
            ("t", "true", 1),
        ]
        for (text, word, column) in refused {
            #expect(parse(Array(text.utf8)) == .failure(JSONSyntaxError(message: "invalid literal; expected '\(word)'", line: 1, column: column)), "\(text)")
        }
        // A whole literal is read; what follows it is the array's to refuse.
        #expect(parse(Array("[truex]".utf8)) == .failure(JSONSyntaxError(message: "expected ',' or ']' in an array, found 'x'", line: 1, column: 6)))
    }

    @Test func byteOrderMark() {
        #expect(parse([0xEF, 0xBB, 0xBF] + Array("{\"a\":1}".utf8)) == .success(["a": 1]))
        #expect(parse([0xEF, 0xBB, 0xBF]).isFailure)
        #expect(parse([0xEF, 0xBB]).isFailure)
        #expect(parse([0xEF, 0xBB, 0xBE, 0x31]).isFailure)
    }
}

extension Result {
    fileprivate var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
