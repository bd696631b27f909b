import MockRunsHTTP
import Scenarios
import Testing

@testable import MockRuns

/// The submission path made cheaper (issue 10) must answer as before: SHA-256 against FIPS 180-4 and against the
/// plain implementation it replaced, a submission's fingerprint against the plain formula it was built by, and
/// a WES RunRequest's checks against the Character comparisons they were written with.
@Suite struct SubmissionFingerprintTests {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    @Test func sha256GivesThePublishedFIPS180Answers() {
        let vectors: [(String, String)] = [
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
            (
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
            ),
        ]
        for (message, digest) in vectors {
            #expect(Self.hex(Fingerprint.sha256(Array(message.utf8))) == digest, "SHA-256 of \"\(message)\"")
        }
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(Self.hex(Fingerprint.sha256(million)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func sha256AnswersWhatThePlainImplementationAnswersForEveryLengthUpTo300() {
        var random = SeededRandom(seed: 10)  // SplitMix64: the same lengths on every run
        for length in 0...300 {
            let message = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            #expect(Fingerprint.sha256(message) == PlainSHA256.digest(message), "length \(length)")
        }
    }

    @Test func aFingerprintIsTheFirstFourDigestBytesInHexZeroPadded() {
        var random = SeededRandom(seed: 11)
        var padded = 0
        for length in 0..<400 {
            let secret = String((0..<length % 40).map { _ in Character(Unicode.Scalar(UInt8(0x21 + random.next() % 94))) })
                + "\(length)"
            let digest = PlainSHA256.digest(Array(secret.utf8))
            if digest[0] < 16 { padded += 1 }
            let expected = "sha256:" + Self.hex(Array(digest.prefix(4)))
            #expect(Fingerprint.of(secret) == expected)
            #expect(Fingerprint.of(utf8: Array(secret.utf8)) == expected)
        }
        #expect(padded > 0, "some digests start with a byte below 16, so the zero padding is exercised")
    }

    static func form(_ fields: [FormField]) -> HTTPRequest {
        HTTPRequest(
            method: "POST", path: "/ga4gh/wes/v1/runs",
            headers: HTTPHeaders([("Content-Type", "multipart/form-data; boundary=b")]), form: fields)
    }

    /// The bench's WES submission and workspace submission, fingerprinted as the build before issue 10 did.
    @Test func theBenchSubmissionsKeepTheirFingerprints() {
        let wes = Self.form([
            FormField(name: "workflow_url", value: Array("https://cavatica.sbgenomics.com/u/example/project/apps/fastqc/1".utf8)),
            FormField(name: "workflow_type", value: Array("CWL".utf8)),
            FormField(name: "workflow_type_version", value: Array("v1.0".utf8)),
            FormField(
                name: "workflow_params",
                value: Array(#"{"input_file": {"class": "File", "path": "s3://example-bucket/sample.fastq"}}"#.utf8)),
        ])
        #expect(MockRunsApp.submissionFingerprint(wes) == "sha256:0b806cda")
        let workspace = HTTPRequest(
            method: "POST", path: "/api/v1/workspaces/3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10/runs",
            body: Array(#"{"inputDocumentId":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"operation":"process"}}"#.utf8))
        #expect(MockRunsApp.submissionFingerprint(workspace) == "sha256:d7413366")
    }

    @Test func aSubmissionFingerprintIsThePlainFormulaForOddNamesAndBodies() {
        let long = String(repeating: "n", count: 250)
        let requests: [HTTPRequest] = [
            Self.form([]),
            Self.form([
                FormField(name: "workflow_url", value: Array("x".utf8)),
                FormField(name: "workflow_attachment", value: [0xFF, 0xFE, 0x00, 0x41], filename: "main.cwl"),
                FormField(name: "quote\"and\\slash", value: Array("v".utf8), filename: "a\u{0}b"),
                FormField(name: "line\nbreak\u{7F}", value: Array("é".utf8)),
                FormField(name: "café", value: [], filename: "naïve\u{301}.cwl"),
                FormField(name: long, value: Array(long.utf8), filename: long),
                FormField(name: String(repeating: "m", count: 200), value: Array("200".utf8)),
                FormField(name: "", value: Array("\u{2028}".utf8), filename: ""),
            ]),
            HTTPRequest(method: "POST", path: "/api/v1/x", body: Array(#"{"a":1}"#.utf8)),
            HTTPRequest(method: "POST", path: "/api/v1/x", body: [0x7B, 0xC3, 0x28, 0x7D]),
            HTTPRequest(method: "PUT", path: "/p\u{0}q", body: []),
        ]
        for request in requests {
            #expect(MockRunsApp.submissionFingerprint(request) == Self.plainSubmissionFingerprint(request))
        }
    }

    /// The formula as it was written before issue 10 (a String grown by `+`).
    static func plainSubmissionFingerprint(_ request: HTTPRequest) -> String {
        var text = request.method + " " + request.path + "\n"
        if let form = request.form {
            for field in form {
                text += Credentials.printable(field.name) + " " + Credentials.printable(field.filename ?? "") + " "
                    + plainFingerprint(field.text) + "\n"
            }
        } else {
            text += request.bodyText
        }
        return plainFingerprint(text)
    }

    /// `Fingerprint.of` worked out without its memo.
    static func plainFingerprint(_ text: String) -> String {
        "sha256:" + hex(Array(PlainSHA256.digest(Array(text.utf8)).prefix(4)))
    }

    @Test func asciiContainsAnswersWhatACharacterSearchAnswers() {
        let texts = [
            "", ":", "https://x", "main.cwl", "a..b", "..", ".", "a.b.c", "x\r\n:", "x:\r\n", "no colon", "...",
            "é:", "x:\u{301}", ".\u{301}.", "..\u{301}", "dir/../x", "\r\n..",
        ]
        for text in texts {
            for part in [":", ".."] {
                if let answer = WESSubmission.asciiContains(text, part) {
                    #expect(answer == text.contains(part), "\(text.debugDescription) contains \(part)")
                } else {
                    #expect(text.utf8.contains { $0 >= 0x80 }, "only non-ASCII text is left to the Character search")
                }
            }
        }
    }

    /// A colon or dots followed by a combining mark are another Character: the checks still see them that way.
    @Test func aWESSubmissionStillComparesItsURLAndFilenamesAsCharacters() throws {
        func submit(url: String, attachment: String? = nil) -> Result<WESSubmission, APIError> {
            var fields = [
                FormField(name: "workflow_url", value: Array(url.utf8)),
                FormField(name: "workflow_type", value: Array("CWL".utf8)),
                FormField(name: "workflow_type_version", value: Array("v1.0".utf8)),
            ]
            if let attachment {
                fields.append(FormField(name: "workflow_attachment", value: Array("cwl".utf8), filename: attachment))
            }
            do throws(APIError) { return .success(try WESSubmission(Self.form(fields))) } catch { return .failure(error) }
        }
        let combining = "x:\u{301}y"
        #expect(throws: APIError(400, "workflow_url \"\(combining)\" is a relative URL but no workflow_attachment has that filename")) {
            try submit(url: combining).get()
        }
        #expect(throws: Never.self) { try submit(url: "é:x").get() }
        #expect(throws: Never.self) { try submit(url: "main.cwl", attachment: "main.cwl").get() }
        #expect(throws: Never.self) { try submit(url: "https://x/a", attachment: ".\u{301}.cwl").get() }
        #expect(throws: APIError(400, "workflow_attachment filename \"a/../b\" refers to a parent directory ('..')")) {
            try submit(url: "https://x/a", attachment: "a/../b").get()
        }
        let run = try submit(url: "https://x/a").get()
        #expect(
            run.runRequest.serialized()
                == #"{"workflow_params":{},"workflow_type":"CWL","workflow_type_version":"v1.0","tags":{},"workflow_engine_parameters":{},"workflow_url":"https://x/a"}"#
        )
    }

    /// A plain field wins over a file part of the same name wherever it comes; a file part alone is still read.
    @Test func aWESSubmissionReadsThePlainFieldBeforeAFilePartOfTheSameName() throws {
        let file = FormField(name: "workflow_url", value: Array("https://file/part".utf8), filename: "url.txt")
        let plain = FormField(name: "workflow_url", value: Array("https://plain/field".utf8))
        let later = FormField(name: "workflow_url", value: Array("https://later/field".utf8))
        func url(_ fields: [FormField]) throws -> String? {
            try WESSubmission(Self.form(fields), requireType: false).runRequest["workflow_url"]?.stringValue
        }
        #expect(try url([file, plain, later]) == "https://plain/field")
        #expect(try url([plain, file]) == "https://plain/field")
        #expect(try url([file]) == "https://file/part")
    }
}

/// The SHA-256 Fingerprint used before issue 10, kept as the reference: a padded copy, a schedule per call.
enum PlainSHA256 {
    static func digest(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        var data = message
        let bitLength = UInt64(message.count) &* 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let j = chunk + i * 4
                w[i] = UInt32(data[j]) << 24 | UInt32(data[j + 1]) << 16 | UInt32(data[j + 2]) << 8 | UInt32(data[j + 3])
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
        }
        return h.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * $0)) } }
    }

    static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    /// The round constants are FIPS 180-4's, shared with `Fingerprint` (the published vectors above check them).
    static let k = Fingerprint.k
}
