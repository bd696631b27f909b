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
        var random = SplitMix(seed: 10)
        for length in 0...300 {
            let message = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            #expect(Fingerprint.sha256(message) == PlainSHA256.digest(message), "length \(length)")
        }
    }

    @Test func aFingerprintIsTheFirstFourDigestBytesInHexZeroPadded() {
        var random = SplitMix(seed: 11)
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

/// A seeded generator, so the random lengths are the same on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
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

    static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]
}
