/// One request as the API fakes see it: a plain value, already read in full, with no tie to the socket it came from.
public struct HTTPRequest: Sendable {
    public var method: String
    /// The path without the query string, percent-decoded.
    public var path: String
    /// Query arguments in the order they were sent, percent-decoded.
    public var query: [(name: String, value: String)]
    public var headers: HTTPHeaders {
        didSet { mediaType = headers.mediaType }
    }
    public var body: [UInt8]
    /// Fields of a form-encoded or multipart body, parsed by the host; nil for any other content type.
    public var form: [FormField]?
    /// Why the host could not parse `form` (e.g. a multipart body without a boundary); nil when it could.
    public var formError: String?
    /// The part of the client's path the server took off before routing (`/__sessions/NAME`), empty for the
    /// root: `basePath + path` is the path as sent, and URLs written into answers start with it.
    public var basePath = ""

    /// The most JSON values, or form fields, a request body may hold: the APIs' real bodies hold a few dozen, and
    /// reading a hundred thousand tiny ones would hold the server's one thread for a tenth of a second.
    public static let maximumBodyValues = 10_000

    /// The first query argument called `name`.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }

    /// The media type of the body, lower-cased and without parameters (`multipart/form-data`). Worked out when
    /// the headers are set, not at each read: a submission's is read three times (the fake's checks, the contract
    /// check, the journal), and cutting a multipart type's boundary off cost ~750 instructions each time. (The
    /// host, which worked it out from the same headers already, hands it to `init`: looking for a Content-Type
    /// again cost ~300 instructions a poll.)
    public private(set) var mediaType: String?

    /// The body as UTF-8 text (invalid bytes replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

extension HTTPRequest {
    // In an extension, handing its work to the memberwise initializer: written out in the type, each field set in
    // turn, Swift 6.3 built the request aside, copied it out whole and destroyed the first (it does so for a large
    // struct with optional fields): ~510 instructions a request (health 64,354 -> 63,836,
    // bench/speed/instructions.sh).
    public init(
        method: String,
        path: String,
        query: [(name: String, value: String)] = [],
        headers: HTTPHeaders = HTTPHeaders(),
        body: [UInt8] = [],
        form: [FormField]? = nil,
        formError: String? = nil,
        mediaType knownMediaType: String?? = nil
    ) {
        // `basePath` named: only the memberwise initializer has it.
        self.init(
            method: method, path: path, query: query, headers: headers, body: body, form: form, formError: formError,
            basePath: "", mediaType: knownMediaType ?? headers.mediaType)
    }
}

/// One field of a form body; `filename` is set for a multipart file part.
public struct FormField: Sendable, Equatable {
    public var name: String
    public var value: [UInt8]
    public var filename: String?
    public var contentType: String?

    public init(name: String, value: [UInt8], filename: String? = nil, contentType: String? = nil) {
        self.name = name
        self.value = value
        self.filename = filename
        self.contentType = contentType
    }

    public var text: String { String(decoding: value, as: UTF8.self) }
}

extension String {
    /// Without leading and trailing spaces and tabs (HTTP's optional white space).
    /// Cut as bytes (OWS is bytes): nothing is copied when there is nothing to trim, and a space is a space even
    /// when a combining mark follows it (a `Character` walk saw one grapheme there, and cost several times more).
    public func trimmingSpaces() -> String {
        let bytes = utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = bytes.lastIndex(where: { !isSpace($0) }).map(bytes.index(after:)) ?? bytes.endIndex
        if first == bytes.startIndex && end == bytes.endIndex { return self }
        return String(Substring(bytes[first..<end]))
    }
}

extension FormField {
    /// The fields of an `application/x-www-form-urlencoded` body, in order. `+` is a space; a `%` not followed
    /// by two hex digits is kept as it is, as servers treat a query string. Nil when there are more than
    /// `maxFields` fields (reading stops there).
    public static func urlEncoded(_ body: [UInt8], maxFields: Int = .max) -> [FormField]? {
        let pairs = body.split(
            separator: UInt8(ascii: "&"), maxSplits: maxFields == .max ? .max : maxFields, omittingEmptySubsequences: true)
        if pairs.count > maxFields { return nil }
        return pairs.map { pair in
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : []
            return FormField(name: String(decoding: name, as: UTF8.self), value: value)
        }
    }

    private static func decode(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = bytes[index + 1].hexDigitValue, let low = bytes[index + 2].hexDigitValue
            {
                out.append(high << 4 | low)
                index += 3
                continue
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }

}
