import MockRunsHTTP
import Scenarios

extension HTTPRequest {
    /// The body parsed as JSON; the error text says what is wrong with it, for the fake to put in its own body.
    public func jsonBody() -> Result<JSON, BodyProblem> {
        if body.isEmpty { return .failure(BodyProblem("the request body is empty; expected a JSON object")) }
        do {
            return .success(try JSON.parse(body, maxValues: Self.maximumBodyValues))
        } catch {
            return .failure(BodyProblem("the request body is not valid JSON (\(error))"))
        }
    }

    /// Named values from wherever a form-style API may put them: a JSON object body, a form-encoded or
    /// multipart body, then the query string (first found wins). Non-string JSON values are serialised.
    public func parameters() -> Result<[String: String], BodyProblem> {
        var values: [String: String] = [:]
        values.reserveCapacity(query.count + (form?.count ?? 0))  // no regrowth on the way
        for (name, value) in query.reversed() { values[name] = value }
        if let form {
            for field in form.reversed() { values[field.name] = field.text }
        } else if mediaType == "application/json" || (!body.isEmpty && mediaType == nil && body.first == UInt8(ascii: "{")) {
            switch jsonBody() {
            case .failure(let problem): return .failure(problem)
            case .success(.object(let members)):
                for (name, value) in members {
                    if case .string(let s) = value { values[name] = s } else if value != .null { values[name] = value.serialized() }
                }
            case .success(let other):
                return .failure(BodyProblem("the request body is \(other.kindName); expected a JSON object"))
            }
        } else if let formError {
            return .failure(BodyProblem(formError))
        }
        return .success(values)
    }

    /// The credential of an `Authorization: <scheme> <credential>` header (scheme compared without regard to
    /// ASCII case, as a token is; white space trimmed); nil when there is none, the scheme differs or the
    /// credential is empty. Read as bytes: no lower-cased copies, and no Unicode case mapping that would let
    /// another character stand for a letter of the scheme (the Kelvin sign lower-cases to `k`).
    public func authorization(scheme: String) -> String? {
        guard var header = headers["Authorization"] else { return nil }
        // One walk over the header's own bytes and one String made (the credential): trimming twice, a view
        // comparison by closure and two Substring copies cost ~1,270 instructions more a Solvexia runstatus
        // poll (bench/speed/instructions.sh solvexia).
        return header.withUTF8 { bytes -> String? in
            func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
            var start = 0
            var end = bytes.count
            while start < end, isSpace(bytes[start]) { start += 1 }
            while end > start, isSpace(bytes[end - 1]) { end -= 1 }
            // The scheme runs to the first space (a tab does not end it) and matches letter for letter.
            var index = start
            for letter in scheme.utf8 {
                guard index < end, bytes[index] != UInt8(ascii: " "), bytes[index].asciiLowercased == letter.asciiLowercased
                else { return nil }
                index += 1
            }
            guard index < end, bytes[index] == UInt8(ascii: " ") else { return nil }
            index += 1
            while index < end, isSpace(bytes[index]) { index += 1 }
            guard index < end else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<end]), as: UTF8.self)
        }
    }
}

/// Why a request body could not be read.
public struct BodyProblem: Error, Sendable, Equatable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }
}

extension FormField {
    /// Whether two forms hold the same fields: names, values and filenames, as bytes (canonically equal names
    /// that differ in bytes are told apart). The one comparison of the memos keyed on a submitted form (the WES
    /// submission's echo, the journal's submission fingerprint). The same array (the multipart reader hands out
    /// the form it read last for the same body) needs no look at its fields. (`Credentials.equal` for the names:
    /// `hasSameUTF8` walked a small string's bytes one by one through its view.)
    static func sameFields(_ a: [FormField], _ b: [FormField]) -> Bool {
        guard a.count == b.count else { return false }
        let shared = a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress } }
        if shared { return true }
        for index in a.indices {
            guard Credentials.equal(a[index].name, b[index].name), a[index].value.hasSameBytes(as: b[index].value),
                (a[index].filename == nil) == (b[index].filename == nil),
                Credentials.equal(a[index].filename ?? "", b[index].filename ?? "")
            else { return false }
        }
        return true
    }
}
