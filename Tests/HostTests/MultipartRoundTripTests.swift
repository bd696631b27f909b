import Foundation
import MicroHTTPDHost
import MockRunsHTTP
import MockRunsTesting
import Testing
#if canImport(Glibc)
    import Glibc
#endif

/// Random forms encoded as a client encodes them parse back to the same fields; bodies built to make a careless
/// parser slow parse right at ten times the size.
@Suite("Multipart round trips and hostile shapes")
struct MultipartRoundTripTests {
    /// SplitMix64: the same forms on every run.
    struct Seeded {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    /// Bytes a name or filename may hold: printable ASCII but the quote (it ends the value) and `=` (a
    /// `filename=` inside a name would be read as the filename's key), plus some UTF-8.
    static let nameBytes: [[UInt8]] = (0x20...0x7E).filter { $0 != 0x22 && $0 != 0x3D }.map { [UInt8($0)] } + [Array("é".utf8), Array("日".utf8)]
    static let boundaryBytes = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=?".utf8)

    static func randomText(_ random: inout Seeded, _ count: Int) -> String {
        var bytes: [UInt8] = []
        for _ in 0..<count { bytes += random.pick(nameBytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func randomForm(_ random: inout Seeded) -> (fields: [FormField], boundary: [UInt8]) {
        var boundary: [UInt8] = []
        for _ in 0..<(1 + random.below(70)) { boundary.append(random.pick(boundaryBytes)) }
        var fields: [FormField] = []
        for _ in 0..<random.below(8) {
            var value: [UInt8] = []
            // Line ends, dashes, the boundary's own bytes and NULs, densely: the bytes a delimiter is made of.
            let pieces: [[UInt8]] = [[13], [10], [13, 10], [45, 45], [0], [255], Array(boundary.prefix(3)), Array("v".utf8), [13, 10, 45, 45]]
            for _ in 0..<random.below(40) { value += random.pick(pieces) }
            if random.below(10) == 0 { value += [UInt8](repeating: UInt8(ascii: "x"), count: random.below(20_000)) }
            fields.append(FormField(
                name: randomText(&random, random.below(12)),
                value: value,
                filename: random.below(3) == 0 ? randomText(&random, random.below(20)) : nil,
                contentType: random.below(3) == 0 ? randomText(&random, random.below(30)) : nil))
        }
        return (fields, boundary)
    }

    /// As `requests` and curl write a form: CRLF line ends, an optional preamble and epilogue.
    static func encode(_ fields: [FormField], boundary: [UInt8], _ random: inout Seeded) -> [UInt8] {
        var body: [UInt8] = random.below(4) == 0 ? Array("a preamble\r\n".utf8) : []
        for field in fields {
            var disposition = "Content-Disposition: form-data; name=\"\(field.name)\""
            if let filename = field.filename { disposition += "; filename=\"\(filename)\"" }
            body += Array("--".utf8) + boundary + Array("\r\n\(disposition)\r\n".utf8)
            if let type = field.contentType { body += Array("Content-Type: \(type)\r\n".utf8) }
            body += Array("\r\n".utf8) + field.value + Array("\r\n".utf8)
        }
        body += Array("--".utf8) + boundary + Array("--\r\n".utf8)
        if random.below(4) == 0 { body += Array("an epilogue\r\n".utf8) }
        return body
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in haystack[start..<start + needle.count].elementsEqual(needle) }
    }

    @Test func randomFormsParseBackToTheirFields() {
        var random = Seeded(state: 20_261_201)
        var checked = 0
        for _ in 0..<400 {
            let (fields, boundary) = Self.randomForm(&random)
            // An encoder picks a boundary its values do not hold; so does this test.
            if fields.contains(where: { Self.contains($0.value, [13, 10, 45, 45] + boundary) }) { continue }
            let body = Self.encode(fields, boundary: boundary, &random)
            let type = "multipart/form-data; boundary=\"\(String(decoding: boundary, as: UTF8.self))\""
            let parsed = FormField.multipart(body, contentType: type)
            #expect(parsed == .success(fields), "boundary \(String(decoding: boundary, as: UTF8.self))")
            checked += 1
        }
        #expect(checked > 300)
    }

    /// The same through the server, sent in random pieces: the host parses the whole kept body, however it came.
    @Test func randomFormsArriveWholeInAnyChunking() async throws {
        let server = try TestServer(echo)
        defer { server.stop() }
        var random = Seeded(state: 7)
        for _ in 0..<6 {
            let (fields, boundary) = Self.randomForm(&random)
            if fields.contains(where: { Self.contains($0.value, [13, 10, 45, 45] + boundary) }) { continue }
            let body = Self.encode(fields, boundary: boundary, &random)
            let head = "POST /runs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Type: multipart/form-data; boundary=\"\(String(decoding: boundary, as: UTF8.self))\"\r\n"
                + "Content-Length: \(body.count)\r\n\r\n"
            let bytes = Array(head.utf8) + body
            var cuts: [Int] = []
            var at = 0
            while at < bytes.count {
                at += 1 + random.below(300)
                cuts.append(min(at, bytes.count))
            }
            let port = server.port
            let sendCuts = cuts
            let raw = try await onOwnThread { () throws -> [UInt8] in
                let fd = try TestServer.connectRaw(port: port)
                defer { close(fd) }
                var sent = 0
                for cut in sendCuts {
                    let n = bytes[sent..<cut].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    guard n == cut - sent else { break }
                    sent = cut
                }
                return receiveAll(fd)
            }
            let text = String(decoding: raw, as: UTF8.self)
            let echoed = try #require(text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n").data(using: .utf8))
            let object = try #require(try JSONSerialization.jsonObject(with: echoed) as? [String: Any])
            #expect(object["formError"] == nil)
            let form = try #require(object["form"] as? [[String: Any]])
            #expect(form.map { $0["name"] as? String } == fields.map(\.name))
            #expect(form.map { $0["count"] as? Int } == fields.map(\.value.count))
            #expect(form.map { $0["value"] as? String } == fields.map(\.text))
            #expect(form.map { $0["filename"] as? String } == fields.map(\.filename))
            #expect(form.map { $0["contentType"] as? String } == fields.map(\.contentType))
        }
    }

    // MARK: - Hostile shapes

    // A parser that re-reads what it has passed (each failed boundary match from the start again, a header line
    // searched from each of its bytes) takes a hundred times longer at ten times the size: these bodies would hold
    // the server's thread for seconds at 10 MB. No timing here (a unit test must not time): the search's
    // forward-only argument is in `FormField.multipart`'s comment, and each shape is read right at 1x and 10x.

    static let type = "multipart/form-data; boundary=XB"

    @Test(arguments: [1_000, 10_000])
    func thousandsOfBoundariesAreThousandsOfFields(count: Int) {
        let body = Array(String(repeating: "--XB\r\n\r\n\r\n", count: count).utf8) + Array("--XB--".utf8)
        guard case .success(let fields) = FormField.multipart(body, contentType: Self.type) else {
            Issue.record("empty parts are fields")
            return
        }
        #expect(fields.count == count && fields.allSatisfy { $0.name.isEmpty && $0.value.isEmpty })
    }

    @Test(arguments: [100_000, 1_000_000])
    func linesOfXAreOneValue(size: Int) {
        let value = [UInt8](String(repeating: "x\r\n", count: size / 3).utf8)
        let body = Array("--XB\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n".utf8) + value + Array("\r\n--XB--".utf8)
        #expect(FormField.multipart(body, contentType: Self.type) == .success([FormField(name: "a", value: value)]))
    }

    /// Near misses of a long boundary: each CRLF `--` starts a match that fails at the boundary's last byte.
    @Test(arguments: [100_000, 1_000_000])
    func nearMissesOfALongBoundaryAreValue(size: Int) {
        let boundary = String(repeating: "b", count: 2_000) + "Z"
        let miss = "\r\n--" + String(repeating: "b", count: 2_000) + "Y"
        let value = Array(String(repeating: miss, count: size / miss.utf8.count).utf8)
        let body = Array("--\(boundary)\r\n\r\n".utf8) + value + Array("\r\n--\(boundary)--".utf8)
        #expect(FormField.multipart(body, contentType: "multipart/form-data; boundary=\(boundary)")
            == .success([FormField(name: "", value: value)]))
    }

    /// A preamble of dashes before a boundary of dashes: every position is a near miss of the first boundary.
    @Test(arguments: [100_000, 1_000_000])
    func aPreambleOfDashesIsSkipped(size: Int) {
        let boundary = String(repeating: "-", count: 1_000) + "Z"
        let body = Array(String(repeating: "-", count: size).utf8) + Array("--\(boundary)\r\n\r\nv\r\n--\(boundary)--".utf8)
        #expect(FormField.multipart(body, contentType: "multipart/form-data; boundary=\(boundary)")
            == .success([FormField(name: "", value: Array("v".utf8))]))
    }

    /// Header lines ending in LF alone, each far shorter than the bound: the search for a line's end stops at
    /// its LF, not at the bound.
    @Test(arguments: [100_000, 1_000_000])
    func shortLinesEndingInLFAreReadOnce(size: Int) {
        let lines = String(repeating: "x\n", count: size / 2)
        let body = Array("--XB\r\nContent-Disposition: form-data; name=\"a\"\n\(lines)\nv\r\n--XB--".utf8)
        #expect(FormField.multipart(body, contentType: Self.type) == .success([FormField(name: "a", value: Array("v".utf8))]))
    }

    /// One header line as long as allowed, then many more: each is read once.
    @Test(arguments: [40, 400])
    func manyLongHeaderLinesAreReadOnce(lines: Int) {
        let line = "X-Pad: " + String(repeating: "Content-Type", count: (FormField.maximumHeaderLineBytes - 7) / 12)
        let headers = String(repeating: line + "\r\n", count: lines)
        let body = Array("--XB\r\nContent-Disposition: form-data; name=\"a\"\r\n\(headers)\r\nv\r\n--XB--".utf8)
        #expect(FormField.multipart(body, contentType: Self.type) == .success([FormField(name: "a", value: Array("v".utf8))]))
    }
}
